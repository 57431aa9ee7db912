"""The one order model: the order object that exchange calls and order-status answers carry.

Pay.nl's developer pages publish the order object's fields and its exchange
envelope (docs/reference/known-facts.md, "Pay.nl's exchange calls and order
status"); its PHP SDK reads the object with strict types, so ids and times are
JSON strings, money is integer minor units and ``status`` is ``{code, action}``.
The sandbox builds both its exchange bodies and its status answers here, from
one stored :class:`OrderFacts`, so at the same moment they are equal.

Pure module: no HTTP, no database. Values Pay.nl does not publish for Pay.Parts
(the payment method id, ``integration.pointOfInteraction``) are sandbox
assumptions, listed in docs/sandbox.md.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from .money import format_plain
from .order_status import status_for

__all__ = [
    "CARD_PAYMENT_METHOD_ID",
    "ORDER_ID_PATTERN",
    "STATUS_ZERO",
    "OrderFacts",
    "basic_order_object",
    "exchange_body",
    "exchange_envelope",
    "legacy_action",
    "legacy_exchange_form",
    "manual_transfer_code",
    "new_order_id",
    "order_object",
    "order_ref",
    "timestamp",
]

# Pay.nl's order ids look like 50806105020X3481: digits, X, four hex. Its PHP SDK sends
# an id whose first character is 4-9 to the order API (connect.pay.nl), others elsewhere.
ORDER_ID_PATTERN = r"^[4-9][0-9]{10}X[0-9a-f]{4}$"
_ORDER_ID = re.compile(ORDER_ID_PATTERN)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def order_ref(text: object) -> str | None:
    """What the order-status API takes as ``{id}``: an ``orderId``, or the order's ``id``
    (a UUID, in any case: written in lowercase), else ``None``."""
    if not isinstance(text, str):
        return None
    if _ORDER_ID.fullmatch(text):
        return text
    return text.lower() if _UUID.fullmatch(text.lower()) else None


CARD_PAYMENT_METHOD_ID = 706  # Pay.nl's id for "Visa Mastercard"; an assumption for Pay.Parts


def new_order_id(token_hex: Callable[[int], str] = secrets.token_hex) -> str:
    """A fresh id shaped as Pay.nl's (first digit 4-9); uniqueness is the store's job."""
    digits = str(int(token_hex(8), 16))[-10:].rjust(10, "0")
    first = "456789"[int(token_hex(1), 16) % 6]
    return f"{first}{digits}X{token_hex(2)}"


def manual_transfer_code(order_id: str) -> str:
    """``"1000 0508 0610 5020"`` for order ``50806105020X3481``, as in Pay.nl's example."""
    number = "10000" + order_id.split("X", 1)[0]
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def timestamp(epoch_seconds: float | None) -> str | None:
    """ISO 8601 with offset and whole seconds (``2026-05-01T08:03:27+00:00``), as Pay.nl writes."""
    if epoch_seconds is None:
        return None
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class OrderFacts:
    """What the sandbox stores about an order, plus the session fields it shows."""

    id: str  # a UUID: Pay.nl's order API takes it as well as order_id
    order_id: str
    payment_id: str
    sl_code: str
    status_code: int
    amount_value: int
    currency: str
    created_at: float
    modified_at: float
    reference: str | None = None
    description: str | None = None
    customer_email: str | None = None
    expires_at: float | None = None
    completed_at: float | None = None


def _money(value: int, currency: str) -> dict[str, Any]:
    return {"value": value, "currency": currency}


def order_object(facts: OrderFacts) -> dict[str, Any]:
    """The order as Pay.nl's order API and exchange ``object`` show it."""
    status = status_for(facts.status_code)
    if status is None:  # the sandbox never stores a code Pay.nl's SDK refuses
        raise ValueError(f"status code {facts.status_code} is not one Pay.nl's SDK accepts")
    authorized = facts.amount_value if facts.status_code in (95, 100) else 0
    captured = facts.amount_value if facts.status_code == 100 else 0
    state = {"code": status.code, "action": status.action}
    amount = _money(facts.amount_value, facts.currency)
    return {
        "id": facts.id,
        "uuid": facts.id,
        "type": "sale",
        "serviceId": facts.sl_code,
        "description": facts.description,
        "reference": facts.reference,
        "manualTransferCode": manual_transfer_code(facts.order_id),
        "orderId": facts.order_id,
        "customerKey": None,
        "status": state,
        "receipt": None,
        "integration": {"pointOfInteraction": "ECOMMERCE", "test": True},
        "stats": {
            "extra1": None,
            "extra2": None,
            "extra3": None,
            "tool": None,
            "info": None,
            "object": "payparts-sandbox",
            "promotorId": None,
            "domainId": None,
        },
        "transferData": {},
        "amount": amount,
        "authorizedAmount": _money(authorized, facts.currency),
        "capturedAmount": _money(captured, facts.currency),
        "checkoutData": {"customerEmail": facts.customer_email},
        "payments": [
            {
                "id": facts.payment_id,
                "paymentMethod": {"id": CARD_PAYMENT_METHOD_ID},
                "customerType": None,
                "status": state,
                "amount": amount,
                "currencyAmount": amount,
                "authorizedAmount": _money(authorized, facts.currency),
                "capturedAmount": _money(captured, facts.currency),
            }
        ],
        "createdAt": timestamp(facts.created_at),
        "createdBy": None,
        "modifiedAt": timestamp(facts.modified_at),
        "modifiedBy": None,
        "expiresAt": timestamp(facts.expires_at),
        "completedAt": timestamp(facts.completed_at),
    }


# What an exchange call says instead of the status when the sandbox is told to send code 0:
# Pay.nl's PHP SDK then asks the order-status API for the real one.
STATUS_ZERO = {"code": 0, "action": "UNKNOWN"}


def exchange_envelope(facts: OrderFacts, *, status_zero: bool = False) -> dict[str, Any]:
    """Pay.nl's signed exchange body: ``{event, type, version, id, object}``.

    ``status_zero`` replaces the object's ``status`` with code 0 (the sandbox's
    option to exercise a shop's "ask the order API" path); the rest is the order.
    """
    order = order_object(facts)
    if status_zero:  # the payments too: nothing in the call may tell the real status
        order["status"] = dict(STATUS_ZERO)
        for payment in order["payments"]:
            payment["status"] = dict(STATUS_ZERO)
    return {
        "event": "status_changed",
        "type": "order",
        "version": 1,
        "id": facts.id,
        "object": order,
    }


def exchange_body(facts: OrderFacts, *, status_zero: bool = False) -> bytes:
    """The exact bytes an exchange call sends and signs (compact UTF-8 JSON)."""
    envelope = exchange_envelope(facts, status_zero=status_zero)
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def legacy_action(status_code: int) -> str:
    """The legacy exchange's ``action``: ``new_ppt`` for paid or authorised (as Pay.nl's SDK
    maps 100 and 95), ``pending``, else ``cancel``."""
    if status_code in (100, 95):
        return "new_ppt"
    return "pending" if status_code > 0 else "cancel"


def legacy_exchange_form(facts: OrderFacts) -> bytes:
    """The unsigned, form-encoded exchange of Pay.nl's legacy modes (``action=…&order_id=…``).

    It carries no signature, so a shop must ask the order-status API what it means.
    ``amount`` is in major units (``29.99``), ``extra1`` the reference: sandbox choices.
    """
    fields = {
        "action": legacy_action(facts.status_code),
        "order_id": facts.order_id,
        "amount": format_plain(facts.amount_value, facts.currency),
        "extra1": facts.reference or "",
        "extra2": "",
        "extra3": "",
    }
    return urlencode(fields).encode("ascii")


def basic_order_object(facts: OrderFacts) -> dict[str, Any]:
    """What the order-status API shows without credentials: status and payment methods only."""
    order = order_object(facts)
    return {
        "id": order["id"],
        "orderId": order["orderId"],
        "status": order["status"],
        "payments": [
            {"paymentMethod": payment["paymentMethod"], "status": payment["status"]}
            for payment in order["payments"]
        ],
    }
