"""The sandbox's own controls (``/_sandbox/``), as methods of :class:`PayPartsClient`.

Trigger a session's payment outcome without a browser, read its order, its
timeline, its exchange deliveries and who asked the order-status API about it, and
list the sessions created since a time (docs/payments.md). Pay.nl has none of
these endpoints, so a client configured for beta or production refuses them
before sending anything. Every call goes through the client's one ``_request``
(Basic auth with the session's own sales location; POST sent once, never retried).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..rules.errors import ConfigurationError, RequestRejectedError, Violation
from ..rules.resources import PaymentOrder
from ..rules.sandbox_resources import (
    OUTCOMES,
    Delivery,
    SessionSince,
    StatusRead,
    TimelineEvent,
    deliveries_from_json,
    sessions_since_from_json,
    status_reads_from_json,
    timeline_from_json,
)
from .environment import BASE_URLS

__all__ = ["OUTCOMES", "SandboxControls"]

_PAY_NL_URLS = frozenset(BASE_URLS.values())


class SandboxControls:
    """Mixed into :class:`PayPartsClient`; uses its ``_request`` and session-id check."""

    environment: str
    base_url: str

    if TYPE_CHECKING:

        def _request(
            self, method: str, path: str, body: dict[str, Any] | None
        ) -> dict[str, Any]: ...

        def _checked_session_id(self, session_id: object) -> str: ...

    def trigger_outcome(self, session_id: str, outcome: str) -> PaymentOrder:
        """``POST /_sandbox/sessions/{id}/outcome``: the order after the change.

        ``outcome`` is one of pending, paid, authorised, denied, cancelled, expired
        (checked here, before anything is sent). An order that is already final is an
        :class:`ConflictError` (409) carrying the sandbox's message.
        """
        path = self._sandbox_path("trigger_outcome", session_id, "outcome")
        if outcome not in OUTCOMES:
            message = f"must be one of {', '.join(OUTCOMES)}, got {str(outcome)[:40]!r}"
            raise RequestRejectedError(
                f"outcome {message}. No request was sent.",
                violations=[Violation("outcome", message)],
            )
        return PaymentOrder.from_json(self._request("POST", path, {"outcome": outcome}))

    def get_sandbox_order(self, session_id: str) -> PaymentOrder:
        """``GET /_sandbox/sessions/{id}/order``; :class:`NotFoundError` while it has none."""
        path = self._sandbox_path("get_sandbox_order", session_id, "order")
        return PaymentOrder.from_json(self._request("GET", path, None))

    def get_timeline(self, session_id: str) -> list[TimelineEvent]:
        """``GET /_sandbox/sessions/{id}/timeline``: what happened to the session, oldest first."""
        path = self._sandbox_path("get_timeline", session_id, "timeline")
        return timeline_from_json(self._request("GET", path, None))

    def list_deliveries(self, session_id: str) -> list[Delivery]:
        """``GET /_sandbox/sessions/{id}/deliveries``: each exchange call and its attempts."""
        path = self._sandbox_path("list_deliveries", session_id, "deliveries")
        return deliveries_from_json(self._request("GET", path, None))

    def list_status_reads(self, session_id: str) -> list[StatusRead]:
        """``GET /_sandbox/sessions/{id}/status-reads``: each order-status read of its order.

        What ``payparts check --session`` judges an unsigned call's booking by: a shop that
        answered it true must have asked the order API after the call was sent.
        """
        path = self._sandbox_path("list_status_reads", session_id, "status-reads")
        return status_reads_from_json(self._request("GET", path, None))

    def list_sessions_since(self, since: str | float | datetime) -> list[SessionSince]:
        """``GET /_sandbox/sessions?since=``: this sales location's sessions created since
        then, oldest first (at most 1000). ``since``: ISO 8601 (no offset: UTC), epoch
        seconds, or an aware datetime."""
        self._refuse_pay_nl("list_sessions_since")
        text = since.isoformat() if isinstance(since, datetime) else str(since)
        path = f"/_sandbox/sessions?since={quote(text, safe='')}"
        return sessions_since_from_json(self._request("GET", path, None))

    def _refuse_pay_nl(self, method: str) -> None:
        """Raise before sending when this client talks to Pay.nl, which has no /_sandbox/."""
        if self.environment in BASE_URLS or self.base_url in _PAY_NL_URLS:
            where = self.environment if self.environment in BASE_URLS else self.base_url
            raise ConfigurationError(
                f"{method}: /_sandbox/ endpoints are sandbox-only and this client talks to "
                f"{where} ({self.base_url}); Pay.nl has no such endpoint. No request was sent."
            )

    def _sandbox_path(self, method: str, session_id: str, leaf: str) -> str:
        """The endpoint's path, after refusing Pay.nl's hosts and checking the id."""
        self._refuse_pay_nl(method)
        return f"/_sandbox/sessions/{self._checked_session_id(session_id)}/{leaf}"
