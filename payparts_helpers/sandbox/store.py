"""SQLite persistence for sandbox sessions (WAL mode, shared safely between processes).

Several sandboxes (one per notebook kernel, say) may open the same file: WAL
lets readers run beside the single writer, and ``busy_timeout`` makes writers
wait for each other instead of failing. ``synchronous=NORMAL`` in WAL mode
keeps every committed session across a crash of the process.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["SessionStore", "StoredSession", "default_db_path", "read_recent_ids"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id    TEXT PRIMARY KEY,
    sl_code       TEXT NOT NULL,
    session_token TEXT NOT NULL,
    request_json  TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
"""


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
    """One connection, guarded by a lock, usable from the server's thread and its callers."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA busy_timeout = 30000")
        mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise RuntimeError(f"{self.path}: SQLite refused WAL mode (got {mode!r})")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        # Checkpoint (and fsync) every ~40 MB of WAL instead of every ~4 MB: creates are
        # small and frequent, and readers see WAL pages all the same.
        self._conn.execute("PRAGMA wal_autocheckpoint = 10000")
        self._conn.executescript(_SCHEMA)

    def add(self, *sessions: StoredSession) -> None:
        """Store sessions in one transaction: all are committed, or none."""
        rows = [
            (
                s.session_id,
                s.sl_code,
                s.session_token,
                json.dumps(s.request, ensure_ascii=False, separators=(",", ":")),
                s.created_at,
            )
            for s in sessions
        ]
        insert = "INSERT INTO sessions VALUES (?, ?, ?, ?, ?)"
        with self._lock:
            if len(rows) == 1:  # autocommit: one statement is its own transaction
                self._conn.execute(insert, rows[0])
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(insert, rows)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def get(self, session_id: str, sl_code: str) -> StoredSession | None:
        """The session, only if it belongs to ``sl_code`` (another merchant's is 'not found')."""
        with self._lock:
            row = self._conn.execute(
                "SELECT session_id, sl_code, session_token, request_json, created_at "
                "FROM sessions WHERE session_id = ? AND sl_code = ?",
                (session_id, sl_code),
            ).fetchone()
        if row is None:
            return None
        return StoredSession(row[0], row[1], row[2], json.loads(row[3]), row[4])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


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


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
