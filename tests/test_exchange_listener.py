"""ExchangeListener over real HTTP: it answers true only to a call whose signature holds."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from payparts_helpers.client.exchange_listener import ExchangeListener
from payparts_helpers.rules.errors import ConfigurationError
from payparts_helpers.rules.exchange_signing import sign_exchange

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
