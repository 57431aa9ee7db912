"""What does PayPartsClient cost over a bare ``requests.Session``, in wall time and CPU?

A measurement, not a test. The sandbox runs in its own process (``python -m
payparts_helpers.sandbox``, a temporary database) so that neither side's GIL slows
the other. One run is one create + get pair: with ``PayPartsClient.create_session`` /
``get_session``, or with a bare ``requests.Session()`` (as a user makes it: its
default ``trust_env``) doing the same two calls (same Basic auth, same JSON body, the
contract's full example, same server, keep-alive, status and JSON checked). The two
alternate pair by pair (A B, B A, …), ``PAIRS`` pairs of each per round, so both see
the same machine within milliseconds; each round's per-pair wall time and this
process's CPU per pair (``time.process_time``: the calling side's own work) give one
paired ratio each. Two results, both held to ≤ 1.00×: wall and CPU.

Run: ``.venv/bin/python bench/bench_client.py``
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from common import PYTHON, Result, finish, interleaved, served, spread, timed

from payparts_helpers import PayPartsClient
from payparts_helpers.rules import examples
from payparts_helpers.sandbox import DEMO_MERCHANT

PAIRS = 10  # per side and round, alternating one by one
ROUNDS = 61
WARMUP = 20  # pairs of each, unrecorded
TARGET_RATIO = 1.00
# Why the client, which does more per call (typed answers, history, redaction), can cost
# less than the bare session: the environment. Checked with cProfile (see RESULTS.md).
CAUSE = (
    "the client reads the proxy environment once, when it is made, and sends with "
    "trust_env off; a bare requests.Session (trust_env on) re-reads every environment "
    "variable twice per request (proxies, then NO_PROXY, in merge_environment_settings), "
    "so with {variables} variables in this process the bare side spends more CPU per pair"
)


def bare_pair(http: requests.Session, url: str, body: dict[str, Any]) -> None:
    created = http.post(f"{url}/v1/session/start", json=body, timeout=10)
    if created.status_code != 201:
        raise RuntimeError(f"create answered {created.status_code}: {created.text[:200]}")
    session_id = created.json()["sessionId"]
    fetched = http.get(f"{url}/v1/session/{session_id}", timeout=10)
    if fetched.status_code != 200 or fetched.json()["sessionId"] != session_id:
        raise RuntimeError(f"get answered {fetched.status_code}: {fetched.text[:200]}")


def client_pair(client: PayPartsClient, body: dict[str, Any]) -> None:
    created = client.create_session(body)
    client.get_session(created.session_id)


def environment_cost_ms(url: str, calls: int = 2000) -> float:
    """What a bare session's environment reading costs per request (ms): the cause, measured."""
    with requests.Session() as http:
        start = time.process_time()
        for _ in range(calls):
            http.merge_environment_settings(url, {}, None, None, None)
        return (time.process_time() - start) / calls * 1000


def main() -> int:
    body = examples.full_request()
    with tempfile.TemporaryDirectory(prefix="payparts-bench-") as scratch:
        db = Path(scratch) / "sandbox.sqlite3"
        argv = [PYTHON, "-m", "payparts_helpers.sandbox", "--port", "0", "--db", str(db)]
        with (
            served(argv) as server,
            requests.Session() as http,
            PayPartsClient(
                DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, base_url=server.url
            ) as client,
        ):
            http.auth = (DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret)
            http.headers["Accept"] = "application/json"
            bare, candidate = interleaved(
                [
                    timed(lambda: bare_pair(http, server.url, body)),
                    timed(lambda: client_pair(client, body)),
                ],
                rounds=ROUNDS,
                warmup=WARMUP,
                runs_per_round=PAIRS,
            )
            environment_ms = environment_cost_ms(server.url)
    per_pair = 1000 / PAIRS  # seconds per round → ms per pair
    common: dict[str, Any] = {
        "compared_with": "the same two calls with a bare requests.Session()",
        "unit": "ms per pair",
        "target": TARGET_RATIO,
        "candidate_does_more": True,
        "cause": CAUSE.format(variables=len(os.environ)),
    }
    wall = Result(
        name="bench_client.py (wall)",
        what="create + get through PayPartsClient, wall time",
        baseline_values=[s.value * per_pair for s in bare],
        candidate_values=[s.value * per_pair for s in candidate],
        **common,
    )
    cpu = Result(
        name="bench_client.py (CPU)",
        what="create + get through PayPartsClient, CPU of the calling process",
        baseline_values=[s.cpu * per_pair for s in bare],
        candidate_values=[s.cpu * per_pair for s in candidate],
        **common,
    )
    cpu.notes.append(
        f"the cause, measured: a bare session's merge_environment_settings costs "
        f"{environment_ms:.3f} ms of CPU per request here, {2 * environment_ms:.3f} ms per "
        f"pair; the client's CPU per pair is {cpu.paired.baseline - cpu.paired.candidate:.3f} "
        "ms below the bare session's"
    )
    print(
        f"create + get against the sandbox in another process, {ROUNDS} rounds of {PAIRS} "
        f"pairs of each, alternating pair by pair, after {WARMUP} warm-up pairs "
        f"({len(os.environ)} environment variables in this process)"
    )
    for result, label in ((wall, "wall"), (cpu, "CPU ")):
        paired = result.paired
        print(
            f"  {label} bare requests.Session          {paired.baseline:8.3f} ms per pair"
            f"   (rounds {spread(result.baseline_values)})"
        )
        print(
            f"  {label} PayPartsClient                 {paired.candidate:8.3f} ms per pair"
            f"   (rounds {spread(result.candidate_values)})"
        )
    return finish([wall, cpu])


if __name__ == "__main__":
    raise SystemExit(main())
