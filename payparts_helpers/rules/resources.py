"""What the API answers, as small typed objects over the raw JSON (kept in ``.raw``).

Pure data: no HTTP here, so lint and token checks can take these as input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .json_reading import JsonReader
from .money import with_unit
from .order_status import Category, OrderStatus, describe_status, status_for

__all__ = ["CreatedSession", "PaymentOrder", "SessionDetails"]


@dataclass(frozen=True)
class CreatedSession:
    """The answer to ``POST /v1/session/start``; ``elapsed`` is the round trip in seconds."""

    session_id: str
    session_token: str
    elapsed: float
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class SessionDetails:
    """The answer to ``GET /v1/session/{id}``: what was sent, as the server kept it.

    ``amount``, ``customer`` and ``order`` are ``None`` when the server left them out.
    """

    session_id: str
    session_token: str
    amount: dict[str, Any] | None
    customer: dict[str, Any] | None
    order: dict[str, Any] | None
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class PaymentOrder:
    """A Pay.nl order: the order-status API's answer and the exchange call's ``object``.

    The sandbox's ``GET /_sandbox/sessions/{id}/order`` and ``…/outcome`` answer the
    same object. Money is in minor units; ``amount_text`` formats it.
    """

    order_id: str
    id: str
    status_code: int
    status_action: str
    amount_value: int
    currency: str
    reference: str | None
    authorized_value: int | None
    captured_value: int | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: object) -> PaymentOrder:
        """Read the order object; :class:`UnexpectedResponseError` names a bad field."""
        order = JsonReader(data, "", "order", docs="docs/payments.md#orders")
        code, action = order.status()
        amount = order.obj("amount")
        return cls(
            order_id=order.identifier("orderId"),
            id=order.identifier("id"),
            status_code=code,
            status_action=action,
            amount_value=amount.integer("value"),
            currency=amount.text("currency"),
            reference=order.text("reference", optional=True),
            authorized_value=_optional_value(order, "authorizedAmount"),
            captured_value=_optional_value(order, "capturedAmount"),
            raw=dict(order.data),
        )

    @property
    def status(self) -> OrderStatus | None:
        """The code as order_status names it; None for a code Pay.nl's SDK refuses."""
        return status_for(self.status_code)

    @property
    def category(self) -> Category | None:
        status = self.status
        return status.category if status else None

    @property
    def is_final(self) -> bool:
        status = self.status
        return bool(status and status.is_final)

    @property
    def status_text(self) -> str:
        """``100 PAID (paid)``: order_status's spelling."""
        return describe_status(self.status_code, self.status_action)

    @property
    def amount_text(self) -> str:
        """``2999 (29.99 EUR)``: money.with_unit's spelling."""
        return with_unit(self.amount_value, self.currency)

    def money_text(self, minor: int | None) -> str | None:
        """Another amount of this order (authorised, captured) in ``amount_text``'s spelling."""
        return None if minor is None else with_unit(minor, self.currency)

    def display(self) -> str:
        """One line for people: the order id, its status and its amount."""
        reference = f", reference {self.reference}" if self.reference else ""
        return f"order {self.order_id}: {self.status_text}, {self.amount_text}{reference}"

    __str__ = display


def _optional_value(order: JsonReader, key: str) -> int | None:
    if order.data.get(key) is None:
        return None
    return order.obj(key).integer("value")
