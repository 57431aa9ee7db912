"""The payment side of the sandbox: the SDK stand-in's endpoints and the ``/_sandbox/`` API.

- ``GET /sdk/payparts-sdk.js`` and ``/_sandbox/sdk/*``: what the test card component
  in the shop's page calls. The session token is the credential (the browser holds
  nothing else) and CORS is open, since the shop's page is on another origin.
- ``/_sandbox/sessions/{id}/…``: order, timeline, deliveries, the order-status reads
  of its order, and triggering an outcome without a browser; Basic auth, the
  session's own sales location only. ``/_sandbox/sessions?since=``: the sales
  location's sessions created since a time (``payparts check --since``).

Status changes go through :class:`Payments`, which signs the exchange calls and
wakes the delivery worker once the change is committed.
"""

from __future__ import annotations

import hmac
import json
import re
import time
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..rules.errors import TokenDecodeError, Violation
from ..rules.exchange_signing import sign_exchange
from ..rules.money import format_display
from ..rules.order_model import OrderFacts, exchange_body, legacy_exchange_form, order_object
from ..rules.order_status import OUTCOME_CODES, status_for
from ..rules.session_token import decode_session_token
from ..rules.test_cards import TEST_CARDS, THREE_DS_RESULTS, card_by_id, three_ds_result_code
from .answers import Rejection, admit, json_response, problem, read_limited
from .exchange_delivery import DeliveryPolicy, DeliveryWorker
from .merchants import Merchant, MerchantDirectory
from .order_routes import load_status_reads
from .payments import (
    PENDING,
    OrderConflict,
    SessionGone,
    StatusChange,
    apply_status,
    is_final,
    load_deliveries,
    load_order,
    load_session_row,
    load_timeline,
)
from .store import SessionStore

__all__ = ["Payments", "payment_routes"]

_SESSION_ID = re.compile(r"[0-9a-f]{32}")
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}
_SWEEP_BATCH = 500
_SINCE_LIMIT = 1000  # sessions per answer of /_sandbox/sessions?since= (the oldest first)
# created_at is utc_now()'s ISO text (one format, UTC): text order is time order.
_SESSIONS_SINCE = (
    "SELECT session_id, created_at FROM sessions WHERE sl_code = ? AND created_at >= ? "
    "ORDER BY rowid LIMIT ?"
)
# Sessions of known sales locations whose expire passed with no final order.
_EXPIRED_UNPAID = (
    "SELECT e.session_id FROM open_expiries e JOIN sessions s USING (session_id) "
    "WHERE e.expire_at <= ? AND s.sl_code IN ({marks}) ORDER BY e.expire_at LIMIT ?"
)


class Payments:
    """Status changes (signed, committed, then delivered) and the expiry sweep."""

    def __init__(
        self, store: SessionStore, directory: MerchantDirectory, policy: DeliveryPolicy
    ) -> None:
        self.store = store
        self.directory = directory
        self.policy = policy
        self.worker = DeliveryWorker(
            policy,
            write=lambda job: store.write(job).result(),
            read=store.read_now,
            sweep=self.sweep_expired,
        )
        self._next_sweep = 0.0

    def encode(self, order: OrderFacts) -> tuple[dict[str, str], bytes]:
        """The exchange call reporting ``order``, in the policy's form: headers and body."""
        if self.policy.form == "unsigned":
            body = legacy_exchange_form(order)
            return {"Content-Type": "application/x-www-form-urlencoded"}, body
        merchant = self.directory.get(order.sl_code)
        if merchant is None:
            raise SessionGone(f"this sandbox does not know sales location {order.sl_code}")
        body = exchange_body(order, status_zero=self.policy.form == "status-0")
        signature = sign_exchange(body, order.sl_code, merchant.secret, self.policy.algorithm)
        return {"Content-Type": "application/json", **signature}, body

    async def change(
        self, session_id: str, sl_code: str | None, change: StatusChange
    ) -> OrderFacts:
        """Apply ``change`` and return the order once committed; the worker sends the call."""
        order = await self.store.write_async(
            lambda conn: apply_status(conn, session_id, sl_code, change, time.time(), self.encode)
        )
        self.worker.wake()
        return order

    def sweep_expired(self, now: float) -> None:
        """On the worker's thread: sessions whose ``expire`` passed unpaid become expired."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.policy.poll_interval
        codes = [merchant.sl_code for merchant in self.directory]
        query = _EXPIRED_UNPAID.format(marks=",".join("?" * len(codes)))  # placeholders only
        rows = self.store.read_now(
            lambda conn: conn.execute(query, (now, *codes, _SWEEP_BATCH)).fetchall()
        )
        expired = StatusChange(-80, "expiry", via_pending=False)
        for (session_id,) in rows:
            try:
                self.store.write(
                    lambda conn, sid=session_id: apply_status(
                        conn, sid, None, expired, time.time(), self.encode
                    )
                ).result()
            except OrderConflict:  # final already (paid meanwhile): nothing left to expire
                self.store.write(
                    lambda conn, sid=session_id: conn.execute(
                        "DELETE FROM open_expiries WHERE session_id = ?", (sid,)
                    )
                ).result()
        if rows:
            self.worker.wake()


# --- the SDK stand-in's endpoints ------------------------------------------------------


@cache
def _static(name: str) -> bytes:
    return files(__package__).joinpath("static", name).read_bytes()


def _cors(response: Response) -> Response:
    response.headers.update(_CORS)
    return response


async def _sdk_body(request: Request, *fields: str) -> dict[str, Any]:
    """The SDK's JSON body, with ``sessionToken`` and ``fields`` as text."""
    body = await _json_object(request)
    missing = [name for name in ("sessionToken", *fields) if not isinstance(body.get(name), str)]
    if missing:
        raise Rejection(
            problem(
                400,
                "Missing field",
                f"Send {', '.join(missing)} as text.",
                [Violation(name, "required text", "REQUIRED") for name in missing],
            )
        )
    return body


def _order_summary(order: OrderFacts, next_step: str) -> dict[str, Any]:
    status = status_for(order.status_code)
    return {
        "orderId": order.order_id,
        "status": {"code": order.status_code, "action": status.action if status else None},
        "next": next_step,
    }


def payment_routes(payments: Payments) -> list[Route]:
    """The routes of the SDK stand-in and of ``/_sandbox/``, for :func:`create_app`."""
    store, directory = payments.store, payments.directory

    async def session_for_token(token: str) -> tuple[tuple[Any, ...], Merchant]:
        """The session a token belongs to: the token must be the one the sandbox issued."""
        try:
            session_id = decode_session_token(token).session_id
        except TokenDecodeError as exc:
            raise Rejection(
                problem(
                    400,
                    "Malformed session token",
                    f"sessionToken: {exc}",
                    [Violation("sessionToken", str(exc), "INVALID_TOKEN")],
                )
            ) from None
        session = (
            await store.read(lambda conn: load_session_row(conn, session_id))
            if _SESSION_ID.fullmatch(session_id)
            else None
        )
        issued = session[2].encode() if session else b"\0"
        if session is None or not hmac.compare_digest(issued, token.strip().encode()):
            raise Rejection(
                problem(
                    404,
                    "Unknown session token",
                    "No session has this sessionToken: create one with POST /v1/session/start "
                    "on this sandbox and pass its sessionToken to PayPartsSDK.init.",
                    [Violation("sessionToken", "unknown session token", "NOT_FOUND")],
                )
            )
        merchant = directory.get(session[1])
        if merchant is None:
            raise Rejection(
                problem(
                    409,
                    "Unknown sales location",
                    "This sandbox does not know the session's "
                    "sales location: start it with the merchants file that created it.",
                )
            )
        return session, merchant

    async def refuse_if_over(session: tuple[Any, ...]) -> None:
        found = await store.read(lambda conn: load_order(conn, session[0]))
        code = found[0].status_code if found else None
        if code is not None and (is_final(code) or code == 95):
            status = status_for(code)
            raise Rejection(
                problem(
                    409,
                    "Session is over",
                    f"This session's order {found[0].order_id} is already "
                    f"{status.action if status else code}: create a new session to pay again.",
                )
            )
        if session[5] is not None and session[5] <= time.time():
            raise Rejection(
                problem(
                    409,
                    "Session expired",
                    "This session's expire time has passed: create a new session.",
                )
            )

    async def sdk_init(request: Request) -> Response:
        try:
            body = await _sdk_body(request)
            session, merchant = await session_for_token(body["sessionToken"])
            await refuse_if_over(session)
        except Rejection as rejection:
            return _cors(rejection.response)
        details = json.loads(session[3])
        amount = details["amount"]
        language = body.get("language") if isinstance(body.get("language"), str) else "nl"
        try:
            formatted = format_display(amount["value"], amount["currency"], language)
        except ValueError:  # a language Babel does not know
            formatted = format_display(amount["value"], amount["currency"], "en")
        return _cors(
            json_response(
                {
                    "sessionId": session[0],
                    "merchantName": merchant.merchant_name,
                    "amount": {**amount, "formatted": formatted},
                    "reference": details.get("reference"),
                    "description": details.get("description"),
                    "testCards": [card.as_json() for card in TEST_CARDS],
                }
            )
        )

    async def sdk_change(request: Request, field: str | None) -> Response:
        """pay (testCard), 3ds (result) and cancel (no field): one status change each."""
        try:
            body = await _sdk_body(request, *((field,) if field else ()))
            session, _ = await session_for_token(body["sessionToken"])
            if field != "result":  # the 3-D Secure step answers a pending order
                await refuse_if_over(session)
            change = _sdk_change(field, body)
            order = await payments.change(session[0], None, change)
        except Rejection as rejection:
            return _cors(rejection.response)
        except OrderConflict as conflict:
            return _cors(problem(409, "Order cannot change", str(conflict)))
        waiting = order.status_code == PENDING and change.three_ds
        return _cors(json_response(_order_summary(order, "3ds" if waiting else "done")))

    async def sdk_pay(request: Request) -> Response:
        return await sdk_change(request, "testCard")

    async def sdk_3ds(request: Request) -> Response:
        return await sdk_change(request, "result")

    async def sdk_cancel(request: Request) -> Response:
        return await sdk_change(request, None)

    async def sdk_script(_request: Request) -> Response:
        return Response(
            _static("payparts-sdk.js"),
            media_type="text/javascript; charset=utf-8",
            headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"},
        )

    async def checkout_page(_request: Request) -> Response:
        """A page that mounts the component for ``?sessionToken=`` (notebooks show it)."""
        return Response(
            _static("checkout.html"),
            media_type="text/html; charset=utf-8",
            headers={"Cache-Control": "no-cache", "Referrer-Policy": "no-referrer"},
        )

    async def preflight(_request: Request) -> Response:
        return Response(status_code=204, headers=_CORS)

    # --- /_sandbox/sessions/{id}/…: Basic auth, the owner only --------------------------

    async def owned_session(request: Request) -> tuple[tuple[Any, ...], Merchant]:
        merchant = await admit(request, directory)
        session_id = request.path_params["session_id"]
        session = (
            await store.read(lambda conn: load_session_row(conn, session_id, merchant.sl_code))
            if _SESSION_ID.fullmatch(session_id)
            else None
        )
        if session is None:
            raise Rejection(
                problem(
                    404,
                    "Not found",
                    "No session with this id exists for your sales location.",
                    [Violation("sessionId", "unknown session id", "NOT_FOUND")],
                )
            )
        return session, merchant

    async def get_order(request: Request) -> Response:
        try:
            session, merchant = await owned_session(request)
        except Rejection as rejection:
            return rejection.response
        found = await store.read(lambda conn: load_order(conn, session[0], merchant.sl_code))
        if found is None:
            return problem(
                404,
                "No order yet",
                "This session has no order yet: the customer has not pressed Pay. Trigger "
                "one with POST /_sandbox/sessions/{sessionId}/outcome.",
            )
        return json_response(order_object(found[0]))

    async def get_timeline(request: Request) -> Response:
        try:
            session, _ = await owned_session(request)
        except Rejection as rejection:
            return rejection.response
        events = await store.read(lambda conn: load_timeline(conn, session))
        return json_response({"sessionId": session[0], "events": events})

    async def get_deliveries(request: Request) -> Response:
        try:
            session, _ = await owned_session(request)
        except Rejection as rejection:
            return rejection.response
        deliveries = await store.read(lambda conn: load_deliveries(conn, session[0]))
        return json_response({"sessionId": session[0], "deliveries": deliveries})

    async def post_outcome(request: Request) -> Response:
        try:
            session, merchant = await owned_session(request)
            body = await _json_object(request)
        except Rejection as rejection:
            return rejection.response
        outcome = body.get("outcome")
        if outcome not in OUTCOME_CODES:
            choices = ", ".join(OUTCOME_CODES)
            return problem(
                422,
                "Unknown outcome",
                f"outcome must be one of {choices}.",
                [Violation("outcome", f"must be one of {choices}", "UNKNOWN_VALUE")],
            )
        code = OUTCOME_CODES[outcome]
        change = StatusChange(code, "trigger", via_pending=code != -80)
        try:
            order = await payments.change(session[0], merchant.sl_code, change)
        except OrderConflict as conflict:
            return problem(409, "Order cannot change", str(conflict))
        except SessionGone:
            return problem(404, "Not found", "No session with this id exists.")
        return json_response(order_object(order))

    async def get_status_reads(request: Request) -> Response:
        try:
            session, _ = await owned_session(request)
        except Rejection as rejection:
            return rejection.response
        # Through the writer's queue, not a reader: a read recorded (queued) before this
        # request came is committed before this runs, so a test never misses it.
        reads = await store.write_async(lambda conn: load_status_reads(conn, session[0]))
        return json_response({"sessionId": session[0], "reads": reads})

    async def list_sessions(request: Request) -> Response:
        try:
            merchant = await admit(request, directory)
        except Rejection as rejection:
            return rejection.response
        since = _since(request.query_params.get("since"))
        if since is None:
            return problem(
                400,
                "Missing or malformed since",
                "Give ?since= as an ISO 8601 time (no offset: UTC) or epoch seconds.",
                [Violation("since", "an ISO 8601 time or epoch seconds", "INVALID")],
            )
        rows = await store.read(
            lambda conn: conn.execute(
                _SESSIONS_SINCE, (merchant.sl_code, since, _SINCE_LIMIT)
            ).fetchall()
        )
        return json_response(
            {
                "since": since,
                "sessions": [{"sessionId": sid, "createdAt": at} for sid, at in rows],
            }
        )

    sessions = "/_sandbox/sessions/{session_id}"
    return [
        Route("/sdk/payparts-sdk.js", sdk_script, methods=["GET"]),
        Route("/_sandbox/checkout", checkout_page, methods=["GET"]),
        Route("/_sandbox/sdk/init", sdk_init, methods=["POST"]),
        Route("/_sandbox/sdk/pay", sdk_pay, methods=["POST"]),
        Route("/_sandbox/sdk/3ds", sdk_3ds, methods=["POST"]),
        Route("/_sandbox/sdk/cancel", sdk_cancel, methods=["POST"]),
        Route("/_sandbox/sdk/{step}", preflight, methods=["OPTIONS"]),
        Route(f"{sessions}/order", get_order, methods=["GET"]),
        Route(f"{sessions}/timeline", get_timeline, methods=["GET"]),
        Route(f"{sessions}/deliveries", get_deliveries, methods=["GET"]),
        Route(f"{sessions}/outcome", post_outcome, methods=["POST"]),
        Route(f"{sessions}/status-reads", get_status_reads, methods=["GET"]),
        Route("/_sandbox/sessions", list_sessions, methods=["GET"]),
    ]


def _since(text: str | None) -> str | None:
    """``since`` (ISO 8601, no offset meaning UTC, or epoch seconds) as ``utc_now()``'s text."""
    if not text or len(text) > 64:
        return None
    try:
        moment = datetime.fromtimestamp(float(text), UTC)
    except (ValueError, OverflowError, OSError):
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _sdk_change(field: str | None, body: dict[str, Any]) -> StatusChange:
    if field == "testCard":
        card = card_by_id(body["testCard"])
        if card is None:
            choices = ", ".join(c.test_card for c in TEST_CARDS)
            raise Rejection(
                problem(
                    422,
                    "Unknown test card",
                    f"testCard must be one of {choices}.",
                    [Violation("testCard", f"must be one of {choices}", "UNKNOWN_VALUE")],
                )
            )
        if card.final_code is None:
            return StatusChange(PENDING, "sdk", three_ds=True)
        return StatusChange(card.final_code, "sdk")
    if field == "result":
        code = three_ds_result_code(body["result"])
        if code is None:
            choices = ", ".join(THREE_DS_RESULTS)
            raise Rejection(
                problem(
                    422,
                    "Unknown 3-D Secure result",
                    f"result must be one of {choices}.",
                    [Violation("result", f"must be one of {choices}", "UNKNOWN_VALUE")],
                )
            )
        return StatusChange(code, "sdk", requires_three_ds=True)
    return StatusChange(-90, "sdk")


async def _json_object(request: Request) -> dict[str, Any]:
    """A bounded JSON object body, or a 400 that says what is wrong."""
    raw = await read_limited(request)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise Rejection(problem(400, "Malformed JSON", "The body is not valid JSON.")) from None
    if not isinstance(body, dict):
        raise Rejection(problem(400, "Malformed JSON", "The body must be a JSON object."))
    return body
