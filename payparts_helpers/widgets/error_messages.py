"""Errors as people read them: a heading, the message, each field named, what to do next.

Never a traceback. :class:`NotSentError` is the forms' own refusal (their checks
failed, nothing reached the server); every other error comes from the client.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..rules.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidSessionIdError,
    NotFoundError,
    PayPartsError,
    RateLimitError,
    RequestRejectedError,
    ServerError,
    TokenDecodeError,
    TransportError,
    UnexpectedResponseError,
    Violation,
)
from ..rules.redaction import redact
from .markup import escape
from .notices import BOX, COLOURS, MARKS

__all__ = ["NOT_SENT_ERRORS", "NotSentError", "error_html", "error_text", "next_step"]


class NotSentError(PayPartsError):
    """A form refused to send: its own checks (lint errors, unreadable fields) failed.

    Nothing reached the server; ``violations`` lists what to fix, path by path.
    """


NOT_SENT_ERRORS = (InvalidSessionIdError, ConfigurationError, NotSentError)
"""Errors raised before anything was sent: they concern the values typed, not an answer."""


def next_step(error: BaseException) -> str:
    """What the person in front of the form should do about ``error``."""
    if isinstance(error, NotSentError):
        return "Fix the fields listed above; nothing was sent."
    if isinstance(error, AuthenticationError):
        return (
            "Check the SL code and the secret, and that they belong to the environment "
            "chosen (sandbox, beta or production): each has its own credentials."
        )
    if isinstance(error, RequestRejectedError):
        return "Fix the fields listed above and send again."
    if isinstance(error, NotFoundError):
        return (
            "Check the session id, and that the session was created with the same sales "
            "location (SL code) in the same environment: another one's sessions are not found."
        )
    if isinstance(error, RateLimitError):
        if error.retry_after is not None:
            return f"Wait {error.retry_after:g} s, then try again."
        return "Wait a little, then try again."
    if isinstance(error, InvalidSessionIdError):
        return "Paste the sessionId exactly as the create call returned it; nothing was sent."
    if isinstance(error, ConfigurationError):
        return "Fix the connection settings (environment, SL code, secret, base URL)."
    if isinstance(error, TokenDecodeError):
        return "Paste the whole sessionToken (st_…) exactly as the API returned it."
    if isinstance(error, ServerError):
        return (
            "The service failed: try again later. A create call may or may not have made a "
            "session; look it up before creating another."
        )
    if isinstance(error, TransportError):
        return "Try again later, and check the base URL and this machine's network connection."
    if isinstance(error, UnexpectedResponseError):
        return (
            "The host answered with something that is not the Pay.Parts API (an HTML page, a "
            "proxy error, a cut-off answer): check the base URL, or try again later."
        )
    if isinstance(error, PayPartsError):
        return "Read the message above; if it persists, check the environment and base URL."
    return (
        "This is not an answer of the API: check the inputs and the connection settings, "
        "and report it if it happens again."
    )


def _heading(error: BaseException) -> str:
    name = type(error).__name__
    if not isinstance(error, PayPartsError):
        return "Unexpected error"
    if error.status_code is not None:
        return f"HTTP {error.status_code} · {name}"
    if isinstance(error, NOT_SENT_ERRORS):
        return f"Not sent · {name}"
    if isinstance(error, TransportError):
        return f"No answer · {name}"
    return name


def _message(error: BaseException) -> str:
    if isinstance(error, PayPartsError):
        return error.message
    return f"Unexpected error: {type(error).__name__}: {error}"


def _violations(error: BaseException) -> list[Violation]:
    return list(error.violations) if isinstance(error, PayPartsError) else []


def error_text(error: BaseException, secrets: Iterable[str] = ()) -> str:
    """The error as plain lines: heading, message, each violation as ``path: message``,
    and what to do next. Never a traceback."""
    forms = list(secrets)
    lines = [_heading(error), _message(error)]
    lines += [f"  {violation}" for violation in _violations(error)]
    lines.append(f"What to do next: {next_step(error)}")
    return str(redact("\n".join(lines), forms))


def error_html(error: BaseException, secrets: Iterable[str] = ()) -> str:
    """The error as an HTML block, same parts as :func:`error_text`."""
    forms = list(secrets)
    items = "".join(
        f"<li><code>{escape(v.path, forms)}</code>: {escape(v.message, forms)}</li>"
        if v.path
        else f"<li>{escape(v.message, forms)}</li>"
        for v in _violations(error)
    )
    listed = f"<ul style='margin: 4px 0'>{items}</ul>" if items else ""
    return (
        f"<div class='payparts-error' style='{BOX.format(colour=COLOURS['error'])}'>"
        f"<b style='color: {COLOURS['error']}'>{MARKS['error']} "
        f"{escape(_heading(error), forms)}</b>"
        f"<div>{escape(_message(error), forms)}</div>{listed}"
        f"<div><b>What to do next:</b> {escape(next_step(error), forms)}</div></div>"
    )
