"""Pay.nl's order-status API, as the sandbox serves it: ``GET /v1/orders/{id}/status``.

Pay.nl serves it from ``https://connect.pay.nl``; the sandbox serves it beside the
session API on one port. The id is the order's ``orderId`` or its ``id`` (UUID),
as Pay.nl documents. With the owner's Basic auth the answer is the whole order,
the same object its exchange calls carry (``rules/order_model``); without any
``Authorization`` header, only status and payment methods, as Pay.nl documents;
wrong credentials are a 401, and another sales location's order is a 404 like an
unknown id.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..rules.errors import Violation
from ..rules.order_model import basic_order_object, order_object, order_ref
from .answers import Rejection, admit_optionally, json_response, problem
from .merchants import MerchantDirectory
from .payments import load_order_by_ref
from .store import SessionStore

__all__ = ["order_routes"]


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
        order = await store.read(lambda conn: load_order_by_ref(conn, ref)) if ref else None
        if order is None or (merchant is not None and order.sl_code != merchant.sl_code):
            return _not_found()
        return json_response(basic_order_object(order) if anonymous else order_object(order))

    return [Route("/v1/orders/{order_ref}/status", order_status, methods=["GET"])]
