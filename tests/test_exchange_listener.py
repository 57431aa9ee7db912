"""ExchangeListener over real HTTP: it answers true only to a call whose signature holds."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from payparts_helpers.client.exchange_listener import ExchangeListener
from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.rules.errors import ConfigurationError
from payparts_helpers.rules.examples import DEMO_SECRET, DEMO_SL_CODE
from payparts_helpers.rules.exchange_signing import sign_exchange
from payparts_helpers.sandbox import start_sandbox

SL_CODE = "SL-1234-4321"
SECRET = "listener-marker-secret-9f1c"
ORDER = {
    "id": "0a1b2c3d-0000-4000-8000-000000000001",
    "orderId": "51234567890X1a2b",
    "status": {"code": 100, "action": "PAID"},
    "amount": {"value": 2999, "currency": "EUR"},
}
BODY = json.dumps(
    {"event": "status_changed", "type": "order", "version": 1, "id": ORDER["id"], "object": ORDER}
).encode()


@pytest.fixture
def listener() -> Iterator[ExchangeListener]:
    with ExchangeListener(SECRET, key_id=SL_CODE) as running:
        yield running


def post(listener: ExchangeListener, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(listener.url, data=body, headers=headers, timeout=5)


def test_a_signed_call_is_answered_true_and_kept(listener: ExchangeListener) -> None:
    answer = post(listener, BODY, sign_exchange(BODY, SL_CODE, SECRET))
    assert answer.status_code == 200
    assert answer.json() == {"result": True, "description": "received"}
    (call,) = listener.wait_for_calls(1)
    assert call.verdict.valid
    assert call.raw_body == BODY
    assert call.object == ORDER
    frame = listener.frame()
    assert frame.loc[
        0, ["valid", "order_id", "status_code", "amount_value", "answered"]
    ].tolist() == [
        True,
        ORDER["orderId"],
        100,
        2999,
        200,
    ]


@pytest.mark.parametrize(
    ("body", "headers", "problem"),
    [
        (BODY.replace(b"2999", b"1"), sign_exchange(BODY, SL_CODE, SECRET), "mismatch"),
        (BODY, sign_exchange(BODY, SL_CODE, "another-secret"), "mismatch"),
        (BODY, sign_exchange(BODY, "SL-9999-9999", SECRET), "unknown-key-id"),
        (
            BODY,
            {**sign_exchange(BODY, SL_CODE, SECRET), "Signature-Algorithm": "md5"},
            "unsupported-algorithm",
        ),
        (BODY, {"Content-Type": "application/json"}, "missing-header"),
    ],
    ids=["tampered body", "wrong secret", "wrong key id", "wrong algorithm", "unsigned"],
)
def test_what_does_not_verify_is_refused_and_never_parsed(
    listener: ExchangeListener, body: bytes, headers: dict[str, str], problem: str
) -> None:
    answer = post(listener, body, headers)
    assert answer.status_code == 403
    assert answer.json()["result"] is False
    (call,) = listener.wait_for_calls(1)
    assert call.verdict.problem == problem
    assert call.body is None  # verified before parsing: never read
    assert call.object is None
    assert SECRET not in answer.text


def test_sha512_calls_verify_too(listener: ExchangeListener) -> None:
    answer = post(listener, BODY, sign_exchange(BODY, SL_CODE, SECRET, "sha512"))
    assert answer.json()["result"] is True
    assert listener.wait_for_calls(1)[0].verdict.algorithm == "sha512"


def test_a_signed_body_that_is_not_an_exchange_is_refused(listener: ExchangeListener) -> None:
    body = b'{"no": "object"}'
    answer = post(listener, body, sign_exchange(body, SL_CODE, SECRET))
    assert (answer.status_code, answer.json()["result"]) == (400, False)


def test_other_paths_and_oversized_bodies_are_refused(listener: ExchangeListener) -> None:
    other = listener.url.replace("/exchange", "/elsewhere")
    assert requests.post(other, data=BODY, timeout=5).status_code == 404
    too_big = b"x" * (1024 * 1024 + 1)
    assert post(listener, too_big, {}).status_code == 413
    assert listener.calls == []


def test_on_call_sees_each_call_and_the_secret_stays_hidden() -> None:
    seen = []
    with ExchangeListener(SECRET, on_call=seen.append) as listener:
        post(listener, BODY, sign_exchange(BODY, SL_CODE, SECRET))
        listener.wait_for_calls(1)
        assert SECRET not in repr(listener)
    assert len(seen) == 1
    assert seen[0].verdict.valid


def test_waiting_for_calls_that_never_come_says_so(listener: ExchangeListener) -> None:
    with pytest.raises(TimeoutError, match="0 exchange call"):
        listener.wait_for_calls(1, timeout=0.05)


def test_it_listens_on_this_machine_only_and_needs_a_secret() -> None:
    with pytest.raises(ConfigurationError, match="this machine only"):
        ExchangeListener(SECRET, host="0.0.0.0")
    with pytest.raises(ConfigurationError, match="secret"):
        ExchangeListener("")


# --- unsigned and status-0 calls: a correct shop asks the order-status API ---------------


@pytest.fixture
def paid_order_in_sandbox(tmp_path) -> Iterator[tuple[PayPartsClient, str]]:
    """A sandbox holding one paid order (its own calls go nowhere), and a client for it."""
    with start_sandbox(port=0, db_path=tmp_path / "orders.sqlite3") as sandbox:
        with PayPartsClient(DEMO_SL_CODE, DEMO_SECRET, base_url=sandbox.url) as client:
            created = client.create_session(
                {
                    "returnUrl": "https://shop.nl/return",
                    "exchangeUrl": "http://127.0.0.1:9/nobody-listens",
                    "amount": {"value": 2999, "currency": "EUR"},
                }
            )
            order = client.trigger_outcome(created.session_id, "paid")
            yield client, order.order_id


def test_an_unsigned_legacy_call_is_answered_from_the_order_api(
    paid_order_in_sandbox: tuple[PayPartsClient, str],
) -> None:
    client, order_id = paid_order_in_sandbox
    with ExchangeListener(DEMO_SECRET, confirm_with=client.get_order_status) as listener:
        # What the call claims (pending) is not what the listener trusts.
        legacy = f"action=pending&order_id={order_id}&extra1=".encode()
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        answer = post(listener, legacy, form)
        assert answer.status_code == 200
        assert answer.text == "TRUE| the order-status API says 100 PAID (paid)"
        (call,) = listener.wait_for_calls(1)
    assert not call.verdict.valid
    assert call.verdict.problem == "missing-header"
    assert call.body is None  # the unsigned body was never taken as the order
    assert call.confirmed is not None
    assert call.confirmed.status_code == 100


def test_a_signed_call_with_status_zero_is_confirmed_with_the_order_api(
    paid_order_in_sandbox: tuple[PayPartsClient, str],
) -> None:
    client, order_id = paid_order_in_sandbox
    zero = json.dumps({"object": {**ORDER, "orderId": order_id, "status": {"code": 0}}}).encode()
    with ExchangeListener(
        DEMO_SECRET, key_id=DEMO_SL_CODE, confirm_with=client.get_order_status
    ) as listener:
        answer = post(listener, zero, sign_exchange(zero, DEMO_SL_CODE, DEMO_SECRET))
        (call,) = listener.wait_for_calls(1)
    assert answer.json() == {
        "result": True,
        "description": "the order-status API says 100 PAID (paid)",
    }
    assert call.confirmed is not None
    assert call.confirmed.order_id == order_id


def test_an_unsigned_call_for_an_order_the_api_does_not_know_is_refused(
    paid_order_in_sandbox: tuple[PayPartsClient, str],
) -> None:
    client, _ = paid_order_in_sandbox
    with ExchangeListener(DEMO_SECRET, confirm_with=client.get_order_status) as listener:
        answer = post(listener, b"action=new_ppt&order_id=41234567890X0000", {})
        (call,) = listener.wait_for_calls(1)
    assert answer.text.startswith("FALSE| the order-status API did not confirm order")
    assert call.confirmed is None


def test_without_confirm_with_an_unsigned_call_is_simply_refused(
    listener: ExchangeListener,
) -> None:
    answer = post(listener, b"action=new_ppt&order_id=41234567890X0000", {})
    assert answer.status_code == 403
    assert answer.json()["result"] is False
