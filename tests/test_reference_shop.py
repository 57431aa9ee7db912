"""The reference shop (examples/shop) over real HTTP, against a real sandbox.

The sandbox runs in a thread with fast retries; the shop runs under uvicorn in
another thread on a free loopback port, with its own SQLite file. The sandbox's
exchange calls reach the shop as they would reach any shop; the tests read what
the shop answered from the sandbox's deliveries, and the shop's state from its
status URL (``GET /orders/{reference}``). Forged and broken calls are posted to the
shop directly.

Two shops share the module's sandbox: ``shop`` hears every exchange call; ``blind``
gives the sandbox a closed port as its exchange URL, so its orders are paid at
Pay.nl (the sandbox) and not yet booked in the shop: the state in which a call
decides everything. Every wait is for a state, with a deadline.
"""

from __future__ import annotations

import copy
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from examples.shop import create_app
from payparts_helpers import PayPartsClient
from payparts_helpers.rules.examples import DEMO_SECRET, DEMO_SL_CODE
from payparts_helpers.rules.exchange_signing import sign_exchange
from payparts_helpers.rules.sandbox_resources import Delivery
from payparts_helpers.sandbox import DeliveryPolicy, SandboxHandle, start_sandbox
from payparts_helpers.sandbox.server import bind_socket, uvicorn_server

from .e2e.lab_setup import free_port
from .e2e.waits import Seen, wait_for_state

ROOT = Path(__file__).resolve().parents[1]
SL_CODE, SECRET = DEMO_SL_CODE, DEMO_SECRET
FAST = DeliveryPolicy(delays=(0.05, 0.1))
WAIT = 20.0  # the deadline of every wait for a state


# --- serving the shop ------------------------------------------------------------------


@contextmanager
def running_shop(
    client: PayPartsClient, db_path: Path, *, secret: str = SECRET, public_url: str | None = None
) -> Iterator[str]:
    """The shop for ``client``'s sales location on a free loopback port: yields its URL.

    The browser tests and tools/shop_screenshot.py serve it the same way.
    """
    app = create_app(client, secret=secret, db_path=db_path, public_url=public_url)
    sock = bind_socket("127.0.0.1", 0)
    server = uvicorn_server(app)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="reference-shop", daemon=True
    )
    thread.start()
    wait_for_state(
        "the shop never started",
        lambda: Seen(server.started or not thread.is_alive(), "starting"),
        WAIT,
    )
    assert server.started, "the shop's server thread ended before it started"
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


@dataclass
class Shop:
    url: str
    db_path: Path
    sandbox: SandboxHandle
    client: PayPartsClient  # the test's own: triggers outcomes, reads deliveries
    shop_client: PayPartsClient  # the shop's
    http: requests.Session

    def checkout(self) -> dict[str, Any]:
        answer = self.http.post(f"{self.url}/checkout", timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def order(self, reference: str) -> dict[str, Any]:
        answer = self.http.get(f"{self.url}/orders/{reference}", timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def post_exchange(self, body: bytes, headers: dict[str, str]) -> requests.Response:
        return self.http.post(f"{self.url}/exchange", data=body, headers=headers, timeout=10)

    def deliveries_when(
        self, session_id: str, done: Callable[[list[Delivery]], bool], what: str
    ) -> list[Delivery]:
        def observe() -> Seen:
            deliveries = self.client.list_deliveries(session_id)
            seen = [(d.status_code, d.state, len(d.attempts)) for d in deliveries]
            return Seen(done(deliveries), f"(code, state, attempts) {seen}", deliveries)

        return wait_for_state(what, observe, WAIT)

    def settled(self, session_id: str, codes: list[int]) -> list[Delivery]:
        """The session's deliveries, once their codes are ``codes`` and none is pending."""
        return self.deliveries_when(
            session_id,
            lambda ds: (
                [d.status_code for d in ds] == codes and all(d.state != "pending" for d in ds)
            ),
            f"the exchange calls {codes} were never all answered",
        )


@contextmanager
def shop_stack(
    folder: Path,
    policy: DeliveryPolicy = FAST,
    *,
    sandbox: SandboxHandle | None = None,
    **shop: Any,
) -> Iterator[Shop]:
    """A sandbox (or ``sandbox``) and a shop in front of it, each with a file in ``folder``."""
    with ExitStack() as stack:
        if sandbox is None:
            sandbox = stack.enter_context(
                start_sandbox(port=0, db_path=folder / "sandbox.sqlite3", delivery=policy)
            )
        client = stack.enter_context(PayPartsClient(SL_CODE, SECRET, base_url=sandbox.url))
        shop_client = stack.enter_context(PayPartsClient(SL_CODE, SECRET, base_url=sandbox.url))
        db_path = folder / "shop.sqlite3"
        url = stack.enter_context(running_shop(shop_client, db_path, **shop))
        http = stack.enter_context(requests.Session())
        yield Shop(url, db_path, sandbox, client, shop_client, http)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    with shop_stack(tmp_path_factory.mktemp("shop")) as running:
        yield running


@pytest.fixture(scope="module")
def blind(shop: Shop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """A shop whose sessions name a closed port as exchange URL: it hears only the tests."""
    closed = f"http://127.0.0.1:{free_port()}"
    folder = tmp_path_factory.mktemp("blind-shop")
    with shop_stack(folder, sandbox=shop.sandbox, public_url=closed) as running:
        yield running


@dataclass
class PaidOrder:
    reference: str
    session_id: str
    order: dict[str, Any]  # the order object, as Pay.nl's exchange call carries it


@pytest.fixture
def paid(blind: Shop) -> PaidOrder:
    """Paid at Pay.nl, not booked in the (blind) shop."""
    started = blind.checkout()
    order = blind.client.trigger_outcome(started["sessionId"], "paid")
    assert blind.order(started["reference"])["state"] == "awaiting payment"
    return PaidOrder(started["reference"], started["sessionId"], order.raw)


def envelope(order: dict[str, Any], **changes: Any) -> bytes:
    """The exchange call's body for ``order`` (with ``changes``), compact as Pay.nl sends it."""
    order = {**copy.deepcopy(order), **changes}
    body = {"event": "status_changed", "type": "order", "version": 1, "id": order["id"]}
    return json.dumps({**body, "object": order}, separators=(",", ":")).encode()


def signed(
    body: bytes, *, key_id: str = SL_CODE, secret: str = SECRET, algorithm: str = "sha256"
) -> dict[str, str]:
    return {"Content-Type": "application/json", **sign_exchange(body, key_id, secret, algorithm)}


def status(code: int, action: str) -> dict[str, Any]:
    return {"status": {"code": code, "action": action}}


def answered(delivery: Delivery) -> list[str | None]:
    return [attempt.answer for attempt in delivery.attempts]


def result_of(response: requests.Response) -> tuple[int, bool, str]:
    data = response.json()
    assert set(data) == {"result", "description"}, data
    return response.status_code, data["result"], data["description"]


# --- checkout ------------------------------------------------------------------------------


def test_checkout_creates_the_order_and_a_session_paying_for_it(shop: Shop) -> None:
    started = shop.checkout()
    assert set(started) == {"reference", "sessionId", "sessionToken", "apiUrl"}
    reference = started["reference"]
    assert reference.startswith("SHOP-")
    assert started["apiUrl"] == shop.sandbox.url
    assert started["sessionToken"].startswith("st_")
    assert shop.order(reference) == {
        "reference": reference,
        "state": "awaiting payment",
        "orderId": None,
        "amount": {"value": 2999, "currency": "EUR"},
        "bookings": 0,
    }
    history = shop.shop_client.history_frame()
    sent = [
        call.request
        for call in history.itertuples()
        if call.path == "/v1/session/start" and call.request.get("reference") == reference
    ]
    assert sent == [
        {
            "amount": {"value": 2999, "currency": "EUR"},
            "returnUrl": f"{shop.url}/return/{reference}",
            "exchangeUrl": f"{shop.url}/exchange",
            "reference": reference,
            "description": f"Order {reference}",
        }
    ]
    session = shop.client.get_session(started["sessionId"])
    assert session.session_token == started["sessionToken"]
    assert session.amount == {"value": 2999, "currency": "EUR"}
    # What the sandbox will call: the exchange URL of the session the shop created.
    order = shop.client.trigger_outcome(started["sessionId"], "pending")
    assert order.reference == reference
    (delivery,) = shop.settled(started["sessionId"], [20])
    assert delivery.url == f"{shop.url}/exchange"


def test_two_checkouts_are_two_orders_with_references_nobody_can_count(shop: Shop) -> None:
    first, second = shop.checkout(), shop.checkout()
    assert first["reference"] != second["reference"]
    assert first["sessionId"] != second["sessionId"]


# --- the sandbox's own exchange calls ------------------------------------------------------


def test_a_paid_session_is_booked_once_and_each_call_answered_true(shop: Shop) -> None:
    started = shop.checkout()
    reference, session_id = started["reference"], started["sessionId"]
    order = shop.client.trigger_outcome(session_id, "paid")

    deliveries = shop.settled(session_id, [20, 100])
    for delivery in deliveries:
        assert delivery.state == "delivered", answered(delivery)
        assert json.loads(delivery.attempts[-1].answer or "{}")["result"] is True
    assert "booked: 100 PAID" in answered(deliveries[1])[-1]
    booked = shop.order(reference)
    assert booked == {**booked, "state": "paid", "orderId": order.order_id, "bookings": 1}
    page = shop.http.get(f"{shop.url}/return/{reference}", timeout=10)
    assert page.status_code == 200
    assert 'data-state="paid"' in page.text
    assert order.order_id in page.text

    # Pay.nl retries a call it thinks failed: the same signed bytes, again and again.
    for delivery in deliveries * 2:
        again = shop.post_exchange(delivery.body.encode(), delivery.headers)
        assert result_of(again)[:2] == (200, True)
    assert shop.order(reference)["bookings"] == 1


@pytest.mark.parametrize(
    ("form", "algorithm", "says"),
    [
        pytest.param("signed", "sha512", "booked: 100 PAID", id="sha512"),
        pytest.param("unsigned", "sha256", "TRUE| booked: 100 PAID", id="unsigned"),
        pytest.param("status-0", "sha256", "booked: 100 PAID", id="status-0"),
    ],
)
def test_every_exchange_form_books_the_payment_once(
    tmp_path: Path, form: str, algorithm: str, says: str
) -> None:
    policy = DeliveryPolicy(delays=FAST.delays, form=form, algorithm=algorithm)
    with shop_stack(tmp_path, policy) as shop:
        started = shop.checkout()
        order = shop.client.trigger_outcome(started["sessionId"], "paid")
        deliveries = shop.settled(started["sessionId"], [20, 100])
        assert all(d.state == "delivered" for d in deliveries), [answered(d) for d in deliveries]
        last = [answered(d)[-1] or "" for d in deliveries]
        # Unsigned and status-0 calls are settled with the order API's status, which is
        # already 100 when the first call (for 20) arrives: that one books.
        assert sum(says in text for text in last) == 1, last
        if form != "signed":  # nothing in the call was believed: the order API was asked
            assert all("(status from the order-status API)" in text for text in last), last
        if form == "signed":
            assert deliveries[1].headers["Signature-Algorithm"] == "sha512"
        booked = shop.order(started["reference"])
        assert (booked["state"], booked["bookings"], booked["orderId"]) == (
            "paid",
            1,
            order.order_id,
        )
        for delivery in deliveries:  # each call once more: still one booking
            assert shop.post_exchange(delivery.body.encode(), delivery.headers).ok
        assert shop.order(started["reference"])["bookings"] == 1


@pytest.mark.parametrize(
    ("outcome", "codes", "state", "bookings"),
    [
        pytest.param("denied", [20, -63], "denied", 0, id="denied"),
        pytest.param("cancelled", [20, -90], "cancelled", 0, id="cancelled"),
        pytest.param("expired", [-80], "cancelled", 0, id="expired"),  # no payment was started
        pytest.param("authorised", [20, 95], "authorised", 1, id="authorised"),
    ],
)
def test_other_outcomes_reach_the_order(
    shop: Shop, outcome: str, codes: list[int], state: str, bookings: int
) -> None:
    started = shop.checkout()
    shop.client.trigger_outcome(started["sessionId"], outcome)
    deliveries = shop.settled(started["sessionId"], codes)
    assert all(d.state == "delivered" for d in deliveries), [answered(d) for d in deliveries]
    order = shop.order(started["reference"])
    assert (order["state"], order["bookings"]) == (state, bookings)


def test_an_authorised_payment_captured_later_is_still_one_booking(shop: Shop) -> None:
    started = shop.checkout()
    shop.client.trigger_outcome(started["sessionId"], "authorised")
    shop.settled(started["sessionId"], [20, 95])
    assert shop.order(started["reference"])["state"] == "authorised"
    shop.client.trigger_outcome(started["sessionId"], "paid")
    deliveries = shop.settled(started["sessionId"], [20, 95, 100])
    assert "captured" in (answered(deliveries[-1])[-1] or "")
    order = shop.order(started["reference"])
    assert (order["state"], order["bookings"]) == ("paid", 1)


def test_an_amount_or_currency_the_order_api_disagrees_with_is_not_booked(shop: Shop) -> None:
    for column, value in (("amount_value", 1000), ("currency", "USD")):
        started = shop.checkout()
        with sqlite3.connect(shop.db_path) as conn:  # the shop sold something else
            conn.execute(
                f"UPDATE orders SET {column} = ? WHERE reference = ?",  # noqa: S608 - a constant
                (value, started["reference"]),
            )
        shop.client.trigger_outcome(started["sessionId"], "paid")
        pending, paid = shop.settled(started["sessionId"], [20, 100])
        assert pending.state == "delivered"
        assert paid.state == "failed"  # refused on every attempt: Pay.nl would e-mail the merchant
        for text in answered(paid):
            answer = json.loads(text or "{}")
            assert answer["result"] is False
            assert "not booked" in answer["description"]
        order = shop.order(started["reference"])
        assert (order["state"], order["bookings"]) == ("awaiting payment", 0)


# --- calls that must not book ----------------------------------------------------------


def _tampered(paid: PaidOrder) -> tuple[bytes, dict[str, str]]:
    body = envelope(paid.order)
    return body.replace(b'"value":2999', b'"value":1'), signed(body)


def _another_secret(paid: PaidOrder) -> tuple[bytes, dict[str, str]]:
    body = envelope(paid.order)
    return body, signed(body, secret="not-the-secret")


def _another_key_id(paid: PaidOrder) -> tuple[bytes, dict[str, str]]:
    body = envelope(paid.order)
    return body, signed(body, key_id="SL-9999-9999")


def _lowercase_method(paid: PaidOrder) -> tuple[bytes, dict[str, str]]:
    body = envelope(paid.order)
    return body, {**signed(body), "Signature-Method": "hmac"}


def _uppercase_hex(paid: PaidOrder) -> tuple[bytes, dict[str, str]]:
    body = envelope(paid.order)
    headers = signed(body)
    return body, {**headers, "Signature": headers["Signature"].upper()}


def _unknown_algorithm(paid: PaidOrder) -> tuple[bytes, dict[str, str]]:
    body = envelope(paid.order)
    return body, {**signed(body), "Signature-Algorithm": "md5"}


@pytest.mark.parametrize(
    "forge",
    [
        _tampered,
        _another_secret,
        _another_key_id,
        _lowercase_method,
        _uppercase_hex,
        _unknown_algorithm,
    ],
)
def test_a_call_that_does_not_verify_is_refused_and_books_nothing(
    blind: Shop, paid: PaidOrder, forge: Callable[[PaidOrder], tuple[bytes, dict[str, str]]]
) -> None:
    body, headers = forge(paid)
    assert result_of(blind.post_exchange(body, headers))[:2] == (403, False)
    assert blind.order(paid.reference)["bookings"] == 0
    # The witness: the same call, signed as Pay.nl signs it, books the order.
    right = envelope(paid.order)
    assert result_of(blind.post_exchange(right, signed(right)))[:2] == (200, True)
    assert blind.order(paid.reference)["bookings"] == 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda ok: ok[: len(ok) // 2], id="truncated"),
        pytest.param(lambda ok: ok[:-1], id="last-brace-missing"),
        pytest.param(lambda ok: b"not json at all", id="not-json"),
        pytest.param(lambda ok: b"\xff\xfe" + ok, id="not-utf8"),
        pytest.param(lambda ok: b"[1, 2, 3]", id="array"),
        pytest.param(lambda ok: b"{}", id="no-object"),
        pytest.param(lambda ok: b'{"object": []}', id="object-not-an-object"),
        pytest.param(lambda ok: ok.replace(b'"code":100', b'"code":"100"'), id="code-as-text"),
        pytest.param(lambda ok: ok.replace(b'"value":2999', b'"value":"29.99"'), id="value-text"),
        pytest.param(lambda ok: b"[" * 60_000, id="deeply-nested"),
        pytest.param(lambda ok: b"", id="empty"),
    ],
)
def test_a_signed_body_that_is_not_an_exchange_call_is_400_never_500(
    blind: Shop, paid: PaidOrder, body: Callable[[bytes], bytes]
) -> None:
    broken = body(envelope(paid.order))
    answer = blind.post_exchange(broken, signed(broken))
    if len(broken) > 64 * 1024:
        assert result_of(answer)[:2] == (413, False)
    else:
        assert result_of(answer)[:2] == (400, False)
    assert blind.order(paid.reference)["bookings"] == 0


def test_calls_that_name_no_order_of_this_shop_are_refused_with_403(
    blind: Shop, paid: PaidOrder
) -> None:
    for reference in ("SHOP-0000000000", None, "SHOP-../../x"):
        body = envelope(paid.order, reference=reference)
        assert result_of(blind.post_exchange(body, signed(body)))[:2] == (403, False)
    unknown = "51234567890X1a2b"  # well formed; neither the sandbox nor the shop knows it
    form = f"action=new_ppt&order_id={unknown}&amount=29.99&extra1={paid.reference}"
    legacy = blind.post_exchange(
        form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert legacy.status_code == 403
    assert legacy.text.startswith("FALSE| ")
    assert blind.order(paid.reference)["bookings"] == 0


def test_unsigned_calls_without_a_usable_order_id_are_refused(blind: Shop) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    no_id = blind.post_exchange(b"action=new_ppt&amount=29.99", form)
    assert result_of(no_id)[:2] == (403, False)
    odd = blind.post_exchange(b"action=new_ppt&order_id=1%27%20OR%201%3D1", form)
    assert odd.status_code == 400
    assert odd.text.startswith("FALSE| ")
    json_without_signature = blind.post_exchange(
        b'{"object": {}}', {"Content-Type": "application/json"}
    )
    assert result_of(json_without_signature)[:2] == (403, False)
    too_big = blind.post_exchange(b"x" * (64 * 1024 + 1), form)
    assert result_of(too_big)[:2] == (413, False)


def test_a_cancel_after_the_payment_is_acknowledged_and_undoes_nothing(
    blind: Shop, paid: PaidOrder
) -> None:
    right = envelope(paid.order)
    assert result_of(blind.post_exchange(right, signed(right)))[:2] == (200, True)
    for late in (status(-90, "CANCEL"), status(-63, "DENIED"), status(20, "PENDING")):
        body = envelope(paid.order, **late)
        code, result, description = result_of(blind.post_exchange(body, signed(body)))
        assert (code, result) == (200, True), description
    order = blind.order(paid.reference)
    assert (order["state"], order["bookings"]) == ("paid", 1)


def test_a_forged_unsigned_paid_call_for_a_pending_order_books_nothing(shop: Shop) -> None:
    started = shop.checkout()
    pending = shop.client.trigger_outcome(started["sessionId"], "pending")
    shop.settled(started["sessionId"], [20])
    form = (
        f"action=new_ppt&order_id={pending.order_id}&amount=29.99"
        f"&extra1={started['reference']}&extra2=&extra3="
    )
    answer = shop.post_exchange(
        form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 200
    assert answer.text.startswith("TRUE| 20 PENDING: nothing to book yet")
    # Signed, but with status 0 (the sandbox could send it): the order API says pending too.
    body = envelope(pending.raw, **status(0, "UNKNOWN"))
    assert result_of(shop.post_exchange(body, signed(body)))[:2] == (200, True)
    # Signed and saying paid: only Pay.nl has the secret, but the re-check still wins.
    body = envelope(pending.raw, **status(100, "PAID"))
    code, result, description = result_of(shop.post_exchange(body, signed(body)))
    assert (code, result) == (200, True)
    assert "20 PENDING" in description
    order = shop.order(started["reference"])
    assert (order["state"], order["bookings"]) == ("awaiting payment", 0)


def test_a_call_for_another_payment_of_the_same_order_is_refused(
    blind: Shop, paid: PaidOrder
) -> None:
    right = envelope(paid.order)
    assert blind.post_exchange(right, signed(right)).ok
    other = blind.checkout()  # another paid order, reported as if it were this one's
    other_order = blind.client.trigger_outcome(other["sessionId"], "paid")
    body = envelope(other_order.raw, reference=paid.reference)
    assert result_of(blind.post_exchange(body, signed(body)))[:2] == (409, False)
    assert blind.order(paid.reference)["bookings"] == 1
    assert blind.order(other["reference"])["bookings"] == 0


def test_copies_of_one_call_arriving_together_book_it_once(blind: Shop, paid: PaidOrder) -> None:
    body = envelope(paid.order)
    headers = signed(body)
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda _: blind.post_exchange(body, headers), range(24)))
    assert {result_of(answer)[:2] for answer in answers} == {(200, True)}
    descriptions = [result_of(answer)[2] for answer in answers]
    assert sum(text.startswith("booked:") for text in descriptions) == 1, descriptions
    assert blind.order(paid.reference)["bookings"] == 1


def test_an_order_api_that_cannot_be_asked_is_a_false_answer_not_a_500(tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    with (
        PayPartsClient(SL_CODE, SECRET, base_url=nowhere, get_attempts=1) as client,
        running_shop(client, tmp_path / "shop.sqlite3") as url,
    ):
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        answer = requests.post(
            f"{url}/exchange",
            data=b"action=new_ppt&order_id=51234567890X1a2b",
            headers=form,
            timeout=10,
        )
        assert answer.status_code == 503
        assert answer.text.startswith("FALSE| ")
        failed = requests.post(f"{url}/checkout", timeout=10)
        assert failed.status_code == 502
        assert "secret" not in failed.text.lower()


# --- linking the SDK's orderId (the page's onSuccess) ------------------------------------


def test_linking_checks_the_order_with_the_order_api(blind: Shop, paid: PaidOrder) -> None:
    def link(reference: str, body: Any) -> requests.Response:
        return blind.http.post(f"{blind.url}/orders/{reference}/link", json=body, timeout=10)

    order_id = paid.order["orderId"]
    assert link(paid.reference, {"orderId": "nonsense"}).status_code == 400
    assert link(paid.reference, {}).status_code == 400
    assert link("SHOP-0000000000", {"orderId": order_id}).status_code == 404
    other = blind.checkout()
    refused = link(other["reference"], {"orderId": order_id})  # not this order's payment
    assert (refused.status_code, refused.json()["linked"]) == (409, False)
    assert blind.order(other["reference"])["orderId"] is None

    linked = link(paid.reference, {"orderId": order_id})
    assert linked.status_code == 200
    assert linked.json() == {**linked.json(), "linked": True, "status": "100 PAID (paid)"}
    order = blind.order(paid.reference)
    assert (order["orderId"], order["state"], order["bookings"]) == (
        order_id,
        "awaiting payment",  # booking is the exchange call's job, never the browser's
        0,
    )
    denied = blind.checkout()
    denied_order = blind.client.trigger_outcome(denied["sessionId"], "denied")
    refused = link(denied["reference"], {"orderId": denied_order.order_id})
    assert refused.status_code == 409
    assert "-63 DENIED" in refused.json()["description"]


# --- the pages, the status URL, the command ------------------------------------------


def test_pages_and_the_status_url(shop: Shop) -> None:
    page = shop.http.get(shop.url + "/", timeout=10)
    assert page.status_code == 200
    assert "Pay with card" in page.text
    assert 'id="paynl-card-payments"' in page.text
    policy = page.headers["Content-Security-Policy"]
    assert f"script-src 'self' {shop.sandbox.url};" in policy
    assert "<script>" not in page.text  # no inline script: the policy allows none
    script = shop.http.get(shop.url + "/static/checkout.js", timeout=10)
    assert script.status_code == 200
    assert "sdk.prepare('card-payments')" in script.text
    for missing in ("/static/app.py", "/static/..%2Fapp.py"):
        assert shop.http.get(shop.url + missing, timeout=10).status_code == 404
    assert shop.http.get(f"{shop.url}/orders/SHOP-0000000000", timeout=10).status_code == 404
    assert shop.http.get(f"{shop.url}/orders/' OR 1=1 --", timeout=10).status_code == 404
    assert shop.http.get(f"{shop.url}/return/SHOP-0000000000", timeout=10).status_code == 404
    assert shop.http.get(f"{shop.url}/exchange", timeout=10).status_code == 405


def test_python_m_examples_shop_serves_and_prints_its_url(shop: Shop, tmp_path: Path) -> None:
    port, db = free_port(), tmp_path / "shop.sqlite3"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PAYPARTS_")}
    environ.update(
        PAYPARTS_ENV="sandbox",
        PAYPARTS_BASE_URL=shop.sandbox.url,
        PAYPARTS_SL_CODE=SL_CODE,
        PAYPARTS_SECRET=SECRET,
    )
    command = [
        sys.executable,
        "-m",
        "examples.shop",
        "--port",
        str(port),
        "--db",
        str(db),
    ]
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        env={**environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:

        def answering() -> Seen:
            if process.poll() is not None:
                raise AssertionError(f"the shop exited with {process.returncode}")
            try:
                return Seen(requests.get(url + "/", timeout=5).ok, "answering")
            except requests.ConnectionError:
                return Seen(False, "not listening yet")

        wait_for_state("python -m examples.shop never answered", answering, WAIT)
        started = requests.post(url + "/checkout", timeout=10).json()
        assert started["apiUrl"] == shop.sandbox.url
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    lines = output.decode().splitlines()
    assert lines[:2] == [f"{url}/", f"Pay.Parts: {shop.sandbox.url} (sandbox); orders in {db}"]
