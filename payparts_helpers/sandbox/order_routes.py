"""Pay.nl's order-status API, as the sandbox serves it: ``GET /v1/orders/{id}/status``.

Pay.nl serves it from ``https://connect.pay.nl``; the sandbox serves it beside the
session API on one port. The id is the order's ``orderId`` or its ``id`` (UUID),
as Pay.nl documents. With the owner's Basic auth the answer is the whole order,
the same object its exchange calls carry (``rules/order_model``); without any
``Authorization`` header, only status and payment methods, as Pay.nl documents;
wrong credentials are a 401, and another sales location's order is a 404 like an
unknown id.

Every read that finds an order is recorded in ``status_reads`` (order, session, time,
HTTP status): ``GET /_sandbox/sessions/{id}/status-reads`` shows whether a shop asked
before it booked an unsigned call. The record is queued on the store's writer and not
awaited: the answer never waits for it, and a read-back through the same writer queue
(:func:`load_status_reads` via ``store.write``) comes after it.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from concurrent.futures import Future
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..rules.errors import Violation
from ..rules.order_model import basic_order_object, order_object, order_ref
from .answers import Rejection, admit_optionally, json_response, problem
from .merchants import MerchantDirectory
from .payments import load_order_by_ref
from .store import SessionStore

__all__ = ["load_status_reads", "order_routes", "record_status_read"]

_log = logging.getLogger(__name__)
_RECORD = (
    "INSERT INTO status_reads (order_id, session_id, sl_code, caller, at, http_status) "
    "SELECT order_id, session_id, sl_code, ?, ?, ? FROM orders WHERE order_id = ?"
)


def record_status_read(
    conn: sqlite3.Connection, order_id: str, caller: str | None, at: float, http_status: int
) -> None:
    """One read of ``order_id`` (its session and sales location are the order's own)."""
    conn.execute(_RECORD, (caller, at, http_status, order_id))


def load_status_reads(conn: sqlite3.Connection, session_id: str) -> list[dict[str, Any]]:
    """The session's recorded reads, oldest first: ``{"at", "orderId", "status"}``."""
    rows = conn.execute(
        "SELECT at, order_id, http_status FROM status_reads WHERE session_id = ? ORDER BY id",
        (session_id,),
    ).fetchall()
    return [{"at": at, "orderId": order_id, "status": status} for at, order_id, status in rows]


def _log_failure(done: Future[None]) -> None:
    """A lost record is logged, never raised into a request that has been answered."""
    error = done.exception()
    if error is not None:
        _log.warning("could not record an order-status read: %s", error)


def _not_found() -> Response:
    return problem(
        404,
        "Not found",
        "No order with this id exists for your sales location: give its orderId "
        "(such as 51234567890X1a2b) or its id (a UUID).",
        [Violation("orderId", "unknown order id", "NOT_FOUND")],
    )


def order_routes(store: SessionStore, directory: MerchantDirectory) -> list[Route]:
    """The order-status route, for :func:`create_app`."""

    async def order_status(request: Request) -> Response:
        try:
            merchant = await admit_optionally(request, directory)
        except Rejection as rejection:
            return rejection.response
        anonymous = merchant is None
        ref = order_ref(request.path_params["order_ref"])
        at = time.time()
        order = await store.read(lambda conn: load_order_by_ref(conn, ref)) if ref else None
        if order is None:
            return _not_found()
        owner = merchant is None or order.sl_code == merchant.sl_code
        caller = merchant.sl_code if merchant is not None else None
        status = 200 if owner else 404
        order_id = order.order_id
        store.write(
            lambda conn: record_status_read(conn, order_id, caller, at, status)
        ).add_done_callback(_log_failure)
        if not owner:
            return _not_found()
        return json_response(basic_order_object(order) if anonymous else order_object(order))

    return [Route("/v1/orders/{order_ref}/status", order_status, methods=["GET"])]
