"""The reference shop's routes (Starlette): checkout, return page, status URL, exchange.

``create_app(client, secret=..., db_path=...)`` builds the app; ``python -m examples.shop``
serves it. What each route answers is in docs/reference-shop.md.

Blocking work (the Pay.Parts client's HTTP calls, SQLite) runs in Starlette's thread
pool, never on the event loop.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from payparts_helpers import PayPartsClient
from payparts_helpers.rules.errors import PayPartsError

from .exchange import ACCEPTED_CODES, Answer, ExchangeHandler, recheck
from .orders import REFERENCE_PATTERN, Orders, ShopOrder
from .pages import checkout_page, not_found_page, return_page

__all__ = ["MAX_EXCHANGE_BODY", "PRODUCT", "create_app"]

log = logging.getLogger("examples.shop")

PRODUCT = ("Pay.Parts test mug", 2999, "EUR")  # what this shop sells: name, cents, currency
MAX_EXCHANGE_BODY = 64 * 1024  # an exchange call is a few KiB: refuse anything absurd
_REFERENCE = re.compile(REFERENCE_PATTERN)
_STATIC = Path(__file__).resolve().parent / "static"


def create_app(
    client: PayPartsClient,
    *,
    secret: str,
    db_path: str | Path,
    public_url: str | None = None,
) -> Starlette:
    """The shop for the sales location ``client`` talks as (its SL code is the key id).

    ``secret`` is that sales location's secret, for verifying exchange calls.
    ``public_url`` is where Pay.nl and the customer's browser reach the shop; without
    it the shop takes it from each request's Host header, which is right on this
    machine but should be fixed in production (behind a proxy, or against a forged
    Host header ending up in a session's returnUrl and exchangeUrl).
    """
    orders = Orders(db_path)
    exchange = ExchangeHandler(orders, client, secret=secret, key_id=client.sl_code)
    api_origin = _origin(client.base_url)
    # The SDK is a script from the Pay.Parts host and talks to it with fetch; nothing
    # else may run or be fetched. The SDK adds a <style> element: 'unsafe-inline' styles.
    policy = (
        f"default-src 'none'; script-src 'self' {api_origin}; connect-src 'self' {api_origin}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )

    def html(text: str, status: int = 200) -> HTMLResponse:
        headers = {
            "Content-Security-Policy": policy,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",  # the return page's URL names the order
            "Cache-Control": "no-store",
        }
        return HTMLResponse(text, status, headers=headers)

    async def find(reference: str) -> ShopOrder | None:
        """The order, for a well-formed reference only (anything else never reaches SQL)."""
        if not _REFERENCE.fullmatch(reference):
            return None
        return await run_in_threadpool(orders.get, reference)

    def shop_url(request: Request) -> str:
        return (public_url or str(request.base_url)).rstrip("/")

    async def index(request: Request) -> Response:
        return html(checkout_page(*PRODUCT))

    async def start_checkout(request: Request) -> Response:
        """The shop's order first, then the Pay.Parts session paying for it."""
        name, value, currency = PRODUCT
        order = await run_in_threadpool(orders.create, name, value, currency)
        base = shop_url(request)
        session_request = {
            "amount": {"value": value, "currency": currency},
            "returnUrl": f"{base}/return/{order.reference}",
            "exchangeUrl": f"{base}/exchange",
            "reference": order.reference,
            "description": f"Order {order.reference}",  # at most 32 characters
        }
        try:
            created = await run_in_threadpool(client.create_session, session_request)
        except PayPartsError as error:
            log.error("no session for %s: %s", order.reference, error)  # the detail stays here
            return _json({"error": "the payment could not be started; try again"}, 502)
        await run_in_threadpool(orders.attach_session, order.reference, created.session_id)
        return _json(
            {
                "reference": order.reference,
                "sessionId": created.session_id,
                "sessionToken": created.session_token,
                "apiUrl": client.base_url,
            }
        )

    async def order_status(request: Request) -> Response:
        reference = request.path_params["reference"]
        order = await find(reference)
        if order is None:
            return _json({"reference": reference[:40], "error": "no such order"}, 404)
        return _json(order.to_json())

    async def link(request: Request) -> Response:
        """onSuccess's orderId, linked only once the order-status API vouches for it."""
        reference = request.path_params["reference"]
        order = await find(reference)
        if order is None:
            return _json({"linked": False, "description": "no such order"}, 404)
        try:
            body = json.loads(await _read_body(request, 4096))
        except (ValueError, RecursionError, ClientDisconnect, _TooLargeError):
            body = None
        order_id = body.get("orderId") if isinstance(body, dict) else None
        if not isinstance(order_id, str) or not order_id:
            return _json({"linked": False, "description": 'send {"orderId": "…"}'}, 400)
        confirmed, refusal = await run_in_threadpool(
            recheck, client, order_id, order, ACCEPTED_CODES
        )
        if confirmed is None:
            assert refusal is not None
            return _json({"linked": False, "description": refusal.description}, refusal.status)
        change = await run_in_threadpool(orders.link, reference, confirmed.order_id)
        answer = {"linked": change.accepted, "description": change.description}
        if change.accepted:
            answer["status"] = confirmed.status_text
        return _json(answer, 200 if change.accepted else 409)

    async def return_to_shop(request: Request) -> Response:
        reference = request.path_params["reference"]
        order = await find(reference)
        if order is None:
            return html(not_found_page(reference), 404)
        return html(return_page(order))

    async def receive_exchange(request: Request) -> Response:
        try:
            raw = await _read_body(request, MAX_EXCHANGE_BODY)
        except _TooLargeError:
            answer = Answer(413, False, f"the body is over {MAX_EXCHANGE_BODY} bytes")
        except ClientDisconnect:  # the caller went away mid-body: nothing to verify
            answer = Answer(400, False, "the body ended early")
        else:
            try:
                answer = await run_in_threadpool(exchange.handle, dict(request.headers), raw)
            except sqlite3.OperationalError as error:  # locked for too long: Pay.nl retries
                log.error("exchange call not settled: %s", error)
                answer = Answer(503, False, "the shop could not record it now; try again")
        log.info("exchange call: %s %s %s", answer.status, answer.result, answer.description)
        return answer.response()

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ("checkout.js", "return.js"):
            return Response("not found", 404, media_type="text/plain")
        return FileResponse(_STATIC / name, media_type="text/javascript")

    return Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Route("/checkout", start_checkout, methods=["POST"]),
            Route("/orders/{reference}", order_status, methods=["GET"]),
            Route("/orders/{reference}/link", link, methods=["POST"]),
            Route("/return/{reference}", return_to_shop, methods=["GET"]),
            Route("/exchange", receive_exchange, methods=["POST"]),
            Route("/static/{name}", static, methods=["GET"]),
        ]
    )


class _TooLargeError(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    """The raw body, exactly as sent (the signature covers these bytes), up to ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _TooLargeError
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


def _json(data: object, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status, headers={"Cache-Control": "no-store"})


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
