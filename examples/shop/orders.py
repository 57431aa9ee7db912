"""The shop's own orders, in SQLite (the standard library's sqlite3, WAL mode).

One row per order. What Pay.nl says about a payment changes a row only through
:meth:`Orders.apply_status`, which reads and writes in one ``BEGIN IMMEDIATE``
transaction: SQLite lets one writer in at a time, so two exchange calls for the
same payment (a retry racing the first try, say) cannot both see "not booked yet".
The booking itself is also conditional (``WHERE bookings = 0``) as a second guard.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from payparts_helpers.rules.order_status import status_for

__all__ = ["AWAITING", "REFERENCE_PATTERN", "Change", "Orders", "ShopOrder"]

AWAITING = "awaiting payment"
# What a status category makes of an order that is not booked yet. 100 and 95 book it;
# pending, verify and the like change nothing; any negative code ends it.
_BOOKS = {"paid": "paid", "authorised": "authorised"}
_ENDS = {"denied": "denied"}  # every other negative category: cancelled

# References are random, not a counter: a customer cannot read another order's state
# by counting (GET /orders/{reference} needs no login), and a reference never repeats
# when the shop's database is reset while Pay.nl (or the sandbox) still knows old orders.
REFERENCE_PATTERN = r"SHOP-[0-9A-F]{10}"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    reference     TEXT PRIMARY KEY,
    description   TEXT NOT NULL,
    amount_value  INTEGER NOT NULL,   -- minor units (cents), as Pay.nl sends them
    currency      TEXT NOT NULL,
    session_id    TEXT,               -- the Pay.Parts session paying for it
    order_id      TEXT UNIQUE,        -- Pay.nl's orderId, once a verified call named it
    state         TEXT NOT NULL,
    bookings      INTEGER NOT NULL DEFAULT 0,
    booked_at     TEXT,
    created_at    TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class ShopOrder:
    reference: str
    description: str
    amount_value: int
    currency: str
    session_id: str | None
    order_id: str | None
    state: str
    bookings: int
    booked_at: str | None
    created_at: str

    def to_json(self) -> dict[str, Any]:
        """What ``GET /orders/{reference}`` answers (docs/reference-shop.md)."""
        return {
            "reference": self.reference,
            "state": self.state,
            "orderId": self.order_id,
            "amount": {"value": self.amount_value, "currency": self.currency},
            "bookings": self.bookings,
        }


@dataclass(frozen=True)
class Change:
    """What :meth:`Orders.apply_status` did: ``accepted`` False means "refuse the call"."""

    accepted: bool
    description: str
    booked: bool = False


class Orders:
    """The orders table. Every method opens its own short connection (thread-safe)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as conn:
            conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            conn.executescript(_SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        # isolation_level=None: no implicit transactions; _transaction says BEGIN itself.
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; IMMEDIATE takes the write lock before the first read."""
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def create(self, description: str, amount_value: int, currency: str) -> ShopOrder:
        reference = f"SHOP-{secrets.token_hex(5).upper()}"
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO orders (reference, description, amount_value, currency, state, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (reference, description, amount_value, currency, AWAITING, _now()),
            )
        order = self.get(reference)
        assert order is not None
        return order

    def get(self, reference: str) -> ShopOrder | None:
        with self._connection() as conn:
            row = conn.execute("SELECT * FROM orders WHERE reference = ?", (reference,)).fetchone()
        return ShopOrder(**dict(row)) if row else None

    def attach_session(self, reference: str, session_id: str) -> None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE orders SET session_id = ? WHERE reference = ?", (session_id, reference)
            )

    def link(self, reference: str, order_id: str) -> Change:
        """Remember Pay.nl's orderId for the order (the page's onSuccess, after a re-check)."""
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT order_id FROM orders WHERE reference = ?", (reference,)
            ).fetchone()
            if row is None:
                return Change(False, f"no order {reference} in this shop")
            if row["order_id"] not in (None, order_id):
                return Change(False, f"order {reference} is paid through another Pay.nl order")
            try:
                conn.execute(
                    "UPDATE orders SET order_id = ? WHERE reference = ?", (order_id, reference)
                )
            except sqlite3.IntegrityError:  # the UNIQUE order_id: another order has it
                return Change(False, f"Pay.nl order {order_id} belongs to another order")
        return Change(True, f"order {reference} is linked to Pay.nl order {order_id}")

    def apply_status(self, reference: str, order_id: str, code: int) -> Change:
        """Apply a verified status of Pay.nl order ``order_id`` to the shop's order.

        Books the payment once (the first 100 or 95), lets 95 become 100 without a second
        booking, ends an unbooked order on a negative code, and acknowledges anything
        that comes late (a cancel after the payment was booked) without undoing it.
        """
        status = status_for(code)
        if status is None:  # the caller asks the order-status API for such codes
            return Change(False, f"status code {code} means nothing to this shop")
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT state, bookings, order_id FROM orders WHERE reference = ?", (reference,)
            ).fetchone()
            if row is None:
                return Change(False, f"no order {reference} in this shop")
            if row["order_id"] not in (None, order_id):
                return Change(False, f"order {reference} is paid through another Pay.nl order")
            state, booked = row["state"], row["bookings"] > 0
            try:
                conn.execute(  # the first verified call names the Pay.nl order
                    "UPDATE orders SET order_id = ? WHERE reference = ? AND order_id IS NULL",
                    (order_id, reference),
                )
            except sqlite3.IntegrityError:
                return Change(False, f"Pay.nl order {order_id} belongs to another order")
            said = f"{status.code} {status.action}"
            if status.category in _BOOKS:
                new_state = _BOOKS[status.category]
                if not booked:
                    cursor = conn.execute(
                        "UPDATE orders SET state = ?, bookings = bookings + 1, booked_at = ? "
                        "WHERE reference = ? AND bookings = 0",
                        (new_state, _now(), reference),
                    )
                    if cursor.rowcount == 1:
                        return Change(
                            True, f"booked: {said}, order {reference} is {new_state}", True
                        )
                if state == "authorised" and new_state == "paid":  # captured: no new booking
                    conn.execute(
                        "UPDATE orders SET state = 'paid' WHERE reference = ?", (reference,)
                    )
                    return Change(True, f"{said}: the authorised payment was captured")
                return Change(True, f"{said}: already booked, nothing changed")
            if status.code < 0:
                if booked:  # out of order or after the fact: never un-book here
                    return Change(True, f"{said} after the booking: acknowledged, stays {state}")
                new_state = _ENDS.get(status.category, "cancelled")
                conn.execute(
                    "UPDATE orders SET state = ? WHERE reference = ?", (new_state, reference)
                )
                return Change(True, f"{said}: order {reference} is {new_state}")
            return Change(True, f"{said}: nothing to book yet")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
