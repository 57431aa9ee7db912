"""What does PayPartsClient cost over a bare ``requests.Session``?

A measurement, not a test. The sandbox runs in its own process (``python -m
payparts_helpers.sandbox``, a temporary database) so that neither side's GIL
slows the other. Per round, one side does ``PAIRS`` create + get pairs: with
``PayPartsClient.create_session`` / ``get_session``, or with a bare
``requests.Session`` doing the same two calls (same Basic auth, same JSON body,
the contract's full example, same server, keep-alive, status and JSON checked).
Rounds alternate after a warm-up; the medians of the per-pair time are
compared against the target (≤ 1.10×).

Run: ``.venv/bin/python bench/bench_client.py``
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from common import PYTHON, Result, finish, interleaved, served, spread

from payparts_helpers import PayPartsClient
from payparts_helpers.rules import examples
from payparts_helpers.sandbox import DEMO_MERCHANT

PAIRS = 100
ROUNDS = 21
TARGET_RATIO = 1.10


def bare_pairs(http: requests.Session, url: str, body: dict[str, Any]) -> None:
    for _ in range(PAIRS):
        created = http.post(f"{url}/v1/session/start", json=body, timeout=10)
        if created.status_code != 201:
            raise RuntimeError(f"create answered {created.status_code}: {created.text[:200]}")
        session_id = created.json()["sessionId"]
        fetched = http.get(f"{url}/v1/session/{session_id}", timeout=10)
        if fetched.status_code != 200 or fetched.json()["sessionId"] != session_id:
            raise RuntimeError(f"get answered {fetched.status_code}: {fetched.text[:200]}")


def client_pairs(client: PayPartsClient, body: dict[str, Any]) -> None:
    for _ in range(PAIRS):
        created = client.create_session(body)
        client.get_session(created.session_id)


def wall_and_cpu(action: Callable[[], object], cpu: list[float]) -> Callable[[], float]:
    """Wall seconds of ``action`` (the measurement); this process's CPU seconds go to ``cpu``."""

    def measure() -> float:
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        action()
        wall = time.perf_counter() - wall_start
        cpu.append(time.process_time() - cpu_start)
        return wall

    return measure


def main() -> int:
    body = examples.full_request()
    with tempfile.TemporaryDirectory(prefix="payparts-bench-") as scratch:
        db = Path(scratch) / "sandbox.sqlite3"
        argv = [PYTHON, "-m", "payparts_helpers.sandbox", "--port", "0", "--db", str(db)]
        with (
            served(argv) as url,
            requests.Session() as http,
            PayPartsClient(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, base_url=url) as client,
        ):
            http.auth = (DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret)
            http.headers["Accept"] = "application/json"
            base_cpu: list[float] = []
            cand_cpu: list[float] = []
            base_times, cand_times = interleaved(
                wall_and_cpu(lambda: bare_pairs(http, url, body), base_cpu),
                wall_and_cpu(lambda: client_pairs(client, body), cand_cpu),
                rounds=ROUNDS,
            )
    per_pair = 1000 / PAIRS  # seconds per round → ms per pair
    result = Result.from_rounds(
        base_times,
        cand_times,
        scale=per_pair,
        name="bench_client.py",
        what="create + get through PayPartsClient",
        compared_with="the same two calls with a bare requests.Session",
        unit="ms per pair",
        target=TARGET_RATIO,
    )
    result.notes.append(
        "CPU of the calling process per pair (the client's own work): "
        f"bare {statistics.median(base_cpu) * per_pair:.3f} ms, "
        f"PayPartsClient {statistics.median(cand_cpu) * per_pair:.3f} ms"
    )
    print(
        f"create + get against the sandbox in another process, {PAIRS} pairs per round, "
        f"{ROUNDS} interleaved rounds after a warm-up (medians, ms per pair)"
    )
    print(
        f"  bare requests.Session                {result.baseline:10.3f} ms"
        f"   (rounds {spread(result.baseline_values)})"
    )
    print(
        f"  PayPartsClient                       {result.candidate:10.3f} ms"
        f"   (rounds {spread(result.candidate_values)})"
    )
    return finish(result)


if __name__ == "__main__":
    raise SystemExit(main())
