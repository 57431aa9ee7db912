"""Load: 16 threads × 500 create-then-get against the sandbox running as its own process.

Zero errors and zero lost sessions: every id a create returned is fetched back,
during the load and again after it, with the same token and the same amount.
p50/p99 latencies are printed (``-s``) and recorded as test properties.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field

import pytest
import requests

from payparts_helpers.rules.examples import minimum_request
from payparts_helpers.sandbox import DEMO_MERCHANT

from ..sandbox_process import SandboxProcess
from .conftest import percentile

THREADS = 16
PER_THREAD = 500
MAX_REPORTED = 20  # errors kept for the message; all are counted


@dataclass
class Created:
    session_id: str
    token: str
    amount: dict


@dataclass
class Tally:
    created: list[Created] = field(default_factory=list)
    create_ms: list[float] = field(default_factory=list)
    get_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0

    def error(self, text: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(text)


def _session() -> requests.Session:
    session = requests.Session()
    session.auth = (DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret)
    session.headers["Accept"] = "application/json"
    return session


def _timed(call: Callable[[], requests.Response]) -> tuple[requests.Response, float]:
    started = time.perf_counter()
    response = call()
    return response, (time.perf_counter() - started) * 1000


def _worker(url: str, thread: int, start: threading.Barrier) -> Tally:
    tally = Tally()
    with _session() as http:
        start.wait(30)
        for i in range(PER_THREAD):
            body = minimum_request()
            body["amount"] = {"value": thread * 100_000 + i + 1, "currency": "EUR"}
            body["reference"] = f"load-{thread}-{i}"
            try:
                created, ms = _timed(
                    lambda b=body: http.post(f"{url}/v1/session/start", json=b, timeout=30)
                )
                tally.create_ms.append(ms)
                if created.status_code != 201:
                    tally.error(f"create {thread}/{i}: {created.status_code} {created.text[:200]}")
                    continue
                answer = created.json()
                record = Created(answer["sessionId"], answer["sessionToken"], body["amount"])
                tally.created.append(record)
                got, ms = _timed(
                    lambda r=record: http.get(f"{url}/v1/session/{r.session_id}", timeout=30)
                )
                tally.get_ms.append(ms)
                if got.status_code != 200:
                    tally.error(f"get {record.session_id}: {got.status_code} {got.text[:200]}")
                    continue
                details = got.json()
                if (details["sessionToken"], details["amount"]) != (record.token, record.amount):
                    tally.error(f"get {record.session_id}: came back different: {details}")
            except (requests.RequestException, ValueError, KeyError) as exc:
                tally.error(f"{thread}/{i}: {type(exc).__name__}: {exc}")
    return tally


def _verify_all(url: str, created: list[Created]) -> list[str]:
    """Fetch every created session again, after the load, with 8 threads."""

    def check(chunk: list[Created]) -> list[str]:
        problems = []
        with _session() as http:
            for record in chunk:
                got = http.get(f"{url}/v1/session/{record.session_id}", timeout=30)
                if got.status_code != 200:
                    problems.append(f"{record.session_id}: {got.status_code}")
                    continue
                details = got.json()
                if (details["sessionToken"], details["amount"]) != (record.token, record.amount):
                    problems.append(f"{record.session_id}: different: {details}")
        return problems

    chunks = [created[n::8] for n in range(8)]
    with ThreadPoolExecutor(8) as pool:
        return [p for problems in pool.map(check, chunks) for p in problems]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_sixteen_threads_by_five_hundred_create_then_get(
    sandbox_process: SandboxProcess, record_property: Callable[[str, object], None]
) -> None:
    url = sandbox_process.url
    start = threading.Barrier(THREADS)
    began = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        tallies = list(pool.map(lambda n: _worker(url, n, start), range(THREADS)))
    wall = time.perf_counter() - began

    created = [record for tally in tallies for record in tally.created]
    errors = [text for tally in tallies for text in tally.errors]
    error_count = sum(tally.error_count for tally in tallies)
    create_ms = sorted(ms for tally in tallies for ms in tally.create_ms)
    get_ms = sorted(ms for tally in tallies for ms in tally.get_ms)
    stats = {
        "requests": len(create_ms) + len(get_ms),
        "wall_s": round(wall, 2),
        "throughput_rps": round((len(create_ms) + len(get_ms)) / wall, 1),
        "create_p50_ms": round(percentile(create_ms, 0.50), 2),
        "create_p99_ms": round(percentile(create_ms, 0.99), 2),
        "get_p50_ms": round(percentile(get_ms, 0.50), 2),
        "get_p99_ms": round(percentile(get_ms, 0.99), 2),
        "errors": error_count,
    }
    for name, value in stats.items():
        record_property(name, value)
    print(
        f"\nload: {THREADS} threads x {PER_THREAD} create+get against a sandbox process: "
        f"{stats['requests']} requests in {stats['wall_s']} s ({stats['throughput_rps']} req/s); "
        f"create p50 {stats['create_p50_ms']} ms p99 {stats['create_p99_ms']} ms; "
        f"get p50 {stats['get_p50_ms']} ms p99 {stats['get_p99_ms']} ms; "
        f"errors {error_count}"
    )

    assert error_count == 0, errors
    assert len(created) == THREADS * PER_THREAD
    assert len({record.session_id for record in created}) == THREADS * PER_THREAD

    lost = _verify_all(url, created)
    assert lost == [], lost[:MAX_REPORTED]
    read_only = f"{sandbox_process.db_path.resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(read_only, uri=True)) as db:
        stored = db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
    assert stored == THREADS * PER_THREAD
    assert sandbox_process.stop() == 0  # and it still shuts down cleanly after the load
