"""How much does order_lines_frame cost over building the bare DataFrame?

A measurement, not a test: it builds 100,000 realistic product dicts (fixed
seed), then times ``order_lines_frame({"products": lines})`` against
``pandas.DataFrame(lines)`` alone, interleaved A/B after a warm-up so that
both see the same machine state, and prints the medians and their ratio
against the target (≤ 3×). It always exits 0.

Run: ``.venv/bin/python bench/bench_orders.py``
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from payparts_helpers.orders import order_lines_frame

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


def _seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> int:
    lines = make_lines()
    order = {"products": lines}

    def baseline() -> object:
        return pd.DataFrame(lines)

    def candidate() -> object:
        return order_lines_frame(order)

    baseline()  # warm-up: imports, caches, allocator
    candidate()
    baseline_times: list[float] = []
    candidate_times: list[float] = []
    for round_number in range(ROUNDS):
        # Alternate which goes first so neither always runs on a warmer cache.
        pair = [(baseline, baseline_times), (candidate, candidate_times)]
        if round_number % 2:
            pair.reverse()
        for action, times in pair:
            times.append(_seconds(action))

    base = statistics.median(baseline_times)
    cand = statistics.median(candidate_times)
    ratio = cand / base
    print(f"{LINES:,} lines, {ROUNDS} interleaved rounds after a warm-up (medians)")
    print(f"  pandas.DataFrame(lines)          {base * 1000:8.1f} ms")
    print(f"  order_lines_frame(order)         {cand * 1000:8.1f} ms")
    print(f"  ratio                            {ratio:8.2f}×")
    verdict = "met" if ratio <= TARGET_RATIO else "not met"
    print(f"  target ≤ {TARGET_RATIO:g}×: {verdict}")
    flagged = int((~order_lines_frame(order)["total_ok"]).sum())
    print(f"  (sanity: {flagged:,} lines flagged with total ≠ quantity × unitPrice)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
