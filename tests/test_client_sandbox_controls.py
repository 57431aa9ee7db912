"""PayPartsClient's sandbox controls over real HTTP: outcomes, orders, timeline, deliveries.

A sandbox of its own per module, with both demo sales locations and a fast retry
policy, and a real ExchangeListener as the shop. Waits are for a state (the listener's
calls, a delivery's state), each with a deadline; nothing sleeps for a fixed time.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
import responses

from payparts_helpers.client.exchange_listener import ExchangeListener
from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.rules import examples
from payparts_helpers.rules.errors import (
    ConfigurationError,
    ConflictError,
    InvalidSessionIdError,
    NotFoundError,
    RequestRejectedError,
    UnexpectedResponseError,
)
from payparts_helpers.rules.resources import PaymentOrder
from payparts_helpers.rules.sandbox_resources import (
    Delivery,
    deliveries_from_json,
    timeline_from_json,
)
from payparts_helpers.sandbox import (
    DEMO_MERCHANT,
    SECOND_DEMO_MERCHANT,
    DeliveryPolicy,
    SandboxHandle,
    start_sandbox,
)

FAST = DeliveryPolicy(delays=(0, 0.05, 0.1))
UNKNOWN_SESSION = "0" * 32
EXPECTED = {  # outcome → (code, action, category), docs/payments.md
    "pending": (20, "PENDING", "pending"),
    "paid": (100, "PAID", "paid"),
    "authorised": (95, "AUTHORIZE", "authorised"),
    "denied": (-63, "DENIED", "denied"),
    "cancelled": (-90, "CANCEL", "cancelled"),
    "expired": (-80, "EXPIRED", "cancelled"),
}


@pytest.fixture(scope="module")
def fast_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    db = tmp_path_factory.mktemp("sandbox-controls") / "sessions.sqlite3"
    merchants = [DEMO_MERCHANT, SECOND_DEMO_MERCHANT]
    with start_sandbox(db_path=db, merchants=merchants, delivery=FAST) as handle:
        yield handle


@pytest.fixture
def client(fast_sandbox: SandboxHandle) -> Iterator[PayPartsClient]:
    with PayPartsClient(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, fast_sandbox.url) as demo:
        yield demo


@pytest.fixture
def other_client(fast_sandbox: SandboxHandle) -> Iterator[PayPartsClient]:
    merchant = SECOND_DEMO_MERCHANT
    with PayPartsClient(merchant.sl_code, merchant.secret, fast_sandbox.url) as other:
        yield other


def new_session(client: PayPartsClient, exchange_url: str = "https://shop.nl/exchange") -> str:
    body = examples.minimum_request()
    body.update({"exchangeUrl": exchange_url, "reference": "REF-CONTROLS-1"})
    return client.create_session(body).session_id


def wait_for_deliveries(
    client: PayPartsClient,
    session_id: str,
    done: Callable[[list[Delivery]], bool],
    timeout: float = 15.0,
) -> list[Delivery]:
    """Poll the session's deliveries until ``done`` holds; at the deadline, fail with them."""
    deadline = time.monotonic() + timeout
    while True:
        deliveries = client.list_deliveries(session_id)
        if done(deliveries):
            return deliveries
        if time.monotonic() > deadline:
            seen = [(d.status_code, d.state, len(d.attempts)) for d in deliveries]
            pytest.fail(f"deliveries of {session_id} not as expected in {timeout:g} s: {seen}")
        time.sleep(0.02)  # the pause between two polls; the wait itself is for the state


def all_delivered_with(code: int) -> Callable[[list[Delivery]], bool]:
    def done(deliveries: list[Delivery]) -> bool:
        states = {d.state for d in deliveries}
        return states == {"delivered"} and any(d.status_code == code for d in deliveries)

    return done


# --- outcomes and orders ----------------------------------------------------------------


@pytest.mark.parametrize("outcome", list(EXPECTED))
def test_each_outcome_is_set_and_read_back(client: PayPartsClient, outcome: str) -> None:
    session_id = new_session(client)
    order = client.trigger_outcome(session_id, outcome)
    code, action, category = EXPECTED[outcome]
    assert (order.status_code, order.status_action, order.category) == (code, action, category)
    assert (order.amount_value, order.currency, order.reference) == (100, "EUR", "REF-CONTROLS-1")
    assert order.order_id
    assert order.id
    assert order.raw["orderId"] == order.order_id
    assert client.get_sandbox_order(session_id) == order  # compares every field but .raw
    shown = str(order)
    assert order.order_id in shown
    assert f"{code} {action} ({category})" in shown
    assert "100 (1.00 EUR)" in shown


def test_pending_moves_on_and_a_final_order_refuses_with_the_servers_message(
    client: PayPartsClient,
) -> None:
    session_id = new_session(client)
    assert not client.trigger_outcome(session_id, "pending").is_final
    paid = client.trigger_outcome(session_id, "paid")
    assert paid.is_final
    with pytest.raises(ConflictError) as caught:
        client.trigger_outcome(session_id, "denied")
    error = caught.value
    assert error.status_code == 409
    assert "409" in error.message
    problem = json.loads(error.raw_body or "{}")
    said = problem.get("detail") or problem.get("title")
    assert said
    assert said in error.message
    assert client.get_sandbox_order(session_id).status_code == 100  # unchanged


def test_a_session_without_an_order_has_none_yet(client: PayPartsClient) -> None:
    session_id = new_session(client)
    with pytest.raises(NotFoundError) as caught:
        client.get_sandbox_order(session_id)
    assert caught.value.status_code == 404
    assert client.list_deliveries(session_id) == []
    assert [e.kind for e in client.get_timeline(session_id)] == ["session-created"]


CALLS: dict[str, Callable[[PayPartsClient, str], object]] = {
    "trigger_outcome": lambda c, s: c.trigger_outcome(s, "paid"),
    "get_sandbox_order": lambda c, s: c.get_sandbox_order(s),
    "get_timeline": lambda c, s: c.get_timeline(s),
    "list_deliveries": lambda c, s: c.list_deliveries(s),
}


@pytest.mark.parametrize("method", list(CALLS))
def test_an_unknown_session_is_not_found(client: PayPartsClient, method: str) -> None:
    with pytest.raises(NotFoundError) as caught:
        CALLS[method](client, UNKNOWN_SESSION)
    assert caught.value.status_code == 404


@pytest.mark.parametrize("method", list(CALLS))
def test_another_sales_locations_session_is_not_found(
    client: PayPartsClient, other_client: PayPartsClient, method: str
) -> None:
    session_id = new_session(client)
    client.trigger_outcome(session_id, "pending")
    with pytest.raises(NotFoundError) as caught:
        CALLS[method](other_client, session_id)
    assert caught.value.status_code == 404
    assert client.get_sandbox_order(session_id).status_code == 20  # nothing changed it


def test_an_unsafe_session_id_is_refused_before_sending(client: PayPartsClient) -> None:
    with pytest.raises(InvalidSessionIdError, match="No request was sent"):
        client.get_timeline("../v1/session/start")
    assert client.history_frame().empty


# --- refused locally: nothing is sent --------------------------------------------------


@pytest.mark.parametrize("outcome", ["refunded", "Paid", "", "PAID"])
def test_an_invalid_outcome_is_refused_locally_naming_the_field(
    client: PayPartsClient, outcome: str
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, re.compile(r".*"), json={})
        with pytest.raises(RequestRejectedError) as caught:
            client.trigger_outcome(UNKNOWN_SESSION, outcome)
        assert len(mock.calls) == 0
    error = caught.value
    assert [v.path for v in error.violations] == ["outcome"]
    assert error.message.startswith("outcome must be one of")
    for choice in EXPECTED:
        assert choice in error.message
    assert "No request was sent" in error.message
    assert error.status_code is None


def pay_nl_clients() -> Iterator[PayPartsClient]:
    for environment in ("beta", "production"):
        yield PayPartsClient.from_env(
            {
                "PAYPARTS_ENV": environment,
                "PAYPARTS_SL_CODE": "SL-9999-0001",
                "PAYPARTS_SECRET": "marker-secret-4711",
            }
        )
    # Configured by hand rather than by PAYPARTS_ENV: Pay.nl's host gives it away.
    yield PayPartsClient("SL-9999-0001", "marker-secret-4711", "https://parts.pay.nl/")


@pytest.mark.parametrize("method", list(CALLS))
def test_beta_and_production_clients_refuse_without_sending(method: str) -> None:
    for pay_nl in pay_nl_clients():
        with pay_nl, responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            mock.add(responses.GET, re.compile(r".*"), json={})
            mock.add(responses.POST, re.compile(r".*"), json={})
            with pytest.raises(ConfigurationError) as caught:
                CALLS[method](pay_nl, UNKNOWN_SESSION)
            assert len(mock.calls) == 0
        message = caught.value.message
        assert "sandbox-only" in message
        assert method in message
        assert "No request was sent" in message
        assert "marker-secret-4711" not in message


# --- exchange deliveries and the timeline ----------------------------------------------


def test_a_delivery_to_a_correct_shop_is_delivered_on_its_first_attempt(
    client: PayPartsClient,
) -> None:
    with ExchangeListener(DEMO_MERCHANT.secret, key_id=DEMO_MERCHANT.sl_code) as listener:
        session_id = new_session(client, listener.url)
        order = client.trigger_outcome(session_id, "paid")
        listener.wait_for_calls(1, timeout=15)
        deliveries = wait_for_deliveries(client, session_id, all_delivered_with(100))
        calls = listener.wait_for_calls(len(deliveries), timeout=15)
    assert all(call.verdict.valid for call in calls)
    paid = next(d for d in deliveries if d.status_code == 100)
    assert (paid.order_id, paid.url, paid.status_action) == (order.order_id, listener.url, "PAID")
    assert paid.next_attempt_at is None
    assert len(paid.attempts) == 1
    attempt = paid.attempts[0]
    assert (attempt.attempt, attempt.ok, attempt.http_status, attempt.error) == (1, True, 200, None)
    assert attempt.answer is not None
    assert '"result"' in attempt.answer
    assert attempt.duration_ms >= 0
    headers = {name.lower(): value for name, value in paid.headers.items()}
    assert headers["signature-keyid"] == DEMO_MERCHANT.sl_code
    sent = paid.body_object
    assert sent is not None
    assert sent["object"]["orderId"] == order.order_id
    assert sent["object"]["status"] == {"code": 100, "action": "PAID"}
    if isinstance(paid.body, str):  # built once, sent byte for byte
        assert paid.body.encode() in [call.raw_body for call in calls]


def test_a_shop_that_refuses_gets_every_attempt_of_the_policy_then_failed(
    client: PayPartsClient,
) -> None:
    attempts = len(FAST.delays) + 1  # the first try, then one per delay (docs: 5 delays, 6 tries)
    with ExchangeListener("not-the-secret", key_id=DEMO_MERCHANT.sl_code) as listener:
        session_id = new_session(client, listener.url)
        client.trigger_outcome(session_id, "denied")
        listener.wait_for_calls(attempts, timeout=15)

        def failed(deliveries: list[Delivery]) -> bool:
            return bool(deliveries) and all(d.state == "failed" for d in deliveries)

        deliveries = wait_for_deliveries(client, session_id, failed)
    denied = next(d for d in deliveries if d.status_code == -63)
    assert [a.attempt for a in denied.attempts] == list(range(1, attempts + 1))
    assert all(not a.ok and a.http_status == 403 for a in denied.attempts)
    assert all(re.search(r'"result":\s*false', a.answer or "") for a in denied.attempts)
    assert denied.next_attempt_at is None


def test_the_timeline_tells_the_story_oldest_first(client: PayPartsClient) -> None:
    with ExchangeListener(DEMO_MERCHANT.secret, key_id=DEMO_MERCHANT.sl_code) as listener:
        session_id = new_session(client, listener.url)
        client.trigger_outcome(session_id, "authorised")
        listener.wait_for_calls(1, timeout=15)
        deliveries = wait_for_deliveries(client, session_id, all_delivered_with(95))
    events = client.get_timeline(session_id)
    kinds = [e.kind for e in events]
    assert kinds[0] == "session-created"
    assert {"status-changed", "exchange-attempt"} <= set(kinds)
    times = [datetime.fromisoformat(e.at) for e in events]
    assert times == sorted(times)
    assert all(e.detail for e in events)
    changes = [e.raw["status"] for e in events if e.kind == "status-changed"]
    assert any(s == 95 or (isinstance(s, dict) and s.get("code") == 95) for s in changes)
    tries = [e.raw for e in events if e.kind == "exchange-attempt"]
    assert {str(t["deliveryId"]) for t in tries} == {d.delivery_id for d in deliveries}
    assert all(t["ok"] is True and t["attempt"] == 1 for t in tries)


# --- reading answers: a wrong shape names its field ------------------------------------

ORDER = {
    "id": "0d6c1a5e-5b0f-4c9e-9d7a-1f2e3d4c5b6a",
    "orderId": "51234567890X1a2b",
    "status": {"code": 100, "action": "PAID"},
    "amount": {"value": 2999, "currency": "EUR"},
    "reference": "REF-12345",
}
ATTEMPT = {
    "attempt": 1,
    "at": "2026-05-01T10:03:27.120Z",
    "durationMs": 3.2,
    "httpStatus": 200,
    "answer": '{"result": true}',
    "error": None,
    "ok": True,
}
DELIVERY = {
    "deliveryId": "d1",
    "orderId": "51234567890X1a2b",
    "url": "http://127.0.0.1:9/exchange",
    "status": {"code": 100, "action": "PAID"},
    "state": "delivered",
    "headers": {"Signature-KeyID": "SL-1234-4321"},
    "body": '{"event":"status_changed"}',
    "nextAttemptAt": None,
    "attempts": [ATTEMPT],
}


def test_a_well_formed_order_reads_and_displays() -> None:
    order = PaymentOrder.from_json(ORDER)
    assert (
        order.display()
        == "order 51234567890X1a2b: 100 PAID (paid), 2999 (29.99 EUR), reference REF-12345"
    )
    assert order.raw == ORDER


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda o: o.pop("orderId"), "orderId is missing"),
        (lambda o: o["status"].update(code="100"), "status.code is text"),
        (lambda o: o.update(amount=2999), "amount is a number"),
        (lambda o: o["amount"].update(value=29.99), "amount.value is a number (29.99)"),
    ],
)
def test_a_malformed_order_names_the_field(change: Callable[[dict], object], named: str) -> None:
    order = json.loads(json.dumps(ORDER))
    change(order)
    with pytest.raises(UnexpectedResponseError, match=re.escape(named)):
        PaymentOrder.from_json(order)


def test_a_malformed_delivery_names_its_path() -> None:
    answer = {"sessionId": "s1", "deliveries": [DELIVERY, json.loads(json.dumps(DELIVERY))]}
    assert deliveries_from_json(answer)[0].attempts[0].ok is True
    answer["deliveries"][1]["attempts"][0].pop("ok")
    with pytest.raises(UnexpectedResponseError, match=re.escape("deliveries[1].attempts[0].ok")):
        deliveries_from_json(answer)
    answer["deliveries"][1] = {**DELIVERY, "state": "lost"}
    with pytest.raises(UnexpectedResponseError, match=re.escape("deliveries[1].state is 'lost'")):
        deliveries_from_json(answer)
    with pytest.raises(UnexpectedResponseError, match="events is missing"):
        timeline_from_json({"sessionId": "s1"})
