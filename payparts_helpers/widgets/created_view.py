"""What the create form shows once a session exists: ids, the request, the token, the order.

The decoded token is checked against the id returned and the amount sent; the
order table uses the customer's locale when money can be shown in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..checks.token_checks import token_findings
from ..rules.errors import TokenDecodeError
from ..rules.resources import CreatedSession
from ..rules.session_token import decode_session_token
from .error_messages import error_html
from .fields import usable_locale
from .json_view import json_html
from .notices import findings_html, notice_html
from .order_table import order_html
from .tables import table_html

__all__ = ["created_parts"]


def created_parts(
    client: Any,
    created: CreatedSession,
    request: dict[str, Any],
    *,
    secrets: Iterable[str] = (),
    uid: str = "order-lines",
) -> list[str]:
    """HTML fragments for a created session, in reading order (snippets not included)."""
    forms = list(secrets)
    parts = [
        notice_html(
            f"{_last_status(client)}: session created in {created.elapsed * 1000:.0f} ms", "ok"
        ),
        table_html(
            ("field", "value"),
            [("sessionId", created.session_id), ("sessionToken", created.session_token)],
            forms,
        ),
        json_html(request, summary="Request sent (JSON)", secrets=forms),
        *_token_parts(created, request, forms),
    ]
    if isinstance(request.get("order"), dict):
        locale = usable_locale(_customer_locale(request))
        parts.append(order_html(request["order"], request.get("amount"), locale=locale, uuid=uid))
    return parts


def _customer_locale(request: dict[str, Any]) -> str | None:
    customer = request.get("customer")
    locale = customer.get("locale") if isinstance(customer, dict) else None
    return locale if isinstance(locale, str) else None


def _last_status(client: Any) -> str:
    """The HTTP status of the client's last call, from its (redacted) history."""
    try:
        status = client.history_frame()["status"].iloc[-1]
        return f"HTTP {int(status)}"
    except Exception:  # a client without history: the call succeeded, so 2xx
        return "HTTP 2xx"


def _token_parts(
    created: CreatedSession, request: dict[str, Any], secrets: Iterable[str]
) -> list[str]:
    """The decoded token and its findings against the id returned and the amount sent."""
    try:
        payload = decode_session_token(created.session_token)
    except TokenDecodeError as error:
        return [error_html(error, secrets)]
    session = {"sessionId": created.session_id, "amount": request.get("amount")}
    return [
        json_html(payload.raw, summary="Decoded token (JSON)", secrets=secrets),
        findings_html(
            token_findings(payload, session),
            title="Token findings",
            empty="The token agrees with the session id and the amount sent.",
            secrets=secrets,
        ),
    ]
