"""The package's exceptions: one base class, one subclass per thing a caller handles differently.

Pure module (no HTTP import) so that the token decoder and the lint rules can
raise the same family as the client. Messages never carry a secret or an
``Authorization`` value: they are built only from the server's answer and the
request's path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "InvalidSessionIdError",
    "NotFoundError",
    "PayPartsError",
    "RateLimitError",
    "RequestRejectedError",
    "ServerError",
    "TokenDecodeError",
    "TransportError",
    "UnexpectedResponseError",
    "Violation",
]


@dataclass(frozen=True)
class Violation:
    """One offending field, in the problem-details shape of Pay.nl's APIs.

    ``path`` is a dotted JSON path (``amount.value``, ``order.products[0].quantity``)
    or ``None`` when the problem is the request as a whole.
    """

    path: str | None
    message: str
    code: str | None = None

    def as_problem(self) -> dict[str, Any]:
        """The wire form: ``{"propertyPath", "message", "code"}``."""
        return {"propertyPath": self.path, "message": self.message, "code": self.code}

    @classmethod
    def from_problem(cls, item: object) -> Violation:
        """Read one entry of a server's ``violations`` list, tolerating odd shapes."""
        if not isinstance(item, dict):
            return cls(None, str(item))
        path = item.get("propertyPath")
        code = item.get("code")
        return cls(
            path if isinstance(path, str) else None,
            str(item.get("message", "")),
            code if isinstance(code, str) else None,
        )

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class PayPartsError(Exception):
    """Base of every error this package raises on purpose.

    ``status_code`` is the HTTP status when a server answered (else ``None``),
    ``violations`` the fields it named, ``raw_body`` the start of its answer.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        violations: list[Violation] | None = None,
        raw_body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.violations: list[Violation] = list(violations or [])
        self.raw_body = raw_body

    def append_to_message(self, text: str) -> None:
        """Add a sentence the caller knows and the raiser did not (e.g. "not retried")."""
        self.message = f"{self.message}{text}"
        self.args = (self.message,)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status_code={self.status_code!r})"


class ConfigurationError(PayPartsError):
    """The client cannot be set up: unknown environment, missing credentials, unsafe URL."""


class InvalidSessionIdError(PayPartsError):
    """A session id refused locally (``../``, ``?``, ``/``, over-long): no request was sent."""


class InvalidOrderIdError(PayPartsError):
    """An order id refused locally (not an orderId or a UUID): no request was sent."""


class AuthenticationError(PayPartsError):
    """401/403: the SL code or secret was refused."""


class RequestRejectedError(PayPartsError):
    """400/422: the server refused the request body; ``violations`` says which fields."""


class NotFoundError(PayPartsError):
    """404: no such session for this sales location."""


class ConflictError(PayPartsError):
    """409: the request conflicts with the state on the server (the sandbox's order is final)."""


class RateLimitError(PayPartsError):
    """429: too many requests; ``retry_after`` is the server's wait in seconds, if given."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(PayPartsError):
    """5xx: the service failed; the request may or may not have taken effect."""


class TransportError(PayPartsError):
    """No HTTP answer at all: timeout, refused connection, TLS failure.

    ``retryable`` is True when the request certainly did not reach the server
    (refused connection, connect timeout), so even a retry is safe for GET.
    """

    def __init__(self, message: str, *, retryable: bool = False, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retryable = retryable


class UnexpectedResponseError(PayPartsError):
    """An answer that is not the JSON the contract promises (HTML page, truncated body)."""


class TokenDecodeError(PayPartsError):
    """A session token that is not ``st_`` + base64 of the documented JSON."""
