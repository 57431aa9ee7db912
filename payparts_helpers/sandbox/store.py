"""The sandbox's sessions in SQLite, off the event loop.

Creates go to one writer thread that commits them in batches (``group_commit``);
reads run on a small pool of threads with read-only connections (``readers``).
So a create waiting up to the busy timeout for another process's write lock
(several sandboxes may share one file) stalls no other request, reads included.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from .database import BUSY_TIMEOUT, SELECT_SESSION, open_writer
from .group_commit import GroupCommit
from .readers import ReadPool

T = TypeVar("T")

__all__ = [
    "SessionStore",
    "StoredSession",
    "default_db_path",
    "expire_epoch",
    "read_recent_ids",
    "utc_now",
]

# One encoder for every create: json.dumps with options builds a new one per call.
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def default_db_path() -> Path:
    """``$PAYPARTS_SANDBOX_DB``, else a file in the per-user data directory.

    One file per user means a session created from one notebook's kernel can
    be fetched from another kernel, and after a restart.
    """
    override = os.environ.get("PAYPARTS_SANDBOX_DB")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path("payparts-explorer", appauthor=False) / "sandbox.sqlite3"


@dataclass(frozen=True)
class StoredSession:
    """A created session: the request is kept verbatim so GET can return it as sent."""

    session_id: str
    sl_code: str
    session_token: str
    request: dict[str, Any]
    created_at: str


class SessionStore:
    """Async access for the app: ``await add(...)``, ``await get(...)``; ``close()`` at the end.

    The file, WAL mode and schema are set up in the constructor, so a database
    SQLite refuses fails at once, before the server starts.
    """

    def __init__(
        self, path: str | Path, busy_timeout: float = BUSY_TIMEOUT, readers: int = 4
    ) -> None:
        self.path = Path(path)
        self._writes = GroupCommit(open_writer(self.path, busy_timeout))
        self._reads = ReadPool(self.path, readers, busy_timeout)

    @property
    def transactions(self) -> int:
        """Write transactions committed so far: fewer than creates when they were grouped."""
        return self._writes.transactions

    async def add(self, session: StoredSession, request_json: str | None = None) -> None:
        """Return once ``session`` is committed (with whatever else queued up meanwhile).

        ``request_json``: the request as the client sent it, when the caller has that
        text (the create endpoint): kept as it is, with no second serialisation. It must
        be JSON that parses to ``session.request``.
        """
        await self._writes.add(
            (
                session.session_id,
                session.sl_code,
                session.session_token,
                _to_json(session.request) if request_json is None else request_json,
                session.created_at,
                expire_epoch(session.request.get("expire")),
            )
        )

    def write(self, work: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Run ``work`` on the writer thread in one transaction, after what is queued."""
        return self._writes.call(work)

    async def write_async(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """:meth:`write` from a coroutine: returns once committed."""
        return await asyncio.wrap_future(self._writes.call(work))

    async def read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``query`` on a read-only connection off the event loop."""
        return await self._reads.run(query)

    def read_now(self, query: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``query`` on a reader from a thread of its own (the delivery worker)."""
        return self._reads.call_blocking(query)

    async def get(self, session_id: str, sl_code: str) -> StoredSession | None:
        """The session, only if it belongs to ``sl_code`` (another merchant's is 'not found')."""

        def select(conn: sqlite3.Connection) -> StoredSession | None:
            row = conn.execute(SELECT_SESSION, (session_id, sl_code)).fetchone()
            if row is None:
                return None
            return StoredSession(row[0], row[1], row[2], json.loads(row[3]), row[4])

        return await self._reads.run(select)

    def close(self) -> None:
        """Finish running reads and queued writes, then close every connection.

        Blocks until the last queued create is committed (it may be waiting for
        another process's lock). Readers close first, so the writer's connection
        is the last one and SQLite checkpoints the WAL into the database file.
        """
        self._reads.close()
        self._writes.close()


def read_recent_ids(path: str | Path, sl_code: str, limit: int = 50) -> list[str]:
    """Newest session ids of ``sl_code`` in the database at ``path``, opened read-only.

    For the explorer's id pickers: never creates the file, and [] when it is absent
    or not a sandbox database.
    """
    file = Path(path)
    if not file.is_file():
        return []
    try:
        conn = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error:
        return []
    try:
        rows = conn.execute(
            # rowid is insertion order: newest first without an index on created_at.
            "SELECT session_id FROM sessions WHERE sl_code = ? ORDER BY rowid DESC LIMIT ?",
            (sl_code, limit),
        ).fetchall()
    except sqlite3.Error:
        return []
    finally:
        conn.close()
    return [row[0] for row in rows]


def expire_epoch(expire: object) -> float | None:
    """A session's ``expire`` as epoch seconds; no offset means UTC (a sandbox assumption).

    The contract's validation has accepted the text already; anything else is None.
    """
    if not isinstance(expire, str):
        return None
    try:
        moment = datetime.fromisoformat(expire)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
