"""The sandbox's HTTP application (Starlette): the contract's two endpoints, /openapi.json,
and the payment side (``payment_routes``: the SDK stand-in and ``/_sandbox/``).

Every answer is JSON; errors use the problem-details shape of Pay.nl's other
APIs. Checks run in the order a client can act on: fault scenario, method,
credentials, Accept, Content-Type, size, JSON syntax, then the contract.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._version import __version__
from ..rules.contract import (
    InvalidJSONError,
    openapi_json,
    read_session_request,
)
from ..rules.errors import Violation
from ..rules.session_token import encode_session_token
from .answers import (
    MAX_BODY_BYTES,
    Rejection,
    admit,
    header,
    http_error,
    json_response,
    problem,
    read_limited,
    unexpected_error,
)
from .exchange_delivery import DeliveryPolicy
from .merchants import DEMO_MERCHANT, Merchant, MerchantDirectory
from .order_routes import order_routes
from .payment_routes import Payments, payment_routes
from .store import SessionStore, StoredSession, default_db_path, utc_now

__all__ = ["MAX_BODY_BYTES", "create_app"]

_SESSION_ID = re.compile(r"[0-9a-f]{32}")
_JSON_TYPES = ("application/json",)


def create_app(
    db_path: str | Path | None = None,
    merchants: Iterable[Merchant] | None = None,
    delivery: DeliveryPolicy | None = None,
) -> Starlette:
    """The ASGI app. ``db_path`` defaults to the per-user database; merchants to the demo one;
    ``delivery`` (how exchange calls are sent) to :class:`DeliveryPolicy`'s defaults.
    """
    directory = MerchantDirectory(merchants if merchants is not None else [DEMO_MERCHANT])
    store = SessionStore(db_path if db_path is not None else default_db_path())
    payments = Payments(store, directory, delivery or DeliveryPolicy())
    session_ids = _session_ids()

    async def start_session(request: Request) -> Response:
        try:
            merchant = await admit(request, directory)
            raw, body, violations = await _json_body(request)
        except Rejection as rejection:
            return rejection.response
        if violations:
            return problem(
                422,
                "The request breaks the contract",
                "; ".join(str(v) for v in violations),
                violations,
            )
        session_id = next(session_ids)
        amount = body["amount"]
        token = encode_session_token(
            session_id, merchant.merchant_name, amount["value"], amount["currency"]
        )
        stored = StoredSession(session_id, merchant.sl_code, token, body, utc_now())
        await store.add(stored, request_json=raw.decode("utf-8-sig"))
        # Both values are ASCII (hex, base64): no JSON escaping can be needed.
        created = f'{{"sessionId":"{session_id}","sessionToken":"{token}"}}'
        return Response(created, status_code=201, media_type="application/json")

    async def get_session(request: Request) -> Response:
        try:
            merchant = await admit(request, directory)
        except Rejection as rejection:
            return rejection.response
        session_id = request.path_params["session_id"]
        stored = (
            await store.get(session_id, merchant.sl_code)
            if _SESSION_ID.fullmatch(session_id)
            else None
        )
        if stored is None:
            return problem(
                404,
                "Not found",
                "No session with this id exists for your sales location.",
                [Violation("sessionId", "unknown session id", "NOT_FOUND")],
            )
        details: dict[str, Any] = {
            "sessionId": stored.session_id,
            "sessionToken": stored.session_token,
        }
        for key in ("amount", "customer", "order"):
            if key in stored.request:
                details[key] = stored.request[key]
        return json_response(details)

    async def openapi(_request: Request) -> Response:
        return Response(openapi_json(), media_type="application/json")

    async def index(_request: Request) -> Response:
        return json_response(
            {
                "service": "Pay.Parts sandbox",
                "version": __version__,
                "openapi": "/openapi.json",
                "endpoints": [
                    "POST /v1/session/start",
                    "GET /v1/session/{sessionId}",
                    "GET /v1/orders/{orderId}/status",
                ],
                "sandbox": [
                    "GET /sdk/payparts-sdk.js",
                    "GET /_sandbox/sessions/{sessionId}/order",
                    "GET /_sandbox/sessions/{sessionId}/timeline",
                    "GET /_sandbox/sessions/{sessionId}/deliveries",
                    "GET /_sandbox/sessions/{sessionId}/status-reads",
                    "GET /_sandbox/sessions?since=TIME",
                    "POST /_sandbox/sessions/{sessionId}/outcome",
                ],
            }
        )

    @asynccontextmanager
    async def lifespan(_app: Starlette):
        payments.worker.start()  # exchange calls left by a previous run go out now
        try:
            yield
        finally:
            payments.worker.stop()  # waits for calls in flight (each bounded by the timeout)
            # On the loop, on purpose: uvicorn has finished or cancelled every request by
            # now, so nobody waits behind it; a thread pool would be refused when an atexit
            # hook stops an embedded sandbox after concurrent.futures has shut down.
            store.close()

    app = Starlette(
        routes=[  # the API first: the router tries routes in order
            Route("/v1/session/start", start_session, methods=["POST"]),
            Route("/v1/session/{session_id}", get_session, methods=["GET"]),
            Route("/", index, methods=["GET"]),
            Route("/openapi.json", openapi, methods=["GET"]),
            *order_routes(store, directory),
            *payment_routes(payments),
        ],
        exception_handlers={HTTPException: http_error, Exception: unexpected_error},
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.merchants = directory
    app.state.payments = payments
    return app


async def _json_body(request: Request) -> tuple[bytes, Any, list[Violation]]:
    """Content-Type, size and JSON syntax, each with its own status; then the violations.

    The raw body comes back too: it is what the store keeps (see :meth:`SessionStore.add`).
    """
    media_type = (header(request, b"content-type") or "").split(";")[0].strip().lower()
    if media_type not in _JSON_TYPES and not media_type.endswith("+json"):
        shown = media_type or "none"
        raise Rejection(
            problem(
                415,
                "Unsupported media type",
                f"Send the body as JSON with Content-Type: application/json (got {shown}).",
            )
        )
    raw = await read_limited(request)
    try:
        return raw, *read_session_request(raw)
    except InvalidJSONError as exc:
        raise Rejection(
            problem(400, "Malformed JSON", f"The body is not valid JSON: {exc}.")
        ) from None


_IDS_PER_READ = 256


def _session_ids() -> Iterator[str]:
    """Session ids: 128 random bits each, as ``secrets.token_hex(16)``, from ``os.urandom``.

    The bytes of 256 ids are read at once: one system call instead of one per create.
    A forked child drops what its parent had read (``os.register_at_fork``), so two
    processes never hand out the same id.
    """
    block: list[str] = []

    def forget() -> None:
        block.clear()

    os.register_at_fork(after_in_child=forget)
    while True:
        if not block:
            text = os.urandom(16 * _IDS_PER_READ).hex()
            block.extend(text[i : i + 32] for i in range(len(text) - 32, -1, -32))
        yield block.pop()
