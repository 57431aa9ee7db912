"""What the sandbox's ``/_sandbox/`` endpoints answer, as small typed objects (``.raw`` kept).

The shapes are those of docs/payments.md: the order object (Pay.nl's order API:
ids and times as strings, money as integer minor units, ``status`` as
``{code, action}``), the timeline of a session and its exchange deliveries with
every attempt. Each ``from_json`` checks the fields it reads and raises
:class:`UnexpectedResponseError` naming the field's path (``deliveries[0].attempts[1].ok``)
when one is missing or of the wrong JSON type. Fields it does not read stay in ``.raw``.

Pure module: no HTTP here; the client fetches, these read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn

from .errors import UnexpectedResponseError
from .money import with_unit
from .order_status import Category, OrderStatus, describe_status, status_for

__all__ = [
    "DELIVERY_STATES",
    "OUTCOMES",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryState",
    "SandboxOrder",
    "TimelineEvent",
    "deliveries_from_json",
    "timeline_from_json",
]

OUTCOMES = ("pending", "paid", "authorised", "denied", "cancelled", "expired")
"""What ``POST /_sandbox/sessions/{id}/outcome`` accepts as ``outcome``."""

DeliveryState = Literal["pending", "delivered", "failed"]
DELIVERY_STATES: tuple[DeliveryState, ...] = ("pending", "delivered", "failed")


class _Reader:
    """Reads one JSON object's fields, naming ``where`` in every complaint."""

    def __init__(self, data: object, where: str, what: str, root: object = None) -> None:
        self.where = where
        self.what = what
        self.root = data if root is None else root  # the whole answer, quoted in complaints
        if not isinstance(data, Mapping):
            self.fail(f"{where or 'the answer'} is {_json_type(data)}, expected an object")
        self.data: Mapping[str, Any] = data

    def fail(self, problem: str) -> NoReturn:
        raise UnexpectedResponseError(
            f"the sandbox's {self.what} answer is not the documented shape: {problem} "
            "(see docs/payments.md)",
            raw_body=_dump(self.root),
        )

    def child(self, data: object, where: str) -> _Reader:
        return _Reader(data, where, self.what, self.root)

    def _path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _get(self, key: str, expected: str, optional: bool) -> Any:
        if key not in self.data or (optional and self.data[key] is None):
            if optional:
                return None
            keys = ", ".join(sorted(map(str, self.data))) or "none"
            self.fail(f"{self._path(key)} is missing ({expected} expected; keys: {keys})")
        return self.data[key]

    def _typed(self, key: str, expected: str, ok: bool, value: Any) -> Any:
        if not ok:
            self.fail(f"{self._path(key)} is {_json_type(value)}, expected {expected}")
        return value

    def text(self, key: str, *, optional: bool = False) -> Any:
        value = self._get(key, "text", optional)
        return value if value is None else self._typed(key, "text", isinstance(value, str), value)

    def identifier(self, key: str) -> str:
        """An id: text, or an integer read as its text (ids are strings in Pay.nl's objects)."""
        value = self._get(key, "an id", False)
        ok = (isinstance(value, str) and bool(value)) or _is_int(value)
        return str(self._typed(key, "a non-empty id", ok, value))

    def integer(self, key: str, *, optional: bool = False) -> Any:
        value = self._get(key, "an integer", optional)
        return value if value is None else self._typed(key, "an integer", _is_int(value), value)

    def number(self, key: str) -> float | int:
        value = self._get(key, "a number", False)
        ok = _is_int(value) or isinstance(value, float)
        return self._typed(key, "a number", ok, value)

    def boolean(self, key: str) -> bool:
        value = self._get(key, "true or false", False)
        return self._typed(key, "true or false", isinstance(value, bool), value)

    def obj(self, key: str) -> _Reader:
        value = self._get(key, "an object", False)
        self._typed(key, "an object", isinstance(value, Mapping), value)
        return self.child(value, self._path(key))

    def items(self, key: str) -> list[_Reader]:
        value = self._get(key, "a list", False)
        self._typed(key, "a list", isinstance(value, list), value)
        return [self.child(item, f"{self._path(key)}[{i}]") for i, item in enumerate(value)]

    def status(self, key: str = "status") -> tuple[int, str]:
        status = self.obj(key)
        return status.integer("code"), status.text("action")


@dataclass(frozen=True)
class SandboxOrder:
    """The order of a sandbox session (``GET …/order``, ``POST …/outcome``)."""

    order_id: str
    id: str
    status_code: int
    status_action: str
    amount_value: int
    currency: str
    reference: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: object) -> SandboxOrder:
        """Read the order object; :class:`UnexpectedResponseError` names a bad field."""
        order = _Reader(data, "", "order")
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

    def display(self) -> str:
        """One line for people: the order id, its status and its amount."""
        reference = f", reference {self.reference}" if self.reference else ""
        return f"order {self.order_id}: {self.status_text}, {self.amount_text}{reference}"

    __str__ = display


@dataclass(frozen=True)
class DeliveryAttempt:
    """One try at an exchange call: when, how long, what the shop answered (or why none)."""

    attempt: int
    at: str
    duration_ms: float | int
    http_status: int | None
    answer: str | None
    error: str | None
    ok: bool
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: object) -> DeliveryAttempt:
        """``answer`` is the shop's answer as text; a JSON value is kept as compact JSON text."""
        return cls._read(_Reader(data, "", "delivery"))

    @classmethod
    def _read(cls, item: _Reader) -> DeliveryAttempt:
        answer = item.data.get("answer")
        if answer is not None and not isinstance(answer, str):
            answer = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        return cls(
            attempt=item.integer("attempt"),
            at=item.text("at"),
            duration_ms=item.number("durationMs"),
            http_status=item.integer("httpStatus", optional=True),
            answer=answer,
            error=item.text("error", optional=True),
            ok=item.boolean("ok"),
            raw=dict(item.data),
        )


@dataclass(frozen=True)
class Delivery:
    """One status change's exchange call to the shop, with every attempt so far.

    ``body`` is the call's body as the sandbox reports it (the text sent byte for
    byte, or its JSON object); ``state`` is ``pending``, ``delivered`` or ``failed``.
    """

    delivery_id: str
    order_id: str
    url: str
    status_code: int
    status_action: str
    state: DeliveryState
    attempts: tuple[DeliveryAttempt, ...]
    next_attempt_at: str | None
    headers: dict[str, str]
    body: str | dict[str, Any]
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: object) -> Delivery:
        """Read one delivery; :class:`UnexpectedResponseError` names a bad field."""
        return cls._read(_Reader(data, "", "delivery"))

    @classmethod
    def _read(cls, item: _Reader) -> Delivery:
        code, action = item.status()
        state = item.text("state")
        if state not in DELIVERY_STATES:
            item.fail(
                f"{item._path('state')} is {state!r}, expected one of {', '.join(DELIVERY_STATES)}"
            )
        headers = item.obj("headers")
        for name, value in headers.data.items():
            if not isinstance(value, str):
                item.fail(f"{headers._path(str(name))} is {_json_type(value)}, expected text")
        body = item._get("body", "text or an object", False)
        item._typed("body", "text or an object", isinstance(body, str | Mapping), body)
        return cls(
            delivery_id=item.identifier("deliveryId"),
            order_id=item.identifier("orderId"),
            url=item.text("url"),
            status_code=code,
            status_action=action,
            state=state,
            attempts=tuple(DeliveryAttempt._read(a) for a in item.items("attempts")),
            next_attempt_at=item.text("nextAttemptAt", optional=True),
            headers=dict(headers.data),
            body=body if isinstance(body, str) else dict(body),
            raw=dict(item.data),
        )

    @property
    def status_text(self) -> str:
        return describe_status(self.status_code, self.status_action)

    @property
    def body_object(self) -> dict[str, Any] | None:
        """The body as JSON (``{"event", "type", "version", "id", "object"}``), if it is JSON."""
        if isinstance(self.body, dict):
            return self.body
        try:
            value = json.loads(self.body)
        except (ValueError, RecursionError):
            return None
        return value if isinstance(value, dict) else None


@dataclass(frozen=True)
class TimelineEvent:
    """One entry of a session's timeline; kind-specific fields (``status``, ``deliveryId``,
    ``attempt``, ``ok``) are in ``raw``."""

    at: str
    kind: str
    detail: str
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: object) -> TimelineEvent:
        return cls._read(_Reader(data, "", "timeline"))

    @classmethod
    def _read(cls, item: _Reader) -> TimelineEvent:
        return cls(
            at=item.text("at"),
            kind=item.text("kind"),
            detail=item.text("detail"),
            raw=dict(item.data),
        )


def timeline_from_json(data: object) -> list[TimelineEvent]:
    """``{"sessionId", "events": [...]}`` → the events, oldest first as the sandbox sends them."""
    answer = _Reader(data, "", "timeline")
    answer.identifier("sessionId")
    return [TimelineEvent._read(e) for e in answer.items("events")]


def deliveries_from_json(data: object) -> list[Delivery]:
    """``{"sessionId", "deliveries": [...]}`` → the deliveries, in the sandbox's order."""
    answer = _Reader(data, "", "delivery")
    answer.identifier("sessionId")
    return [Delivery._read(d) for d in answer.items("deliveries")]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"text ({value[:40]!r})"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, Mapping) else type(value).__name__


def _dump(data: object) -> str | None:
    try:
        return json.dumps(data, ensure_ascii=False)[:2000]
    except (TypeError, ValueError):
        return None
