"""How much does order_lines_frame cost over building the bare DataFrame?

A measurement, not a test: it builds 100,000 realistic product dicts (fixed
seed), then times ``order_lines_frame({"products": lines})`` against
``pandas.DataFrame(lines)`` alone, interleaved A/B after a warm-up so that both
see the same machine state; each round's ratio (wall time, and this process's CPU)
is paired, and the median ratio is held to the target (≤ 3×).

Run: ``.venv/bin/python bench/bench_orders.py``
"""

from __future__ import annotations

import random
from typing import Any

import pandas as pd
from common import Result, finish, interleaved, spread, timed

from payparts_helpers.checks.order_frames import order_lines_frame

LINES = 100_000
ROUNDS = 21
SEED = 20_251_231
TARGET_RATIO = 3.0
VAT_RATES = (21, 21, 21, 9, 0)


def make_lines(count: int = LINES, seed: int = SEED) -> list[dict[str, Any]]:
    """Product dicts as a shop sends them: mostly consistent, a few with a wrong total."""
    rng = random.Random(seed)
    lines = []
    for number in range(count):
        quantity = rng.randint(1, 5)
        unit_price = rng.randint(50, 250_000)
        total = quantity * unit_price
        if rng.random() < 0.01:  # a shop's rounding slip now and then
            total += rng.choice((-1, 1))
        lines.append(
            {
                "description": f"Product {number}",
                "quantity": quantity,
                "unitPrice": unit_price,
                "total": total,
                "productId": f"PROD-{number:06d}",
                "vatPercentage": rng.choice(VAT_RATES),
            }
        )
    return lines


def main() -> int:
    lines = make_lines()
    order = {"products": lines}
    base, cand = interleaved(
        [timed(lambda: pd.DataFrame(lines)), timed(lambda: order_lines_frame(order))],
        rounds=ROUNDS,
    )
    result = Result.from_samples(
        base,
        cand,
        scale=1000,
        name="bench_orders.py",
        what=f"order_lines_frame on {LINES:,} lines",
        compared_with="pandas.DataFrame(lines) alone",
        unit="ms",
        target=TARGET_RATIO,
        candidate_does_more=True,  # it builds that DataFrame, then checks every line
        cpu_unit="ms",
        cpu_label="this process",
    )
    flagged = int((~order_lines_frame(order)["total_ok"]).sum())
    result.notes.append(f"sanity: {flagged:,} lines flagged with total ≠ quantity × unitPrice")
    paired = result.paired
    print(f"{LINES:,} lines, {ROUNDS} interleaved rounds after a warm-up (medians)")
    print(
        f"  pandas.DataFrame(lines)              {paired.baseline:10.1f} ms"
        f"   (rounds {spread(result.baseline_values)})"
    )
    print(
        f"  order_lines_frame(order)             {paired.candidate:10.1f} ms"
        f"   (rounds {spread(result.candidate_values)})"
    )
    return finish(result)


if __name__ == "__main__":
    raise SystemExit(main())
