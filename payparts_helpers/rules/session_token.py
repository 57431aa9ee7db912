"""The ``st_…`` session token: the one encoder (used by the sandbox) and the one decoder.

The contract says the token is ``st_`` + standard, padded base64 of compact JSON::

    {"SessionId":"…","Config":{"merchantName":"…","amount":{"value":2999,"currency":"EUR","formatted":"29.99"}}}

Keeping both directions in one module is what guarantees that the token the
sandbox issues is exactly the token the client knows how to read.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from .errors import TokenDecodeError
from .money import format_plain

__all__ = ["TOKEN_PREFIX", "TokenPayload", "decode_session_token", "encode_session_token"]

TOKEN_PREFIX = "st_"  # noqa: S105 - a format prefix, not a credential
# A token is small (well under 1 KiB); refuse megabytes of paste before decoding them.
_MAX_TOKEN_LENGTH = 16_384


def encode_session_token(session_id: str, merchant_name: str, value: int, currency: str) -> str:
    """Build the token exactly as documented: key order, compact JSON, padded standard base64.

    The object is written around its five values, each as ``json.dumps`` writes it, so the
    bytes are those of ``json.dumps(payload, separators=(",", ":"), ensure_ascii=False)``
    without the encoder that call builds for every token (the sandbox issues one per create).
    """
    compact = (
        f'{{"SessionId":{_json_value(session_id)},'
        f'"Config":{{"merchantName":{_json_value(merchant_name)},'
        f'"amount":{{"value":{_json_value(value)},"currency":{_json_value(currency)},'
        f'"formatted":{_json_value(format_plain(value, currency))}}}}}}}'
    )
    return TOKEN_PREFIX + base64.b64encode(compact.encode("utf-8")).decode("ascii")


_compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _json_value(value: object) -> str:
    """One value as compact JSON with UTF-8 text (not ``\\u`` escapes).

    An int is written as json writes it (``int.__repr__``) without going through the
    encoder's generic path; text takes the encoder's own fast path.
    """
    if type(value) is int:
        return int.__repr__(value)
    return _compact_json(value)


@dataclass(frozen=True)
class TokenPayload:
    """What a token says; ``None`` for Config fields absent or mistyped; ``raw`` is the JSON."""

    session_id: str
    merchant_name: str | None
    amount_value: int | None
    amount_currency: str | None
    amount_formatted: str | None
    raw: dict[str, Any] = field(repr=False)


def decode_session_token(token: object) -> TokenPayload:
    """Read a token, forgiving what people do to tokens when they copy them.

    Accepts the ``st_`` prefix or none, missing ``=`` padding, the URL-safe
    alphabet, and surrounding whitespace or quotes. Anything else raises
    :class:`TokenDecodeError` with a plain reason.
    """
    if not isinstance(token, str):
        raise TokenDecodeError(f"a session token is text, not {type(token).__name__}")
    text = token.strip().strip("\"'").strip()
    if not text:
        raise TokenDecodeError("the session token is empty")
    if len(text) > _MAX_TOKEN_LENGTH:
        raise TokenDecodeError(
            f"the session token is {len(text)} characters long; real tokens are far shorter"
        )
    if _looks_like_session_id(text):
        raise TokenDecodeError(
            "this looks like a sessionId, not a sessionToken: paste the sessionToken "
            "(it starts with st_), which create_session returned beside the id"
        )
    body = text.removeprefix(TOKEN_PREFIX)
    raw_bytes = _base64_bytes(body)
    try:
        decoded = raw_bytes.decode("utf-8")
    except UnicodeDecodeError:
        raise TokenDecodeError("the token's base64 does not decode to UTF-8 text") from None
    try:
        payload = json.loads(decoded)
    except (ValueError, RecursionError):  # JSONDecodeError, over-long integers, depth
        if decoded.lstrip().startswith("{") and not decoded.rstrip().endswith("}"):
            raise TokenDecodeError(
                "the token's JSON stops before its end: the token was probably cut off when "
                "copied; copy the whole sessionToken"
            ) from None
        raise TokenDecodeError(
            f"the token decodes to text that is not JSON: {decoded[:40]!r}"
        ) from None
    if not isinstance(payload, dict):
        raise TokenDecodeError("the token's JSON is not an object with SessionId and Config")
    return _payload_from_json(payload)


def _looks_like_session_id(text: str) -> bool:
    """32 hex characters and no st_: a session id pasted where the token belongs."""
    return len(text) == 32 and all(c in "0123456789abcdefABCDEF" for c in text)


def _base64_bytes(body: str) -> bytes:
    """Standard or URL-safe base64, padded or not; a clear error for anything else."""
    if not body:
        raise TokenDecodeError("the token has nothing after the st_ prefix")
    translated = body.replace("-", "+").replace("_", "/")
    stripped = translated.rstrip("=")
    if len(stripped) % 4 == 1:
        raise TokenDecodeError(
            "the token's base64 has an impossible length: it was probably cut off when "
            "copied; copy the whole sessionToken"
        )
    padded = stripped + "=" * (-len(stripped) % 4)
    try:
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        bad = next((c for c in stripped if not (c.isascii() and (c.isalnum() or c in "+/"))), None)
        reason = f"character {bad!r} is not base64" if bad else "it is not valid base64"
        raise TokenDecodeError(f"the token cannot be decoded: {reason}") from None


def _payload_from_json(payload: dict[str, Any]) -> TokenPayload:
    """Require the token's skeleton; leave checks of the amount's values to the findings."""
    if not isinstance(payload.get("SessionId"), str):
        raise TokenDecodeError("the token's JSON has no SessionId text: it is not a session token")
    config = payload.get("Config")
    if not isinstance(config, dict):
        raise TokenDecodeError("the token's JSON has no Config object: it is not a session token")
    amount = config.get("amount")
    amount = amount if isinstance(amount, dict) else {}
    value = amount.get("value")
    return TokenPayload(
        session_id=payload["SessionId"],
        merchant_name=_text_or_none(config.get("merchantName")),
        amount_value=value if isinstance(value, int) and not isinstance(value, bool) else None,
        amount_currency=_text_or_none(amount.get("currency")),
        amount_formatted=_text_or_none(amount.get("formatted")),
        raw=payload,
    )


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
