"""A write lock held by another process never stalls the sandbox's event loop.

Several sandboxes may share one database file, so a create can wait up to the
30 s busy timeout for another process's write transaction. Meanwhile reads must
go on (WAL lets them), and the waiting create must still be stored afterwards.
The lock holder is a separate process that ends by itself after a bounded hold,
even when a test fails; every wait of the tests is for a state it signals.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests

from payparts_helpers.rules.examples import minimum_request
from payparts_helpers.sandbox import DEMO_MERCHANT, start_sandbox
from payparts_helpers.sandbox.store import SessionStore, StoredSession, utc_now

from .conftest import http_session

T = TypeVar("T")

HOLD_SECONDS = 3.0  # how long the other process keeps its write transaction open
MAX_GET_SECONDS = 0.5  # the bound for a GET while a writer waits

# Takes the write lock, says so, then holds it until told to stop or for at most
# argv[2] seconds; says "releasing <monotonic time>" just before the rollback, so
# nothing can have been committed by anyone else before that instant.
_HOLDER = r"""
import select, sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
conn.execute(
    "INSERT INTO sessions (session_id, sl_code, session_token, request_json, created_at) "
    "VALUES ('0' || hex(randomblob(15)), 'SL-0000-0000', 'st_', '{}', '')"
)
print("locked", flush=True)
select.select([sys.stdin], [], [], float(sys.argv[2]))
print(f"releasing {time.monotonic()!r}", flush=True)
conn.execute("ROLLBACK")
conn.close()
"""


def run_on_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on a thread of its own: the browser tests' Playwright (sync API)
    keeps an event loop running on the main thread for the whole session."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class LockHolder:
    """The other process: its announcements arrive on a queue, read by a thread."""

    def __init__(self, db: Path, hold_seconds: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(db), str(hold_seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.released_at: float | None = None

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put("exited")

    def wait_until_locked(self) -> None:
        line = self.lines.get(timeout=30)
        assert line == "locked", f"the lock holder said {line!r}"

    def releasing(self) -> bool:
        """True once the holder has announced its rollback (non-blocking)."""
        try:
            line = self.lines.get_nowait()
        except queue.Empty:
            return False
        self._note_release(line)
        return True

    def release(self) -> None:
        """Ask for the rollback now and wait for its announcement."""
        assert self.process.stdin is not None
        self.process.stdin.write("release\n")
        self.process.stdin.flush()
        self._note_release(self.lines.get(timeout=30))

    def _note_release(self, line: str) -> None:
        assert line.startswith("releasing "), f"the lock holder said {line!r}"
        self.released_at = float(line.split()[1])

    def close(self) -> None:
        if self.process.poll() is None and self.process.stdin is not None:
            self.process.stdin.close()  # EOF: select() returns, the holder rolls back
        try:
            self.process.wait(30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(10)
        assert self.process.returncode == 0


@contextmanager
def lock_held(db: Path, hold_seconds: float) -> Iterator[LockHolder]:
    holder = LockHolder(db, hold_seconds)
    try:
        holder.wait_until_locked()
        yield holder
    finally:
        holder.close()


def _timed_get(api: requests.Session, url: str) -> float:
    start = time.perf_counter()
    response = api.get(url, timeout=60)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.text
    return elapsed


def _create(url: str) -> tuple[int, float, str]:
    """Status, monotonic time of the answer, session id (or the body when not 201)."""
    with http_session(DEMO_MERCHANT) as api:
        response = api.post(f"{url}/v1/session/start", json=minimum_request(), timeout=60)
    answered = time.monotonic()
    body = response.json()
    return response.status_code, answered, body.get("sessionId", str(body))


@pytest.mark.slow
def test_get_answers_at_once_while_a_create_waits_for_another_process_lock(
    tmp_path: Path,
) -> None:
    db = tmp_path / "shared.sqlite3"
    with start_sandbox(db_path=db) as sandbox, http_session(DEMO_MERCHANT) as api:
        created = api.post(f"{sandbox.url}/v1/session/start", json=minimum_request(), timeout=10)
        existing = f"{sandbox.url}/v1/session/{created.json()['sessionId']}"
        latencies: list[float] = []
        with lock_held(db, HOLD_SECONDS) as holder, ThreadPoolExecutor(1) as pool:
            waiting_create = pool.submit(_create, sandbox.url)
            while not holder.releasing():  # GET for as long as the other process holds the lock
                latencies.append(_timed_get(api, existing))
            status, answered_at, session_id = waiting_create.result(timeout=60)
        print(
            f"\nGET of an existing session while another process holds the write lock "
            f"({HOLD_SECONDS:.0f} s) and a create waits: {len(latencies)} GETs, "
            f"median {statistics.median(latencies) * 1000:.1f} ms, "
            f"max {max(latencies) * 1000:.1f} ms"
        )
        assert max(latencies) < MAX_GET_SECONDS
        assert status == 201, session_id
        assert holder.released_at is not None
        assert answered_at > holder.released_at  # it really waited for the lock
        assert api.get(f"{sandbox.url}/v1/session/{session_id}", timeout=10).status_code == 200


def _session(n: int) -> StoredSession:
    return StoredSession(f"{n:032x}", DEMO_MERCHANT.sl_code, f"st_{n}", {"n": n}, utc_now())


def _stored_ids(db: Path) -> set[str]:
    with closing(sqlite3.connect(db, timeout=30)) as conn:
        return {row[0] for row in conn.execute("SELECT session_id FROM sessions")}


def test_creates_of_one_turn_of_the_loop_share_one_transaction(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "turn.sqlite3")
    try:
        run_on_own_loop(_gather_adds(store, range(20)))
        assert store.transactions == 1
        assert _stored_ids(store.path) == {_session(n).session_id for n in range(20)}
    finally:
        store.close()


async def _gather_adds(store: SessionStore, numbers: range) -> None:
    await asyncio.gather(*(store.add(_session(n)) for n in numbers))


@pytest.mark.slow
def test_no_create_returns_before_its_commit_and_those_queued_meanwhile_commit_together(
    tmp_path: Path,
) -> None:
    db = tmp_path / "queued.sqlite3"
    store = SessionStore(db)

    async def scenario(holder: LockHolder) -> list[asyncio.Task[None]]:
        adds = []
        for n in range(20):  # one create per turn of the loop: twenty hand-overs
            adds.append(asyncio.create_task(store.add(_session(n))))
            await asyncio.sleep(0)
        assert not any(add.done() for add in adds)  # nothing can be committed yet
        await asyncio.to_thread(holder.release)
        await asyncio.gather(*adds)
        return adds

    try:
        with lock_held(db, hold_seconds=60) as holder:
            run_on_own_loop(scenario(holder))
        assert _stored_ids(db) == {_session(n).session_id for n in range(20)}
        # The first hand-over may have gone alone to the lock; the other 19 queued
        # behind it and went in one transaction.
        assert store.transactions <= 2
    finally:
        store.close()


@pytest.mark.slow
def test_a_commit_that_times_out_fails_its_creates_and_the_writer_goes_on(
    tmp_path: Path,
) -> None:
    db = tmp_path / "timeout.sqlite3"
    store = SessionStore(db, busy_timeout=0.2)

    refused, stored = _session(1), _session(2)

    async def scenario(holder: LockHolder) -> None:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await store.add(refused)
        assert await store.get(refused.session_id, refused.sl_code) is None
        await asyncio.to_thread(holder.release)
        await store.add(stored)
        assert await store.get(stored.session_id, stored.sl_code) == stored

    try:
        with lock_held(db, hold_seconds=60) as holder:
            run_on_own_loop(scenario(holder))
        assert _stored_ids(db) == {stored.session_id}
    finally:
        store.close()


def test_stopping_closes_every_connection(tmp_path: Path) -> None:
    db = tmp_path / "closed.sqlite3"

    def create_and_get(url: str) -> int:
        with http_session(DEMO_MERCHANT) as api:
            created = api.post(f"{url}/v1/session/start", json=minimum_request(), timeout=10)
            got = api.get(f"{url}/v1/session/{created.json()['sessionId']}", timeout=10)
            return got.status_code

    with start_sandbox(db_path=db) as sandbox, ThreadPoolExecutor(8) as pool:
        assert list(pool.map(create_and_get, [sandbox.url] * 40)) == [200] * 40
        assert Path(f"{db}-wal").exists()
    # The last connection to close checkpoints the WAL into the file and deletes it:
    # a reader or the writer left open would keep it.
    assert not Path(f"{db}-wal").exists()
    assert len(_stored_ids(db)) == 40
