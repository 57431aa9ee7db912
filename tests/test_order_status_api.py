"""Pay.nl's order-status API as the sandbox serves it, over real HTTP against real sandboxes.

``GET /v1/orders/{id}/status`` (orderId or UUID): the whole order with the owner's
Basic auth, only the basics without credentials, 401 for wrong credentials, 404 for
another sales location's order exactly as for an unknown id, 404 for a malformed id
(refused by the client before anything is sent). Its answer is the same order object
the exchange calls carry, typed as Pay.nl's PHP SDK requires (known-facts.md), and
it is what a shop asks after an unsigned or status-0 exchange call. Configuration:
beta and production ask https://connect.pay.nl (``responses`` stands in for it, the
one host here that cannot be reached); a sandbox serves both APIs on one port.

Every wait is for a state (a listener's calls, the deliveries' states) with a deadline.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jsonschema_rs
import pytest
import requests
import responses

from payparts_helpers.client.exchange_listener import ExchangeCall, ExchangeListener
from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.rules import examples
from payparts_helpers.rules.contract import openapi_document
from payparts_helpers.rules.errors import (
    AuthenticationError,
    InvalidOrderIdError,
    NotFoundError,
)
from payparts_helpers.rules.order_model import OrderFacts, order_object
from payparts_helpers.rules.order_status import status_for
from payparts_helpers.rules.resources import PaymentOrder
from payparts_helpers.rules.sandbox_resources import Delivery
from payparts_helpers.sandbox import (
    DEMO_MERCHANT,
    SECOND_DEMO_MERCHANT,
    DeliveryPolicy,
    SandboxHandle,
    start_sandbox,
)

from .php_sdk_types import php_sdk_type_problems
from .sandbox_process import SandboxProcess

SL_CODE, SECRET = DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret
OWNER = (SL_CODE, SECRET)
OTHER = (SECOND_DEMO_MERCHANT.sl_code, SECOND_DEMO_MERCHANT.secret)
WAIT = 20.0  # the deadline of every wait for a state
AMOUNT, CURRENCY, REFERENCE = 2999, "EUR", "REF-12345"  # examples.full_request()
CONNECT = "https://connect.pay.nl"

# outcome -> (code, action, category): the sandbox's documented outcomes, Pay.nl's codes.
OUTCOMES = {
    "paid": (100, "PAID", "paid"),
    "authorised": (95, "AUTHORIZE", "authorised"),
    "denied": (-63, "DENIED", "denied"),
    "cancelled": (-90, "CANCEL", "cancelled"),
    "expired": (-80, "EXPIRED", "cancelled"),
    "pending": (20, "PENDING", "pending"),
}
# How many exchange calls each outcome sends: a new order passes through PENDING first,
# except "pending" itself (nothing to pass through) and "expired" (straight to -80).
CALLS = {"paid": 2, "authorised": 2, "denied": 2, "cancelled": 2, "expired": 1, "pending": 1}

ORDER_ID = re.compile(r"^[4-9][0-9]{10}X[0-9a-f]{4}$")


# --- fixtures and helpers --------------------------------------------------------------


def fast_policy(form: str = "signed") -> DeliveryPolicy:
    return DeliveryPolicy(delays=(0.05, 0.1), form=form, poll_interval=0.05)


@pytest.fixture(scope="module")
def signed_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    db = tmp_path_factory.mktemp("orders-signed") / "sessions.sqlite3"
    merchants = [DEMO_MERCHANT, SECOND_DEMO_MERCHANT]
    with start_sandbox(port=0, db_path=db, merchants=merchants, delivery=fast_policy()) as handle:
        yield handle


@pytest.fixture
def client(signed_sandbox: SandboxHandle) -> Iterator[PayPartsClient]:
    with PayPartsClient(SL_CODE, SECRET, base_url=signed_sandbox.url) as demo:
        yield demo


@pytest.fixture
def listener() -> Iterator[ExchangeListener]:
    with ExchangeListener(SECRET, key_id=SL_CODE) as shop:
        yield shop


def new_session(
    client: PayPartsClient, exchange_url: str = "https://shop.nl/exchange", **fields: Any
) -> str:
    body = examples.full_request()  # 2999 EUR, reference REF-12345
    body.pop("expire", None)  # the example's date may be past: the sandbox would expire it
    body["exchangeUrl"] = exchange_url
    body.update(fields)
    return client.create_session(body).session_id


def status_url(base_url: str, ref: str) -> str:
    return f"{base_url}/v1/orders/{ref}/status"


def ask(
    base_url: str, ref: str, auth: tuple[str, str] | None = OWNER, **headers: str
) -> requests.Response:
    """The order-status API over plain ``requests``: what any shop would send."""
    return requests.get(
        status_url(base_url, ref),
        auth=auth,
        headers={"Accept": "application/json", **headers},
        timeout=10,
    )


def settled(
    client: PayPartsClient,
    session_id: str,
    count: int,
    states: frozenset[str] = frozenset({"delivered"}),
) -> list[Delivery]:
    """The session's deliveries once there are ``count`` and every one is in ``states``."""
    deadline = time.monotonic() + WAIT
    while True:
        deliveries = client.list_deliveries(session_id)
        if len(deliveries) == count and all(d.state in states for d in deliveries):
            return deliveries
        if time.monotonic() > deadline:
            seen = [(d.status_code, d.state, len(d.attempts)) for d in deliveries]
            pytest.fail(f"{session_id}: {count} deliveries in {set(states)} never came: {seen}")
        time.sleep(0.02)  # the pause between two polls; the wait itself is for the state


def call_matching(
    listener: ExchangeListener, wanted: Callable[[ExchangeCall], bool], what: str
) -> ExchangeCall:
    """The first call for which ``wanted`` holds, waiting for new calls until the deadline."""
    deadline = time.monotonic() + WAIT
    seen = 0
    while True:
        for call in listener.calls[seen:]:
            if wanted(call):
                return call
        seen = len(listener.calls)
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"no exchange call with {what} arrived in {WAIT:g} s ({seen} arrived)")
        try:
            listener.wait_for_calls(seen + 1, timeout=left)
        except TimeoutError:
            pytest.fail(f"no exchange call with {what} arrived in {WAIT:g} s ({seen} arrived)")


def validator(name: str) -> jsonschema_rs.Validator:
    document = openapi_document()
    assert name in document["components"]["schemas"], f"the document has no {name} schema"
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def errors_of(schema: jsonschema_rs.Validator, instance: object) -> list[str]:
    return [f"{list(e.instance_path)}: {e.message}" for e in schema.iter_errors(instance)]


def compact(value: object) -> bytes:
    """A JSON value as compact UTF-8 bytes, key order kept: what "byte for byte" compares."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- the status round trip ---------------------------------------------------------------


@pytest.mark.parametrize("outcome", list(OUTCOMES))
def test_each_outcome_reads_back_by_order_id_and_by_uuid(
    client: PayPartsClient, outcome: str
) -> None:
    code, action, category = OUTCOMES[outcome]
    triggered = client.trigger_outcome(new_session(client), outcome)
    by_order_id = client.get_order_status(triggered.order_id)
    by_uuid = client.get_order_status(triggered.id)
    expected_status = status_for(code)
    assert expected_status is not None
    assert (expected_status.action, expected_status.category) == (action, category)
    authorised = AMOUNT if code in (95, 100) else 0
    captured = AMOUNT if code == 100 else 0
    for got in (by_order_id, by_uuid):
        assert isinstance(got, PaymentOrder)
        assert (got.order_id, got.id) == (triggered.order_id, triggered.id)
        assert ORDER_ID.fullmatch(got.order_id)
        assert str(uuid.UUID(got.id)) == got.id
        assert (got.status_code, got.status_action, got.category) == (code, action, category)
        assert got.status == expected_status
        assert (got.amount_value, got.currency) == (AMOUNT, CURRENCY)
        assert (got.authorized_value, got.captured_value) == (authorised, captured)
        assert got.reference == REFERENCE
        assert got.amount_text == "2999 (29.99 EUR)"
        assert got.status_text == str(expected_status)
        payment = got.raw["payments"][0]
        assert payment["status"] == {"code": code, "action": action}
        assert payment["authorizedAmount"] == {"value": authorised, "currency": CURRENCY}
        assert payment["capturedAmount"] == {"value": captured, "currency": CURRENCY}
    assert by_order_id.raw == by_uuid.raw == triggered.raw


def test_the_status_follows_the_order_as_it_moves(client: PayPartsClient) -> None:
    session_id = new_session(client)
    order = client.trigger_outcome(session_id, "authorised")
    assert client.get_order_status(order.order_id).status_code == 95
    client.trigger_outcome(session_id, "paid")
    now = client.get_order_status(order.id)
    assert (now.status_code, now.authorized_value, now.captured_value) == (100, AMOUNT, AMOUNT)
    assert now.raw["completedAt"] is not None


# --- the exchange call's object is the status answer -----------------------------------


@pytest.mark.parametrize("outcome", list(OUTCOMES))
def test_the_last_exchange_object_is_the_status_answer_byte_for_byte(
    client: PayPartsClient, listener: ExchangeListener, outcome: str
) -> None:
    code = OUTCOMES[outcome][0]
    # Text beyond ASCII: both sides must carry it as the same UTF-8 bytes.
    session_id = new_session(client, listener.url, description="Bestelling café ☕ 12345")
    order = client.trigger_outcome(session_id, outcome)
    deliveries = settled(client, session_id, CALLS[outcome])
    calls = listener.wait_for_calls(CALLS[outcome], timeout=WAIT)
    assert len(listener.calls) == len(deliveries)  # every call arrived, once each
    assert [d.status_code for d in deliveries][-1] == code
    last = calls[-1]
    assert last.verdict.valid, last.verdict.message
    assert last.object is not None
    answer = ask(client.orders_url, order.order_id)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    assert last.object == answer.json()
    assert compact(last.object) == compact(answer.json())
    assert last.raw_body.endswith(b'"object":' + answer.content + b"}")
    assert "café ☕".encode() in answer.content
    assert last.object["status"]["code"] == code

    orders, envelopes = validator("PaymentOrder"), validator("ExchangeEnvelope")
    assert errors_of(orders, answer.json()) == []
    assert errors_of(orders, last.object) == []
    for call in calls:
        assert errors_of(envelopes, json.loads(call.raw_body)) == []
    envelope = json.loads(last.raw_body)
    heading = (envelope["event"], envelope["type"], envelope["version"])
    assert heading == ("status_changed", "order", 1)
    assert envelope["id"] == order.id


def test_the_schemas_refuse_what_the_sdk_would_refuse(client: PayPartsClient) -> None:
    order = client.trigger_outcome(new_session(client), "paid").raw
    orders, basics = validator("PaymentOrder"), validator("PaymentOrderBasics")
    assert errors_of(orders, order) == []
    for field, wrong in [
        ("orderId", 51234567890),
        ("reference", 12345),
        ("createdAt", 1767225600),
        ("status", {"code": 0, "action": "UNKNOWN"}),
        ("status", {"code": "100", "action": "PAID"}),
        ("amount", {"value": 29.99, "currency": "EUR"}),
        ("payments", {}),
    ]:
        assert not orders.is_valid({**order, field: wrong}), field
    assert not basics.is_valid(order)  # the whole order is more than the basics


# --- every field's JSON type, as Pay.nl's PHP SDK requires -----------------------------


@pytest.mark.parametrize("outcome", ["paid", "denied", "pending"])
def test_every_field_has_the_type_pay_nls_php_sdk_requires(
    client: PayPartsClient, listener: ExchangeListener, outcome: str
) -> None:
    expire = (datetime.now(UTC) + timedelta(days=1)).isoformat(timespec="seconds")
    session_id = new_session(client, listener.url, expire=expire)  # expiresAt is a string then
    order = client.trigger_outcome(session_id, outcome)
    settled(client, session_id, CALLS[outcome])
    calls = listener.wait_for_calls(CALLS[outcome], timeout=WAIT)
    answer = client.get_order_status(order.order_id).raw
    assert php_sdk_type_problems(answer) == []
    for call in calls:  # every call, the PENDING one before a final status too
        assert call.object is not None
        assert php_sdk_type_problems(call.object) == []
    assert isinstance(answer["expiresAt"], str)
    assert datetime.fromisoformat(answer["expiresAt"]) > datetime.now(UTC)
    assert answer["status"]["action"] == OUTCOMES[outcome][1]
    assert answer["integration"]["test"] is True


def test_the_type_check_itself_catches_each_wrong_type(client: PayPartsClient) -> None:
    order = client.trigger_outcome(new_session(client), "paid").raw
    assert php_sdk_type_problems(order) == []
    for field, wrong in [
        ("orderId", 51234567890),
        ("createdBy", 0),
        ("completedAt", 1767225600.0),
        ("status", [100, "PAID"]),
        ("payments", {}),
        ("checkoutData", "none"),
        ("amount", {"value": "2999", "currency": "EUR"}),
        ("status", {"code": 0, "action": "PAID"}),
        ("status", {"code": 100, "action": "paid"}),
    ]:
        assert php_sdk_type_problems({**order, field: wrong}), field


# --- who may ask what ---------------------------------------------------------------------


def test_without_credentials_only_the_basics(
    client: PayPartsClient, signed_sandbox: SandboxHandle
) -> None:
    order = client.trigger_outcome(new_session(client), "paid")
    basics = validator("PaymentOrderBasics")
    for ref in (order.order_id, order.id):
        answer = ask(signed_sandbox.url, ref, auth=None)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert errors_of(basics, body) == []
        assert set(body) == {"id", "orderId", "status", "payments"}
        assert (body["id"], body["orderId"]) == (order.id, order.order_id)
        assert body["status"] == {"code": 100, "action": "PAID"}
        assert body["payments"] == [{"paymentMethod": {"id": 706}, "status": body["status"]}]
        for secret_part in ("amount", "reference", "checkoutData", "customerEmail"):
            assert secret_part not in answer.text
        assert REFERENCE not in answer.text
        assert "john.doe@example.com" not in answer.text
        assert "2999" not in answer.text


@pytest.mark.parametrize(
    "auth",
    [(SL_CODE, "not-the-secret"), ("SL-9999-9999", SECRET), (SECOND_DEMO_MERCHANT.sl_code, SECRET)],
    ids=["wrong secret", "unknown SL code", "another SL code with this secret"],
)
def test_wrong_credentials_are_a_401_not_the_basics(
    client: PayPartsClient, signed_sandbox: SandboxHandle, auth: tuple[str, str]
) -> None:
    order = client.trigger_outcome(new_session(client), "paid")
    answer = ask(signed_sandbox.url, order.order_id, auth=auth)
    assert answer.status_code == 401, answer.text
    assert order.order_id not in answer.text
    with PayPartsClient(*auth, base_url=signed_sandbox.url) as wrong:
        with pytest.raises(AuthenticationError) as refused:
            wrong.get_order_status(order.order_id)
    assert refused.value.status_code == 401
    assert auth[1] not in str(refused.value)


@pytest.mark.parametrize("header", ["", "Bearer x", "Basic", "Basic !!!notbase64"])
def test_a_malformed_authorization_header_is_a_401_not_anonymous(
    client: PayPartsClient, signed_sandbox: SandboxHandle, header: str
) -> None:
    order = client.trigger_outcome(new_session(client), "paid")
    answer = requests.get(
        status_url(signed_sandbox.url, order.order_id),
        headers={"Authorization": header, "Accept": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 401, answer.text


def test_another_sales_locations_order_is_a_404_like_an_unknown_id(
    client: PayPartsClient, signed_sandbox: SandboxHandle
) -> None:
    order = client.trigger_outcome(new_session(client), "paid")
    unknown_order_id = ask(signed_sandbox.url, "41234567890X00aa", auth=OTHER)
    unknown_uuid = ask(signed_sandbox.url, str(uuid.uuid4()), auth=OTHER)
    for ref in (order.order_id, order.id):
        theirs = ask(signed_sandbox.url, ref, auth=OTHER)
        assert theirs.status_code == 404
        assert theirs.content == unknown_order_id.content == unknown_uuid.content
        assert theirs.headers["Content-Type"] == unknown_order_id.headers["Content-Type"]
        assert order.order_id not in theirs.text
    assert unknown_order_id.status_code == unknown_uuid.status_code == 404
    assert unknown_order_id.json()["violations"][0]["code"] == "NOT_FOUND"
    with PayPartsClient(*OTHER, base_url=signed_sandbox.url) as other:
        with pytest.raises(NotFoundError) as missing:
            other.get_order_status(order.order_id)
    assert missing.value.status_code == 404
    assert "No order with this id exists" in str(missing.value)
    # The owner still sees it: the 404 was about who asked, not about the order.
    assert client.get_order_status(order.order_id).status_code == 100


def send_raw_path(base_url: str, path: str) -> requests.Response:
    """GET exactly ``path``: requests would otherwise resolve ``..`` before sending."""
    prepared = requests.Request(
        "GET", base_url + "/", auth=OWNER, headers={"Accept": "application/json"}
    ).prepare()
    prepared.url = base_url + path
    with requests.Session() as session:
        return session.send(prepared, timeout=10, allow_redirects=False)


def malformed_ids(real_order_id: str, real_uuid: str) -> list[str]:
    return [
        "garbage",
        "../x",
        "..%2Fx",
        "41234567890x00AA",  # an orderId in the wrong case
        real_order_id.replace("X", "x"),
        real_order_id + "0",  # over-long: one character past a real id
        real_order_id + "0" * 300,
        real_uuid + "0",
        "31234567890X00aa",  # first digit 3: Pay.nl's legacy transaction ids, not orders
        "",
    ]


def test_malformed_ids_are_a_404_from_the_server(
    client: PayPartsClient, signed_sandbox: SandboxHandle
) -> None:
    order = client.trigger_outcome(new_session(client), "paid")
    for ref in malformed_ids(order.order_id, order.id):
        answer = send_raw_path(signed_sandbox.url, f"/v1/orders/{ref}/status")
        assert answer.status_code == 404, (ref, answer.status_code, answer.text)
        assert answer.headers["Content-Type"].startswith("application/json"), ref
        assert order.order_id not in answer.text, ref
        anonymous = ask(signed_sandbox.url, ref, auth=None)
        assert anonymous.status_code == 404, (ref, anonymous.text)


def test_malformed_ids_are_refused_by_the_client_before_anything_is_sent(
    client: PayPartsClient,
) -> None:
    order = client.trigger_outcome(new_session(client), "paid")
    refused = [*malformed_ids(order.order_id, order.id), None, 51234567890, b"41234567890X00aa"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as intercepted:
        for ref in refused:
            with pytest.raises(InvalidOrderIdError) as error:
                client.get_order_status(ref)  # type: ignore[arg-type]
            assert "No request was sent" in str(error.value), ref
            assert error.value.status_code is None
        assert len(intercepted.calls) == 0
    # Outside the interception the same client does send, so the check above could fail.
    assert client.get_order_status(order.order_id).status_code == 100


# --- a restart --------------------------------------------------------------------------


def test_the_status_survives_kill_9_and_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "sessions.sqlite3"
    sandbox = SandboxProcess(db, tmp_path)
    try:
        first_url = sandbox.start()
        with PayPartsClient(SL_CODE, SECRET, base_url=first_url) as before:
            paid = before.trigger_outcome(new_session(before), "paid")
            pending = before.trigger_outcome(new_session(before), "pending")
            answered = {
                ref: ask(first_url, ref).content
                for ref in (paid.order_id, paid.id, pending.order_id)
            }
            basics = ask(first_url, paid.order_id, auth=None).content
        sandbox.kill9()
        second_url = sandbox.start()
        for ref, content in answered.items():
            again = ask(second_url, ref)
            assert again.status_code == 200, again.text
            assert again.content == content
        assert ask(second_url, paid.order_id, auth=None).content == basics
        with PayPartsClient(SL_CODE, SECRET, base_url=second_url) as after:
            assert after.get_order_status(paid.id).status_code == 100
            assert after.get_order_status(pending.order_id).status_code == 20
    finally:
        sandbox.stop()
    assert "Traceback" not in sandbox.all_stderr()


# --- the exchange forms that send a shop to the order-status API ----------------------


@pytest.fixture(scope="module")
def unsigned_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    db = tmp_path_factory.mktemp("orders-unsigned") / "sessions.sqlite3"
    policy = fast_policy("unsigned")
    with start_sandbox(port=0, db_path=db, merchants=[DEMO_MERCHANT], delivery=policy) as handle:
        yield handle


@pytest.fixture(scope="module")
def status_zero_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    db = tmp_path_factory.mktemp("orders-status-0") / "sessions.sqlite3"
    policy = fast_policy("status-0")
    with start_sandbox(port=0, db_path=db, merchants=[DEMO_MERCHANT], delivery=policy) as handle:
        yield handle


def form_of(call: ExchangeCall) -> dict[str, list[str]]:
    return parse_qs(call.raw_body.decode("ascii"), keep_blank_values=True, strict_parsing=True)


@pytest.mark.parametrize(
    ("outcome", "action", "code"),
    [("paid", "new_ppt", 100), ("authorised", "new_ppt", 95), ("denied", "cancel", -63)],
)
def test_an_unsigned_call_is_the_legacy_form_and_the_api_gives_the_real_status(
    unsigned_sandbox: SandboxHandle,
    listener: ExchangeListener,
    outcome: str,
    action: str,
    code: int,
) -> None:
    with PayPartsClient(SL_CODE, SECRET, base_url=unsigned_sandbox.url) as client:
        session_id = new_session(client, listener.url)
        order = client.trigger_outcome(session_id, outcome)
        final = call_matching(
            listener, lambda call: form_of(call).get("action") == [action], f"action={action}"
        )
        first = listener.calls[0]
        expected = (
            f"action={action}&order_id={order.order_id}&amount=29.99"
            f"&extra1={REFERENCE}&extra2=&extra3="
        ).encode()
        assert final.raw_body == expected
        assert form_of(first) == {
            "action": ["pending"],
            "order_id": [order.order_id],
            "amount": ["29.99"],
            "extra1": [REFERENCE],
            "extra2": [""],
            "extra3": [""],
        }
        for call in (first, final):
            assert call.headers["Content-Type"] == "application/x-www-form-urlencoded"
            assert not [name for name in call.headers if name.lower().startswith("signature")]
            assert call.verdict.problem == "missing-header"
            assert (call.status, call.object) == (403, None)
        # The shop cannot trust the call: it asks the API, which knows the real status.
        real = client.get_order_status(form_of(final)["order_id"][0])
        assert (real.status_code, real.order_id) == (code, order.order_id)
        assert real.reference == form_of(final)["extra1"][0]
        settled(client, session_id, 2, frozenset({"failed"}))  # a 403 is never "delivered"


def test_a_status_0_call_is_signed_and_the_api_gives_the_real_status(
    status_zero_sandbox: SandboxHandle, listener: ExchangeListener
) -> None:
    with PayPartsClient(SL_CODE, SECRET, base_url=status_zero_sandbox.url) as client:
        session_id = new_session(client, listener.url)
        order = client.trigger_outcome(session_id, "paid")
        deliveries = settled(client, session_id, 2)
        calls = listener.wait_for_calls(2, timeout=WAIT)
        assert [d.status_code for d in deliveries] == [20, 100]
        for call in calls:
            assert call.verdict.valid, call.verdict.message
            assert call.headers["Signature-Method"] == "HMAC"
            assert call.headers["Signature-KeyID"] == SL_CODE
            assert call.status == 200
            assert call.object is not None
            assert call.object["status"] == {"code": 0, "action": "UNKNOWN"}
            assert call.object["orderId"] == order.order_id
        real = client.get_order_status(order.order_id)
        assert (real.status_code, real.status_action) == (100, "PAID")
        answer = ask(client.orders_url, order.order_id).json()
        last = calls[-1].object
        assert last is not None
        # Nothing in the call tells the real status, the payments' included ...
        assert [p["status"] for p in last["payments"]] == [{"code": 0, "action": "UNKNOWN"}]

        # ... and apart from the statuses, the call is the order as the API shows it.
        def without_status(order: dict) -> dict:
            payments = [{k: v for k, v in p.items() if k != "status"} for p in order["payments"]]
            return {k: v for k, v in order.items() if k != "status"} | {"payments": payments}

        assert without_status(last) == without_status(answer)


# --- configuration: which host answers ----------------------------------------------------


@pytest.fixture
def no_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """resolve_settings reads ./.env: run where there is none."""
    monkeypatch.chdir(tmp_path)


@pytest.mark.usefixtures("no_dotenv")
@pytest.mark.parametrize(
    ("environment", "base_url"),
    [("beta", "https://zero-parts.pay.nl"), ("production", "https://parts.pay.nl")],
)
def test_beta_and_production_ask_connect_pay_nl(environment: str, base_url: str) -> None:
    env = {"PAYPARTS_ENV": environment, "PAYPARTS_SL_CODE": SL_CODE, "PAYPARTS_SECRET": SECRET}
    with PayPartsClient.from_env(env) as client:
        assert client.base_url == base_url
        assert client.orders_url == CONNECT
    with PayPartsClient(SL_CODE, SECRET, base_url=base_url) as direct:
        assert direct.orders_url == CONNECT
    with PayPartsClient(SL_CODE, SECRET, base_url=base_url + "/") as slashed:
        assert slashed.orders_url == CONNECT


@pytest.mark.usefixtures("no_dotenv")
def test_payparts_orders_url_overrides_the_host() -> None:
    env = {
        "PAYPARTS_ENV": "beta",
        "PAYPARTS_SL_CODE": SL_CODE,
        "PAYPARTS_SECRET": SECRET,
        "PAYPARTS_ORDERS_URL": "https://orders.example.test",
    }
    with PayPartsClient.from_env(env) as client:
        assert client.orders_url == "https://orders.example.test"
        assert client.base_url == "https://zero-parts.pay.nl"
    with PayPartsClient.from_env({**env, "PAYPARTS_ORDERS_URL": "https://o.example.test/"}) as c:
        assert c.orders_url == "https://o.example.test"


@pytest.mark.usefixtures("no_dotenv")
@pytest.mark.parametrize("environment", ["beta", "production"])
def test_beta_with_its_own_base_url_still_asks_connect_pay_nl(environment: str) -> None:
    """PAYPARTS_BASE_URL moves Pay.Parts (a proxy, say), not Pay.nl's order API."""
    env = {
        "PAYPARTS_ENV": environment,
        "PAYPARTS_SL_CODE": SL_CODE,
        "PAYPARTS_SECRET": SECRET,
        "PAYPARTS_BASE_URL": "https://payparts-proxy.example.test",
    }
    with PayPartsClient.from_env(env) as client:
        assert client.base_url == "https://payparts-proxy.example.test"
        assert client.orders_url == CONNECT


@pytest.mark.usefixtures("no_dotenv")
def test_a_sandbox_at_payparts_base_url_serves_the_order_api_too(
    client: PayPartsClient, signed_sandbox: SandboxHandle
) -> None:
    order = client.trigger_outcome(new_session(client), "denied")
    with PayPartsClient.from_env({"PAYPARTS_BASE_URL": signed_sandbox.url}) as configured:
        assert configured.environment == "sandbox"
        assert configured.orders_url == configured.base_url == signed_sandbox.url
        assert configured.get_order_status(order.order_id).status_code == -63
    with PayPartsClient(SL_CODE, SECRET, base_url=signed_sandbox.url) as direct:
        assert direct.orders_url == signed_sandbox.url


def mocked_order() -> dict[str, Any]:
    facts = OrderFacts(
        id="2b2f4d0a-7c1e-4b8e-9a55-0f3c2d1e6a7b",
        order_id="51234567890X1a2b",
        payment_id="a1b2c3d4e5f60718",
        sl_code=SL_CODE,
        status_code=95,
        amount_value=12345,
        currency="EUR",
        created_at=1767225600.0,
        modified_at=1767225660.0,
        reference="PAYNL-MOCK-1",
    )
    return order_object(facts)


@pytest.mark.usefixtures("no_dotenv")
@pytest.mark.parametrize("ref", ["51234567890X1a2b", "2b2f4d0a-7c1e-4b8e-9a55-0f3c2d1e6a7b"])
def test_a_beta_client_asks_connect_pay_nl_with_basic_auth(ref: str) -> None:
    body = mocked_order()
    env = {"PAYPARTS_ENV": "beta", "PAYPARTS_SL_CODE": SL_CODE, "PAYPARTS_SECRET": SECRET}
    with responses.RequestsMock() as pay_nl:  # only connect.pay.nl is registered
        pay_nl.get(f"{CONNECT}/v1/orders/{ref}/status", json=body)
        with PayPartsClient.from_env(env) as client:
            order = client.get_order_status(ref)
        assert len(pay_nl.calls) == 1
        sent = pay_nl.calls[0].request
    assert sent.url == f"{CONNECT}/v1/orders/{ref}/status"
    assert "zero-parts" not in sent.url
    expected = "Basic " + base64.b64encode(f"{SL_CODE}:{SECRET}".encode()).decode()
    assert sent.headers["Authorization"] == expected
    assert sent.headers["Accept"] == "application/json"
    assert isinstance(order, PaymentOrder)
    assert (order.order_id, order.id) == ("51234567890X1a2b", body["id"])
    assert (order.status_code, order.status_action) == (95, "AUTHORIZE")
    assert order.category == "authorised"
    assert (order.amount_value, order.currency) == (12345, "EUR")
    assert (order.authorized_value, order.captured_value) == (12345, 0)
    assert order.reference == "PAYNL-MOCK-1"
    assert order.raw == body


@pytest.mark.usefixtures("no_dotenv")
def test_a_beta_clients_404_from_connect_pay_nl_carries_pay_nls_detail() -> None:
    env = {"PAYPARTS_ENV": "beta", "PAYPARTS_SL_CODE": SL_CODE, "PAYPARTS_SECRET": SECRET}
    problem = {"type": "about:blank", "title": "Not Found", "detail": "Order not found"}
    with responses.RequestsMock() as pay_nl:
        pay_nl.get(f"{CONNECT}/v1/orders/51234567890X1a2b/status", status=404, json=problem)
        with PayPartsClient.from_env(env) as client:
            with pytest.raises(NotFoundError) as missing:
                client.get_order_status("51234567890X1a2b")
        assert len(pay_nl.calls) == 1  # a 404 is not retried
    assert "Order not found" in str(missing.value)
    assert SECRET not in str(missing.value)


# --- what the anonymous form shares with the authenticated one --------------------------


def test_anonymous_requests_get_the_same_accept_and_scenario_checks(
    client: PayPartsClient,
) -> None:
    order = client.trigger_outcome(new_session(client), "paid")
    refused = ask(client.orders_url, order.order_id, auth=None, Accept="text/html")
    assert refused.status_code == 406
    faulty = ask(
        client.orders_url, order.order_id, auth=None, **{"Sandbox-Scenario": "server-error"}
    )
    assert faulty.status_code == 500


def test_a_uuid_in_capitals_is_the_same_order(client: PayPartsClient) -> None:
    order = client.trigger_outcome(new_session(client), "paid")
    assert (
        ask(client.orders_url, order.id.upper()).json() == ask(client.orders_url, order.id).json()
    )
    assert client.get_order_status(order.id.upper()).order_id == order.order_id


def test_an_authorised_order_is_not_completed_until_it_is_final(client: PayPartsClient) -> None:
    session_id = new_session(client)
    assert client.trigger_outcome(session_id, "authorised").raw["completedAt"] is None
    assert client.trigger_outcome(session_id, "paid").raw["completedAt"] is not None
