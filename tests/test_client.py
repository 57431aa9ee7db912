"""PayPartsClient against the real sandbox over loopback: results, errors, history, secrecy."""

from __future__ import annotations

import base64
import logging
import socket

import pytest

from payparts_helpers.client.payparts_client import USER_AGENT, PayPartsClient
from payparts_helpers.rules import examples
from payparts_helpers.rules.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidSessionIdError,
    NotFoundError,
    PayPartsError,
    RequestRejectedError,
    TransportError,
)
from payparts_helpers.rules.resources import CreatedSession, SessionDetails
from payparts_helpers.rules.session_request import (
    Address,
    Amount,
    Customer,
    Order,
    Product,
    SessionRequest,
)
from payparts_helpers.rules.session_token import decode_session_token
from payparts_helpers.sandbox import DEMO_MERCHANT, SandboxHandle

from .conftest import OTHER_MERCHANT


def test_create_then_get_returns_what_was_sent(client: PayPartsClient) -> None:
    sent = examples.full_request()
    created = client.create_session(sent)
    assert isinstance(created, CreatedSession)
    assert created.elapsed > 0
    assert created.raw == {"sessionId": created.session_id, "sessionToken": created.session_token}
    details = client.get_session(created.session_id)
    assert isinstance(details, SessionDetails)
    assert details.session_id == created.session_id
    assert details.session_token == created.session_token
    assert (details.amount, details.customer, details.order) == (
        sent["amount"],
        sent["customer"],
        sent["order"],
    )
    assert decode_session_token(details.session_token).merchant_name == "Demo Shop"


def test_minimum_example_has_no_customer_or_order(client: PayPartsClient) -> None:
    details = client.get_session(client.create_session(examples.minimum_request()).session_id)
    assert details.amount == {"value": 100, "currency": "EUR"}
    assert details.customer is None
    assert details.order is None


def test_typed_request_is_sent_in_contract_shape(client: PayPartsClient) -> None:
    request = SessionRequest(
        return_url="https://shop.nl/return",
        exchange_url="https://shop.nl/exchange",
        amount=Amount(1998),
        customer=Customer(locale="nl", address=Address(house_number="12A", country="NL")),
        order=Order([Product("B", 2, 999, 1998, "PROD-002", 21)], shipping_costs=0),
    )
    details = client.get_session(client.create_session(request).session_id)
    assert details.customer == {"locale": "nl", "address": {"houseNumber": "12A", "country": "NL"}}
    assert details.order == {
        "products": [
            {
                "description": "B",
                "quantity": 2,
                "unitPrice": 999,
                "total": 1998,
                "productId": "PROD-002",
                "vatPercentage": 21,
            }
        ],
        "shippingCosts": 0,
    }


def test_callers_dict_is_not_modified(client: PayPartsClient) -> None:
    sent = examples.full_request()
    client.create_session(sent)
    assert sent == examples.full_request()


def test_rejected_request_lists_each_violation(client: PayPartsClient) -> None:
    body = examples.full_request()
    body["amount"]["value"] = 29.99
    del body["returnUrl"]
    with pytest.raises(RequestRejectedError) as caught:
        client.create_session(body)
    error = caught.value
    assert error.status_code == 422
    assert [v.path for v in error.violations] == ["amount.value", "returnUrl"]
    assert "amount.value: must be an integer" in str(error)
    assert "returnUrl: is required" in str(error)
    assert '"violations"' in (error.raw_body or "")


def test_wrong_secret_is_an_authentication_error_without_the_secret(
    sandbox: SandboxHandle,
) -> None:
    wrong = "definitely-wrong-secret-123"
    with PayPartsClient(DEMO_MERCHANT.sl_code, wrong, sandbox.url) as client:
        with pytest.raises(AuthenticationError) as caught:
            client.create_session(examples.minimum_request())
        encoded = base64.b64encode(f"{DEMO_MERCHANT.sl_code}:{wrong}".encode()).decode()
        texts = [
            str(caught.value),
            repr(caught.value),
            caught.value.raw_body or "",
            client.history_frame().to_string(),
            repr(client),
        ]
        for text in texts:
            assert wrong not in text
            assert encoded not in text
        assert caught.value.status_code == 401
        # Said once, with the credentials sent; no environment variables it never read.
        assert str(caught.value) == (
            "POST /v1/session/start → 401 Unauthorized: the SL code or secret was refused "
            "(SL code SL-1234-4321)."
        )


def test_a_refusal_names_where_the_credentials_came_from(sandbox: SandboxHandle) -> None:
    environ = {
        "PAYPARTS_BASE_URL": sandbox.url,
        "PAYPARTS_SL_CODE": DEMO_MERCHANT.sl_code,
        "PAYPARTS_SECRET": "wrong-from-the-environment",
    }
    with PayPartsClient.from_env(environ) as client:
        assert (
            client.credentials_source == "PAYPARTS_SL_CODE / PAYPARTS_SECRET from the environment"
        )
        with pytest.raises(AuthenticationError) as caught:
            client.get_session("0" * 32)
    assert str(caught.value).endswith(
        "refused (SL code SL-1234-4321, PAYPARTS_SL_CODE / PAYPARTS_SECRET from the environment)."
    )
    with PayPartsClient.from_env({}) as demo:
        assert demo.credentials_source == "the sandbox's demo credentials"
        assert demo.uses_demo_credentials
    typed = PayPartsClient("SL-1", "s", sandbox.url, credentials_source="the secret typed in")
    assert typed.credentials_source == "the secret typed in"
    assert not typed.uses_demo_credentials
    typed.close()


def test_unknown_and_foreign_sessions_are_not_found(
    client: PayPartsClient, sandbox: SandboxHandle
) -> None:
    with PayPartsClient(OTHER_MERCHANT.sl_code, OTHER_MERCHANT.secret, sandbox.url) as other:
        theirs = other.create_session(examples.minimum_request()).session_id
    for session_id in (theirs, "0" * 32):
        with pytest.raises(NotFoundError) as caught:
            client.get_session(session_id)
        assert caught.value.status_code == 404


def test_an_uppercase_copy_of_an_id_gets_a_hint(client: PayPartsClient) -> None:
    created = client.create_session(examples.minimum_request())
    with pytest.raises(NotFoundError) as caught:
        client.get_session(created.session_id.upper())
    assert caught.value.status_code == 404
    assert f"try {created.session_id!r}" in str(caught.value)
    with pytest.raises(NotFoundError) as lower_case:
        client.get_session("0" * 32)
    assert "capital" not in str(lower_case.value)  # no hint where it cannot be the cause


@pytest.mark.parametrize(
    "session_id", ["../etc/passwd", "a/b", "abc?x=1", "a" * 129, "", "id with space", "%2e%2e", 42]
)
def test_unsafe_session_ids_are_refused_before_any_request(
    client: PayPartsClient, session_id: object
) -> None:
    with pytest.raises(InvalidSessionIdError, match="No request was sent"):
        client.get_session(session_id)  # type: ignore[arg-type]
    assert client.history_frame().empty


def test_history_records_each_call_redacted(client: PayPartsClient) -> None:
    created = client.create_session(examples.minimum_request())
    client.get_session(created.session_id)
    with pytest.raises(NotFoundError):
        client.get_session("f" * 32)
    frame = client.history_frame()
    assert list(frame.columns) == [
        "at",
        "method",
        "path",
        "status",
        "elapsed_ms",
        "session_id",
        "request",
        "response",
        "error",
    ]
    assert list(frame["method"]) == ["POST", "GET", "GET"]
    assert list(frame["status"]) == [201, 200, 404]
    assert list(frame["session_id"]) == [created.session_id, created.session_id, "f" * 32]
    assert frame["request"][0] == examples.minimum_request()
    assert frame["response"][1]["sessionToken"] == created.session_token
    assert (frame["elapsed_ms"] > 0).all()
    assert "404" in frame["error"][2]


def test_a_secret_inside_a_body_is_masked_in_history(sandbox: SandboxHandle) -> None:
    with PayPartsClient(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, sandbox.url) as client:
        body = examples.minimum_request()
        body["description"] = f"oops {DEMO_MERCHANT.secret}"
        client.create_session(body)
        assert DEMO_MERCHANT.secret not in client.history_frame().to_string()
        assert client.history_frame()["request"][0]["description"] == "oops ***"


def test_a_secret_echoed_in_an_answer_is_masked_where_it_is_shown(
    sandbox: SandboxHandle,
) -> None:
    """An answer holding a secret is masked before the caller gets it (reprs show fields)."""
    with PayPartsClient(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, sandbox.url) as client:
        body = examples.full_request()
        body["customer"]["lastName"] = f"echo {DEMO_MERCHANT.secret}"
        details = client.get_session(client.create_session(body).session_id)
        assert details.customer["lastName"] == "echo ***"
        shown = client.history_frame()
        assert shown["response"][1]["customer"]["lastName"] == "echo ***"
        for text in (shown.to_string(), repr(details), str(details)):
            assert DEMO_MERCHANT.secret not in text


def test_history_keeps_what_was_sent_not_what_the_dict_became(client: PayPartsClient) -> None:
    body = examples.minimum_request()
    client.create_session(body)
    body["description"] = "changed after the call"
    assert client.history_frame()["request"][0] == examples.minimum_request()


def test_a_call_that_never_reached_a_server_is_masked_in_history() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    with PayPartsClient(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, url) as client:
        body = examples.minimum_request()
        body["description"] = f"typed {DEMO_MERCHANT.secret}"
        with pytest.raises(TransportError):
            client.create_session(body)
        frame = client.history_frame()
    assert frame["request"][0]["description"] == "typed ***"
    assert DEMO_MERCHANT.secret not in frame.to_string()


def test_repr_and_str_never_show_the_secret(client: PayPartsClient) -> None:
    for text in (repr(client), str(client)):
        assert DEMO_MERCHANT.secret not in text
        assert DEMO_MERCHANT.sl_code in text
    created = client.create_session(examples.minimum_request())
    details = client.get_session(created.session_id)
    for result in (created, details):
        assert DEMO_MERCHANT.secret not in repr(result)


def test_requests_carry_accept_and_user_agent(client: PayPartsClient) -> None:
    assert USER_AGENT.startswith("payparts-helpers/")
    created = client.create_session(examples.minimum_request())
    assert client._http.headers["User-Agent"] == USER_AGENT
    assert client._http.headers["Accept"] == "application/json"
    assert created.session_id


def test_debug_logging_never_carries_credentials(
    client: PayPartsClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        client.create_session(examples.minimum_request())
        with pytest.raises(PayPartsError):
            client.get_session("0" * 32)
    encoded = base64.b64encode(f"{DEMO_MERCHANT.sl_code}:{DEMO_MERCHANT.secret}".encode())
    assert caplog.records, "the client logs its calls at DEBUG"
    for record in caplog.records:
        assert DEMO_MERCHANT.secret not in record.getMessage()
        assert encoded.decode() not in record.getMessage()


@pytest.mark.parametrize(
    ("base_url", "reason"),
    [
        ("http://zero-parts.pay.nl", "plain http"),
        ("http://10.0.0.5:8765", "plain http"),
        ("ftp://127.0.0.1", "absolute http"),
        ("zero-parts.pay.nl", "absolute http"),
        ("https://user:pw@zero-parts.pay.nl", "must not carry credentials"),
    ],
)
def test_unsafe_base_urls_are_refused(base_url: str, reason: str) -> None:
    with pytest.raises(ConfigurationError, match=reason):
        PayPartsClient("SL-1", "secret", base_url)


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8765", "http://localhost:8765/", "http://[::1]:8765", "https://x.pay.nl"],
)
def test_loopback_http_and_any_https_are_allowed(base_url: str) -> None:
    assert PayPartsClient("SL-1", "secret", base_url).base_url == base_url.rstrip("/")


def test_missing_credentials_are_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="SL code and a secret"):
        PayPartsClient("", "secret", "https://zero-parts.pay.nl")
