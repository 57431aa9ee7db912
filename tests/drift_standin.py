"""A deliberately different stand-in for Pay.nl's beta host, for the drift tests.

The real sandbox (``create_app``) wrapped in an ASGI middleware that changes exactly
four things, each contradicting one sandbox assumption (docs/sandbox.md):

1. a create answers **200** instead of 201 (assumption 1);
2. errors are ``{"error": {"message": …, "fields": [paths]}}`` instead of problem
   details (assumption 2);
3. the token's ``formatted`` is written the way the contract's example token writes it,
   ``"299.99"`` for 2999 EUR: the amount's digits but the last, a point, the last two
   (so 100 EUR is ``"10.00"``), instead of by the ISO 4217 exponent (assumption 8);
4. GET leaves out ``order`` (assumption 9).

Everything else is the sandbox's own answer, byte for byte.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from payparts_helpers.rules.session_token import TOKEN_PREFIX, decode_session_token
from payparts_helpers.sandbox import Merchant
from payparts_helpers.sandbox.app import create_app
from payparts_helpers.sandbox.server import bind_socket, uvicorn_server

Headers = list[tuple[bytes, bytes]]


def contract_formatted(value: int) -> str:
    """2999 → ``"299.99"``, as the contract's example token has it."""
    digits = f"{value:03d}"
    return f"{digits[:-1]}.{digits[-2:]}"


def restyled_token(token: str) -> str:
    """The sandbox's token with ``formatted`` written the contract's example's way."""
    raw = decode_session_token(token).raw
    amount = raw["Config"]["amount"]
    amount["formatted"] = contract_formatted(amount["value"])
    compact = json.dumps(raw, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return TOKEN_PREFIX + base64.b64encode(compact).decode("ascii")


def rewrite(method: str, path: str, status: int, body: bytes) -> tuple[int, bytes]:
    """The stand-in's answer, made from the sandbox's."""
    if not path.startswith("/v1/session/"):
        return status, body
    data: Any = json.loads(body)
    if status >= 400:
        paths = [v["propertyPath"] for v in data.get("violations", [])]
        message = data.get("detail") or data.get("title")
        return status, json.dumps({"error": {"message": message, "fields": paths}}).encode()
    if "sessionToken" in data:
        data["sessionToken"] = restyled_token(data["sessionToken"])
    if method == "POST" and status == 201:
        status = 200
    if method == "GET":
        data.pop("order", None)
    return status, json.dumps(data, separators=(",", ":")).encode()


class StandIn:
    """ASGI middleware: the wrapped app's answers, rewritten by :func:`rewrite`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def buffered(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            status, body = rewrite(
                scope["method"], scope["path"], start["status"], b"".join(chunks)
            )
            headers: Headers = [
                (k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"
            ]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered)


@contextmanager
def running_standin(db_path: Path, merchants: list[Merchant]) -> Iterator[str]:
    """The stand-in on a free loopback port: yields its base URL."""
    sock = bind_socket("127.0.0.1", 0)
    server = uvicorn_server(StandIn(create_app(db_path=db_path, merchants=merchants)))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="drift-standin", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "the stand-in did not start"
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
