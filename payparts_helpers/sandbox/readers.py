"""Reads off the event loop: a small thread pool, each thread with its own read-only connection.

In WAL mode a read never waits for a writer, so a GET answers at once even
while a create waits (up to the busy timeout) for another process's lock.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from .database import BUSY_TIMEOUT, open_reader

__all__ = ["ReadPool"]

T = TypeVar("T")


class ReadPool:
    """Runs queries on ``workers`` threads; connections open on first use, close with the pool."""

    def __init__(self, path: Path, workers: int = 4, busy_timeout: float = BUSY_TIMEOUT) -> None:
        self._path = path
        self._busy_timeout = busy_timeout
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="payparts-sandbox-read")
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    async def run(self, query: Callable[[sqlite3.Connection], T]) -> T:
        """``query(connection)`` on a pool thread; the event loop is free meanwhile."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, query)

    def call_blocking(self, query: Callable[[sqlite3.Connection], T]) -> T:
        """``query(connection)`` on a pool thread, waited for from a non-loop thread."""
        return self._executor.submit(self._call, query).result()

    def _call(self, query: Callable[[sqlite3.Connection], T]) -> T:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_reader(self._path, self._busy_timeout)
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
        return query(conn)

    def close(self) -> None:
        """Wait for running queries, then close every thread's connection."""
        self._executor.shutdown(wait=True)
        with self._lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
