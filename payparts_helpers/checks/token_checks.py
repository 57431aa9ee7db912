"""Check what a decoded ``st_`` token says: against its documented shape, and against its session.

The decoder (:mod:`session_token`) only insists on the skeleton (``SessionId``,
``Config``) so that a token with odd contents can still be shown; this module
says what is odd. The contract's own example token is flagged, and meant to be:
its ``formatted`` is ``"299.99"`` for 2999 EUR, which is 29.99.

Findings are :class:`lint.Finding`; paths are the token JSON's own keys
(``Config.amount.formatted``). Pure module: no HTTP.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..rules import money
from ..rules.contract import SESSION_ID_PATTERN
from ..rules.errors import TokenDecodeError
from ..rules.resources import CreatedSession, SessionDetails
from ..rules.session_token import TokenPayload, decode_session_token
from .findings import Finding, by_level_then_path

__all__ = ["SessionLike", "token_findings"]

SessionLike = SessionDetails | CreatedSession | Mapping[str, Any]

_MISSING = object()


def token_findings(
    payload: TokenPayload | str, session: SessionLike | None = None
) -> list[Finding]:
    """Everything wrong or odd in a token, errors first; ``[]`` for a clean token.

    ``payload`` is a decoded :class:`TokenPayload` (or the token text, decoded here:
    an undecodable token is one error finding). Given the ``session`` the token came
    with (a :class:`SessionDetails`, a :class:`CreatedSession` or a GET-shaped dict),
    a token naming another session or another amount is an error.
    """
    if isinstance(payload, str):
        try:
            payload = decode_session_token(payload)
        except TokenDecodeError as exc:
            return [Finding("error", None, f"{exc.message}; paste the whole sessionToken")]
    if not isinstance(payload, TokenPayload):
        raise TypeError(
            f"token_findings takes a TokenPayload or the token text, not {type(payload).__name__}"
        )
    findings = [*_shape_findings(payload)]
    if session is not None:
        findings.extend(_session_findings(payload, session))
    return sorted(findings, key=by_level_then_path)


# --- the token on its own -------------------------------------------------------------


def _get(node: object, *keys: str) -> object:
    """The raw JSON value under ``keys``, or ``_MISSING``: the payload's typed fields say
    ``None`` both for absent and for mistyped, and the messages must tell them apart."""
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return _MISSING
        node = node[key]
    return node


def _shown(value: object) -> str:
    """A short JSON rendering of what the token holds, for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= 40 else text[:37] + "…"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shape_findings(payload: TokenPayload) -> Iterator[Finding]:
    yield from _session_id_findings(payload)
    yield from _merchant_findings(payload)
    amount = _get(payload.raw, "Config", "amount")
    if not isinstance(amount, dict):
        got = "is missing" if amount is _MISSING else f"is {_shown(amount)}"
        yield Finding(
            "error",
            "Config.amount",
            f"Config.amount {got}: the contract's token carries "
            '{"value": 2999, "currency": "EUR", "formatted": "29.99"}',
        )
        return
    yield from _value_findings(amount.get("value", _MISSING))
    yield from _currency_findings(amount.get("currency", _MISSING))
    yield from _formatted_findings(payload, amount.get("formatted", _MISSING))


def _session_id_findings(payload: TokenPayload) -> Iterator[Finding]:
    # Info, not a warning: 32 hex is the contract example's shape, not a documented rule,
    # and the helpers never depend on the sandbox's choices.
    if not re.fullmatch(SESSION_ID_PATTERN, payload.session_id):
        yield Finding(
            "info",
            "SessionId",
            f"SessionId {_shown(payload.session_id)} is not 32 lowercase hex characters like "
            "the contract's example ids: if the token was copied, check it was copied whole",
        )


def _merchant_findings(payload: TokenPayload) -> Iterator[Finding]:
    name = _get(payload.raw, "Config", "merchantName")
    if name is _MISSING:
        yield Finding(
            "error",
            "Config.merchantName",
            "Config.merchantName is missing: the contract's token names the merchant",
        )
    elif not isinstance(name, str):
        yield Finding(
            "error", "Config.merchantName", f"Config.merchantName must be text; got {_shown(name)}"
        )
    elif not name.strip():
        yield Finding(
            "warning",
            "Config.merchantName",
            "Config.merchantName is empty: check the sales location's merchant name",
        )


def _value_findings(value: object) -> Iterator[Finding]:
    path = "Config.amount.value"
    if value is _MISSING:
        yield Finding("error", path, "Config.amount.value is missing: the token has no amount")
    elif not _is_int(value):
        yield Finding(
            "error",
            path,
            f"Config.amount.value must be an integer number of minor units (2999 for 29.99 "
            f"EUR); got {_shown(value)}",
        )
    elif value < 1:
        yield Finding("error", path, f"Config.amount.value must be at least 1; got {value}")


def _currency_findings(currency: object) -> Iterator[Finding]:
    path = "Config.amount.currency"
    if currency is _MISSING:
        yield Finding("error", path, "Config.amount.currency is missing: the amount has no unit")
    elif not money.is_currency(currency):
        yield Finding(
            "error",
            path,
            "Config.amount.currency must be an ISO 4217 code with a minor unit, such as EUR; "
            f"got {_shown(currency)}",
        )


def _formatted_findings(payload: TokenPayload, formatted: object) -> Iterator[Finding]:
    """``formatted`` against the ISO 4217 exponent; the vendor's example gets this wrong."""
    path = "Config.amount.formatted"
    if formatted is _MISSING:
        yield Finding("error", path, "Config.amount.formatted is missing: the token has no text")
        return
    if not isinstance(formatted, str):
        yield Finding(
            "error", path, f"Config.amount.formatted must be text; got {_shown(formatted)}"
        )
        return
    value, currency = payload.amount_value, payload.amount_currency
    if value is None or not money.is_currency(currency):
        return  # nothing reliable to compare with; the value/currency findings say why
    expected = money.format_plain(value, currency)
    if formatted != expected:
        digits = money.exponent(currency)
        yield Finding(
            "warning",
            path,
            f"Config.amount.formatted is {_shown(formatted)}, but {value} {currency} is "
            f'"{expected}" ({currency} has {digits} decimal{"" if digits == 1 else "s"}); '
            "the contract's own example token has this mistake: show amounts from value "
            "and currency, not from formatted",
        )


# --- the token against its session ----------------------------------------------------


def _session_parts(session: SessionLike) -> tuple[object, object]:
    """(id, amount) of any session shape; amount is ``_MISSING`` when the shape has none."""
    if isinstance(session, SessionDetails):
        return session.session_id, session.amount if session.amount is not None else _MISSING
    if isinstance(session, CreatedSession):
        return session.session_id, _MISSING  # POST's answer carries no amount
    if isinstance(session, Mapping):
        return session.get("sessionId", _MISSING), session.get("amount", _MISSING)
    raise TypeError(
        "session must be a SessionDetails, a CreatedSession or a dict like the GET answer, "
        f"not {type(session).__name__}"
    )


def _session_findings(payload: TokenPayload, session: SessionLike) -> Iterator[Finding]:
    session_id, amount = _session_parts(session)
    if not isinstance(session_id, str):
        yield Finding(
            "info",
            None,
            "the session has no sessionId text to compare the token with: pass the GET "
            "answer (or its SessionDetails) as session",
        )
    elif payload.session_id != session_id:
        yield Finding(
            "error",
            "SessionId",
            f"the token's SessionId {_shown(payload.session_id)} is not this session's id "
            f"{_shown(session_id)}: the token belongs to another session; use the "
            "sessionToken returned with this session",
        )
    if amount is not _MISSING:
        yield from _amount_mismatch(payload, amount)


def _amount_mismatch(payload: TokenPayload, amount: object) -> Iterator[Finding]:
    value, currency = _get(amount, "value"), _get(amount, "currency")
    if not (_is_int(value) and isinstance(currency, str)):
        yield Finding(
            "info",
            None,
            "the session's amount is not {value, currency}: the token's amount was not "
            "compared with it",
        )
        return
    if payload.amount_value is not None and payload.amount_value != value:
        yield Finding(
            "error",
            "Config.amount.value",
            f"the token's amount is {money.with_unit(payload.amount_value, currency)}, but the "
            f"session's amount.value is {money.with_unit(value, currency)}: the customer would "
            "see another amount than the one requested",
        )
    if payload.amount_currency is not None and payload.amount_currency != currency:
        yield Finding(
            "error",
            "Config.amount.currency",
            f"the token's currency is {_shown(payload.amount_currency)}, but the session's "
            f"is {_shown(currency)}: the token does not belong to this session's amount",
        )
