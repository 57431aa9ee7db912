"""Group commit on a writer thread: creates that queue up together share one transaction.

The same thread runs every other write too (payments, exchange deliveries) as
jobs, each in its own transaction, in the order they were queued: one
connection writes, so a process never waits for its own lock.

One thread owns the read-write connection. It takes every create queued so far,
writes them in one transaction, and only once that transaction is committed tells
each waiting request, on its event loop, that its row is stored: a session whose
create returned 201 survives a crash of the process. While it waits for the
lock (another sandbox's transaction on the same file) or commits, the event
loop goes on serving, and new creates queue up for the next batch: eight
clients creating at once pay for one commit, not eight.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from .database import insert_sessions

__all__ = ["GroupCommit"]

_MAX_ROWS = 512  # per transaction (a batch is never split): bounds one commit's time
Row = tuple[Any, ...]
T = TypeVar("T")


@dataclass(frozen=True)
class _Batch:
    """The creates of one turn of one event loop, handed to the writer in one piece."""

    loop: asyncio.AbstractEventLoop
    rows: list[Row]
    waiting: list[asyncio.Future[None]]


@dataclass(frozen=True)
class _Job:
    """A write that is not a create: ``work(connection)`` in one transaction."""

    work: Callable[[sqlite3.Connection], Any]
    done: Future[Any]


class GroupCommit:
    """The writer thread and its queue; ``add`` returns once the row is committed.

    Creates that arrive in the same turn of the event loop are handed over
    together (one wake-up of the writer per turn, not per create); batches that
    queue up while the writer is busy are committed together too.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._queue: queue.SimpleQueue[_Batch | _Job | None] = queue.SimpleQueue()
        self._gathering: _Batch | None = None  # this turn's batch, on the loop's thread
        self._closed = False
        self._closing = threading.Lock()  # nothing is queued after close()'s end marker
        self.transactions = 0  # committed so far (for tests of the batching)
        self._thread = threading.Thread(
            target=self._run, name="payparts-sandbox-writer", daemon=True
        )
        self._thread.start()

    async def add(self, row: Row) -> None:
        """Return once ``row`` is committed; raise what the commit raised."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        batch = self._gathering
        if batch is None or batch.loop is not loop:
            batch = self._gathering = _Batch(loop, [], [])
            # Runs after every request already ready in this turn has added its row.
            loop.call_soon(self._hand_over, batch)
        batch.rows.append(row)
        batch.waiting.append(done)
        await done

    def call(self, work: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Run ``work(connection)`` on the writer thread in one transaction (BEGIN IMMEDIATE).

        The future holds its result once committed, or what it raised (then nothing
        of it is kept). From a coroutine: ``await asyncio.wrap_future(writes.call(work))``.
        """
        done: Future[T] = Future()
        with self._closing:
            if not self._closed:
                self._queue.put(_Job(work, done))
                return done
        done.set_exception(RuntimeError("the session store is closed"))
        return done

    def _hand_over(self, batch: _Batch) -> None:
        if self._gathering is batch:
            self._gathering = None
        with self._closing:
            if not self._closed:
                self._queue.put(batch)
                return
        _settle(batch.waiting, RuntimeError("the session store is closed"))

    def close(self) -> None:
        """Commit what is queued, stop the thread and close its connection."""
        with self._closing:
            if not self._closed:
                self._closed = True
                self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        try:
            while (first := self._queue.get()) is not None:
                if isinstance(first, _Job):
                    self._run_job(first)
                    continue
                batches, job = self._more_batches(first)
                error = self._write([row for batch in batches for row in batch.rows])
                for batch in batches:
                    with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                        batch.loop.call_soon_threadsafe(_settle, batch.waiting, error)
                if job is not None:  # queued after those creates: it runs after them
                    self._run_job(job)
        finally:
            self._conn.close()

    def _more_batches(self, first: _Batch) -> tuple[list[_Batch], _Job | None]:
        """The batches queued right behind ``first``, up to a job or the end marker."""
        batches, rows = [first], len(first.rows)
        while rows < _MAX_ROWS:
            try:
                batch = self._queue.get_nowait()
            except queue.Empty:
                break
            if batch is None:  # close(): these are the last
                self._queue.put(None)
                break
            if isinstance(batch, _Job):
                return batches, batch
            batches.append(batch)
            rows += len(batch.rows)
        return batches, None

    def _run_job(self, job: _Job) -> None:
        if not job.done.set_running_or_notify_cancel():
            return
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            result = job.work(self._conn)
            self._conn.execute("COMMIT")
        except Exception as error:
            if self._conn.in_transaction:  # nothing of a failed job is kept
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
            job.done.set_exception(error)
            return
        self.transactions += 1
        job.done.set_result(result)

    def _write(self, rows: list[Row]) -> Exception | None:
        """All rows in one statement, so one transaction; the error instead of raising it.

        One multi-row INSERT in autocommit mode is atomic by itself, and it is a
        single SQLite call: the thread gives up the GIL once per batch, not per row.
        """
        try:
            self._conn.execute(insert_sessions(len(rows)), [v for row in rows for v in row])
        except Exception as error:
            return error
        self.transactions += 1
        return None


def _settle(waiting: list[asyncio.Future[None]], error: Exception | None) -> None:
    """On the loop: tell each waiting create how its commit went."""
    for done in waiting:
        if done.done():  # the request was cancelled; its row is stored all the same
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
