"""Pay.Parts Explorer helpers: client, sandbox, token, money, orders and widgets.

Heavy modules (pandas, ipywidgets, the sandbox's web stack) load only when a
name that needs them is first used, so ``import payparts_helpers`` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ._version import __version__

_EXPORTS = {
    "PayPartsError": ".errors",
    "AuthenticationError": ".errors",
    "RequestRejectedError": ".errors",
    "NotFoundError": ".errors",
    "RateLimitError": ".errors",
    "ServerError": ".errors",
    "TransportError": ".errors",
    "UnexpectedResponseError": ".errors",
    "TokenDecodeError": ".errors",
    "Violation": ".errors",
    "TokenPayload": ".session_token",
    "decode_session_token": ".session_token",
    "encode_session_token": ".session_token",
    "start_sandbox": ".sandbox",
    "SandboxHandle": ".sandbox",
    "Merchant": ".sandbox",
    "DEMO_MERCHANT": ".sandbox",
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
