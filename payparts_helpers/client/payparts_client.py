"""The Pay.Parts client: one pooled ``requests.Session``, one private request method.

Every call goes through :meth:`PayPartsClient._request`, which owns Basic auth,
timeouts, retries, the mapping of answers to typed errors, and the history.
GET is retried on connection errors, 429, 502, 503 and 504 (honouring
``Retry-After``); POST never is, because a retried POST could create a second
session. No secret, and no ``Authorization`` value, ever reaches a message,
a ``repr``, a log line or the history.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from .._version import __version__
from ..rules.errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    InvalidOrderIdError,
    InvalidSessionIdError,
    NotFoundError,
    PayPartsError,
    RateLimitError,
    RequestRejectedError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    Violation,
)
from ..rules.examples import is_demo_credentials
from ..rules.order_model import order_ref
from ..rules.redaction import basic_credentials_forms, may_reveal, redact, wire_forms
from ..rules.resources import CreatedSession, PaymentOrder, SessionDetails
from ..rules.session_request import SessionRequest, request_to_dict
from .sandbox_controls import SandboxControls
from .transport_environment import TransportEnvironment

if TYPE_CHECKING:
    import pandas

__all__ = ["PayPartsClient"]

log = logging.getLogger("payparts_helpers.client")

USER_AGENT = f"payparts-helpers/{__version__} python-requests/{requests.__version__}"
_SAFE_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_RETRY_STATUSES = frozenset({429, 502, 503, 504})
_MAX_RETRY_WAIT = 30.0
_BODY_QUOTE = 160
_POST_NOT_RETRIED = (
    " The request was sent once and not retried: a retry could do it twice "
    "(a second session, a second status change)."
)


_HISTORY_COLUMNS = (
    "at",
    "method",
    "path",
    "status",
    "elapsed_ms",
    "session_id",
    "request",
    "response",
    "error",
)


@dataclass(frozen=True)
class _Call:
    """One entry of the history, as sent and received: redacted only when shown.

    The bodies are the bytes on the wire (immutable, so a caller changing its dict
    later does not rewrite the history), decoded and masked by :meth:`shown`.
    ``error`` is an error's message, which is masked already.
    """

    at: float  # time.time() when the call ended
    method: str
    path: str
    status: int | None
    elapsed_ms: float
    session_id: str | None
    request: bytes | None
    response: bytes | None
    error: str | None

    def shown(self, secret_forms: list[str]) -> dict[str, Any]:
        """The row a person sees: the time in UTC, bodies as JSON (or text), masked."""
        when = datetime.fromtimestamp(self.at, UTC).isoformat(timespec="milliseconds")
        return {
            "at": when,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "elapsed_ms": self.elapsed_ms,
            "session_id": self.session_id,
            "request": redact(_decoded(self.request), secret_forms),
            "response": redact(_decoded(self.response), secret_forms),
            "error": self.error,
        }


class PayPartsClient(SandboxControls):
    """Talks to Pay.Parts (or the sandbox) with a sales location's credentials.

    ``base_url=None`` means this process's embedded sandbox. ``timeout`` is the
    read timeout in seconds; ``connect_timeout`` defaults to the smaller of 5 s
    and ``timeout``. ``headers`` are sent with every call (the sandbox's
    ``Sandbox-Scenario`` header, say). ``credentials_source`` says in a person's
    words where the credentials came from ("the secret typed into the form"), so a
    refusal can name what to check; ``from_env`` sets it.

    The sandbox's own controls (``trigger_outcome``, ``get_sandbox_order``,
    ``get_timeline``, ``list_deliveries``) come from :class:`.SandboxControls`.
    """

    environment: str = "custom"  # set by from_env: sandbox, beta or production

    def __init__(
        self,
        sl_code: str,
        secret: str,
        base_url: str | None = None,
        timeout: float = 10.0,
        *,
        connect_timeout: float | None = None,
        get_attempts: int = 3,
        backoff: float = 0.5,
        history_size: int = 1000,
        headers: Mapping[str, str] | None = None,
        credentials_source: str | None = None,
        orders_url: str | None = None,
        on_response: Callable[[requests.Response], None] | None = None,
    ) -> None:
        if not sl_code or not secret:
            raise ConfigurationError("an SL code and a secret are both needed")
        if base_url is None:
            from .environment import embedded_sandbox_url

            base_url = embedded_sandbox_url()
        self.base_url = _checked_base_url(base_url)
        from .environment import orders_url_for

        self.orders_url = _checked_base_url(orders_url or orders_url_for(self.base_url))
        # Proxies and CA bundle read once (as httpx does), not twice per call.
        self._transport = TransportEnvironment.read((self.base_url, self.orders_url))
        self.sl_code = sl_code
        self._secret = secret
        self.credentials_source = credentials_source
        # Called with every raw answer (the drift recorder keeps status and Content-Type).
        # The answer's .request holds the Authorization header: redact before keeping any.
        self._on_response = on_response
        self._secret_forms = basic_credentials_forms(sl_code, secret)
        self._secret_wire_forms = wire_forms(self._secret_forms)
        self.timeout = (
            connect_timeout if connect_timeout is not None else min(5.0, timeout),
            timeout,
        )
        self.get_attempts = max(1, get_attempts)
        self.backoff = backoff
        self._http = requests.Session()
        self._http.trust_env = False  # the environment was read once, above
        self._http.verify = self._transport.verify
        self._http.mount("http://", HTTPAdapter(pool_connections=2, pool_maxsize=16))
        self._http.mount("https://", HTTPAdapter(pool_connections=2, pool_maxsize=16))
        self._http.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        extra = dict(headers or {})
        if any(name.lower() == "authorization" for name in extra):
            raise ConfigurationError("pass sl_code and secret, not an Authorization header")
        self._http.headers.update(extra)  # e.g. {"Sandbox-Scenario": "rate-limited"}
        self._history: deque[_Call] = deque(maxlen=history_size)
        self._history_lock = threading.Lock()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> PayPartsClient:
        """A client configured by ``PAYPARTS_ENV`` and friends (see :mod:`.environment`)."""
        from .environment import resolve_settings

        settings = resolve_settings(environ)
        kwargs.setdefault("credentials_source", settings.credentials_source)
        kwargs.setdefault("orders_url", settings.orders_url)
        client = cls(settings.sl_code, settings.secret, settings.base_url, **kwargs)
        client.environment = settings.environment
        return client

    # --- public API ------------------------------------------------------------------

    def create_session(self, request: SessionRequest | Mapping[str, Any]) -> CreatedSession:
        """``POST /v1/session/start``. Sent once, never retried automatically."""
        body = request_to_dict(request, copy_nested=False)  # only read: sent, then redacted
        started = time.perf_counter()
        data = self._request("POST", "/v1/session/start", body)
        elapsed = time.perf_counter() - started
        session_id, token = _required_text(data, "sessionId"), _required_text(data, "sessionToken")
        return CreatedSession(session_id, token, elapsed, data)

    def get_session(self, session_id: str) -> SessionDetails:
        """``GET /v1/session/{id}``; the id is checked locally before it goes into the URL."""
        self._checked_session_id(session_id)
        try:
            data = self._request("GET", f"/v1/session/{session_id}", None)
        except NotFoundError as error:
            raise _with_case_hint(error, session_id) from None
        return SessionDetails(
            session_id=_required_text(data, "sessionId"),
            session_token=_required_text(data, "sessionToken"),
            amount=_optional_object(data, "amount"),
            customer=_optional_object(data, "customer"),
            order=_optional_object(data, "order"),
            raw=data,
        )

    def get_order_status(self, order_id: str) -> PaymentOrder:
        """``GET {orders_url}/v1/orders/{id}/status``: Pay.nl's order, with its real status.

        ``order_id`` is the order's ``orderId`` (``51234567890X1a2b``, what the SDK's
        ``onSuccess`` and the exchange call give) or its ``id`` (a UUID). Ask this before
        trusting an unsigned exchange call or one with status code 0, as Pay.nl's SDK does.
        The API is on ``orders_url``: Pay.nl's connect.pay.nl for beta and production,
        the sandbox itself in sandbox mode (``PAYPARTS_ORDERS_URL`` overrides both).
        """
        ref = order_ref(order_id)
        if ref is None:
            shown = repr(order_id)[:40]
            raise InvalidOrderIdError(
                f"{shown} is not an order id: use the orderId (such as 51234567890X1a2b) or "
                "the order's id (a UUID). No request was sent."
            )
        path = f"/v1/orders/{ref}/status"
        return PaymentOrder.from_json(self._request("GET", path, None, base_url=self.orders_url))

    def history_frame(self) -> pandas.DataFrame:
        """Every call so far (oldest first) as a DataFrame, bodies redacted."""
        import pandas

        with self._history_lock:
            calls = list(self._history)
        rows = [call.shown(self._secret_forms) for call in calls]
        return pandas.DataFrame(rows, columns=list(_HISTORY_COLUMNS))

    @property
    def calls_made(self) -> int:
        """How many calls the history holds (without building its DataFrame)."""
        with self._history_lock:
            return len(self._history)

    @property
    def uses_demo_credentials(self) -> bool:
        """True with the contract's published example credentials (the sandbox's demo)."""
        return is_demo_credentials(self.sl_code, self._secret)

    @property
    def secret_forms(self) -> list[str]:
        """Every text that would reveal the credentials, for masking what is shown."""
        return list(self._secret_forms)

    def redact(self, value: Any) -> Any:
        """``value`` (text or JSON-like data) with the credentials masked."""
        return redact(value, self._secret_forms)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PayPartsClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PayPartsClient(base_url={self.base_url!r}, sl_code={self.sl_code!r})"

    __str__ = __repr__

    @staticmethod
    def _checked_session_id(session_id: object) -> str:
        """``session_id`` if it is safe in a URL path; else :class:`InvalidSessionIdError`."""
        if not isinstance(session_id, str) or not _SAFE_SESSION_ID.fullmatch(session_id):
            shown = repr(session_id)[:40]
            raise InvalidSessionIdError(
                f"{shown} is not a session id: use the sessionId that create_session returned "
                "(letters, digits, '-' or '_', at most 128 characters). No request was sent."
            )
        return session_id

    # --- the one place HTTP happens --------------------------------------------------

    def _request(
        self, method: str, path: str, body: dict[str, Any] | None, *, base_url: str | None = None
    ) -> dict[str, Any]:
        """``base_url`` defaults to the Pay.Parts host; the order API passes its own."""
        attempts = self.get_attempts if method == "GET" else 1
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            try:
                response = self._send(method, path, body, base_url or self.base_url)
            except (TransportError, UnexpectedResponseError) as error:
                self._record(method, path, None, started, body, None, error)
                if attempt < attempts and isinstance(error, TransportError) and error.retryable:
                    self._wait(attempt, None)
                    continue
                if method == "POST":
                    error.append_to_message(_POST_NOT_RETRIED)
                raise
            try:
                # Another host than Pay.Parts' (the order API) is named in messages.
                shown = path if base_url in (None, self.base_url) else f"{base_url}{path}"
                data = self._interpret(method, shown, response)
            except PayPartsError as error:
                status = response.status_code
                self._record(method, path, response, started, body, None, error)
                if attempt < attempts and status in _RETRY_STATUSES:
                    self._wait(attempt, response.headers.get("Retry-After"))
                    continue
                if method == "POST" and (status in _RETRY_STATUSES or status >= 500):
                    error.append_to_message(_POST_NOT_RETRIED)
                raise
            self._record(method, path, response, started, body, data, None)
            return data
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _send(
        self, method: str, path: str, body: dict[str, Any] | None, base_url: str
    ) -> requests.Response:
        """One HTTP exchange; every failure without a usable answer becomes a typed error."""
        where = f"{method} {base_url}{path}"
        try:
            response = self._http.request(
                method,
                base_url + path,
                json=body,
                auth=(self.sl_code, self._secret),
                timeout=self.timeout,
                allow_redirects=False,
                proxies=self._transport.proxies_for(base_url),
            )
            if self._on_response is not None:
                self._on_response(response)
            return response
        except requests.exceptions.SSLError:
            error = TransportError(f"{where}: the TLS handshake failed (certificate or protocol)")
        except requests.exceptions.ConnectTimeout:
            error = TransportError(
                f"{where}: no connection within {self.timeout[0]:g} s", retryable=True
            )
        except requests.exceptions.ReadTimeout:
            error = TransportError(f"{where}: no answer within {self.timeout[1]:g} s")
        except requests.exceptions.ConnectionError:
            error = TransportError(
                f"{where}: could not connect (refused or unreachable)", retryable=True
            )
        except requests.exceptions.InvalidJSONError:
            raise RequestRejectedError(
                f"{where}: the body holds NaN or Infinity, which JSON cannot carry. "
                "No request was sent."
            ) from None
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ):
            raise UnexpectedResponseError(
                f"{where}: the answer was cut off before its end (truncated body)"
            ) from None
        except requests.exceptions.RequestException as exc:
            error = TransportError(f"{where}: {type(exc).__name__}")
        raise error

    def _interpret(self, method: str, path: str, response: requests.Response) -> dict[str, Any]:
        """The JSON object of a 2xx answer, or the typed error for anything else."""
        status = response.status_code
        content = response.content  # read in full by _send
        data = _json_object(content)
        if data is not None and 200 <= status < 300:
            # An answer that echoes a secret is masked before anyone holds it (a repr
            # shows its fields); for the others one substring search per form is all.
            if may_reveal(content, self._secret_wire_forms):
                data = redact(data, self._secret_forms)
            return data
        label = f"{method} {path} → {status} {response.reason or ''}".rstrip()
        text = redact(response.text, self._secret_forms)  # an error's text is shown
        if data is None:
            kind = response.headers.get("Content-Type", "no content type")
            raise UnexpectedResponseError(
                f"{label}: expected JSON, got {kind}: {_quote(text)}",
                status_code=status,
                raw_body=text[:2000],
            )
        shown = redact(data, self._secret_forms)
        retry_after = response.headers.get("Retry-After")
        raise _error_for(label, status, shown, text, retry_after, self._credentials())

    def _credentials(self) -> str:
        """The credentials sent, as a refusal names them: SL code and where they came from."""
        source = f", {self.credentials_source}" if self.credentials_source else ""
        return f"SL code {self.sl_code}{source}"

    def _wait(self, attempt: int, retry_after: str | None) -> None:
        delay = _retry_after_seconds(retry_after)
        if delay is None:
            delay = self.backoff * 2 ** (attempt - 1)
        time.sleep(min(delay, _MAX_RETRY_WAIT))

    def _record(
        self,
        method: str,
        path: str,
        response: requests.Response | None,
        started: float,
        request_body: dict[str, Any] | None,
        data: dict[str, Any] | None,
        error: PayPartsError | None,
    ) -> None:
        """Keep the call in the history as sent and received (``data``: a 2xx's JSON)."""
        elapsed_ms = (time.perf_counter() - started) * 1000
        session_id = None
        if data is not None and isinstance(data.get("sessionId"), str):
            session_id = data["sessionId"]
        elif path.startswith("/_sandbox/sessions/"):
            session_id = path.split("/")[3]  # /_sandbox/sessions/{id}/order
        elif method == "GET" and path.startswith("/v1/session/"):
            session_id = path.rsplit("/", 1)[-1]
        call = _Call(
            at=time.time(),
            method=method,
            path=path,
            status=response.status_code if response is not None else None,
            elapsed_ms=round(elapsed_ms, 2),
            session_id=session_id,
            request=_sent_body(response, request_body),
            response=response.content if response is not None else None,
            error=str(error) if error else None,
        )
        with self._history_lock:
            self._history.append(call)
        log.debug("%s %s → %s in %.1f ms", method, path, call.status, elapsed_ms)


def _with_case_hint(error: NotFoundError, session_id: str) -> NotFoundError:
    """A 404 for an id with capitals says so: ids are usually copied in lower case.

    Only a hint: the contract does not say ids are case-sensitive, so nothing is
    refused or rewritten on that ground.
    """
    if session_id == session_id.lower():
        return error
    return NotFoundError(
        f"{error.message} The id has capital letters; session ids are usually lower case "
        f"(the contract's example is): try {session_id.lower()!r}.",
        status_code=error.status_code,
        violations=error.violations,
        raw_body=error.raw_body,
    )


def _checked_base_url(base_url: str) -> str:
    from .environment import is_loopback_url

    url = base_url.strip().rstrip("/")
    if "@" in url:  # a base URL has no use for "@" but user:secret@; never echo such a URL
        raise ConfigurationError("base_url must not carry credentials; pass sl_code and secret")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"base_url must be an absolute http(s) URL, got {url[:80]!r}")
    if parts.scheme == "http" and not is_loopback_url(url):
        raise ConfigurationError(
            f"refusing to send credentials over plain http:// to {parts.hostname}: "
            "use https:// (plain http is allowed only for this machine, e.g. the sandbox)"
        )
    return url


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(content)  # bytes: UTF-8 (or -16/-32) detected as JSON says
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _sent_body(response: requests.Response | None, body: dict[str, Any] | None) -> bytes | None:
    """The request body as it went out: the prepared bytes, or encoded here if none went."""
    if response is not None:
        sent = response.request.body
        return sent.encode() if isinstance(sent, str) else sent
    if body is None:
        return None
    try:
        return json.dumps(body, default=str).encode()
    except (ValueError, TypeError, RecursionError):
        return repr(body).encode()


def _decoded(body: bytes | None) -> Any:
    """A kept body for showing: its JSON, else the start of its text."""
    if body is None:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return body.decode("utf-8", "replace")[:2000]


def _quote(text: str) -> str:
    start = " ".join(text.split())[:_BODY_QUOTE]
    return repr(start + ("…" if len(text) > _BODY_QUOTE else "")) if text else "an empty body"


def _error_for(
    label: str,
    status: int,
    data: dict[str, Any],
    text: str,
    retry_after: str | None,
    credentials: str = "",
) -> PayPartsError:
    listed = data.get("violations")
    violations = [Violation.from_problem(v) for v in listed] if isinstance(listed, list) else []
    detail = str(data.get("detail") or data.get("title") or data.get("message") or "")
    common: dict[str, Any] = {
        "status_code": status,
        "violations": violations,
        "raw_body": text[:2000],
    }
    if status in (401, 403):
        # A 401 says it all; the server's own sentence would only say it again. A 403
        # may say why (a sales location switched off, say), so its detail stays.
        why = f" {detail}" if status == 403 and detail else ""
        sent = f" ({credentials})" if credentials else ""
        return AuthenticationError(
            f"{label}: the SL code or secret was refused{sent}.{why}", **common
        )
    if status in (400, 422):
        listed = "; ".join(str(v) for v in violations) or detail
        return RequestRejectedError(f"{label}: the request was rejected: {listed}", **common)
    if status == 404:
        return NotFoundError(
            f"{label}: {detail or 'no such session for this sales location.'}", **common
        )
    if status == 409:
        return ConflictError(f"{label}: {detail or 'conflict'}", **common)
    if status == 429:
        seconds = _retry_after_seconds(retry_after)
        hint = f" Retry after {seconds:g} s." if seconds is not None else ""
        return RateLimitError(f"{label}: rate limited.{hint}", retry_after=seconds, **common)
    if status >= 500:
        return ServerError(f"{label}: the service failed. {detail}".strip(), **common)
    return PayPartsError(f"{label}: {detail}".strip(), **common)


def _retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None when absent or odd."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _required_text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise UnexpectedResponseError(
            f"the answer has no {key} (keys: {', '.join(sorted(map(str, data))) or 'none'}): "
            "it is not the contract's response",
            raw_body=json.dumps(data)[:2000],
        )
    return value


def _optional_object(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = data.get(key)
    return value if isinstance(value, dict) else None
