"""Checking one exchange call a shop received: the input, then the signature, then the order.

What the exchange inspector form (and anyone else) runs behind its Check button:
:func:`check_exchange_call` takes the headers as pasted (``Name: value`` lines or a
JSON object), the raw body's bytes and the secret, verifies with
:func:`..rules.exchange_signing.verify_exchange_signature` over the bytes exactly
as given, and reads the body's ``object`` only when the signature held. It never
raises, and holds no secret in what it returns.

Pure module: no HTTP, no widgets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..rules.exchange_signing import SignatureVerdict, verify_exchange_signature
from ..rules.money import with_unit
from ..rules.order_status import describe_status

__all__ = [
    "ADVICE",
    "ExchangeCheck",
    "FieldProblem",
    "HeaderFormatError",
    "check_exchange_call",
    "order_rows",
    "parse_headers",
]

_REQUEST_LINE = re.compile(r"^[A-Z]+ \S+ HTTP/\d(\.\d)?$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP token (RFC 9110)


class HeaderFormatError(ValueError):
    """The pasted headers are neither ``Name: value`` lines nor a JSON object of text."""


@dataclass(frozen=True)
class FieldProblem:
    """Input that cannot be checked: which field, and what to do."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class ExchangeCheck:
    """What a check found. Holds no secret; its repr leaves out what was pasted.

    ``problems`` is non-empty when the input could not be checked (then ``verdict``
    is None). ``order`` is the body's ``object``, read only when the signature held;
    ``body_problem`` says why a validly signed body could not be read.
    """

    verdict: SignatureVerdict | None
    problems: tuple[FieldProblem, ...] = ()
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    key_id_given: bool = False
    order: dict[str, Any] | None = field(default=None, repr=False)
    body_problem: str | None = None
    whitespace_hint: bool = False

    @property
    def valid(self) -> bool:
        return bool(self.verdict)


def parse_headers(text: str) -> dict[str, str]:
    """``Name: value`` lines (a request line such as ``POST /exchange HTTP/1.1`` is
    skipped) or a JSON object of text values; :class:`HeaderFormatError` says which line."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            value = json.loads(stripped)
        except (ValueError, RecursionError) as error:
            raise HeaderFormatError(
                f"they look like JSON but do not parse ({str(error)[:80]}): paste a JSON "
                'object such as {"Signature": "…"}, or Name: value lines'
            ) from None
        if not isinstance(value, dict):
            raise HeaderFormatError("JSON headers must be an object of names and values")
        headers: dict[str, str] = {}
        for name, item in value.items():
            if not isinstance(item, str):
                raise HeaderFormatError(
                    f"the value of {str(name)[:40]!r} is not text: header values are strings"
                )
            headers[str(name).strip()] = item
        return headers
    headers = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or (number == 1 and _REQUEST_LINE.match(line.strip())):
            continue
        name, colon, value = line.partition(":")
        if not colon or not _HEADER_NAME.match(name.strip()):
            raise HeaderFormatError(
                f"line {number} ({line.strip()[:40]!r}) is not Name: value; paste one header "
                "per line, as Signature: 3f5a…, or a JSON object"
            )
        headers[name.strip()] = value.strip()
    return headers


def check_exchange_call(
    headers_text: str, raw_body: bytes, secret: str, key_id: str | None = None
) -> ExchangeCheck:
    """Check one exchange call: the input first, then the signature over ``raw_body``
    exactly as given, then (only when valid) the body's ``object``. Never raises."""
    problems: list[FieldProblem] = []
    headers: dict[str, str] = {}
    if not headers_text.strip():
        problems.append(
            FieldProblem("headers", "paste the call's headers (Name: value lines, or JSON)")
        )
    else:
        try:
            headers = parse_headers(headers_text)
        except HeaderFormatError as error:
            problems.append(FieldProblem("headers", str(error)))
        else:
            if not headers:
                problems.append(FieldProblem("headers", "no header found: paste them"))
    if not raw_body:
        problems.append(
            FieldProblem("body", "paste the call's raw body, exactly as your shop received it")
        )
    if not secret:
        problems.append(
            FieldProblem("secret", "type the secret of the sales location the call is for")
        )
    expected = (key_id or "").strip() or None
    if problems:
        return ExchangeCheck(None, tuple(problems), headers, expected is not None)
    verdict = verify_exchange_signature(headers, raw_body, secret, key_id=expected)
    if not verdict.valid:
        hint = False
        if verdict.problem == "mismatch" and raw_body.strip() != raw_body:
            hint = verify_exchange_signature(
                headers, raw_body.strip(), secret, key_id=expected
            ).valid
        return ExchangeCheck(verdict, (), headers, expected is not None, whitespace_hint=hint)
    order: dict[str, Any] | None = None
    body_problem: str | None = None
    try:
        parsed = json.loads(raw_body)
    except (ValueError, RecursionError):
        body_problem = "the body is not JSON"
    else:
        candidate = parsed.get("object") if isinstance(parsed, dict) else None
        if isinstance(candidate, dict) and candidate:
            order = candidate
        else:
            body_problem = "the body is JSON, but has no object (the order) at its top level"
    return ExchangeCheck(
        verdict, (), headers, expected is not None, order=order, body_problem=body_problem
    )


def order_rows(order: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a shop reads of the order: status, the three amounts, reference, orderId."""
    status = order.get("status") if isinstance(order.get("status"), dict) else {}
    if "code" in status:
        status_text = describe_status(status.get("code"), status.get("action"))
    else:
        status_text = "(absent)"
    return [
        ("status", status_text),
        ("amount", _money(order.get("amount"))),
        ("authorised (authorizedAmount)", _money(order.get("authorizedAmount"))),
        ("captured (capturedAmount)", _money(order.get("capturedAmount"))),
        ("reference", _text(order.get("reference"))),
        ("orderId", _text(order.get("orderId"))),
    ]


def _money(value: object) -> str:
    if value is None:
        return "(absent)"
    minor = value.get("value") if isinstance(value, dict) else None
    if not isinstance(minor, int) or isinstance(minor, bool):
        return (
            f"{json.dumps(value, default=str)[:60]} (not {{value: integer minor units, currency}})"
        )
    currency = value.get("currency")
    return with_unit(minor, currency if isinstance(currency, str) else None)


def _text(value: object) -> str:
    if value is None:
        return "(absent or null)"
    return value if isinstance(value, str) else f"{json.dumps(value)[:60]} (not text)"


ADVICE: dict[str, str] = {
    "missing-header": (
        "Pay.nl signs its current exchange calls with Signature-Method, Signature-KeyID, "
        "Signature-Algorithm and Signature: check that all of them were copied. A call "
        "that really has none is the legacy unsigned form: trust only what Pay.nl's "
        "order-status API says about the order."
    ),
    "unsupported-method": (
        "Do not trust the body. Pay.nl's PHP SDK would treat this call as unsigned and "
        "ask the order-status API instead."
    ),
    "unknown-key-id": (
        "If that key id is yours, correct the expected key id above; otherwise the call is "
        "for another sales location: refuse it."
    ),
    "unsupported-algorithm": "Pay.nl signs with sha256 or sha512: refuse the call.",
    "mismatch": (
        "Check that the secret is the one of the sales location in Signature-KeyID, and "
        "that the body is pasted exactly as received: any change, even whitespace or "
        "re-formatted JSON, breaks the signature. A shop answers such a call "
        '{"result": false} and does not read its body.'
    ),
}
