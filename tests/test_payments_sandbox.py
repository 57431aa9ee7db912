"""The sandbox's orders and payment endpoints over real HTTP (docs/payments.md).

The order object is checked against what Pay.nl's PHP SDK requires of it
(docs/reference/known-facts.md): the listed keys JSON strings or null, money in
integers, a status code that SDK accepts. The SDK stand-in's endpoints, the
``/_sandbox/`` endpoints, transitions, expiry and isolation between sales locations.
Waits are for a state with a deadline; a later session's expiry is the witness that
the expiry sweep has been past an earlier one.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema_rs
import pytest
import requests

from payparts_helpers.client.exchange_listener import ExchangeCall, ExchangeListener
from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.rules.contract import openapi_document
from payparts_helpers.rules.errors import NotFoundError
from payparts_helpers.rules.examples import full_request, minimum_request
from payparts_helpers.rules.order_status import status_for
from payparts_helpers.rules.sandbox_resources import Delivery
from payparts_helpers.rules.session_token import encode_session_token
from payparts_helpers.sandbox import (
    DEMO_MERCHANT,
    SECOND_DEMO_MERCHANT,
    DeliveryPolicy,
    SandboxHandle,
    start_sandbox,
)

from .conftest import http_session
from .php_sdk_types import php_sdk_type_problems

SL_CODE, SECRET = DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret
POLICY = DeliveryPolicy(delays=(0.05, 0.1), poll_interval=0.05)
WAIT = 20.0
ORDER_ID = re.compile(r"^[4-9][0-9]{10}X[0-9a-f]{4}$")
UNKNOWN_SESSION = "0" * 32
ENVELOPE_KEYS = ["event", "type", "version", "id", "object"]


@pytest.fixture(scope="module")
def pay_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    db = tmp_path_factory.mktemp("payments") / "sessions.sqlite3"
    merchants = [DEMO_MERCHANT, SECOND_DEMO_MERCHANT]
    with start_sandbox(db_path=db, merchants=merchants, delivery=POLICY) as handle:
        yield handle


@pytest.fixture
def client(pay_sandbox: SandboxHandle) -> Iterator[PayPartsClient]:
    with PayPartsClient(SL_CODE, SECRET, base_url=pay_sandbox.url) as demo:
        yield demo


@pytest.fixture
def api(pay_sandbox: SandboxHandle) -> Iterator[requests.Session]:
    with http_session(DEMO_MERCHANT) as session:
        yield session


@pytest.fixture
def other_api(pay_sandbox: SandboxHandle) -> Iterator[requests.Session]:
    with http_session(SECOND_DEMO_MERCHANT) as session:
        yield session


@pytest.fixture
def listener() -> Iterator[ExchangeListener]:
    with ExchangeListener(SECRET, key_id=SL_CODE) as running:
        yield running


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def in_(seconds: float) -> str:
    return iso(datetime.now(UTC) + timedelta(seconds=seconds))


_references = iter(range(1, 1_000_000))


def new_session(
    client: PayPartsClient, exchange_url: str = "https://shop.nl/exchange", **fields: Any
) -> str:
    """The contract's full request, with a future expire unless ``fields`` say otherwise."""
    body = full_request()
    body.update(
        {
            "exchangeUrl": exchange_url,
            "reference": f"REF-PAY-{next(_references)}",
            "expire": in_(86400),
        }
    )
    body.update(fields)
    body = {key: value for key, value in body.items() if value is not None}
    return client.create_session(body).session_id


def new_token_session(
    client: PayPartsClient, exchange_url: str = "https://shop.nl/exchange"
) -> tuple[str, str]:
    body = full_request()
    body.update({"exchangeUrl": exchange_url, "expire": in_(86400)})
    created = client.create_session(body)
    return created.session_id, created.session_token


def poll(check: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    """``check()`` until it returns something truthy; at the deadline, fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:g} s")
        time.sleep(0.02)  # the pause between two polls; the wait is for the state


def settled(client: PayPartsClient, session_id: str, count: int) -> list[Delivery]:
    """The session's ``count`` deliveries once none is pending any more."""

    def check() -> list[Delivery] | None:
        deliveries = client.list_deliveries(session_id)
        done = len(deliveries) == count and all(d.state != "pending" for d in deliveries)
        return deliveries if done else None

    poll(check, f"{count} settled deliveries of {session_id}")
    # Read once more: the answer that first shows a state may not list the attempt behind it
    # yet (see test_exchange_delivery's torn-read test).
    return client.list_deliveries(session_id)


def order_or_none(client: PayPartsClient, session_id: str) -> dict[str, Any] | None:
    try:
        return client.get_sandbox_order(session_id).raw
    except NotFoundError:
        return None


def sdk(sandbox: SandboxHandle, step: str, **body: Any) -> requests.Response:
    """A call of the SDK stand-in, as a browser on another origin makes it."""
    return requests.post(
        f"{sandbox.url}/_sandbox/sdk/{step}",
        json=body,
        headers={"Origin": "https://shop.example"},
        timeout=10,
    )


def envelope_problems(call: ExchangeCall) -> list[str]:
    body = call.body or {}
    problems = []
    if sorted(body) != sorted(ENVELOPE_KEYS):
        problems.append(f"envelope keys {sorted(body)}, not {ENVELOPE_KEYS}")
    if (body.get("event"), body.get("type"), body.get("version")) != ("status_changed", "order", 1):
        problems.append(
            f"event/type/version {body.get('event')}/{body.get('type')}/{body.get('version')}"
        )
    if isinstance(body.get("version"), bool) or not isinstance(body.get("version"), int):
        problems.append("version is not the integer 1")
    order = body.get("object") if isinstance(body.get("object"), dict) else {}
    if not isinstance(body.get("id"), str) or body.get("id") != order.get("id"):
        problems.append(f"id {body.get('id')!r} is not object.id {order.get('id')!r}")
    return problems


def test_the_type_check_can_fail() -> None:
    bad = {
        "id": 7,
        "status": {"code": 0, "action": "paid"},
        "payments": {},
        "amount": {"value": 1.5},
    }
    problems = php_sdk_type_problems(bad)
    assert "id is int, not a string or null" in problems
    assert any(p.startswith("status.code 0") for p in problems)
    assert "payments is dict, not list" in problems
    assert "amount.value is float, not an integer" in problems
    assert "checkoutData is missing" in problems


OUTCOME_CODES = {
    "pending": [20],
    "paid": [20, 100],
    "authorised": [20, 95],
    "denied": [20, -63],
    "cancelled": [20, -90],
    "expired": [-80],
}


@pytest.mark.parametrize("request_kind", ["full", "minimum"])
@pytest.mark.parametrize("outcome", list(OUTCOME_CODES))
def test_order_objects_have_the_types_pay_nls_php_sdk_requires(
    client: PayPartsClient, listener: ExchangeListener, outcome: str, request_kind: str
) -> None:
    if request_kind == "full":
        session_id = new_session(client, listener.url)
    else:
        body = minimum_request()
        body["exchangeUrl"] = listener.url
        session_id = client.create_session(body).session_id
    answered = client.trigger_outcome(session_id, outcome).raw
    codes = OUTCOME_CODES[outcome]
    calls = listener.wait_for_calls(len(codes), timeout=WAIT)
    settled(client, session_id, len(codes))
    current = client.get_sandbox_order(session_id).raw
    for name, order in [("outcome answer", answered), ("GET order", current)] + [
        (f"exchange call {i}", call.object) for i, call in enumerate(calls)
    ]:
        assert order is not None, name
        assert php_sdk_type_problems(order) == [], name
        assert ORDER_ID.fullmatch(order["orderId"]), name
        assert order["serviceId"] == SL_CODE
        assert order["amount"]["value"] == (2999 if request_kind == "full" else 100)
    for call in calls:
        assert envelope_problems(call) == []
    assert [call.object["status"]["code"] for call in calls] == codes
    assert current == calls[-1].object  # the order now is what the last call said
    assert current == answered
    if request_kind == "full":
        assert current["reference"].startswith("REF-PAY-")
        assert (current["description"], current["checkoutData"]["customerEmail"]) == (
            "Order #12345",
            "john.doe@example.com",
        )
    else:
        assert (current["reference"], current["description"]) == (None, None)


def test_order_ids_have_pay_nls_shape_and_are_unique_over_200_orders(
    pay_sandbox: SandboxHandle,
) -> None:
    def pay_one(_: int) -> dict[str, Any]:
        with PayPartsClient(SL_CODE, SECRET, base_url=pay_sandbox.url) as own:
            session_id = new_session(own)
            return own.trigger_outcome(session_id, "paid").raw

    with ThreadPoolExecutor(8) as pool:
        orders = list(pool.map(pay_one, range(200)))
    order_ids = [order["orderId"] for order in orders]
    assert [oid for oid in order_ids if not ORDER_ID.fullmatch(oid)] == []
    assert len(set(order_ids)) == 200
    assert len({order["id"] for order in orders}) == 200
    for order in orders:
        digits = "10000" + order["orderId"].split("X")[0]
        assert order["manualTransferCode"] == " ".join(digits[i : i + 4] for i in range(0, 16, 4))
        assert order["uuid"] == order["id"]


# --- every status it sends, along every path ------------------------------------------

# Steps: ("trigger", outcome) through /_sandbox/; ("pay", testCard), ("3ds", result),
# ("cancel", None) through the SDK stand-in. Then the status codes of the exchange calls.
PATHS: dict[str, tuple[list[tuple[str, str | None]], list[int]]] = {
    "sdk approved": ([("pay", "approved")], [20, 100]),
    "sdk declined": ([("pay", "declined")], [20, -63]),
    "sdk cancelled card": ([("pay", "cancelled")], [20, -90]),
    "sdk authorised": ([("pay", "authorised")], [20, 95]),
    "sdk 3ds complete": ([("pay", "3ds"), ("3ds", "authenticated")], [20, 100]),
    "sdk 3ds fail": ([("pay", "3ds"), ("3ds", "failed")], [20, -63]),
    "sdk 3ds cancel": ([("pay", "3ds"), ("3ds", "cancelled")], [20, -90]),
    "sdk cancel": ([("cancel", None)], [20, -90]),
    "trigger pending then paid": ([("trigger", "pending"), ("trigger", "paid")], [20, 100]),
    "trigger authorised then paid": (
        [("trigger", "authorised"), ("trigger", "paid")],
        [20, 95, 100],
    ),
    "trigger pending then expired": ([("trigger", "pending"), ("trigger", "expired")], [20, -80]),
    **{
        f"trigger {outcome}": ([("trigger", outcome)], codes)
        for outcome, codes in OUTCOME_CODES.items()
    },
}


@pytest.mark.parametrize("path", list(PATHS))
def test_every_status_sent_is_one_pay_nls_sdk_accepts(
    pay_sandbox: SandboxHandle, client: PayPartsClient, listener: ExchangeListener, path: str
) -> None:
    steps, codes = PATHS[path]
    session_id, token = new_token_session(client, listener.url)
    for step, value in steps:
        if step == "trigger":
            client.trigger_outcome(session_id, value)
            continue
        field = {"pay": "testCard", "3ds": "result"}.get(step)
        answer = sdk(pay_sandbox, step, sessionToken=token, **({field: value} if field else {}))
        assert answer.status_code == 200, answer.text
    calls = listener.wait_for_calls(len(codes), timeout=WAIT)
    deliveries = settled(client, session_id, len(codes))
    sent = [call.object["status"]["code"] for call in calls]
    assert sent == codes
    assert [d.status_code for d in deliveries] == codes
    final = client.get_sandbox_order(session_id).raw
    every = [call.object["status"] for call in calls] + [final["status"]]
    every += [p["status"] for call in calls for p in call.object["payments"]]
    for status in every:
        known = status_for(status["code"])
        assert known is not None, status
        assert status["code"] != 0
        assert status["action"] == known.action
    assert final["status"]["code"] == codes[-1]
    timeline = client.get_timeline(session_id)
    changes = [e.raw["status"]["code"] for e in timeline if e.kind == "status-changed"]
    assert changes == codes


# --- transitions -----------------------------------------------------------------------


@pytest.mark.parametrize("final", ["paid", "denied", "cancelled", "expired"])
def test_a_final_order_refuses_every_outcome_with_409(
    pay_sandbox: SandboxHandle, client: PayPartsClient, api: requests.Session, final: str
) -> None:
    session_id, token = new_token_session(client)
    client.trigger_outcome(session_id, final)
    before = client.get_sandbox_order(session_id).raw
    calls = len(client.list_deliveries(session_id))
    for outcome in OUTCOME_CODES:
        answer = api.post(
            f"{pay_sandbox.url}/_sandbox/sessions/{session_id}/outcome",
            json={"outcome": outcome},
            timeout=10,
        )
        assert answer.status_code == 409, (final, outcome, answer.text)
        assert answer.json()["detail"]
    for step, body in (("init", {}), ("pay", {"testCard": "approved"}), ("cancel", {})):
        assert sdk(pay_sandbox, step, sessionToken=token, **body).status_code == 409, step
    assert client.get_sandbox_order(session_id).raw == before
    assert len(client.list_deliveries(session_id)) == calls  # no call for a refused change


def test_an_authorised_order_can_still_be_paid(client: PayPartsClient) -> None:
    session_id = new_session(client)
    assert client.trigger_outcome(session_id, "authorised").status_code == 95
    paid = client.trigger_outcome(session_id, "paid")
    assert (paid.status_code, paid.status_action) == (100, "PAID")
    assert paid.raw["capturedAmount"]["value"] == paid.amount_value
    assert [d.status_code for d in client.list_deliveries(session_id)] == [20, 95, 100]


# --- expiry ----------------------------------------------------------------------------


def wait_for_status(client: PayPartsClient, session_id: str, code: int) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        order = order_or_none(client, session_id)
        return order if order and order["status"]["code"] == code else None

    return poll(check, f"session {session_id} at status {code}")


def expire_a_witness(client: PayPartsClient, seconds: float = -60) -> None:
    """A session created now whose expire is ``seconds`` away: once it has expired, the sweep
    has been past every session whose expire came earlier."""
    witness = new_session(client, expire=in_(seconds))
    wait_for_status(client, witness, -80)


def test_a_session_whose_expire_passed_becomes_expired_with_one_call(
    pay_sandbox: SandboxHandle, client: PayPartsClient, listener: ExchangeListener
) -> None:
    body = full_request()
    body.update({"exchangeUrl": listener.url, "expire": in_(-60)})
    created = client.create_session(body)
    session_id, token = created.session_id, created.session_token
    order = wait_for_status(client, session_id, -80)
    assert order["status"] == {"code": -80, "action": "EXPIRED"}
    (call,) = listener.wait_for_calls(1, timeout=WAIT)
    assert call.verdict.valid
    assert call.object == order
    assert php_sdk_type_problems(order) == []
    (delivery,) = settled(client, session_id, 1)
    assert delivery.state == "delivered"
    changes = [e.raw for e in client.get_timeline(session_id) if e.kind == "status-changed"]
    assert [(c["status"]["code"], c["source"]) for c in changes] == [(-80, "expiry")]
    assert sdk(pay_sandbox, "init", sessionToken=token).status_code == 409
    expire_a_witness(client)
    assert len(listener.calls) == 1  # expired once, never again
    assert len(client.list_deliveries(session_id)) == 1


@pytest.mark.parametrize(("outcome", "stays"), [("paid", 100), ("authorised", 95)])
def test_a_paid_or_authorised_session_never_expires_later(
    client: PayPartsClient, outcome: str, stays: int
) -> None:
    session_id = new_session(client, expire=in_(2))
    client.trigger_outcome(session_id, outcome)
    expire_a_witness(client, 2.5)
    order = client.get_sandbox_order(session_id)
    assert order.status_code == stays
    assert [d.status_code for d in client.list_deliveries(session_id)] == [20, stays]


def test_a_pending_order_expires_when_its_session_does(client: PayPartsClient) -> None:
    session_id = new_session(client, expire=in_(1))
    client.trigger_outcome(session_id, "pending")
    wait_for_status(client, session_id, -80)
    assert [d.status_code for d in client.list_deliveries(session_id)] == [20, -80]


def test_a_session_without_expire_never_gets_an_order_by_itself(client: PayPartsClient) -> None:
    session_id = client.create_session(minimum_request()).session_id
    expire_a_witness(client)
    with pytest.raises(NotFoundError):
        client.get_sandbox_order(session_id)
    assert client.list_deliveries(session_id) == []
    assert [e.kind for e in client.get_timeline(session_id)] == ["session-created"]


# --- isolation between sales locations -------------------------------------------------

ENDPOINTS = [("GET", "order"), ("GET", "timeline"), ("GET", "deliveries"), ("POST", "outcome")]


def call_endpoint(
    api: requests.Session, sandbox: SandboxHandle, method: str, leaf: str, session_id: str
) -> requests.Response:
    body = {"json": {"outcome": "paid"}} if method == "POST" else {}
    url = f"{sandbox.url}/_sandbox/sessions/{session_id}/{leaf}"
    return api.request(method, url, timeout=10, **body)


@pytest.mark.parametrize("has_order", [True, False])
@pytest.mark.parametrize(("method", "leaf"), ENDPOINTS)
def test_another_sales_location_gets_the_404_of_an_unknown_id(
    pay_sandbox: SandboxHandle,
    client: PayPartsClient,
    other_api: requests.Session,
    method: str,
    leaf: str,
    has_order: bool,
) -> None:
    session_id = new_session(client)
    if has_order:
        client.trigger_outcome(session_id, "pending")
    theirs = call_endpoint(other_api, pay_sandbox, method, leaf, session_id)
    unknown = call_endpoint(other_api, pay_sandbox, method, leaf, UNKNOWN_SESSION)
    assert theirs.status_code == 404
    assert (theirs.content, theirs.headers["content-type"]) == (
        unknown.content,
        unknown.headers["content-type"],
    )
    if has_order:
        assert client.get_sandbox_order(session_id).status_code == 20
        assert len(client.list_deliveries(session_id)) == 1
    else:
        assert order_or_none(client, session_id) is None


@pytest.mark.parametrize(("method", "leaf"), ENDPOINTS)
def test_without_credentials_the_sandbox_endpoints_are_401(
    pay_sandbox: SandboxHandle, client: PayPartsClient, method: str, leaf: str
) -> None:
    session_id = new_session(client)
    client.trigger_outcome(session_id, "pending")
    with http_session(None) as anonymous:
        answer = call_endpoint(anonymous, pay_sandbox, method, leaf, session_id)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Basic")
    with requests.Session() as wrong:
        wrong.auth = (SL_CODE, "not-the-secret")
        assert call_endpoint(wrong, pay_sandbox, method, leaf, session_id).status_code == 401
    assert client.get_sandbox_order(session_id).status_code == 20


# --- the SDK stand-in's endpoints over HTTP --------------------------------------------


def violation_paths(answer: requests.Response) -> list[str | None]:
    return [v["propertyPath"] for v in answer.json()["violations"]]


def test_init_answers_the_documented_shape(
    pay_sandbox: SandboxHandle, client: PayPartsClient
) -> None:
    session_id, token = new_token_session(client)
    answer = sdk(pay_sandbox, "init", sessionToken=token)
    assert answer.status_code == 200
    got = answer.json()
    assert set(got) == {
        "sessionId",
        "merchantName",
        "amount",
        "reference",
        "description",
        "testCards",
    }
    assert (got["sessionId"], got["merchantName"]) == (session_id, DEMO_MERCHANT.merchant_name)
    assert set(got["amount"]) == {"value", "currency", "formatted"}
    assert {card["testCard"] for card in got["testCards"]} == {
        "approved",
        "declined",
        "3ds",
        "cancelled",
        "authorised",
    }
    assert answer.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "token", ["not-a-token", "st_!!!!", "", "a3fc44c532784ce1b8ac2f2a003e1239"]
)
def test_init_with_a_malformed_token_is_400_naming_session_token(
    pay_sandbox: SandboxHandle, token: str
) -> None:
    answer = sdk(pay_sandbox, "init", sessionToken=token)
    assert answer.status_code == 400, answer.text
    assert violation_paths(answer) == ["sessionToken"]
    assert "sessionToken" in answer.json()["detail"]
    assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_init_without_a_token_is_400_naming_session_token(pay_sandbox: SandboxHandle) -> None:
    answer = sdk(pay_sandbox, "init")
    assert answer.status_code == 400
    assert violation_paths(answer) == ["sessionToken"]


def test_a_token_of_no_session_is_404(pay_sandbox: SandboxHandle) -> None:
    token = encode_session_token(secrets.token_hex(16), "Demo Shop", 100, "EUR")
    answer = sdk(pay_sandbox, "init", sessionToken=token)
    assert answer.status_code == 404
    assert violation_paths(answer) == ["sessionToken"]
    assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_a_forged_token_for_a_real_session_is_404_and_pays_nothing(
    pay_sandbox: SandboxHandle, client: PayPartsClient
) -> None:
    session_id, issued = new_token_session(client)
    forged = encode_session_token(session_id, "Demo Shop", 1, "EUR")  # the right id, other bytes
    assert forged != issued
    for step, body in (("init", {}), ("pay", {"testCard": "approved"}), ("cancel", {})):
        answer = sdk(pay_sandbox, step, sessionToken=forged, **body)
        assert answer.status_code == 404, (step, answer.text)
        assert (
            answer.json()
            == sdk(
                pay_sandbox,
                step,
                sessionToken=encode_session_token(UNKNOWN_SESSION, "x", 1, "EUR"),
                **body,
            ).json()
        )
    assert order_or_none(client, session_id) is None
    assert sdk(pay_sandbox, "init", sessionToken=issued).status_code == 200  # the real one works


def test_pay_with_an_unknown_test_card_is_422_naming_test_card(
    pay_sandbox: SandboxHandle, client: PayPartsClient
) -> None:
    session_id, token = new_token_session(client)
    answer = sdk(pay_sandbox, "pay", sessionToken=token, testCard="4111111111111111")
    assert answer.status_code == 422
    assert violation_paths(answer) == ["testCard"]
    assert "testCard" in answer.json()["detail"]
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert order_or_none(client, session_id) is None


def test_pay_and_3ds_answer_the_order_and_the_next_step(
    pay_sandbox: SandboxHandle, client: PayPartsClient
) -> None:
    session_id, token = new_token_session(client)
    step = sdk(pay_sandbox, "pay", sessionToken=token, testCard="3ds")
    assert step.status_code == 200
    order_id = client.get_sandbox_order(session_id).order_id
    assert step.json() == {
        "orderId": order_id,
        "status": {"code": 20, "action": "PENDING"},
        "next": "3ds",
    }
    done = sdk(pay_sandbox, "3ds", sessionToken=token, result="authenticated")
    assert done.json() == {
        "orderId": order_id,
        "status": {"code": 100, "action": "PAID"},
        "next": "done",
    }
    assert sdk(pay_sandbox, "3ds", sessionToken=token, result="authenticated").status_code == 409


@pytest.mark.parametrize("before", ["no order", "pending", "approved card", "unknown result"])
def test_3ds_without_a_waiting_step_is_409(
    pay_sandbox: SandboxHandle, client: PayPartsClient, before: str
) -> None:
    session_id, token = new_token_session(client)
    if before == "pending":
        client.trigger_outcome(session_id, "pending")
    elif before == "approved card":
        assert sdk(pay_sandbox, "pay", sessionToken=token, testCard="approved").status_code == 200
    result = "maybe" if before == "unknown result" else "authenticated"
    answer = sdk(pay_sandbox, "3ds", sessionToken=token, result=result)
    if before == "unknown result":  # an unknown result is a 422 whatever the order's state
        assert answer.status_code == 422
        assert violation_paths(answer) == ["result"]
        return
    assert answer.status_code == 409, answer.text
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    expected = {"no order": None, "pending": 20, "approved card": 100}[before]
    order = order_or_none(client, session_id)
    assert (order["status"]["code"] if order else None) == expected


@pytest.mark.parametrize("step", ["init", "pay", "3ds", "cancel"])
def test_the_sdk_endpoints_answer_a_cors_preflight(pay_sandbox: SandboxHandle, step: str) -> None:
    answer = requests.options(
        f"{pay_sandbox.url}/_sandbox/sdk/{step}",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=10,
    )
    assert answer.status_code in (200, 204)
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert "content-type" in answer.headers["Access-Control-Allow-Headers"].lower()


def test_the_sdk_script_is_served_to_any_origin(pay_sandbox: SandboxHandle) -> None:
    answer = requests.get(f"{pay_sandbox.url}/sdk/payparts-sdk.js", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "PayPartsSDK" in answer.text


# --- the OpenAPI document --------------------------------------------------------------

SANDBOX_PATHS = [
    ("get", "/_sandbox/sessions/{sessionId}/order"),
    ("get", "/_sandbox/sessions/{sessionId}/timeline"),
    ("get", "/_sandbox/sessions/{sessionId}/deliveries"),
    ("post", "/_sandbox/sessions/{sessionId}/outcome"),
    ("post", "/_sandbox/sdk/init"),
    ("post", "/_sandbox/sdk/pay"),
    ("post", "/_sandbox/sdk/3ds"),
    ("post", "/_sandbox/sdk/cancel"),
]


def test_the_openapi_document_lists_the_sandbox_endpoints_tagged_sandbox() -> None:
    paths = openapi_document()["paths"]
    missing = [f"{m.upper()} {p}" for m, p in SANDBOX_PATHS if m not in paths.get(p, {})]
    assert missing == [], f"docs/payments.md: tagged sandbox in /openapi.json; missing {missing}"
    untagged = [p for m, p in SANDBOX_PATHS if "sandbox" not in paths[p][m].get("tags", [])]
    assert untagged == []
    assert all(not p.startswith("/_sandbox/") for p in paths if p.startswith("/v1/"))


def answer_validator(method: str, path: str, status: str = "200") -> jsonschema_rs.Validator:
    """The schema the document gives ``method path``'s ``status`` answer (formats checked)."""
    document = openapi_document()
    operation = document["paths"].get(path, {}).get(method)
    if operation is None:
        pytest.fail(f"the OpenAPI document has no {method.upper()} {path}")
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    return validator_for(schema)


def validator_for(schema: dict[str, Any]) -> jsonschema_rs.Validator:
    root = {**schema, "components": openapi_document()["components"]}
    return jsonschema_rs.Draft202012Validator(root, validate_formats=True)


def envelope_validator() -> jsonschema_rs.Validator:
    """The exchange body's schema: a webhook's request body, or ExchangeEnvelope."""
    document = openapi_document()
    for hook in (document.get("webhooks") or {}).values():
        return validator_for(hook["post"]["requestBody"]["content"]["application/json"]["schema"])
    if "ExchangeEnvelope" not in document["components"]["schemas"]:
        pytest.fail("the OpenAPI document has no schema for the exchange call's body")
    return validator_for({"$ref": "#/components/schemas/ExchangeEnvelope"})


def errors_of(validator: jsonschema_rs.Validator, instance: object) -> list[str]:
    return [f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(instance)]


def test_order_answers_and_exchange_bodies_validate_against_the_documents_schema(
    client: PayPartsClient, listener: ExchangeListener
) -> None:
    orders = answer_validator("get", "/_sandbox/sessions/{sessionId}/order")
    outcomes = answer_validator("post", "/_sandbox/sessions/{sessionId}/outcome")
    envelopes = envelope_validator()
    session_id = new_session(client, listener.url)
    answered = [client.trigger_outcome(session_id, o).raw for o in ("authorised", "paid")]
    calls = listener.wait_for_calls(3, timeout=WAIT)
    current = client.get_sandbox_order(session_id).raw
    assert errors_of(orders, current) == []
    for order in answered:
        assert errors_of(outcomes, order) == []
    for call in calls:
        assert errors_of(envelopes, call.body) == []
        assert errors_of(orders, call.object) == []
    mangled = json.loads(json.dumps(current))
    mangled["orderId"] = 51234567890
    mangled["status"]["code"] = "100"
    assert not orders.is_valid(mangled)  # the schema says something
    assert not envelopes.is_valid({**(calls[0].body or {}), "action": "new_ppt"})


def test_every_sandbox_answer_validates_against_its_documented_schema(
    pay_sandbox: SandboxHandle, client: PayPartsClient, api: requests.Session
) -> None:
    session_id, token = new_token_session(client)
    other, other_token = new_token_session(client)
    nobody = encode_session_token(UNKNOWN_SESSION, "x", 1, "EUR")
    sessions = f"{pay_sandbox.url}/_sandbox/sessions"
    outcome = "/_sandbox/sessions/{sessionId}/outcome"
    answers = [
        ("post", "/_sandbox/sdk/init", sdk(pay_sandbox, "init", sessionToken=token)),
        ("post", "/_sandbox/sdk/pay", sdk(pay_sandbox, "pay", sessionToken=token, testCard="3ds")),
        ("post", "/_sandbox/sdk/3ds", sdk(pay_sandbox, "3ds", sessionToken=token, result="failed")),
        ("post", "/_sandbox/sdk/cancel", sdk(pay_sandbox, "cancel", sessionToken=token)),
        ("post", "/_sandbox/sdk/init", sdk(pay_sandbox, "init", sessionToken=nobody)),
        (
            "post",
            "/_sandbox/sdk/pay",
            sdk(pay_sandbox, "pay", sessionToken=other_token, testCard="x"),
        ),
        ("post", "/_sandbox/sdk/cancel", sdk(pay_sandbox, "cancel", sessionToken=other_token)),
        (
            "post",
            outcome,
            api.post(f"{sessions}/{other}/outcome", json={"outcome": "paid"}, timeout=10),
        ),
        (
            "post",
            outcome,
            api.post(f"{sessions}/{other}/outcome", json={"outcome": "refunded"}, timeout=10),
        ),
    ]
    settled(client, session_id, 2)
    for leaf in ("order", "timeline", "deliveries"):
        answer = api.get(f"{sessions}/{session_id}/{leaf}", timeout=10)
        answers.append(("get", f"/_sandbox/sessions/{{sessionId}}/{leaf}", answer))
    statuses = [answer.status_code for _, _, answer in answers]
    assert statuses == [200, 200, 200, 409, 404, 422, 200, 409, 422, 200, 200, 200]
    for method, path, answer in answers:
        validator = answer_validator(method, path, str(answer.status_code))
        assert errors_of(validator, answer.json()) == [], (method, path, answer.status_code)


def test_outcomes_racing_on_one_session_make_one_order(
    pay_sandbox: SandboxHandle, client: PayPartsClient
) -> None:
    session_id, token = new_token_session(client)
    go = threading.Event()

    def race(index: int) -> int:
        go.wait(WAIT)
        if index % 2:
            return sdk(pay_sandbox, "pay", sessionToken=token, testCard="approved").status_code
        with http_session(DEMO_MERCHANT) as own:
            url = f"{pay_sandbox.url}/_sandbox/sessions/{session_id}/outcome"
            return own.post(url, json={"outcome": "denied"}, timeout=10).status_code

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(race, i) for i in range(8)]
        go.set()
        statuses = sorted(future.result() for future in futures)
    assert statuses == [200] + [409] * 7
    order = client.get_sandbox_order(session_id)
    assert order.status_code in (100, -63)
    assert [d.status_code for d in client.list_deliveries(session_id)] == [20, order.status_code]
