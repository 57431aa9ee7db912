"""Redaction: the one place that removes credentials from anything shown or stored.

History rows, error texts, widget output and generated snippets all pass
through :func:`redact` before a person or a file sees them. Both the secret
itself and the base64 forms that an ``Authorization: Basic`` header would carry
are replaced, because either reveals the credential.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

__all__ = ["MASK", "basic_credentials_forms", "redact"]

MASK = "***"


def basic_credentials_forms(sl_code: str, secret: str) -> list[str]:
    """Every text that reveals ``secret``: itself and base64(``sl:secret``), padded or not."""
    if not secret:
        return []
    encoded = base64.b64encode(f"{sl_code}:{secret}".encode()).decode("ascii")
    forms = {secret, encoded, encoded.rstrip("=")}
    # Longest first, so a form that contains another is masked whole.
    return sorted((f for f in forms if f), key=len, reverse=True)


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
