"""Crash: SIGKILL the sandbox process in the middle of a concurrent create load, restart it.

Every session whose create was answered 201 before the kill must come back after
the restart with the same token, amount, customer and order, and SQLite must
say ``ok`` to ``PRAGMA integrity_check``. Three kills on the same database file;
sessions from earlier rounds are checked again after every later restart.
"""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from payparts_helpers.rules.examples import full_request
from payparts_helpers.sandbox import DEMO_MERCHANT

from ..sandbox_process import SandboxProcess

THREADS = 8
KILLS = 3
KILL_AFTER = 400  # confirmed creates per round before the kill (the load keeps going)
MAX_PER_THREAD = 5_000  # bounds each thread's loop even if the kill never came


@dataclass(frozen=True)
class Confirmed:
    session_id: str
    token: str
    sent: dict


def _session() -> requests.Session:
    session = requests.Session()
    session.auth = (DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret)
    session.headers["Accept"] = "application/json"
    return session


class Load:
    """THREADS threads creating sessions until told to stop; records each 201."""

    def __init__(self, url: str, round_no: int) -> None:
        self.url = url
        self.round_no = round_no
        self.confirmed: list[Confirmed] = []
        self.unexpected: list[str] = []
        self.in_doubt = 0  # cut off by the kill: maybe stored, maybe not; never checked
        self.lock = threading.Lock()
        self.enough = threading.Event()
        self.stop = threading.Event()

    def run(self, thread: int) -> None:
        with _session() as http:
            for i in range(MAX_PER_THREAD):
                if self.stop.is_set():
                    return
                body = full_request()
                body["amount"]["value"] = 1 + (self.round_no * 1_000_000 + thread * 10_000 + i)
                body["reference"] = f"crash-{self.round_no}-{thread}-{i}"
                try:
                    response = http.post(f"{self.url}/v1/session/start", json=body, timeout=10)
                except requests.RequestException:
                    with self.lock:
                        self.in_doubt += 1
                    continue
                with self.lock:
                    if response.status_code == 201:
                        answer = response.json()
                        self.confirmed.append(
                            Confirmed(answer["sessionId"], answer["sessionToken"], body)
                        )
                        if len(self.confirmed) >= KILL_AFTER:
                            self.enough.set()
                    else:
                        self.unexpected.append(f"{response.status_code} {response.text[:200]}")


def _missing_or_changed(url: str, confirmed: list[Confirmed]) -> list[str]:
    def check(chunk: list[Confirmed]) -> list[str]:
        problems = []
        with _session() as http:
            for record in chunk:
                got = http.get(f"{url}/v1/session/{record.session_id}", timeout=30)
                if got.status_code != 200:
                    problems.append(f"{record.session_id}: {got.status_code} (lost)")
                    continue
                details = got.json()
                expected = {k: record.sent[k] for k in ("amount", "customer", "order")}
                received = {k: details.get(k) for k in ("amount", "customer", "order")}
                if details["sessionToken"] != record.token or received != expected:
                    problems.append(f"{record.session_id}: came back different")
        return problems

    with ThreadPoolExecutor(8) as pool:
        results = pool.map(check, [confirmed[n::8] for n in range(8)])
        return [problem for problems in results for problem in problems]


def _integrity(db_path: Path) -> str:
    with closing(sqlite3.connect(db_path, timeout=30)) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_sigkill_during_concurrent_creates_loses_no_confirmed_session(
    sandbox_process: SandboxProcess,
) -> None:
    every: list[Confirmed] = []
    report = []
    for round_no in range(KILLS):
        load = Load(sandbox_process.url, round_no)
        with ThreadPoolExecutor(THREADS) as pool:
            futures = [pool.submit(load.run, n) for n in range(THREADS)]
            assert load.enough.wait(120), "the load never reached the kill point"
            sandbox_process.kill9()  # creates are in flight on all threads right now
            load.stop.set()
            for future in futures:
                future.result(60)
        assert load.unexpected == []
        every += load.confirmed
        report.append(
            f"round {round_no}: {len(load.confirmed)} confirmed, "
            f"{load.in_doubt} failed (cut off or refused by the kill)"
        )

        assert _integrity(sandbox_process.db_path) == "ok"  # as the kill left it (WAL unmerged)
        sandbox_process.start()  # same database file, new port
        problems = _missing_or_changed(sandbox_process.url, every)
        assert problems == [], problems[:20]
        with _session() as http:
            created = http.post(
                f"{sandbox_process.url}/v1/session/start", json=full_request(), timeout=10
            )
        assert created.status_code == 201  # it writes again after recovering

    assert len({record.session_id for record in every}) == len(every)
    assert sandbox_process.stop() == 0
    assert _integrity(sandbox_process.db_path) == "ok"
    with closing(sqlite3.connect(sandbox_process.db_path)) as db:
        stored = db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
    assert stored >= len(every) + KILLS
    print(f"\ncrash: {KILLS} SIGKILLs under {THREADS} threads: " + "; ".join(report))
