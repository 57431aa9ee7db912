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
    "PayPartsClient": ".client.payparts_client",
    "CreatedSession": ".rules.resources",
    "SessionDetails": ".rules.resources",
    "SessionRequest": ".rules.session_request",
    "Amount": ".rules.session_request",
    "Customer": ".rules.session_request",
    "Address": ".rules.session_request",
    "Order": ".rules.session_request",
    "Product": ".rules.session_request",
    # errors
    "PayPartsError": ".rules.errors",
    "AuthenticationError": ".rules.errors",
    "ConfigurationError": ".rules.errors",
    "InvalidSessionIdError": ".rules.errors",
    "InvalidOrderIdError": ".rules.errors",
    "RequestRejectedError": ".rules.errors",
    "NotFoundError": ".rules.errors",
    "ConflictError": ".rules.errors",
    "RateLimitError": ".rules.errors",
    "ServerError": ".rules.errors",
    "TransportError": ".rules.errors",
    "UnexpectedResponseError": ".rules.errors",
    "TokenDecodeError": ".rules.errors",
    "Violation": ".rules.errors",
    # token, lint, orders, snippets
    "TokenPayload": ".rules.session_token",
    "decode_session_token": ".rules.session_token",
    "token_findings": ".checks.token_checks",
    "Finding": ".checks.findings",
    "lint_session_request": ".checks.lint",
    "order_lines_frame": ".checks.order_frames",
    "style_order_lines": ".checks.order_frames",
    "order_summary": ".checks.order_frames",
    "to_curl": ".client.snippets",
    "to_python": ".client.snippets",
    "to_php": ".client.snippets",
    # money
    "format_display": ".rules.money",
    "format_plain": ".rules.money",
    "to_decimal": ".rules.money",
    "to_minor": ".rules.money",
    # sandbox and contract
    "start_sandbox": ".sandbox",
    "SandboxHandle": ".sandbox",
    "validate_session_request": ".rules.contract",
    "openapi_document": ".rules.contract",
}

# The package was flat before it had layers; ``from payparts_helpers import examples``
# (the notebooks and the README use it) still finds each module in its new room.
_MODULES = {
    "contract": ".rules.contract",
    "errors": ".rules.errors",
    "examples": ".rules.examples",
    "money": ".rules.money",
    "order_math": ".rules.order_math",
    "redaction": ".rules.redaction",
    "resources": ".rules.resources",
    "session_request": ".rules.session_request",
    "session_token": ".rules.session_token",
    "validation_cases": ".rules.validation_cases",
    "lint": ".checks.lint",
    "orders": ".checks.order_frames",
    "token_checks": ".checks.token_checks",
    "environment": ".client.environment",
    "snippets": ".client.snippets",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        value = import_module(_MODULES[name], __name__)
    elif name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name], __name__), name)
    else:
        raise AttributeError(f"module 'payparts_helpers' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
