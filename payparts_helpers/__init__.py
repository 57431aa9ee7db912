"""Pay.Parts Explorer helpers: client, sandbox, token, money, orders and widgets.

Heavy modules (pandas, ipywidgets, the sandbox's web stack) load only when a
name that needs them is first used, so ``import payparts_helpers`` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ._version import __version__

_EXPORTS = {
    # client and its results
    "PayPartsClient": ".client",
    "CreatedSession": ".resources",
    "SessionDetails": ".resources",
    "SessionRequest": ".session_request",
    "Amount": ".session_request",
    "Customer": ".session_request",
    "Address": ".session_request",
    "Order": ".session_request",
    "Product": ".session_request",
    # errors
    "PayPartsError": ".errors",
    "AuthenticationError": ".errors",
    "ConfigurationError": ".errors",
    "InvalidSessionIdError": ".errors",
    "RequestRejectedError": ".errors",
    "NotFoundError": ".errors",
    "RateLimitError": ".errors",
    "ServerError": ".errors",
    "TransportError": ".errors",
    "UnexpectedResponseError": ".errors",
    "TokenDecodeError": ".errors",
    "Violation": ".errors",
    # token, lint, orders, snippets
    "TokenPayload": ".session_token",
    "decode_session_token": ".session_token",
    "token_findings": ".token_checks",
    "Finding": ".lint",
    "lint_session_request": ".lint",
    "order_lines_frame": ".orders",
    "style_order_lines": ".orders",
    "order_summary": ".orders",
    "to_curl": ".snippets",
    "to_python": ".snippets",
    "to_php": ".snippets",
    # money
    "format_display": ".money",
    "format_plain": ".money",
    "to_decimal": ".money",
    "to_minor": ".money",
    # sandbox and contract
    "start_sandbox": ".sandbox",
    "SandboxHandle": ".sandbox",
    "validate_session_request": ".contract",
    "openapi_document": ".contract",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'payparts_helpers' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
