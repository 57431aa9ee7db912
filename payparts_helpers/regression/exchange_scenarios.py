"""The "exchange handler" group: does a shop verify, book once, and ask the order API?

Each scenario plays one payment against a shop (the target's ``shop_url``, or the
reference shop of examples/shop/, see docs/reference-shop.md) and a sandbox:

1. ``POST {shop}/checkout``: the shop creates its order and a Pay.Parts session at the
   sandbox, so the session's ``exchangeUrl`` is the shop's;
2. the sandbox moves the payment (``trigger_outcome``) and sends its own signed call,
   which is awaited by polling ``list_deliveries`` until a deadline (never a fixed sleep);
3. crafted calls go to the shop's exchange URL as Pay.nl sends them (POST, the raw
   bytes, 5 s to answer), and ``GET {shop}/orders/{reference}`` says what was booked.

A row's ``elapsed_ms`` is the shop's answer time to the call under test. Details never
carry an id, a reference, a URL or a signature, so they read the same on every run; the
runner masks the sales location's secret in anything else.

Against beta or production the rows are skipped: the sandbox's ``/_sandbox/`` controls
that move a payment do not exist there.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import requests

from ..rules.errors import NotFoundError
from ..rules.exchange_signing import HEADER_KEY_ID, sign_exchange
from ..rules.money import format_plain
from ..rules.resources import PaymentOrder
from ..rules.sandbox_resources import Delivery
from .scenario_types import MatrixContext, Scenario, ScenarioOutcome, TimedAssertionError, passed
from .scenario_types import skipped as skipped_outcome
from .targets import ShopEndpoints

__all__ = [
    "ALTERED_DANGER",
    "CANCEL_DANGER",
    "EXCHANGE_GROUP",
    "EXCHANGE_SCENARIOS",
    "FOREIGN_SIGNER_ADVICE",
    "FOREIGN_SIGNER_DANGER",
    "OTHER_SECRET",
    "PAY_NL_TIMEOUT",
    "UNSIGNED_DANGER",
    "Answer",
    "Checkout",
    "Payment",
    "ShopOrder",
    "await_delivery",
    "claiming",
    "compact",
    "expect_accepted",
    "expect_refused",
    "legacy_call",
    "no_crash",
    "post_exchange",
    "read_shop_order",
    "signed_headers",
]

EXCHANGE_GROUP = "exchange handler"
PAY_NL_TIMEOUT = 5.0  # Pay.nl waits at most 5 s for a shop's answer (known-facts.md)
_SHOP_TIMEOUT = 15.0  # /checkout creates a session at the sandbox: more than one hop
_DELIVERY_DEADLINE = 3 * PAY_NL_TIMEOUT  # the sandbox's first attempt: at once, 5 s to answer
_POLL_INTERVAL = 0.02
OTHER_SECRET = "a-secret-that-is-not-the-sales-locations"  # noqa: S105 (made up on purpose)
"""A secret no sales location has: a call signed with it must never be accepted."""
_OTHER_KEY_ID = "SL-9999-9999"
_QUOTE = 160

UNSIGNED_DANGER = (
    "DANGEROUS: the shop booked an unsigned call (action=new_ppt&order_id=…&extra1=<reference>) "
    "as paid while the order-status API says {status}. Anyone can post that form to the "
    "exchange URL and have an unpaid order shipped: an unsigned call proves nothing, so "
    "confirm it with the order-status API (GET /v1/orders/{{id}}/status, "
    "client.get_order_status) before booking anything, as Pay.nl's PHP SDK does."
)
ALTERED_DANGER = (
    "DANGEROUS: the shop booked as paid a signed call whose body was altered to claim paid "
    "(its Signature no longer matches) while the order-status API says {status}. Anyone who "
    "has seen one exchange call can rewrite it: verify the HMAC over the raw body "
    "(verify_exchange_signature) before reading any field, and refuse a mismatch."
)
FOREIGN_SIGNER_ADVICE = (
    "it does not verify the signature, so anyone can sign a call with a secret of their own. "
    "Verify the HMAC over the raw body with your sales location's secret and refuse a "
    "mismatch (403, result false)."
)
"""Why accepting a call signed with another secret is dangerous, and what to do instead."""
FOREIGN_SIGNER_DANGER = (
    "DANGEROUS: the shop booked as paid a call signed with another secret while the "
    "order-status API says {status}: " + FOREIGN_SIGNER_ADVICE
)
_WRONG_KEY_DANGER = (
    "DANGEROUS: the shop booked as paid a call whose Signature-KeyID is not its SL code while "
    "the order-status API says {status}: check the key id (as Pay.nl's PHP SDK does) and "
    "refuse a call signed for another key."
)


_NO_SANDBOX = (
    "not run against Pay.nl's hosts: these scenarios move payments with the sandbox's "
    "/_sandbox/ controls, which Pay.nl does not have, so no reference shop is started; run "
    "them with ENV=sandbox (and SHOP_URL for your own shop)"
)
_NO_SANDBOX_WITH_SHOP = (
    "SHOP_URL is set, but the target is not a sandbox on this machine: these scenarios move "
    "payments with the sandbox's /_sandbox/ controls, which Pay.nl does not have; point your "
    "shop at a sandbox and run with ENV=sandbox and BASE_URL set to that sandbox"
)

CANCEL_DANGER = (
    "DANGEROUS: the shop acted on a call it cannot have verified ({what}) and ended an "
    "order the order-status API says is {status}: it is now {state}. Anyone could cancel "
    "your customers' orders this way. Verify the HMAC over the raw body with your secret "
    "and key id before acting on any call, and refuse (403, result false) what does not "
    "verify."
)


# --- talking to the shop ----------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """The shop's answer to one exchange call."""

    status: int
    text: str
    elapsed_ms: float

    @property
    def result(self) -> bool | None:
        """``result`` of a JSON answer, or TRUE|/FALSE| of a text one; None when neither."""
        try:
            data = json.loads(self.text)
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict) and isinstance(data.get("result"), bool):
            return data["result"]
        head = self.text.lstrip().upper()
        if head.startswith("TRUE|") or head == "TRUE":
            return True
        if head.startswith("FALSE|") or head == "FALSE":
            return False
        return None

    @property
    def accepted(self) -> bool:
        """What Pay.nl counts as delivered: 2xx with result true (or TRUE|)."""
        return 200 <= self.status < 300 and self.result is True

    @property
    def summary(self) -> str:
        """``403, result false``: stable words for a pass detail (no ids quoted)."""
        said = {True: "result true", False: "result false", None: "no result"}[self.result]
        return f"{self.status}, {said}"

    @property
    def quoted(self) -> str:
        """The status and the start of the body, for a failure message."""
        text = " ".join(self.text.split())
        shown = text[:_QUOTE] + ("…" if len(text) > _QUOTE else "")
        return f"HTTP {self.status} {shown!r}" if shown else f"HTTP {self.status} (empty body)"


def post_exchange(shop: ShopEndpoints, body: bytes, headers: Mapping[str, str]) -> Answer:
    """One exchange call as Pay.nl makes it: POST, the raw bytes, 5 s to answer.

    Only ``shop.exchange_url`` is used: a shop known by its exchange URL alone will do.
    """
    started = time.perf_counter()
    try:
        response = requests.post(
            shop.exchange_url,
            data=body,
            headers=dict(headers),
            timeout=PAY_NL_TIMEOUT,
            allow_redirects=False,
        )
    except requests.Timeout:
        elapsed = (time.perf_counter() - started) * 1000
        raise TimedAssertionError(
            f"the exchange URL did not answer within {PAY_NL_TIMEOUT:g} s: Pay.nl counts that "
            "as a failed call (answer at once, do slow work afterwards)",
            elapsed,
        ) from None
    except requests.RequestException as error:
        raise TimedAssertionError(
            f"could not reach the shop's exchange URL ({type(error).__name__})"
        ) from None
    elapsed = (time.perf_counter() - started) * 1000
    return Answer(response.status_code, response.text, elapsed)


@dataclass(frozen=True)
class Checkout:
    """What ``POST {shop}/checkout`` answered."""

    reference: str
    session_id: str


def _checkout(shop: ShopEndpoints) -> Checkout:
    where = "POST /checkout"
    try:
        response = requests.post(shop.url + "/checkout", json={}, timeout=_SHOP_TIMEOUT)
    except requests.RequestException as error:
        raise AssertionError(
            f"{where}: could not reach the shop ({type(error).__name__})"
        ) from None
    answer = Answer(response.status_code, response.text, 0.0)
    try:
        data = response.json()
    except ValueError:
        data = None
    if not 200 <= response.status_code < 300 or not isinstance(data, dict):
        raise AssertionError(
            f"{where} answered {answer.quoted}: expected JSON {{reference, sessionId, "
            "sessionToken, apiUrl}} (docs/reference-shop.md)"
        )
    missing = [k for k in ("reference", "sessionId") if not isinstance(data.get(k), str)]
    if missing or not data["reference"] or not data["sessionId"]:
        raise AssertionError(
            f"{where}: the answer has no {' or '.join(missing) or 'reference or sessionId'} "
            f"(keys: {', '.join(sorted(map(str, data))) or 'none'}; docs/reference-shop.md)"
        )
    return Checkout(data["reference"], data["sessionId"])


@dataclass(frozen=True)
class ShopOrder:
    """``GET {shop}/orders/{reference}``: the shop's own view of the order."""

    state: str
    bookings: int

    @property
    def paid(self) -> bool:
        return self.state == "paid"

    def __str__(self) -> str:
        return f"{self.state}, bookings {self.bookings}"


def _shop_order(shop: ShopEndpoints, reference: str) -> ShopOrder | None:
    """The shop's order, or None when it answers 404 (it does not know the reference)."""
    return read_shop_order(f"{shop.url}/orders/{quote(reference, safe='')}")


def read_shop_order(url: str, where: str = "GET /orders/{reference}") -> ShopOrder | None:
    """The status JSON at ``url`` (docs/reference-shop.md), None for a 404; ``where`` names
    the URL in messages (never the URL itself: it holds the reference)."""
    try:
        response = requests.get(url, timeout=PAY_NL_TIMEOUT)
    except requests.RequestException as error:
        raise AssertionError(
            f"{where}: could not reach the shop ({type(error).__name__})"
        ) from None
    if response.status_code == 404:
        return None
    try:
        data = response.json()
    except ValueError:
        data = None
    state = data.get("state") if isinstance(data, dict) else None
    bookings = data.get("bookings") if isinstance(data, dict) else None
    if (
        response.status_code != 200
        or not isinstance(state, str)
        or not isinstance(bookings, int)
        or isinstance(bookings, bool)
    ):
        shown = Answer(response.status_code, response.text, 0.0).quoted
        raise AssertionError(
            f"{where} answered {shown}: expected JSON with state (text) and bookings (a whole "
            "number), docs/reference-shop.md"
        )
    return ShopOrder(state, bookings)


def _known_order(shop: ShopEndpoints, reference: str, when: str) -> ShopOrder:
    order = _shop_order(shop, reference)
    if order is None:
        raise AssertionError(f"{when}: the shop's status URL answered 404 for its own order")
    return order


# --- moving the payment in the sandbox --------------------------------------------------


def _trigger(ctx: MatrixContext, checkout: Checkout, outcome: str) -> PaymentOrder:
    try:
        return ctx.client.trigger_outcome(checkout.session_id, outcome)
    except NotFoundError:
        raise AssertionError(
            "the sandbox does not know the session the shop created: start the shop against "
            "the sandbox the matrix runs on (BASE_URL), with the matrix's SL code and secret"
        ) from None


def await_delivery(ctx: MatrixContext, checkout: Checkout, code: int) -> Delivery:
    """The sandbox's own call for status ``code``, once its first attempt is recorded
    (polling ``list_deliveries`` until a deadline)."""
    deadline = time.monotonic() + _DELIVERY_DEADLINE
    while True:
        for delivery in ctx.client.list_deliveries(checkout.session_id):
            if delivery.status_code == code and delivery.attempts:
                return delivery
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"the sandbox made no attempt at its status-{code} exchange call within "
                f"{_DELIVERY_DEADLINE:g} s"
            )
        time.sleep(_POLL_INTERVAL)  # polling with a deadline, not waiting for luck


@dataclass(frozen=True)
class Payment:
    """A checkout moved in the sandbox, with the sandbox's own call for that status."""

    checkout: Checkout
    delivery: Delivery

    @property
    def body(self) -> bytes:
        """The exact bytes the sandbox sent (and signed)."""
        body = self.delivery.body
        if not isinstance(body, str):
            raise AssertionError("the sandbox reported its call's body as JSON, not as the bytes")
        return body.encode("utf-8")

    @property
    def envelope(self) -> dict[str, Any]:
        envelope = self.delivery.body_object
        if envelope is None or not isinstance(envelope.get("object"), dict):
            raise AssertionError("the sandbox's exchange call is not a signed JSON envelope")
        return envelope

    @property
    def order_id(self) -> str:
        return self.delivery.order_id


def _paid(ctx: MatrixContext, shop: ShopEndpoints) -> Payment:
    """A checkout paid in the sandbox; its signed paid call answered true, booked once."""
    checkout = _checkout(shop)
    _trigger(ctx, checkout, "paid")
    payment = Payment(checkout, await_delivery(ctx, checkout, 100))
    first = payment.delivery.attempts[0]
    if not first.ok:
        said = first.answer if first.answer is not None else first.error
        shown = " ".join(str(said or "no answer").split())[:_QUOTE]
        raise TimedAssertionError(
            f"the sandbox's own signed paid call was answered HTTP {first.http_status} "
            f'{shown!r}: a correct shop verifies it and answers {{"result": true}}, else '
            "Pay.nl retries and finally e-mails the merchant",
            float(first.duration_ms),
        )
    order = _known_order(shop, checkout.reference, "after the sandbox's paid call")
    if not order.paid or order.bookings != 1:
        raise TimedAssertionError(
            f"after the sandbox's signed paid call (answered true) the shop shows {order}: "
            "expected paid, bookings 1",
            float(first.duration_ms),
        )
    return payment


def _pending(ctx: MatrixContext, shop: ShopEndpoints) -> tuple[Payment, PaymentOrder]:
    """A checkout only PENDING in the sandbox (its pending call attempted), and the order API's
    word on it."""
    checkout = _checkout(shop)
    _trigger(ctx, checkout, "pending")
    payment = Payment(checkout, await_delivery(ctx, checkout, 20))
    confirmed = ctx.client.get_order_status(payment.order_id)
    if confirmed.status_code != 20:
        raise AssertionError(
            f"the order-status API says {confirmed.status_text} for an order the sandbox was "
            "asked to keep pending"
        )
    order = _known_order(shop, checkout.reference, "after the sandbox's pending call")
    if order.paid or order.bookings:
        raise AssertionError(f"after a pending call the shop shows {order}: nothing is paid yet")
    return payment, confirmed


def compact(envelope: dict[str, Any]) -> bytes:
    """The sandbox's own serialisation: compact UTF-8 JSON."""
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def claiming(envelope: dict[str, Any], code: int, action: str) -> dict[str, Any]:
    """A copy of the envelope whose order claims status ``code`` (100: paid, all captured)."""
    forged = copy.deepcopy(envelope)
    order = forged["object"]
    order["status"] = {"code": code, "action": action}
    if code == 100 and isinstance(order.get("amount"), dict):
        order["authorizedAmount"] = dict(order["amount"])
        order["capturedAmount"] = dict(order["amount"])
    for payment in order.get("payments") or []:
        if isinstance(payment, dict):
            payment["status"] = {"code": code, "action": action}
    return forged


def legacy_call(payment: Payment) -> tuple[bytes, dict[str, str]]:
    """An unsigned legacy paid call for ``payment``'s order (``action=new_ppt&order_id=…``,
    form-encoded): body and headers. Anyone can send it, so it proves nothing."""
    amount = payment.envelope["object"].get("amount") or {}
    fields = {
        "action": "new_ppt",
        "order_id": payment.order_id,
        "amount": format_plain(int(amount.get("value", 0)), str(amount.get("currency", "EUR"))),
        "extra1": payment.checkout.reference,
        "extra2": "",
        "extra3": "",
    }
    body = urlencode(fields).encode("ascii")
    return body, {"Content-Type": "application/x-www-form-urlencoded"}


def _claiming_paid(payment: Payment) -> bytes:
    return compact(claiming(payment.envelope, 100, "PAID"))


def signed_headers(body: bytes, ctx: MatrixContext, **overrides: str) -> dict[str, str]:
    """Content-Type and the four signature headers, as the sandbox sends them; ``key_id``,
    ``secret``, ``algorithm`` override the target's own."""
    key_id = overrides.get("key_id", ctx.target.sl_code)
    secret = overrides.get("secret", ctx.target.secret)
    algorithm = overrides.get("algorithm", "sha256")
    return {"Content-Type": "application/json", **sign_exchange(body, key_id, secret, algorithm)}


def no_crash(answer: Answer, what: str) -> None:
    """Fail on a 5xx: Pay.nl retries it and no one learns why."""
    if answer.status >= 500:
        raise TimedAssertionError(
            f"{what}: the shop crashed ({answer.quoted}); refuse what cannot be verified with "
            '403 and {"result": false, "description": …}',
            answer.elapsed_ms,
        )


def expect_refused(answer: Answer, what: str) -> None:
    """Fail on a crash or on result true: what cannot be verified must be refused."""
    no_crash(answer, what)
    if answer.accepted:
        raise TimedAssertionError(
            f"{what} was answered {answer.quoted}: Pay.nl (and anyone else) reads that as "
            "accepted; refuse it with 403 and result false",
            answer.elapsed_ms,
        )


def expect_accepted(answer: Answer, what: str) -> None:
    """Fail unless 2xx with result true: anything else Pay.nl retries."""
    if not answer.accepted:
        raise TimedAssertionError(
            f"{what} was answered {answer.quoted}: Pay.nl reads anything but 2xx with result "
            "true as a failed call and retries it",
            answer.elapsed_ms,
        )


def _expect_not_booked(
    shop: ShopEndpoints, payment: Payment, answer: Answer, danger: str, confirmed: PaymentOrder
) -> ShopOrder:
    order = _known_order(shop, payment.checkout.reference, "afterwards")
    if order.paid or order.bookings:
        raise TimedAssertionError(
            danger.format(status=confirmed.status_text) + f" Afterwards the shop shows {order}.",
            answer.elapsed_ms,
        )
    return order


def _expect_booked_once(shop: ShopEndpoints, payment: Payment, answer: Answer, what: str) -> None:
    order = _known_order(shop, payment.checkout.reference, what)
    if order.bookings > 1:
        raise TimedAssertionError(
            f"{what}, the shop shows {order}: it booked the same payment again. Pay.nl repeats "
            "a call until it is answered true, so book once: look the order up first",
            answer.elapsed_ms,
        )
    if not order.paid or order.bookings != 1:
        raise TimedAssertionError(
            f"{what}, the shop shows {order}: expected paid, bookings 1", answer.elapsed_ms
        )


# --- the scenarios ----------------------------------------------------------------------

Check = Callable[[MatrixContext, ShopEndpoints], ScenarioOutcome]


def _sandbox_paid_call(ctx: MatrixContext, shop: ShopEndpoints) -> ScenarioOutcome:
    payment = _paid(ctx, shop)
    first = payment.delivery.attempts[0]
    return passed(
        f"the sandbox's signed paid call ({payment.delivery.headers.get('Signature-Algorithm')}) "
        "was answered result true; the shop shows paid, bookings 1",
        float(first.duration_ms),
    )


def _same_call_again(ctx: MatrixContext, shop: ShopEndpoints) -> ScenarioOutcome:
    payment = _paid(ctx, shop)
    answer = post_exchange(shop, payment.body, payment.delivery.headers)
    what = "the sandbox's signed paid call, sent again byte for byte"
    expect_accepted(answer, what)
    _expect_booked_once(shop, payment, answer, f"after {what}")
    return passed(
        f"the same signed body again: {answer.summary}; still paid, bookings 1 (booked once)",
        answer.elapsed_ms,
    )


Signer = Callable[[bytes, Payment], Mapping[str, str]]


def _forged(
    ctx: MatrixContext, shop: ShopEndpoints, sign: Signer, what: str, danger: str
) -> ScenarioOutcome:
    """Two calls the shop cannot verify, for an order only pending: one claims 100 PAID, one
    -90 CANCEL. Each must be refused, and neither may book or end the order.

    The cancel matters as much as the paid claim: a shop that re-checks payments with the
    order-status API before booking (as the reference shop does) is still open to a forged
    cancel unless it verifies the signature.
    """
    payment, confirmed = _pending(ctx, shop)
    before = _known_order(shop, payment.checkout.reference, "before the calls")
    paid_body = _claiming_paid(payment)
    paid = post_exchange(shop, paid_body, sign(paid_body, payment))
    _expect_not_booked(shop, payment, paid, danger, confirmed)
    cancel_body = compact(claiming(payment.envelope, -90, "CANCEL"))
    cancel = post_exchange(shop, cancel_body, sign(cancel_body, payment))
    after = _known_order(shop, payment.checkout.reference, "after the calls")
    if after.state != before.state or after.bookings:
        raise TimedAssertionError(
            CANCEL_DANGER.format(what=what, status=confirmed.status_text, state=after.state),
            cancel.elapsed_ms,
        )
    for claim, answer in (("100 PAID", paid), ("-90 CANCEL", cancel)):
        no_crash(answer, f"{what}, claiming {claim},")
        if answer.accepted:
            raise TimedAssertionError(
                f"{what}, claiming {claim}, was answered {answer.quoted}: the shop accepts a "
                "call it cannot have verified. Nothing changed this time, but it acts on what "
                "anyone sends: verify the signature (HMAC over the raw body, your secret and "
                "key id) first and refuse a mismatch with 403 and result false",
                answer.elapsed_ms,
            )
    return passed(
        f"{what}, order pending: a 100 PAID claim {paid.summary}, a -90 CANCEL claim "
        f"{cancel.summary}; not booked, not cancelled",
        max(paid.elapsed_ms, cancel.elapsed_ms),
    )


def _another_secret(ctx: MatrixContext, shop: ShopEndpoints) -> ScenarioOutcome:
    def sign(body: bytes, _payment: Payment) -> dict[str, str]:
        return signed_headers(body, ctx, secret=OTHER_SECRET)

    return _forged(ctx, shop, sign, "signed with another secret", FOREIGN_SIGNER_DANGER)


def _another_key_id(ctx: MatrixContext, shop: ShopEndpoints) -> ScenarioOutcome:
    def sign(body: bytes, _payment: Payment) -> dict[str, str]:
        return signed_headers(body, ctx, key_id=_OTHER_KEY_ID)

    what = f"the right secret but {HEADER_KEY_ID} {_OTHER_KEY_ID}"
    return _forged(ctx, shop, sign, what, _WRONG_KEY_DANGER)


def _sha512(ctx: MatrixContext, shop: ShopEndpoints) -> ScenarioOutcome:
    payment = _paid(ctx, shop)
    answer = post_exchange(
        shop, payment.body, signed_headers(payment.body, ctx, algorithm="sha512")
    )
    what = "the sandbox's paid call signed with sha512 (Signature-Algorithm: sha512)"
    expect_accepted(answer, what)
    _expect_booked_once(shop, payment, answer, f"after {what}")
    return passed(f"a sha512-signed copy: {answer.summary}; paid, bookings 1", answer.elapsed_ms)


def _truncated(ctx: MatrixContext, shop: ShopEndpoints) -> ScenarioOutcome:
    payment = _paid(ctx, shop)
    body = payment.body
    cut = body[: len(body) // 2]
    answer = post_exchange(shop, cut, payment.delivery.headers)
    expect_refused(answer, "the paid call cut in half, with the original signature")
    _expect_booked_once(shop, payment, answer, "after a truncated call")
    return passed(
        f"half the body with the original signature: {answer.summary}, not a 5xx; "
        "still paid, bookings 1",
        answer.elapsed_ms,
    )


def _unknown_order(ctx: MatrixContext, shop: ShopEndpoints) -> ScenarioOutcome:
    payment, _confirmed = _pending(ctx, shop)
    forged = claiming(payment.envelope, 100, "PAID")
    order = forged["object"]
    other_uuid = str(uuid.uuid4())
    forged["id"] = order["id"] = order["uuid"] = other_uuid
    digits = str(uuid.uuid4().int)[:10]
    order["orderId"] = f"9{digits}X{uuid.uuid4().hex[:4]}"
    unknown_reference = f"UNKNOWN-{uuid.uuid4().hex[:12]}"
    order["reference"] = unknown_reference
    body = compact(forged)
    answer = post_exchange(shop, body, signed_headers(body, ctx))
    no_crash(answer, "a signed paid call for an order the shop does not know")
    if answer.accepted:
        raise TimedAssertionError(
            f"a signed paid call for an order the shop does not know was answered "
            f"{answer.quoted}: answer result false (an unknown order cannot be booked)",
            answer.elapsed_ms,
        )
    ghost = _shop_order(shop, unknown_reference)
    if ghost is not None and (ghost.paid or ghost.bookings):
        raise TimedAssertionError(
            f"the shop booked an order it never had ({ghost}) from a call for an unknown order",
            answer.elapsed_ms,
        )
    own = _known_order(shop, payment.checkout.reference, "afterwards")
    if own.paid or own.bookings:
        raise TimedAssertionError(
            f"a call for another order (orderId and reference changed) booked this checkout: "
            f"the shop shows {own}; find the order by the call's own reference and orderId",
            answer.elapsed_ms,
        )
    return passed(
        f"orderId and reference changed, correctly signed: {answer.summary}; nothing booked",
        answer.elapsed_ms,
    )


def _cancel_after_paid(ctx: MatrixContext, shop: ShopEndpoints) -> ScenarioOutcome:
    payment = _paid(ctx, shop)
    body = compact(claiming(payment.envelope, -90, "CANCEL"))
    answer = post_exchange(shop, body, signed_headers(body, ctx))
    no_crash(answer, "a signed cancel (-90) after paid")
    expect_accepted(answer, "a signed cancel (-90) for the paid order, arriving late")
    order = _known_order(shop, payment.checkout.reference, "after a late cancel")
    if not order.paid or order.bookings != 1:
        raise TimedAssertionError(
            f"after a late cancel for a paid order the shop shows {order}: an out-of-order call "
            "must not undo a payment; answer true and keep it paid, bookings 1",
            answer.elapsed_ms,
        )
    return passed(
        f"a signed -90 CANCEL after paid: {answer.summary}; still paid, bookings 1",
        answer.elapsed_ms,
    )


def _unsigned_for_pending(ctx: MatrixContext, shop: ShopEndpoints) -> ScenarioOutcome:
    payment, confirmed = _pending(ctx, shop)
    answer = post_exchange(shop, *legacy_call(payment))
    order = _expect_not_booked(shop, payment, answer, UNSIGNED_DANGER, confirmed)
    no_crash(answer, "an unsigned legacy call (action=new_ppt)")
    return passed(
        f"unsigned action=new_ppt for an order the API says is {confirmed.status_text}: "
        f"{answer.summary}; the shop shows {order.state}, nothing booked",
        answer.elapsed_ms,
    )


def _altered(ctx: MatrixContext, shop: ShopEndpoints) -> ScenarioOutcome:
    def original_signature(_body: bytes, payment: Payment) -> Mapping[str, str]:
        return payment.delivery.headers  # signed for the pending call's own bytes

    what = "the pending call's body altered, its original signature kept"
    return _forged(ctx, shop, original_signature, what, ALTERED_DANGER)


def _with_shop(check: Check) -> Callable[[MatrixContext], ScenarioOutcome]:
    """Skip where the group cannot run; otherwise run ``check`` against the shop under test."""

    def run(ctx: MatrixContext) -> ScenarioOutcome:
        if not ctx.local_sandbox:
            return skipped_outcome(_NO_SANDBOX_WITH_SHOP if ctx.target.shop_url else _NO_SANDBOX)
        try:
            shop = ctx.shop
        except Exception as error:
            raise AssertionError(f"no shop to check: {type(error).__name__}: {error}") from None
        return check(ctx, shop)

    return run


def _scenarios() -> list[Scenario]:
    rows: list[tuple[str, Check]] = [
        ("the sandbox's signed paid call: result true, booked once", _sandbox_paid_call),
        ("the same signed call again: true, still booked once", _same_call_again),
        ("signed with another secret: refused, nothing booked or cancelled", _another_secret),
        ("another Signature-KeyID: refused, nothing booked or cancelled", _another_key_id),
        ("a sha512-signed copy: accepted, booked once", _sha512),
        ("a truncated body, original signature: refused, not a 5xx", _truncated),
        ("an order the shop does not know: not true, nothing booked", _unknown_order),
        ("a cancel after paid: answered true, still paid", _cancel_after_paid),
        ("an unsigned call for a pending order: not booked as paid", _unsigned_for_pending),
        ("a signed call altered to claim paid or cancel: refused, nothing booked", _altered),
    ]
    return [Scenario(EXCHANGE_GROUP, name, _with_shop(check)) for name, check in rows]


EXCHANGE_SCENARIOS: tuple[Scenario, ...] = tuple(_scenarios())
