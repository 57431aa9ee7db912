"""Redaction: the one place that removes credentials from anything shown or stored.

History rows, error texts, widget output and generated snippets all pass
through :func:`redact` before a person or a file sees them. Both the secret
itself and the base64 forms that an ``Authorization: Basic`` header would carry
are replaced, because either reveals the credential.

Masking a whole JSON document walks every string in it; :func:`wire_forms` and
:func:`may_reveal` let a caller skip that walk for a body whose bytes cannot hold a
secret form (one substring search per form, in C), which is nearly every answer.
"""

from __future__ import annotations

import base64
import string
from collections.abc import Iterable
from typing import Any

__all__ = ["MASK", "basic_credentials_forms", "may_reveal", "redact", "wire_forms"]

MASK = "***"
# Characters every JSON encoder writes as themselves, but "/", which PHP's json_encode
# writes as "\/" by default. Others (quotes, "<>&" with Go's or PHP's hex flags,
# non-ASCII) may arrive escaped in several ways.
_JSON_PLAIN = frozenset(string.ascii_letters + string.digits + "+/=-_.:~!#$%*()[]{},;?| ")


def basic_credentials_forms(sl_code: str, secret: str) -> list[str]:
    """Every text that reveals ``secret``: itself and base64(``sl:secret``), padded or not."""
    if not secret:
        return []
    encoded = base64.b64encode(f"{sl_code}:{secret}".encode()).decode("ascii")
    forms = {secret, encoded, encoded.rstrip("=")}
    # Longest first, so a form that contains another is masked whole.
    return sorted((f for f in forms if f), key=len, reverse=True)


def wire_forms(secrets: Iterable[str]) -> tuple[bytes, ...] | None:
    """Each form as a JSON body's bytes would carry it; None when that cannot be known.

    None means a form holds a character a JSON encoder may escape (a quote, a
    backslash, a control or non-ASCII character): then only :func:`redact` is sure.
    """
    forms = [s for s in secrets if s]
    if not all(_JSON_PLAIN.issuperset(form) for form in forms):
        return None
    wire = {form.encode("ascii") for form in forms}
    wire |= {form.replace("/", "\\/").encode("ascii") for form in forms}
    return tuple(wire)


def may_reveal(content: bytes, wire: tuple[bytes, ...] | None) -> bool:
    """False only when ``content`` (a JSON body) certainly carries none of the forms."""
    return wire is None or any(form in content for form in wire)


def redact(value: Any, secrets: Iterable[str]) -> Any:
    """A copy of ``value`` (text, or JSON-like lists/dicts) with every secret form masked."""
    forms = [s for s in secrets if s]
    if not forms:
        return value
    return _redact(value, forms)


def _redact(value: Any, forms: list[str]) -> Any:
    if isinstance(value, str):
        for form in forms:
            value = value.replace(form, MASK)
        return value
    if isinstance(value, dict):
        return {_redact(k, forms): _redact(v, forms) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact(item, forms) for item in value)
    return value
