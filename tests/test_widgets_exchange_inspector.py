"""The exchange inspector: calls pasted or picked from a listener, Check clicked, output read."""

from __future__ import annotations

import json
from collections.abc import Iterator

import ipywidgets as widgets
import pytest

from payparts_helpers.checks.exchange_check import (
    HeaderFormatError,
    check_exchange_call,
    parse_headers,
)
from payparts_helpers.client.exchange_listener import ExchangeListener
from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.rules.examples import DEMO_SECRET, DEMO_SL_CODE
from payparts_helpers.rules.exchange_signing import sign_exchange
from payparts_helpers.sandbox import DEMO_MERCHANT, SandboxHandle
from payparts_helpers.widgets import ConnectionPanel, ExchangeInspector, ExplorerApp

from .test_widgets import assert_no_secret, output_text, shown_texts

SL_CODE = "SL-5555-0001"
SECRET = "inspector-marker-secret-41c7"
ORDER = {
    "id": "0a1b2c3d-0000-4000-8000-000000000001",
    "orderId": "51234567890X1a2b",
    "reference": "REF-12345",
    "status": {"code": 100, "action": "PAID"},
    "amount": {"value": 2999, "currency": "EUR"},
    "authorizedAmount": {"value": 2999, "currency": "EUR"},
    "capturedAmount": {"value": 2999, "currency": "EUR"},
}


def envelope(order: dict[str, object] = ORDER) -> bytes:
    body = {"event": "status_changed", "type": "order", "version": 1, "id": order.get("id")}
    return json.dumps({**body, "object": order}, separators=(",", ":")).encode()


BODY = envelope()


def as_lines(headers: dict[str, str]) -> str:
    return "\n".join(f"{name}: {value}" for name, value in headers.items())


def sandbox_connection() -> ConnectionPanel:
    """The embedded sandbox with the demo credentials, whatever this shell has set."""
    return ConnectionPanel(environ={})


def beta_connection() -> ConnectionPanel:
    return ConnectionPanel(
        environ={"PAYPARTS_ENV": "beta", "PAYPARTS_SL_CODE": SL_CODE, "PAYPARTS_SECRET": SECRET}
    )


def inspector_for(
    body: bytes, headers: dict[str, str], *, secret: str = SECRET, key_id: str = SL_CODE
) -> ExchangeInspector:
    """A call pasted into the form, the secret typed, then Check pressed."""
    inspector = ExchangeInspector(connection=beta_connection())
    inspector.headers.value = as_lines(headers)
    inspector.body.value = body.decode()
    inspector.secret.value = secret
    inspector.key_id.value = key_id
    inspector.check_button.click()
    return inspector


# --- pasted calls --------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["sha256", "sha512"])
def test_a_valid_call_shows_what_the_order_says(algorithm: str) -> None:
    inspector = inspector_for(BODY, sign_exchange(BODY, SL_CODE, SECRET, algorithm))
    verdict = inspector.verdict
    assert verdict is not None
    assert (verdict.valid, verdict.algorithm, verdict.key_id) == (True, algorithm, SL_CODE)
    assert inspector.result is not None
    assert inspector.result.order == ORDER
    text = output_text(inspector.output)
    assert text.startswith(f"✓ Valid {algorithm} HMAC signature by {SL_CODE}")
    assert "what it says can be trusted" in text
    assert "status 100 PAID (paid)" in text
    assert "amount 2999 (29.99 EUR)" in text
    assert "authorised (authorizedAmount) 2999 (29.99 EUR)" in text
    assert "captured (capturedAmount) 2999 (29.99 EUR)" in text
    assert "reference REF-12345" in text
    assert "orderId 51234567890X1a2b" in text
    assert f"Signature-Algorithm {algorithm}" in text
    assert "No expected key id" not in text  # one was given
    assert "Traceback" not in text


@pytest.mark.parametrize(
    ("body", "headers", "secret", "key_id", "problem", "says"),
    [
        (
            BODY.replace(b"2999", b"1"),
            sign_exchange(BODY, SL_CODE, SECRET),
            SECRET,
            SL_CODE,
            "mismatch",
            "the sha256 HMAC of the body does not match Signature",
        ),
        (
            BODY,
            sign_exchange(BODY, SL_CODE, "another-secret"),
            SECRET,
            SL_CODE,
            "mismatch",
            "or it was signed with another secret",
        ),
        (
            BODY,
            sign_exchange(BODY, SL_CODE, SECRET),
            "wrong-secret-typed-9d2e",
            SL_CODE,
            "mismatch",
            "Check that the secret is the one of the sales location in Signature-KeyID",
        ),
        (
            BODY,
            sign_exchange(BODY, "SL-9999-9999", SECRET),
            SECRET,
            SL_CODE,
            "unknown-key-id",
            f"Signature-KeyID 'SL-9999-9999' is not your key id '{SL_CODE}'",
        ),
        (
            BODY,
            {
                k: v
                for k, v in sign_exchange(BODY, SL_CODE, SECRET).items()
                if k != "Signature-KeyID"
            },
            SECRET,
            SL_CODE,
            "missing-header",
            "missing header Signature-KeyID: the call is not signed",
        ),
        (
            BODY,
            {"Content-Type": "application/json"},
            SECRET,
            SL_CODE,
            "missing-header",
            "missing header Signature-Method, Signature-KeyID, Signature",
        ),
        (
            BODY,
            {**sign_exchange(BODY, SL_CODE, SECRET), "Signature-Method": "hmac"},
            SECRET,
            SL_CODE,
            "unsupported-method",
            "treat this call as unsigned",
        ),
    ],
    ids=[
        "tampered body",
        "signed with another secret",
        "wrong secret typed",
        "wrong key id",
        "missing header",
        "unsigned",
        "method not exactly HMAC",
    ],
)
def test_a_call_that_does_not_verify_says_why_and_shows_nothing_of_the_body(
    body: bytes, headers: dict[str, str], secret: str, key_id: str, problem: str, says: str
) -> None:
    inspector = inspector_for(body, headers, secret=secret, key_id=key_id)
    verdict = inspector.verdict
    assert verdict is not None
    assert (verdict.valid, verdict.problem) == (False, problem)
    assert inspector.result is not None
    assert inspector.result.order is None  # an unverified body is never read
    text = output_text(inspector.output)
    assert text.startswith(f"✗ Signature not valid ({problem})")
    assert says in text
    assert "What to do:" in text
    assert "The body was not read" in text
    assert "What the call says" not in text
    assert "51234567890X1a2b" not in text
    assert "REF-12345" not in text
    assert_no_secret(SL_CODE, secret, inspector)


def test_a_newline_added_by_copying_is_named() -> None:
    inspector = inspector_for(BODY + b"\n", sign_exchange(BODY, SL_CODE, SECRET))
    assert inspector.verdict is not None
    assert inspector.verdict.problem == "mismatch"  # the bytes as pasted do not verify
    assert "verifies without the whitespace or newline" in output_text(inspector.output)
    inspector.body.value = BODY.decode()
    inspector.check_button.click()
    assert inspector.verdict.valid


@pytest.mark.parametrize(
    ("headers", "body", "fields", "says"),
    [
        ("", BODY.decode(), ["headers"], "paste the call's headers"),
        ("   \n ", BODY.decode(), ["headers"], "paste the call's headers"),
        (
            "Signature-Method HMAC\nSignature: abc",
            BODY.decode(),
            ["headers"],
            "line 1 ('Signature-Method HMAC') is not Name: value",
        ),
        ('{"Signature": "abc",}', BODY.decode(), ["headers"], "look like JSON but do not parse"),
        ('{"Signature": 12}', BODY.decode(), ["headers"], "is not text"),
        ("POST /exchange HTTP/1.1", BODY.decode(), ["headers"], "no header found"),
        (as_lines(sign_exchange(BODY, SL_CODE, SECRET)), "", ["body"], "paste the call's raw body"),
        ("", "", ["headers", "body"], "2 fields to fix first"),
    ],
    ids=[
        "no headers",
        "blank headers",
        "unparseable lines",
        "broken JSON",
        "JSON value not text",
        "request line only",
        "empty body",
        "nothing",
    ],
)
def test_bad_input_names_the_field(headers: str, body: str, fields: list[str], says: str) -> None:
    inspector = ExchangeInspector(connection=beta_connection())
    inspector.headers.value = headers
    inspector.body.value = body
    inspector.secret.value = SECRET
    inspector.check_button.click()
    assert inspector.result is not None
    assert inspector.verdict is None
    assert [problem.field for problem in inspector.result.problems] == fields
    text = output_text(inspector.output)
    assert text.startswith("✗ Not checked:")
    assert says in text
    for name in fields:
        assert f"{name}:" in text


def test_headers_as_json_or_as_a_copied_request_head_verify_alike() -> None:
    signed = sign_exchange(BODY, SL_CODE, SECRET)
    lowered = {name.lower(): value for name, value in signed.items()}  # names in any case
    head = "POST /exchange HTTP/1.1\nHost: 127.0.0.1:9000\n" + as_lines(lowered) + "\n"
    assert parse_headers(head)["signature-keyid"] == SL_CODE
    assert parse_headers(json.dumps(signed)) == signed
    for pasted in (head, json.dumps(signed)):
        assert check_exchange_call(pasted, BODY, SECRET, SL_CODE).valid
    with pytest.raises(HeaderFormatError, match="line 2"):
        parse_headers("Signature: abc\nno colon here")


def test_a_valid_signature_over_a_body_that_is_no_exchange_is_said_so() -> None:
    body = b'{"no": "object"}'
    inspector = inspector_for(body, sign_exchange(body, SL_CODE, SECRET))
    assert inspector.verdict is not None
    assert inspector.verdict.valid
    text = output_text(inspector.output)
    assert "has no object (the order) at its top level" in text
    assert '{"result": false} (HTTP 400)' in text


def test_status_code_0_sends_the_shop_to_the_order_status_api() -> None:
    body = envelope({**ORDER, "status": {"code": 0, "action": "UNKNOWN"}})
    text = output_text(inspector_for(body, sign_exchange(body, SL_CODE, SECRET)).output)
    assert "status 0 (not a status Pay.nl's SDK accepts)" in text
    assert "asks the order-status API" in text


def test_without_an_expected_key_id_the_inspector_says_to_check_it() -> None:
    inspector = inspector_for(BODY, sign_exchange(BODY, SL_CODE, SECRET), key_id="")
    assert inspector.verdict is not None
    assert inspector.verdict.valid
    assert f"check that Signature-KeyID ({SL_CODE}) is your SL code" in output_text(
        inspector.output
    )


# --- the secret ----------------------------------------------------------------------------------


def test_the_demo_secret_is_used_only_for_the_sandbox() -> None:
    signed = sign_exchange(BODY, DEMO_SL_CODE, DEMO_SECRET)
    sandbox = ExchangeInspector(connection=sandbox_connection(), key_id=DEMO_SL_CODE)
    assert sandbox.secret.value == ""  # never put into the widget's state
    assert sandbox.secret.placeholder == "demo secret (published by Pay.nl)"
    sandbox.headers.value, sandbox.body.value = as_lines(signed), BODY.decode()
    assert sandbox.submit().valid

    beta = ExchangeInspector(connection=beta_connection(), key_id=DEMO_SL_CODE)
    assert beta.secret.placeholder == "type the sales location's secret"
    assert beta.current_secret() == ""  # neither the demo secret nor PAYPARTS_SECRET
    beta.headers.value, beta.body.value = as_lines(signed), BODY.decode()
    beta.check_button.click()
    assert beta.verdict is None
    assert [p.field for p in beta.result.problems] == ["secret"]
    assert "secret: type the secret of the sales location" in output_text(beta.output)

    # The connection decides, as it changes: beta selected there, no demo secret here.
    connection = sandbox_connection()
    follows = ExchangeInspector(connection=connection)
    assert follows.current_secret() == DEMO_SECRET
    connection.environment.value = "beta"
    assert follows.current_secret() == ""
    assert follows.secret.placeholder == "type the sales location's secret"


def test_the_secret_never_shows_in_output_html_text_or_repr() -> None:
    valid = inspector_for(BODY, sign_exchange(BODY, SL_CODE, SECRET))
    assert valid.verdict is not None
    assert valid.verdict.valid
    refused = inspector_for(BODY, sign_exchange(BODY, SL_CODE, "other"))
    unchecked = ExchangeInspector(connection=beta_connection())
    unchecked.secret.value = SECRET
    unchecked.check_button.click()
    for inspector in (valid, refused, unchecked):
        assert SECRET not in repr(inspector)
        assert SECRET not in repr(inspector.result)
        assert_no_secret(SL_CODE, SECRET, inspector)
    assert any("Signature" in text for text in shown_texts(valid))  # the check did read


def test_a_secret_pasted_inside_the_body_is_masked_in_what_is_shown() -> None:
    body = envelope({**ORDER, "reference": f"ref-{SECRET}"})
    inspector = inspector_for(body, sign_exchange(body, SL_CODE, SECRET))
    assert inspector.verdict is not None
    assert inspector.verdict.valid
    shown = json.dumps([entry["data"] for entry in inspector.output.outputs])  # HTML and text
    assert "reference ref-***" in output_text(inspector.output)
    assert SECRET not in shown
    assert SECRET not in repr(inspector.result)


def test_edits_after_a_check_are_marked_and_a_refusal_goes() -> None:
    inspector = inspector_for(BODY, sign_exchange(BODY, SL_CODE, SECRET))
    inspector.key_id.value = "SL-0000-0000"
    text = output_text(inspector.output)
    assert text.startswith("ℹ The fields have changed since this check")
    assert "✓ Valid" in text  # the answer stays readable under the note
    inspector.key_id.value = SL_CODE
    assert output_text(inspector.output).startswith("✓ Valid")
    inspector.body.value = ""
    inspector.check_button.click()
    assert "✗ Not checked" in output_text(inspector.output)
    inspector.body.value = BODY.decode()
    assert output_text(inspector.output).startswith("ℹ Paste the headers")


# --- calls received by a real listener from a real sandbox ---------------------------------------


@pytest.fixture
def received(sandbox: SandboxHandle) -> Iterator[tuple[ExchangeListener, str]]:
    """A listener that received the sandbox's calls for one paid session, and its orderId."""
    with (
        PayPartsClient(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, sandbox.url) as client,
        ExchangeListener(DEMO_MERCHANT.secret, key_id=DEMO_MERCHANT.sl_code) as listener,
    ):
        created = client.create_session(
            {
                "returnUrl": "https://shop.nl/return",
                "exchangeUrl": listener.url,
                "amount": {"value": 2999, "currency": "EUR"},
                "reference": "REF-12345",
            }
        )
        order = client.trigger_outcome(created.session_id, "paid")
        listener.wait_for_calls(2)
        yield listener, order.order_id


def test_picking_a_received_call_checks_its_raw_bytes(
    received: tuple[ExchangeListener, str],
) -> None:
    listener, order_id = received
    inspector = ExchangeInspector(
        listener, connection=sandbox_connection(), key_id=DEMO_MERCHANT.sl_code
    )
    labels = [label for label, _ in inspector.calls.options]
    assert labels[0] == "(paste a call below)"
    assert len(labels) == 3
    assert "valid · 20 PENDING" in labels[1]
    assert "valid · 100 PAID" in labels[2]
    # The newest call is picked at once, its headers and body filled in and checked.
    assert inspector.calls.value == 1
    assert inspector.body_bytes() == listener.calls[1].raw_body
    assert "Signature-KeyID: SL-1234-4321" in inspector.headers.value
    assert inspector.verdict is not None
    assert inspector.verdict.valid
    text = output_text(inspector.output)
    assert "status 100 PAID (paid)" in text
    assert f"orderId {order_id}" in text
    assert "reference REF-12345" in text
    assert "captured (capturedAmount) 2999 (29.99 EUR)" in text

    inspector.calls.value = 0  # the first call: the order while it was pending
    assert inspector.body_bytes() == listener.calls[0].raw_body
    text = output_text(inspector.output)
    assert "status 20 PENDING (pending)" in text
    assert "captured (capturedAmount) 0 (0.00 EUR)" in text

    inspector.body.value = inspector.body.value.replace("2999", "1", 1)  # tampered after picking
    inspector.check_button.click()
    assert inspector.verdict.problem == "mismatch"
    assert_no_secret(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, inspector)


def test_refresh_offers_calls_received_later_and_keeps_the_fields(
    received: tuple[ExchangeListener, str],
) -> None:
    listener, _ = received
    inspector = ExchangeInspector(listener, connection=sandbox_connection(), headers="X: 1")
    assert inspector.calls.value == -1  # something was given: nothing is picked over it
    assert inspector.headers.value == "X: 1"
    inspector.calls.value = 0
    edited = inspector.body.value + " "
    inspector.body.value = edited
    inspector.refresh_button.click()
    assert len(inspector.calls.options) == 3
    assert inspector.calls.value == 0
    assert inspector.body.value == edited  # re-offering the calls did not re-pick


# --- the explorer --------------------------------------------------------------------------------


def test_the_explorer_has_the_inspector_as_a_tab_on_its_connection() -> None:
    app = ExplorerApp()
    assert app.tabs.titles == (
        "Create session",
        "Get session",
        "Token inspector",
        "Exchange inspector",
    )
    assert app.tabs.children[3] is app.exchange.widget
    assert app.exchange.connection is app.connection
    assert isinstance(app.exchange.secret, widgets.Password)
    assert app.exchange.listener is None
    assert app.exchange.calls.options == (("(paste a call below)", -1),)


def test_nothing_is_printed_to_the_cells_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    inspector_for(BODY, sign_exchange(BODY, SL_CODE, SECRET))
    inspector_for(BODY, {"X": "1"})
    ExchangeInspector(connection=beta_connection()).submit()
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")
