"""Errors as people read them: a headline, the message, each field named, what to do next.

Never a traceback, and never a class name as the headline: the headline says what
happened in a few words (with the HTTP status when a server answered), the message
gives the particulars once, and "What to do next" adds only what the message does
not already say. For a refusal of the credentials it names their source (the secret
typed into the form, the environment, the sandbox's demo credentials), because what
to check depends on it. :class:`NotSentError` is the forms' own refusal (their
checks failed, nothing reached the server); every other error comes from the client.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from ..client.environment import DEMO_CREDENTIALS, ENVIRONMENT_CREDENTIALS
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

__all__ = [
    "NOT_SENT_ERRORS",
    "TYPED_CREDENTIALS",
    "Credentials",
    "NotSentError",
    "error_html",
    "error_text",
    "next_step",
]

TYPED_CREDENTIALS = "the secret typed into the form"
"""The credentials' source when the connection panel's secret field is filled in."""


class NotSentError(PayPartsError):
    """A form refused to send: its own checks (lint errors, unreadable fields) failed.

    Nothing reached the server; ``violations`` lists what to fix, path by path.
    """


NOT_SENT_ERRORS = (InvalidSessionIdError, ConfigurationError, NotSentError)
"""Errors raised before anything was sent: they concern the values typed, not an answer."""


class Credentials(NamedTuple):
    """Where a call's credentials came from, and what an empty secret field falls back to."""

    source: str | None = None
    fallback: str | None = None


UNKNOWN_CREDENTIALS = Credentials()
"""No source known (a client given in code without ``credentials_source``)."""

_OWN_CREDENTIALS = "Sandbox, beta and production each have their own credentials."


def _credentials_step(credentials: Credentials) -> str:
    """What to check after a 401, by where the credentials came from."""
    if credentials.source == TYPED_CREDENTIALS:
        fallback = credentials.fallback
        back = f" Empty the secret field to use {fallback}." if fallback else ""
        return f"Retype the secret (it is case-sensitive).{back} {_OWN_CREDENTIALS}"
    if credentials.source == ENVIRONMENT_CREDENTIALS:
        return (
            "Correct PAYPARTS_SL_CODE / PAYPARTS_SECRET (in the environment or .env, then "
            f"restart the kernel), or type the secret into the connection panel. {_OWN_CREDENTIALS}"
        )
    if credentials.source == DEMO_CREDENTIALS:
        return (
            "This sandbox does not know the demo sales location (it was started with its own "
            "merchants): type its SL code and secret, or empty the base URL to use the "
            "embedded sandbox."
        )
    return f"Check the SL code and the secret, and the environment chosen. {_OWN_CREDENTIALS}"


def _says_what_to_do(error: BaseException) -> bool:
    """True when the message itself already tells what to paste or use."""
    if isinstance(error, InvalidSessionIdError):
        return True
    return isinstance(error, TokenDecodeError) and "sessionToken" in error.message


def next_step(error: BaseException, credentials: Credentials = UNKNOWN_CREDENTIALS) -> str:
    """What the person in front of the form should do about ``error`` ("" when the
    message already says it)."""
    if _says_what_to_do(error):
        return ""
    if isinstance(error, NotSentError):
        return "Fix the fields listed above, then press the button again."
    if isinstance(error, AuthenticationError):
        return _credentials_step(credentials)
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
    if isinstance(error, ConfigurationError):
        return "Fix the connection settings (environment, SL code, secret, base URL)."
    if isinstance(error, TokenDecodeError):
        return "Paste the whole sessionToken (st_…) exactly as the API returned it."
    if isinstance(error, ServerError):
        return (
            "Try again later. A create call may or may not have made a session; look it up "
            "before creating another."
        )
    if isinstance(error, TransportError):
        return "Try again later, and check the base URL and this machine's network connection."
    if isinstance(error, UnexpectedResponseError):
        return (
            "The host answered with something else (an HTML page, a proxy error, a cut-off "
            "answer): check the base URL, or try again later."
        )
    if isinstance(error, PayPartsError):
        return "If it persists, check the environment and base URL."
    return (
        "This is not an answer of the API: check the inputs and the connection settings, "
        "and report it if it happens again."
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def _with_status(what: str, error: PayPartsError) -> str:
    return f"{what} (HTTP {error.status_code})" if error.status_code is not None else what


def _headline_and_message(error: BaseException) -> tuple[str, str]:
    """A few words on what happened, and the particulars (never said twice)."""
    if not isinstance(error, PayPartsError):
        return "Unexpected error", f"{type(error).__name__}: {error}"
    message = error.message
    if isinstance(error, NotSentError):
        return message, ""
    if isinstance(error, TokenDecodeError):  # "what: why": the what is the headline
        what, _, why = message.partition(": ")
        return _sentence(what), _sentence(why) + ("." if why and why[-1] not in ".!?" else "")
    if isinstance(error, AuthenticationError):
        return _with_status("Credentials refused", error), message
    if isinstance(error, NotFoundError):
        found = _with_status("Session not found", error)
        if "capital letters" in message:  # the client's hint for an id typed in capitals
            found += ": try the id in lower case"
        return found, message
    headlines: tuple[tuple[type[PayPartsError], str], ...] = (
        (RequestRejectedError, "Request rejected"),
        (RateLimitError, "Too many requests"),
        (ServerError, "The service failed"),
        (UnexpectedResponseError, "Not an answer of the Pay.Parts API"),
        (TransportError, "No answer"),
        (InvalidSessionIdError, "Not sent: not a session id"),
        (ConfigurationError, "Not sent: the connection settings cannot be used"),
    )
    for kind, headline in headlines:
        if isinstance(error, kind):
            return _with_status(headline, error), message
    return _with_status("Refused" if error.status_code else "Error", error), message


def _violations(error: BaseException) -> list[Violation]:
    """The fields named; a 404's one "unknown session id" would only repeat the message."""
    if not isinstance(error, PayPartsError) or isinstance(error, NotFoundError):
        return []
    return list(error.violations)


def error_text(
    error: BaseException,
    secrets: Iterable[str] = (),
    credentials: Credentials = UNKNOWN_CREDENTIALS,
) -> str:
    """The error as plain lines: headline, message, each violation as ``path: message``,
    and what to do next. Never a traceback."""
    forms = list(secrets)
    headline, message = _headline_and_message(error)
    lines = [headline, *([message] if message else [])]
    lines += [f"  {violation}" for violation in _violations(error)]
    step = next_step(error, credentials)
    if step:
        lines.append(f"What to do next: {step}")
    return str(redact("\n".join(lines), forms))


def error_html(
    error: BaseException,
    secrets: Iterable[str] = (),
    credentials: Credentials = UNKNOWN_CREDENTIALS,
) -> str:
    """The error as an HTML block, same parts as :func:`error_text`."""
    forms = list(secrets)
    headline, message = _headline_and_message(error)
    items = "".join(
        f"<li><code>{escape(v.path, forms)}</code>: {escape(v.message, forms)}</li>"
        if v.path
        else f"<li>{escape(v.message, forms)}</li>"
        for v in _violations(error)
    )
    listed = f"<ul style='margin: 4px 0'>{items}</ul>" if items else ""
    step = next_step(error, credentials)
    return (
        f"<div class='payparts-error' style='{BOX.format(colour=COLOURS['error'])}'>"
        f"<b style='color: {COLOURS['error']}'>{MARKS['error']} {escape(headline, forms)}</b>"
        + (f"<div>{escape(message, forms)}</div>" if message else "")
        + listed
        + (f"<div><b>What to do next:</b> {escape(step, forms)}</div>" if step else "")
        + "</div>"
    )
