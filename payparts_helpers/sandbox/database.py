"""Opening the sandbox's SQLite file: the writer's connection (WAL, schema) and readers'.

Several sandboxes (one per notebook kernel, say) may open the same file: WAL
lets readers run beside the single writer, and the busy timeout makes writers
wait for each other instead of failing. ``synchronous=NORMAL`` in WAL mode
keeps every committed session across a crash of the process.
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from pathlib import Path

__all__ = ["BUSY_TIMEOUT", "SELECT_SESSION", "insert_sessions", "open_reader", "open_writer"]

BUSY_TIMEOUT = 30.0  # seconds a write waits for another process's transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id    TEXT PRIMARY KEY,
    sl_code       TEXT NOT NULL,
    session_token TEXT NOT NULL,
    request_json  TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
"""
SELECT_SESSION = (
    "SELECT session_id, sl_code, session_token, request_json, created_at "
    "FROM sessions WHERE session_id = ? AND sl_code = ?"
)


@lru_cache(maxsize=64)
def insert_sessions(rows: int) -> str:
    """One INSERT of ``rows`` sessions (five parameters each)."""
    placeholders = ",".join(["(?,?,?,?,?)"] * rows)  # only placeholders, never data
    return "INSERT INTO sessions VALUES " + placeholders  # noqa: S608


def open_writer(path: Path, busy_timeout: float = BUSY_TIMEOUT) -> sqlite3.Connection:
    """The one read-write connection: creates the file and schema, switches to WAL.

    ``check_same_thread=False``: it is opened here, so that a database SQLite
    refuses fails the caller at once, then handed to the writer thread, which
    alone uses (and closes) it from then on.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
    )
    try:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise RuntimeError(f"{path}: SQLite refused WAL mode (got {mode!r})")
        conn.execute("PRAGMA synchronous = NORMAL")
        # Checkpoint (and fsync) every ~40 MB of WAL instead of every ~4 MB: creates are
        # small and frequent, and readers see WAL pages all the same.
        conn.execute("PRAGMA wal_autocheckpoint = 10000")
        conn.executescript(_SCHEMA)
    except BaseException:
        conn.close()
        raise
    return conn


def open_reader(path: Path, busy_timeout: float = BUSY_TIMEOUT) -> sqlite3.Connection:
    """A read-only connection (``mode=ro``): in WAL mode it never waits for a writer.

    ``check_same_thread=False`` only so that the pool can close it after its
    thread has finished; one thread at a time ever uses it.
    """
    return sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro",
        uri=True,
        timeout=busy_timeout,
        isolation_level=None,
        check_same_thread=False,
    )
