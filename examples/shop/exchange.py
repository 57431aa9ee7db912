"""Pay.nl's exchange calls, and the re-check before the shop trusts a payment.

Every call goes through the same steps (docs/reference-shop.md says why each):

1. Verify the signature over the **raw body**, before parsing anything, with the
   shop's own key id (its SL code) and secret. The comparison is constant-time
   (``verify_exchange_signature`` does it).
2. A call with no signature at all (Pay.nl's legacy form, ``action=…&order_id=…``)
   or one whose status code means nothing (0) proves nothing: only its order id is
   used, to ask Pay.nl's order-status API, and only that answer is believed.
3. Before a payment is booked, the order-status API is asked again: its status must
   be one Pay.nl's Shopware plugin accepts, and its amount and currency must equal
   the shop's order. A signed call that says "paid" is not enough on its own.
4. The status is applied in one transaction (``Orders.apply_status``): booked once,
   late or repeated calls acknowledged without booking or un-booking.

The answer is ``{"result": true|false, "description": …}`` (``TRUE| …`` / ``FALSE| …``
text to a legacy call). Pay.nl retries anything but ``result: true``, so a call the
shop could not check right now (the order API unreachable) is answered false.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.responses import JSONResponse, PlainTextResponse, Response

from payparts_helpers import PayPartsClient
from payparts_helpers.rules.errors import InvalidOrderIdError, NotFoundError, PayPartsError
from payparts_helpers.rules.exchange_signing import verify_exchange_signature
from payparts_helpers.rules.money import with_unit
from payparts_helpers.rules.order_status import status_for
from payparts_helpers.rules.resources import PaymentOrder

from .orders import Orders, ShopOrder

__all__ = [
    "ACCEPTED_CODES",
    "BOOKING_CODES",
    "Answer",
    "ExchangeHandler",
    "ask_order_api",
    "compare",
    "recheck",
]

log = logging.getLogger("examples.shop.exchange")

# The codes Pay.nl's Shopware plugin accepts when it re-checks a Pay.Parts payment
# (paid, authorised, verify, pending); of these only 100 and 95 book the order.
ACCEPTED_CODES = frozenset({100, 95, 85, 20, 25, 50, 90})
BOOKING_CODES = frozenset({100, 95})


@dataclass(frozen=True)
class Answer:
    """The shop's answer to one exchange call."""

    status: int
    result: bool
    description: str
    legacy: bool = False  # answer in text: TRUE| … / FALSE| …

    def response(self) -> Response:
        if self.legacy:
            text = f"{'TRUE' if self.result else 'FALSE'}| {self.description}"
            return PlainTextResponse(text, self.status)
        return JSONResponse({"result": self.result, "description": self.description}, self.status)


def _yes(description: str, legacy: bool) -> Answer:
    return Answer(200, True, description, legacy)


def _no(status: int, description: str, legacy: bool) -> Answer:
    return Answer(status, False, description, legacy)


def recheck(
    client: PayPartsClient,
    order_id: str,
    shop_order: ShopOrder,
    codes: frozenset[int],
    *,
    legacy: bool = False,
) -> tuple[PaymentOrder | None, Answer | None]:
    """Ask the order-status API about ``order_id`` and compare it with the shop's order.

    Returns the order as Pay.nl has it, or else the refusal to answer.
    """
    confirmed, refusal = ask_order_api(client, order_id, legacy=legacy)
    if confirmed is None:
        return None, refusal
    refusal = compare(confirmed, shop_order, codes, legacy=legacy)
    return (None, refusal) if refusal else (confirmed, None)


def compare(
    confirmed: PaymentOrder, shop_order: ShopOrder, codes: frozenset[int], *, legacy: bool
) -> Answer | None:
    """The refusal when Pay.nl's order is not the shop's order as sold, else None: another
    reference, a status not in ``codes``, another amount or currency."""
    if confirmed.reference != shop_order.reference:
        return _no(
            409, f"Pay.nl order {confirmed.order_id} is not for {shop_order.reference}", legacy
        )
    if confirmed.status_code not in codes:
        said = f"the order-status API says {confirmed.status_text}"
        return _no(409, f"{said}: not a status this shop accepts", legacy)
    sold = (shop_order.amount_value, shop_order.currency)
    if (confirmed.amount_value, confirmed.currency) != sold:
        return _no(
            409,
            f"the order-status API says {confirmed.amount_text}, but order "
            f"{shop_order.reference} is {with_unit(*sold)}: not booked",
            legacy,
        )
    return None


def ask_order_api(
    client: PayPartsClient, order_id: str, *, legacy: bool = False
) -> tuple[PaymentOrder | None, Answer | None]:
    """``client.get_order_status``, with each failure as the answer to give."""
    try:
        return client.get_order_status(order_id), None
    except InvalidOrderIdError:
        return None, _no(400, f"{order_id[:40]!r} is not a Pay.nl order id", legacy)
    except NotFoundError:
        return None, _no(403, f"Pay.nl knows no order {order_id} of this shop", legacy)
    except PayPartsError as error:  # unreachable, 5xx, refused credentials: retry later
        log.error("the order-status API could not be asked about %s: %s", order_id, error)
        return None, _no(503, "the order-status API could not be asked; try again", legacy)


class ExchangeHandler:
    """Answers exchange calls for one sales location (``key_id`` is its SL code)."""

    def __init__(self, orders: Orders, client: PayPartsClient, *, secret: str, key_id: str):
        self._orders = orders
        self._client = client
        self._secret = secret
        self._key_id = key_id

    def handle(self, headers: dict[str, str], raw: bytes) -> Answer:
        """One call: the headers as received, the body as raw bytes.

        Raises nothing for any input; only the database (``sqlite3.OperationalError``).
        """
        verdict = verify_exchange_signature(headers, raw, self._secret, key_id=self._key_id)
        if verdict.problem == "missing-header":
            return self._unsigned(raw)
        if not verdict:  # signed, but wrongly: another key id, another secret, a changed body
            return _no(403, verdict.message, False)
        # Only now, with the signature verified, is the body parsed.
        reported = _signed_order(raw)
        if reported is None:
            return _no(400, "the signed body is not an exchange call: JSON with an order", False)
        if status_for(reported.status_code) is None:  # 0 (or a code no SDK knows)
            return self._from_order_api(reported.order_id, reported.reference, legacy=False)
        return self._settle(reported, confirmed=False, legacy=False)

    def _unsigned(self, raw: bytes) -> Answer:
        """The legacy call: nothing in it is signed, so only ``order_id`` is read."""
        form = parse_qs(raw.decode("utf-8", errors="replace"), max_num_fields=20)
        order_id = (form.get("order_id") or [""])[0]
        if not order_id:
            return _no(403, "the call is not signed and names no order_id", False)
        return self._from_order_api(order_id, None, legacy=True)

    def _from_order_api(self, order_id: str, reference: str | None, *, legacy: bool) -> Answer:
        """Settle with what the order-status API says, never with what the call said."""
        confirmed, refusal = ask_order_api(self._client, order_id, legacy=legacy)
        if confirmed is None:
            assert refusal is not None
            return refusal
        if reference is not None and confirmed.reference != reference:
            return _no(409, f"Pay.nl order {order_id} is not for {reference}", legacy)
        return self._settle(confirmed, confirmed=True, legacy=legacy)

    def _settle(self, order: PaymentOrder, *, confirmed: bool, legacy: bool) -> Answer:
        """Apply ``order``'s status; ``confirmed``: it is the order-status API's answer."""
        shop_order = self._orders.get(order.reference) if order.reference else None
        if shop_order is None:
            return _no(403, f"no order {str(order.reference)[:40]!r} in this shop", legacy)
        if order.status_code in BOOKING_CODES:
            # The re-check before booking: the order API's status, amount and currency.
            if confirmed:
                refusal = compare(order, shop_order, ACCEPTED_CODES, legacy=legacy)
            else:
                rechecked, refusal = recheck(
                    self._client, order.order_id, shop_order, ACCEPTED_CODES, legacy=legacy
                )
                order, confirmed = rechecked or order, True  # its status may have moved on
            if refusal is not None:
                return refusal
        elif status_for(order.status_code) is None:  # the order API itself said 0
            return _no(409, f"the order-status API says {order.status_text}", legacy)
        change = self._orders.apply_status(shop_order.reference, order.order_id, order.status_code)
        if not change.accepted:
            return _no(409, change.description, legacy)
        source = "the order-status API" if confirmed else "the signed call"
        return _yes(f"{change.description} (status from {source})", legacy)


def _signed_order(raw: bytes) -> PaymentOrder | None:
    """The envelope's ``object`` read as an order, or None for anything else."""
    try:
        envelope = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, truncated, not UTF-8
        return None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("object"), dict):
        return None
    try:
        return PaymentOrder.from_json(envelope["object"])  # checks each field's JSON type
    except PayPartsError:
        return None
