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

__all__ = [
    "BUSY_TIMEOUT",
    "SELECT_SESSION",
    "SESSION_COLUMNS",
    "insert_sessions",
    "open_reader",
    "open_writer",
]

BUSY_TIMEOUT = 30.0  # seconds a write waits for another process's transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id    TEXT PRIMARY KEY,
    sl_code       TEXT NOT NULL,
    session_token TEXT NOT NULL,
    request_json  TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expire_at     REAL              -- the request's expire as epoch seconds, if any
);

-- Sessions with an expire and no final order yet: what the expiry sweep reads. A trigger
-- fills it, so a create stays one INSERT; a final status change deletes the row.
CREATE TABLE IF NOT EXISTS open_expiries (
    session_id    TEXT PRIMARY KEY,
    expire_at     REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS open_expiries_by_time ON open_expiries (expire_at);
CREATE TRIGGER IF NOT EXISTS sessions_open_expiry AFTER INSERT ON sessions
    WHEN NEW.expire_at IS NOT NULL
    BEGIN INSERT OR IGNORE INTO open_expiries VALUES (NEW.session_id, NEW.expire_at); END;

-- At most one order per session (UNIQUE session_id); times are epoch seconds.
CREATE TABLE IF NOT EXISTS orders (
    order_id      TEXT PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    payment_id    TEXT NOT NULL,
    session_id    TEXT NOT NULL UNIQUE,
    sl_code       TEXT NOT NULL,
    status_code   INTEGER NOT NULL,
    three_ds      INTEGER NOT NULL DEFAULT 0,  -- 1 while a 3-D Secure step waits
    created_at    REAL NOT NULL,
    modified_at   REAL NOT NULL,
    completed_at  REAL
);

-- Every status change, for the timeline.
CREATE TABLE IF NOT EXISTS order_events (
    id            INTEGER PRIMARY KEY,
    session_id    TEXT NOT NULL,
    at            REAL NOT NULL,
    status_code   INTEGER NOT NULL,
    source        TEXT NOT NULL                 -- sdk, trigger or expiry
);
CREATE INDEX IF NOT EXISTS order_events_by_session ON order_events (session_id);

-- The outbox: one exchange call per status change, signed once, sent until answered.
CREATE TABLE IF NOT EXISTS deliveries (
    id            INTEGER PRIMARY KEY,
    session_id    TEXT NOT NULL,
    order_id      TEXT NOT NULL,
    status_code   INTEGER NOT NULL,
    url           TEXT NOT NULL,
    headers_json  TEXT NOT NULL,
    body          BLOB NOT NULL,
    state         TEXT NOT NULL,                -- pending, delivered or failed
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       REAL,                         -- when the next attempt is due
    lease_until   REAL,                         -- a sandbox is sending it until then
    created_at    REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries (session_id, id)
    WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS deliveries_by_session ON deliveries (session_id);

CREATE TABLE IF NOT EXISTS delivery_attempts (
    id            INTEGER PRIMARY KEY,
    delivery_id   INTEGER NOT NULL,
    session_id    TEXT NOT NULL,
    attempt       INTEGER NOT NULL,
    at            REAL NOT NULL,
    duration_ms   REAL NOT NULL,
    http_status   INTEGER,
    answer        TEXT,
    error         TEXT,
    ok            INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS delivery_attempts_by_session ON delivery_attempts (session_id);

-- Each GET /v1/orders/{id}/status that found an order: whether (and when) a shop asked the
-- order API, which payparts check --session judges an unsigned call's booking by.
CREATE TABLE IF NOT EXISTS status_reads (
    id            INTEGER PRIMARY KEY,
    order_id      TEXT NOT NULL,
    session_id    TEXT NOT NULL,
    sl_code       TEXT NOT NULL,                -- the order's sales location
    caller        TEXT,                         -- the SL code that asked; NULL: no auth
    at            REAL NOT NULL,                -- epoch seconds, when the request came
    http_status   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS status_reads_by_session ON status_reads (session_id);
"""
SELECT_SESSION = (
    "SELECT session_id, sl_code, session_token, request_json, created_at "
    "FROM sessions WHERE session_id = ? AND sl_code = ?"
)
SESSION_COLUMNS = 6


@lru_cache(maxsize=64)
def insert_sessions(rows: int) -> str:
    """One INSERT of ``rows`` sessions (``SESSION_COLUMNS`` parameters each)."""
    placeholders = ",".join(["(?,?,?,?,?,?)"] * rows)  # only placeholders, never data
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
        _add_expiry_column(conn)
        conn.executescript(_SCHEMA)
    except BaseException:
        conn.close()
        raise
    return conn


def _add_expiry_column(conn: sqlite3.Connection) -> None:
    """Databases made before payments existed lack ``sessions.expire_at``: add it.

    Their sessions keep NULL there, so they never expire (as they never did).
    """
    columns = [row[1] for row in conn.execute("PRAGMA table_info(sessions)")]
    if columns and "expire_at" not in columns:
        conn.execute("ALTER TABLE sessions ADD COLUMN expire_at REAL")


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
