"""A local receiver for exchange calls, as a correct shop would answer them.

``ExchangeListener`` listens on 127.0.0.1 (a free port by default), verifies every
call's signature over its raw body with :mod:`..rules.exchange_signing` *before*
parsing it, answers ``{"result": true, ...}`` only to a valid call, and keeps each
call (headers, raw body, parsed object, verdict). Use it as the ``exchangeUrl`` of
a sandbox session in a notebook or a test::

    with ExchangeListener(secret, key_id=sl_code) as listener:
        client.create_session({..., "exchangeUrl": listener.url})
        ...
        calls = listener.wait_for_calls(1)

The server is the standard library's threading HTTP server: one thread per call,
bound to loopback only, stopped by ``close()`` or the ``with`` block.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from ..rules.errors import ConfigurationError, PayPartsError
from ..rules.exchange_signing import SignatureVerdict, verify_exchange_signature
from ..rules.resources import PaymentOrder

if TYPE_CHECKING:
    import pandas

__all__ = ["ExchangeCall", "ExchangeListener"]

MAX_BODY = 1024 * 1024  # an exchange call is a few KiB; refuse anything absurd
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class ExchangeCall:
    """One call as it arrived, and what the listener made of it.

    ``object`` is the body's ``object`` parsed from JSON, only when the signature
    held (an unverified body is never parsed); ``status`` and ``answer`` are what
    the listener replied. ``confirmed`` is the order as the order-status API gave
    it, for a call the listener had to check there (unsigned, or status code 0).
    """

    received_at: datetime
    method: str
    path: str
    headers: dict[str, str]
    raw_body: bytes = field(repr=False)
    verdict: SignatureVerdict
    body: dict[str, Any] | None
    status: int
    answer: dict[str, Any] | str
    confirmed: PaymentOrder | None = None

    @property
    def object(self) -> dict[str, Any] | None:
        """The order as the call describes it (``body["object"]``), when verified."""
        value = self.body.get("object") if self.body else None
        return value if isinstance(value, dict) else None


class ExchangeListener:
    """Receives exchange calls on loopback, verifies them, answers as a correct shop.

    ``secret`` is the sales location's secret (never shown in a repr or a message);
    ``key_id`` (the SL code), when given, must match each call's Signature-KeyID.
    ``on_call`` is called with each :class:`ExchangeCall` (the CLI prints them).
    ``confirm_with`` (``client.get_order_status``) makes it do what Pay.nl's PHP SDK
    does with a call that is unsigned (the legacy form) or carries status code 0:
    ask the order-status API, and trust only its answer.
    """

    def __init__(
        self,
        secret: str,
        *,
        key_id: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/exchange",
        on_call: Callable[[ExchangeCall], None] | None = None,
        confirm_with: Callable[[str], PaymentOrder] | None = None,
    ) -> None:
        if not secret:
            raise ConfigurationError("the listener needs the sales location's secret to verify")
        if host not in _LOOPBACK:
            raise ConfigurationError(f"the listener binds to this machine only, not {host!r}")
        self._secret = secret
        self._key_id = key_id
        self._path = "/" + path.strip("/")
        self._on_call = on_call
        self._confirm_with = confirm_with
        self._calls: list[ExchangeCall] = []
        self._arrived = threading.Condition()
        server_type = _IPv6Server if ":" in host else ThreadingHTTPServer
        self._server = server_type((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # how soon close() is heard
            name="payparts-exchange-listener",
            daemon=True,
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """The URL to give as ``exchangeUrl``."""
        host, port = self._server.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}{self._path}"

    @property
    def calls(self) -> list[ExchangeCall]:
        """Every call so far, oldest first."""
        with self._arrived:
            return list(self._calls)

    def wait_for_calls(self, count: int, timeout: float = 10.0) -> list[ExchangeCall]:
        """Block until ``count`` calls have arrived (a state, not a delay); then return all."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self._calls) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"{len(self._calls)} exchange call(s) arrived at {self.url} in "
                        f"{timeout:g} s, expected {count}"
                    )
                self._arrived.wait(left)
            return list(self._calls)

    def frame(self) -> pandas.DataFrame:
        """The calls as a table: when, verdict, the order's status and amount, the answer."""
        import pandas

        rows = []
        for call in self.calls:
            order = call.object or {}
            status = order.get("status") if isinstance(order.get("status"), dict) else {}
            amount = order.get("amount") if isinstance(order.get("amount"), dict) else {}
            rows.append(
                {
                    "received_at": call.received_at.isoformat(timespec="milliseconds"),
                    "valid": call.verdict.valid,
                    "verdict": call.verdict.message,
                    "key_id": call.verdict.key_id,
                    "algorithm": call.verdict.algorithm,
                    "order_id": order.get("orderId"),
                    "status_code": status.get("code"),
                    "status_action": status.get("action"),
                    "amount_value": amount.get("value"),
                    "currency": amount.get("currency"),
                    "answered": call.status,
                }
            )
        return pandas.DataFrame(rows, columns=list(_FRAME_COLUMNS))

    def close(self) -> None:
        """Stop listening; the calls received stay readable."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ExchangeListener:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        calls = len(self._calls)
        return f"ExchangeListener(url={self.url!r}, key_id={self._key_id!r}, calls={calls})"

    # --- receiving -----------------------------------------------------------------

    def _receive(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> ExchangeCall:
        """Verify over the raw bytes first; parse only what verified (or ask the API)."""
        verdict = verify_exchange_signature(headers, raw, self._secret, key_id=self._key_id)
        body: dict[str, Any] | None = None
        if verdict.valid:
            try:
                parsed = json.loads(raw)
            except (ValueError, RecursionError):
                parsed = None
            body = parsed if isinstance(parsed, dict) else None
        to_confirm = self._order_to_confirm(verdict, body, raw)
        confirmed: PaymentOrder | None = None
        answer: dict[str, Any] | str
        if to_confirm is not None:
            status, answer, confirmed = self._confirm(to_confirm, legacy=not verdict.valid)
        elif not verdict.valid:
            status, answer = HTTPStatus.FORBIDDEN, _refusal(verdict.message)
        elif body is None or not isinstance(body.get("object"), dict):
            status, answer = HTTPStatus.BAD_REQUEST, _refusal("the body is not JSON with an object")
        else:
            status, answer = HTTPStatus.OK, {"result": True, "description": "received"}
        call = ExchangeCall(
            received_at=datetime.now(UTC),
            method=method,
            path=path,
            headers=headers,
            raw_body=raw,
            verdict=verdict,
            body=body,
            status=int(status),
            answer=answer,
            confirmed=confirmed,
        )
        with self._arrived:
            self._calls.append(call)
            self._arrived.notify_all()
        if self._on_call is not None:
            self._on_call(call)
        return call

    def _order_to_confirm(
        self, verdict: SignatureVerdict, body: dict[str, Any] | None, raw: bytes
    ) -> str | None:
        """The order id to ask the order-status API about, as Pay.nl's SDK would; else None.

        An unsigned call (no signature headers at all: the legacy form) names it in
        ``order_id``; a signed call with status code 0 in ``object.orderId``. Neither
        body is trusted for anything but that id.
        """
        if self._confirm_with is None:
            return None
        if not verdict.valid and verdict.problem == "missing-header":
            form = parse_qs(raw.decode("utf-8", errors="replace"), max_num_fields=20)
            order_id = (form.get("order_id") or [None])[0]
            return order_id if isinstance(order_id, str) and order_id else None
        order = body.get("object") if verdict.valid and body else None
        status = order.get("status") if isinstance(order, dict) else None
        if isinstance(status, dict) and status.get("code") == 0:
            order_id = order.get("orderId")
            return order_id if isinstance(order_id, str) and order_id else None
        return None

    def _confirm(
        self, order_id: str, *, legacy: bool
    ) -> tuple[HTTPStatus, dict[str, Any] | str, PaymentOrder | None]:
        """Ask the order-status API; answer a legacy call in text (TRUE|/FALSE|), others in JSON."""
        assert self._confirm_with is not None
        try:
            order = self._confirm_with(order_id)
        except PayPartsError as error:
            reason = f"the order-status API did not confirm order {order_id[:40]}: {error}"
            refusal: dict[str, Any] | str = f"FALSE| {reason}" if legacy else _refusal(reason)
            return HTTPStatus.OK if legacy else HTTPStatus.FORBIDDEN, refusal, None
        said = f"the order-status API says {order.status_text}"
        accepted = f"TRUE| {said}" if legacy else {"result": True, "description": said}
        return HTTPStatus.OK, accepted, order

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        listener = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "payparts-exchange-listener"

            def do_POST(self) -> None:
                if self.path.split("?", 1)[0] != listener._path:
                    self._answer(HTTPStatus.NOT_FOUND, _refusal(f"post to {listener._path}"))
                    return
                length = self.headers.get("Content-Length", "")
                if not length.isdigit():
                    self._answer(HTTPStatus.LENGTH_REQUIRED, _refusal("send a Content-Length"))
                    return
                if int(length) > MAX_BODY:
                    self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, _refusal("at most 1 MiB"))
                    return
                raw = self.rfile.read(int(length))
                headers = {name: value for name, value in self.headers.items()}
                call = listener._receive("POST", self.path, headers, raw)
                self._answer(HTTPStatus(call.status), call.answer)

            def _answer(self, status: HTTPStatus, answer: dict[str, Any] | str) -> None:
                text = isinstance(answer, str)  # TRUE|/FALSE| to a legacy call
                payload = (answer if text else json.dumps(answer)).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if text else "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                """No access log: a log line could carry a header."""

        return Handler


class _IPv6Server(ThreadingHTTPServer):
    """The standard library's server listens on IPv4 unless told otherwise."""

    address_family = socket.AF_INET6


def _refusal(reason: str) -> dict[str, Any]:
    """A correct shop's "no": Pay.nl reads anything but result true as a failed call."""
    return {"result": False, "description": reason}


_FRAME_COLUMNS = (
    "received_at",
    "valid",
    "verdict",
    "key_id",
    "algorithm",
    "order_id",
    "status_code",
    "status_action",
    "amount_value",
    "currency",
    "answered",
)
