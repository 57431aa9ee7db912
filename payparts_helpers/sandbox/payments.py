"""Orders and their status changes in the sandbox's SQLite file.

A status change is one transaction on the writer thread: the order's new
status, a timeline event, and an exchange call in the outbox (``deliveries``),
signed once. So a change the API acknowledged is never without its exchange
call, even across ``kill -9``: the delivery worker finds it after a restart.

Reads (the order, the timeline, the deliveries) run on the read pool.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..rules.order_model import OrderFacts, new_order_id
from ..rules.order_status import status_for

__all__ = [
    "Encoder",
    "OrderConflict",
    "SessionGone",
    "StatusChange",
    "apply_status",
    "is_final",
    "load_deliveries",
    "load_order",
    "load_order_by_ref",
    "load_session_row",
    "load_timeline",
]

PENDING = 20
# (the order as the call reports it) -> the headers and the exact body of its exchange call.
Encoder = Callable[[OrderFacts], tuple[dict[str, str], bytes]]


class OrderConflict(Exception):  # noqa: N818 - read as "a conflict", answered with 409
    """The order cannot move this way (it is final, or no 3-D Secure step waits)."""


class SessionGone(Exception):  # noqa: N818 - the session does not exist (for this merchant)
    """No such session (for this sales location)."""


def is_final(code: int) -> bool:
    """Paid or a negative code: nothing moves the order any more."""
    status = status_for(code)
    return status is not None and status.is_final


@dataclass(frozen=True)
class StatusChange:
    """What to do to a session's order, and who asked (for the timeline)."""

    code: int
    source: str  # sdk, trigger or expiry
    three_ds: bool = False  # the order waits in a 3-D Secure step (pending)
    via_pending: bool = True  # a new order passes through PENDING first
    requires_three_ds: bool = False  # only a waiting 3-D Secure step may move (the SDK's 3ds)


_SESSION_ROW = (
    "SELECT session_id, sl_code, session_token, request_json, created_at, expire_at "
    "FROM sessions WHERE session_id = ?"
)
_ORDER_COLUMNS = (
    "order_id, uuid, payment_id, sl_code, status_code, three_ds, created_at, modified_at, "
    "completed_at"
)


def load_session_row(
    conn: sqlite3.Connection, session_id: str, sl_code: str | None = None
) -> tuple[Any, ...] | None:
    """The session's row; with ``sl_code`` only if it belongs to that sales location."""
    row = conn.execute(_SESSION_ROW, (session_id,)).fetchone()
    if row is None or (sl_code is not None and row[1] != sl_code):
        return None
    return row


def _facts(order: tuple[Any, ...], request: dict[str, Any], expire_at: float | None) -> OrderFacts:
    amount = request.get("amount") or {}
    customer = request.get("customer") or {}
    email = customer.get("email") if isinstance(customer, dict) else None
    return OrderFacts(
        id=order[1],
        order_id=order[0],
        payment_id=order[2],
        sl_code=order[3],
        status_code=order[4],
        amount_value=amount.get("value"),
        currency=amount.get("currency"),
        created_at=order[6],
        modified_at=order[7],
        completed_at=order[8],
        reference=request.get("reference"),
        description=request.get("description"),
        customer_email=email if isinstance(email, str) else None,
        expires_at=expire_at,
    )


def _order_row(conn: sqlite3.Connection, session_id: str) -> tuple[Any, ...] | None:
    return conn.execute(
        f"SELECT {_ORDER_COLUMNS} FROM orders WHERE session_id = ?",  # noqa: S608 - constant
        (session_id,),
    ).fetchone()


def load_order(
    conn: sqlite3.Connection, session_id: str, sl_code: str | None = None
) -> tuple[OrderFacts, bool] | None:
    """The session's order and whether a 3-D Secure step waits; None without one."""
    session = load_session_row(conn, session_id, sl_code)
    if session is None:
        return None
    order = _order_row(conn, session_id)
    if order is None:
        return None
    return _facts(order, json.loads(session[3]), session[5]), bool(order[5])


def load_order_by_ref(conn: sqlite3.Connection, ref: str) -> OrderFacts | None:
    """The order whose ``orderId`` or ``id`` (UUID) is ``ref``, whoever owns it."""
    order = conn.execute(
        f"SELECT {_ORDER_COLUMNS}, session_id FROM orders "  # noqa: S608 - constant columns
        "WHERE order_id = ? OR uuid = ?",
        (ref, ref),
    ).fetchone()
    if order is None:
        return None
    session = load_session_row(conn, order[-1])
    if session is None:
        return None
    return _facts(order[:-1], json.loads(session[3]), session[5])


def _unique_order_id(conn: sqlite3.Connection) -> str:
    while True:  # 6·10^10·65536 ids: a clash is rare, never repeated for long
        candidate = new_order_id()
        if conn.execute("SELECT 1 FROM orders WHERE order_id = ?", (candidate,)).fetchone() is None:
            return candidate


def apply_status(
    conn: sqlite3.Connection,
    session_id: str,
    sl_code: str | None,
    change: StatusChange,
    now: float,
    encode: Encoder,
) -> OrderFacts:
    """Move the session's order to ``change.code`` (creating the order), in the caller's
    transaction; queue one signed exchange call per status it passes through.

    Raises :class:`SessionGone` or :class:`OrderConflict` (nothing is written then).
    """
    session = load_session_row(conn, session_id, sl_code)
    if session is None:
        raise SessionGone(session_id)
    request = json.loads(session[3])
    order = _order_row(conn, session_id)
    steps: list[tuple[int, bool]] = []
    if order is None:
        if change.requires_three_ds:
            raise OrderConflict("no 3-D Secure step is waiting: pay with the 3-D Secure card")
        order_id = _unique_order_id(conn)
        first = PENDING if change.via_pending else change.code
        conn.execute(
            "INSERT INTO orders (order_id, uuid, payment_id, session_id, sl_code, status_code, "
            "three_ds, created_at, modified_at, completed_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                order_id,
                str(uuid.uuid4()),
                secrets.token_hex(8),
                session_id,
                session[1],
                first,
                int(change.three_ds and first == PENDING),
                now,
                now,
                now if is_final(first) else None,
            ),
        )
        order = _order_row(conn, session_id)
        assert order is not None
        steps.append((first, bool(order[5])))
    else:
        _refuse_if_stuck(order, change)
    if order[4] != change.code or bool(order[5]) != change.three_ds:
        conn.execute(
            "UPDATE orders SET status_code = ?, three_ds = ?, modified_at = ?, "
            "completed_at = ? WHERE order_id = ?",
            (
                change.code,
                int(change.three_ds),
                now,
                now if is_final(change.code) else None,
                order[0],
            ),
        )
        if order[4] != change.code:
            steps.append((change.code, change.three_ds))
    current = _order_row(conn, session_id)
    assert current is not None
    if is_final(current[4]) or current[4] == 95:  # paid, authorised or over: no expiry any more
        conn.execute("DELETE FROM open_expiries WHERE session_id = ?", (session_id,))
    for code, _ in steps:
        _record_change(conn, session, request, current, code, change.source, now, encode)
    return _facts(current, request, session[5])


def _refuse_if_stuck(order: tuple[Any, ...], change: StatusChange) -> None:
    status = status_for(order[4])
    name = status.action if status else str(order[4])
    if is_final(order[4]):
        raise OrderConflict(
            f"order {order[0]} is already {name} ({order[4]}), a final status: "
            "create a new session to pay again"
        )
    if change.requires_three_ds and not order[5]:
        raise OrderConflict(f"order {order[0]} has no 3-D Secure step waiting")
    if order[4] == 95 and change.code not in (100, -90, -61):
        raise OrderConflict(f"order {order[0]} is authorised: it can only be paid or cancelled")


def _record_change(
    conn: sqlite3.Connection,
    session: tuple[Any, ...],
    request: dict[str, Any],
    order: tuple[Any, ...],
    code: int,
    source: str,
    now: float,
    encode: Encoder,
) -> None:
    """One timeline event and one exchange call (as the order was at ``code``)."""
    conn.execute(
        "INSERT INTO order_events (session_id, at, status_code, source) VALUES (?,?,?,?)",
        (session[0], now, code, source),
    )
    snapshot = _facts((*order[:4], code, *order[5:]), request, session[5])
    if not is_final(code):
        snapshot = OrderFacts(**{**snapshot.__dict__, "completed_at": None})
    headers, body = encode(snapshot)
    conn.execute(
        "INSERT INTO deliveries (session_id, order_id, status_code, url, headers_json, body, "
        "state, attempts, next_at, created_at) VALUES (?,?,?,?,?,?, 'pending', 0, ?, ?)",
        (
            session[0],
            order[0],
            code,
            request["exchangeUrl"],
            json.dumps(headers),
            body,
            now,
            now,
        ),
    )


def _status(code: int) -> dict[str, Any]:
    status = status_for(code)
    return {"code": code, "action": status.action if status else None}


def _one_moment(read: Callable[..., Any]) -> Callable[..., Any]:
    """Run a read of several queries in one transaction: one snapshot of the WAL, so an
    answer never shows a delivery's state without the attempt that decided it."""

    def in_one_snapshot(conn: sqlite3.Connection, *args: Any) -> Any:
        conn.execute("BEGIN")
        try:
            return read(conn, *args)
        finally:
            conn.execute("COMMIT")

    in_one_snapshot.__doc__ = read.__doc__
    return in_one_snapshot


@_one_moment
def load_timeline(conn: sqlite3.Connection, session: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Session created, each status change, each exchange attempt: oldest first."""
    session_id = session[0]
    events: list[tuple[float, int, dict[str, Any]]] = []
    for at, code, source in conn.execute(
        "SELECT at, status_code, source FROM order_events WHERE session_id = ? ORDER BY id",
        (session_id,),
    ):
        status = _status(code)
        detail = f"status {code} {status['action']} ({source})"
        events.append(
            (
                at,
                1,
                {"kind": "status-changed", "status": status, "source": source, "detail": detail},
            )
        )
    for delivery_id, attempt, at, duration, http_status, error, ok in conn.execute(
        "SELECT delivery_id, attempt, at, duration_ms, http_status, error, ok "
        "FROM delivery_attempts WHERE session_id = ? ORDER BY id",
        (session_id,),
    ):
        outcome = "answered true" if ok else (error or f"HTTP {http_status}")
        events.append(
            (
                at,
                2,
                {
                    "kind": "exchange-attempt",
                    "deliveryId": delivery_id,
                    "attempt": attempt,
                    "ok": bool(ok),
                    "httpStatus": http_status,
                    "durationMs": round(duration, 1),
                    "detail": f"exchange call {delivery_id}, attempt {attempt}: {outcome}",
                },
            )
        )
    events.sort(key=lambda event: (event[0], event[1]))
    created_at = datetime.fromisoformat(session[4]).timestamp()
    created = {"at": _precise(created_at), "kind": "session-created", "detail": "session created"}
    return [created] + [{"at": _precise(at), **event} for at, _, event in events]


def _precise(epoch: float) -> str:
    """Timeline times keep milliseconds: events of one payment are milliseconds apart."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


@_one_moment
def load_deliveries(conn: sqlite3.Connection, session_id: str) -> list[dict[str, Any]]:
    """Every exchange call of the session with all its attempts, oldest first."""
    attempts: dict[int, list[dict[str, Any]]] = {}
    for delivery_id, attempt, at, duration, http_status, answer, error, ok in conn.execute(
        "SELECT delivery_id, attempt, at, duration_ms, http_status, answer, error, ok "
        "FROM delivery_attempts WHERE session_id = ? ORDER BY id",
        (session_id,),
    ):
        attempts.setdefault(delivery_id, []).append(
            {
                "attempt": attempt,
                "at": _precise(at),
                "durationMs": round(duration, 1),
                "httpStatus": http_status,
                "answer": answer,
                "error": error,
                "ok": bool(ok),
            }
        )
    deliveries = []
    for delivery_id, order_id, code, url, headers, body, state, next_at in conn.execute(
        "SELECT id, order_id, status_code, url, headers_json, body, state, next_at "
        "FROM deliveries WHERE session_id = ? ORDER BY id",
        (session_id,),
    ):
        deliveries.append(
            {
                "deliveryId": delivery_id,
                "orderId": order_id,
                "url": url,
                "status": _status(code),
                "state": state,
                "headers": json.loads(headers),
                "body": bytes(body).decode("utf-8"),
                "nextAttemptAt": _precise(next_at) if state == "pending" and next_at else None,
                "attempts": attempts.get(delivery_id, []),
            }
        )
    return deliveries
