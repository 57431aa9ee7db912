"""What the sandbox's ``/_sandbox/`` endpoints answer, as small typed objects (``.raw`` kept).

The shapes are those of docs/payments.md: the timeline of a session, its
exchange deliveries with every attempt, the order-status reads of its order and
the sessions created since a time (the order object is
``resources.PaymentOrder``). Each ``from_json`` checks the fields it reads and raises
:class:`UnexpectedResponseError` naming the field's path (``deliveries[0].attempts[1].ok``)
when one is missing or of the wrong JSON type. Fields it does not read stay in ``.raw``.

Pure module: no HTTP here; the client fetches, these read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from .json_reading import JsonReader, json_type
from .order_status import OUTCOME_CODES, describe_status

_Item = TypeVar("_Item")

__all__ = [
    "DELIVERY_STATES",
    "OUTCOMES",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryState",
    "SessionSince",
    "StatusRead",
    "TimelineEvent",
    "deliveries_from_json",
    "sessions_since_from_json",
    "status_reads_from_json",
    "timeline_from_json",
]

OUTCOMES = tuple(OUTCOME_CODES)
"""What ``POST /_sandbox/sessions/{id}/outcome`` accepts as ``outcome``."""

DeliveryState = Literal["pending", "delivered", "failed"]
DELIVERY_STATES: tuple[DeliveryState, ...] = ("pending", "delivered", "failed")


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
        return cls._read(JsonReader(data, "", "delivery"))

    @classmethod
    def _read(cls, item: JsonReader) -> DeliveryAttempt:
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
        return cls._read(JsonReader(data, "", "delivery"))

    @classmethod
    def _read(cls, item: JsonReader) -> Delivery:
        code, action = item.status()
        state = item.text("state")
        if state not in DELIVERY_STATES:
            choices = ", ".join(DELIVERY_STATES)
            item.fail(f"{item.path_of('state')} is {state!r}, expected one of {choices}")
        headers = item.obj("headers")
        for name, value in headers.data.items():
            if not isinstance(value, str):
                item.fail(f"{headers.path_of(str(name))} is {json_type(value)}, expected text")
        body = item.value("body", "text or an object", False)
        item.require("body", "text or an object", isinstance(body, str | Mapping), body)
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
        return cls._read(JsonReader(data, "", "timeline"))

    @classmethod
    def _read(cls, item: JsonReader) -> TimelineEvent:
        return cls(
            at=item.text("at"),
            kind=item.text("kind"),
            detail=item.text("detail"),
            raw=dict(item.data),
        )


def timeline_from_json(data: object) -> list[TimelineEvent]:
    """``{"sessionId", "events": [...]}`` → the events, oldest first as the sandbox sends them."""
    return _per_session(data, "timeline", "events", TimelineEvent._read)


def deliveries_from_json(data: object) -> list[Delivery]:
    """``{"sessionId", "deliveries": [...]}`` → the deliveries, in the sandbox's order."""
    return _per_session(data, "delivery", "deliveries", Delivery._read)


@dataclass(frozen=True)
class StatusRead:
    """One ``GET /v1/orders/{id}/status`` that found the session's order, as recorded.

    ``at`` is epoch seconds (when the request came); ``status`` the HTTP status answered
    (200; 404 when another sales location asked). Whether a shop asked the order API
    before it booked an unsigned call is read from these.
    """

    at: float
    order_id: str
    status: int
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def _read(cls, item: JsonReader) -> StatusRead:
        return cls(
            at=float(item.number("at")),
            order_id=item.identifier("orderId"),
            status=item.integer("status"),
            raw=dict(item.data),
        )


def status_reads_from_json(data: object) -> list[StatusRead]:
    """``{"sessionId", "reads": [...]}`` → the reads, oldest first."""
    return _per_session(data, "status reads", "reads", StatusRead._read)


def _per_session(
    data: object, what: str, key: str, read: Callable[[JsonReader], _Item]
) -> list[_Item]:
    """``{"sessionId", key: [...]}`` (a session's list under /_sandbox/) → its items, read."""
    answer = JsonReader(data, "", what)
    answer.identifier("sessionId")
    return [read(item) for item in answer.items(key)]


@dataclass(frozen=True)
class SessionSince:
    """A session of ``GET /_sandbox/sessions?since=``: its id and creation time (ISO, UTC)."""

    session_id: str
    created_at: str
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def _read(cls, item: JsonReader) -> SessionSince:
        return cls(item.identifier("sessionId"), item.text("createdAt"), dict(item.data))


def sessions_since_from_json(data: object) -> list[SessionSince]:
    """``{"since", "sessions": [...]}`` → the sessions, oldest first (newest last)."""
    answer = JsonReader(data, "", "sessions")
    answer.text("since")
    return [SessionSince._read(s) for s in answer.items("sessions")]
