"""Pay.nl's order status codes: one table, with each code's action name and category.

The codes and their categories are those of Pay.nl's PHP SDK (``PayStatus``, in
docs/reference/known-facts.md): 20/25/50/90/98 pending, 75/76 confirmed, 80 partial
payment, 85 verify, 95 authorised, 97 partly captured, 100 paid; -61 void, -63/-64
denied, -70/-71 chargeback, -72/-81 refund, -82 partial refund; any other negative
code counts as cancelled. Any other positive code, and 0, is an error for that SDK:
:func:`status_for` returns ``None`` for them, so nothing here can hand one out.

Only ``PAID`` and ``PENDING`` are published action names; the others (in capitals,
as Pay.nl writes actions) are this package's choice, listed in the sandbox's
assumptions. Pure module: the sandbox, the client, the listener and the CLI all
name codes through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "OUTCOME_CODES",
    "STATUSES",
    "Category",
    "OrderStatus",
    "describe_status",
    "status_for",
]

Category = Literal[
    "pending",
    "confirmed",
    "partial payment",
    "verify",
    "authorised",
    "partly captured",
    "paid",
    "void",
    "denied",
    "chargeback",
    "refunded",
    "partially refunded",
    "cancelled",
]


@dataclass(frozen=True)
class OrderStatus:
    """A status code, its action name (``PAID``) and what it means for a shop."""

    code: int
    action: str
    category: Category

    @property
    def is_final(self) -> bool:
        """Paid, or a negative code: the order will not move on by itself."""
        return self.code == 100 or self.code < 0

    def __str__(self) -> str:
        return f"{self.code} {self.action} ({self.category})"


def _table(*rows: tuple[int, str, Category]) -> dict[int, OrderStatus]:
    return {code: OrderStatus(code, action, category) for code, action, category in rows}


STATUSES: dict[int, OrderStatus] = _table(
    (20, "PENDING", "pending"),
    (25, "PENDING", "pending"),
    (50, "PENDING", "pending"),
    (90, "PENDING", "pending"),
    (98, "PENDING", "pending"),
    (75, "CONFIRMED", "confirmed"),
    (76, "CONFIRMED", "confirmed"),
    (80, "PARTIAL_PAYMENT", "partial payment"),
    (85, "VERIFY", "verify"),
    (95, "AUTHORIZE", "authorised"),
    (97, "PARTLY_CAPTURED", "partly captured"),
    (100, "PAID", "paid"),
    (-61, "VOID", "void"),
    (-63, "DENIED", "denied"),
    (-64, "DENIED", "denied"),
    (-70, "CHARGEBACK", "chargeback"),
    (-71, "CHARGEBACK", "chargeback"),
    (-72, "REFUND", "refunded"),
    (-81, "REFUND", "refunded"),
    (-82, "PARTIAL_REFUND", "partially refunded"),
    (-80, "EXPIRED", "cancelled"),
    (-90, "CANCEL", "cancelled"),
)


# The outcomes the sandbox can be told to give an order (POST /_sandbox/…/outcome,
# payparts pay --outcome), and the code each ends in.
OUTCOME_CODES: dict[str, int] = {
    "pending": 20,
    "paid": 100,
    "authorised": 95,
    "denied": -63,
    "cancelled": -90,
    "expired": -80,
}


def status_for(code: object) -> OrderStatus | None:
    """The status for ``code``; ``None`` for 0, an unknown positive code or a non-integer.

    An unknown negative code is cancelled, as Pay.nl's SDK reads it.
    """
    if not isinstance(code, int) or isinstance(code, bool):
        return None
    if code in STATUSES:
        return STATUSES[code]
    return OrderStatus(code, "CANCEL", "cancelled") if code < 0 else None


def describe_status(code: object, action: object = None) -> str:
    """``100 PAID (paid)`` for people; says plainly what a shop's SDK would refuse."""
    status = status_for(code)
    if status is None:
        return f"status {code!r} (not a status Pay.nl's SDK accepts)"
    if isinstance(action, str) and action and action != status.action:
        return f"{status.code} {action} ({status.category}; Pay.nl's name is {status.action})"
    return str(status)
