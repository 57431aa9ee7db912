"""How much does order_lines_frame cost over building the bare DataFrame?

A measurement, not a test: it builds 100,000 realistic product dicts (fixed
seed), then times ``order_lines_frame({"products": lines})`` against
``pandas.DataFrame(lines)`` alone, interleaved A/B after a warm-up so that
both see the same machine state, and prints the medians and their ratio
against the target (≤ 3×). Exit code 0 when the target is met, 1 when not.

Run: ``.venv/bin/python bench/bench_orders.py``
"""

from __future__ import annotations

import random
from typing import Any

import pandas as pd
from common import Result, finish, interleaved, timed

from payparts_helpers.checks.order_frames import order_lines_frame

LINES = 100_000
ROUNDS = 7
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
    base_times, cand_times = interleaved(
        timed(lambda: pd.DataFrame(lines)),
        timed(lambda: order_lines_frame(order)),
        rounds=ROUNDS,
    )
    result = Result.from_rounds(
        base_times,
        cand_times,
        scale=1000,
        name="bench_orders.py",
        what=f"order_lines_frame on {LINES:,} lines",
        compared_with="pandas.DataFrame(lines) alone",
        unit="ms",
        target=TARGET_RATIO,
    )
    flagged = int((~order_lines_frame(order)["total_ok"]).sum())
    result.notes.append(f"sanity: {flagged:,} lines flagged with total ≠ quantity × unitPrice")
    print(f"{LINES:,} lines, {ROUNDS} interleaved rounds after a warm-up (medians)")
    print(f"  pandas.DataFrame(lines)              {result.baseline:10.1f} ms")
    print(f"  order_lines_frame(order)             {result.candidate:10.1f} ms")
    return finish(result)


if __name__ == "__main__":
    raise SystemExit(main())
