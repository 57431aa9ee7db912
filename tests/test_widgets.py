"""The widget forms against a real sandbox: values in, button clicked, outputs read as text."""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import ipywidgets as widgets
import pytest

from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.rules import examples
from payparts_helpers.rules.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidSessionIdError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TokenDecodeError,
    UnexpectedResponseError,
)
from payparts_helpers.rules.resources import CreatedSession, SessionDetails
from payparts_helpers.sandbox import DEMO_MERCHANT, SandboxHandle, start_sandbox
from payparts_helpers.widgets import (
    ConnectionPanel,
    CreateSessionForm,
    GetSessionForm,
    NotSentError,
    TokenInspector,
    sent_registry,
)

from .conftest import OTHER_MERCHANT

# --- reading what the forms show, the way a person (or nbval) would see it -----------------------

_TAG = re.compile(r"<[^>]+>")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([:;,.)])")


def _squeeze(text: str) -> str:
    """One space between words, none before punctuation left by removed tags."""
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(text.split()))


def output_text(output: widgets.Output) -> str:
    """Everything an Output shows: stream text, and the text of HTML and plain displays."""
    return entries_text(output.outputs)


def entries_text(entries: Any) -> str:
    parts: list[str] = []
    for entry in entries:
        if entry.get("output_type") == "stream":
            parts.append(entry["text"])
            continue
        data = entry.get("data", {})
        if "text/html" in data:
            parts.append(html.unescape(_TAG.sub(" ", data["text/html"])))
        if "text/plain" in data:
            parts.append(data["text/plain"])
    return _squeeze(" ".join(parts))


def html_text(value: str) -> str:
    return _squeeze(html.unescape(_TAG.sub(" ", value)))


def _walk(widget: Any) -> Iterator[Any]:
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from _walk(child)


_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def shown_texts(*roots: Any, snippets: bool = True) -> Iterator[str]:
    """Every text a form exposes: reprs, widget values (not the Password's) and outputs.

    ``snippets=False`` leaves out the "Reproduce this call" tab (the only widget a form
    shows inside its output): for the sandbox's demo credentials, which it carries on
    purpose. Containers' reprs (which repeat their contents, the tab included) are then
    left out too; every child is still read on its own.
    """
    for root in roots:
        yield repr(root)
        widget = getattr(root, "widget", root)
        extra = [getattr(root, "snippets_tab", None)] if snippets else []
        for node in [*_walk(widget), *(w for e in extra if e for w in _walk(e))]:
            if snippets or not isinstance(node, widgets.Box | widgets.Output):
                yield repr(node)
            if isinstance(node, widgets.Password):
                continue
            if isinstance(node, widgets.Output):
                entries = [
                    e for e in node.outputs if snippets or _WIDGET_VIEW not in e.get("data", {})
                ]
                yield json.dumps(entries, ensure_ascii=False)
                yield entries_text(entries)
            value = getattr(node, "value", None)
            if isinstance(value, str):
                yield value
        for name in ("error", "result"):
            yield repr(getattr(root, name, None))
            yield str(getattr(root, name, None))


def secret_forms(sl_code: str, secret: str) -> list[str]:
    encoded = base64.b64encode(f"{sl_code}:{secret}".encode()).decode()
    return [secret, encoded, encoded.rstrip("=")]


def assert_no_secret(sl_code: str, secret: str, *roots: Any, snippets: bool = True) -> None:
    texts = list(shown_texts(*roots, snippets=snippets))
    assert texts, "nothing was collected"
    for form in secret_forms(sl_code, secret):
        leaks = [t for t in texts if form in t]
        assert not leaks, f"secret form {form[:4]}… shown in {leaks[0][:200]!r}"


WRONG_SECRET = "wrong-secret-NOT-to-be-shown"


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    sent_registry.clear()
    yield
    sent_registry.clear()


def panel_for(sandbox: SandboxHandle, secret: str = DEMO_MERCHANT.secret) -> ConnectionPanel:
    panel = ConnectionPanel(environ={})
    panel.base_url.value = sandbox.url
    panel.secret.value = secret
    return panel


def calls(client: PayPartsClient) -> int:
    return len(client.history_frame())


# --- ConnectionPanel -----------------------------------------------------------------------------


def test_connection_defaults_to_the_embedded_sandbox_with_demo_credentials() -> None:
    panel = ConnectionPanel(environ={})
    assert panel.environment.value == "sandbox"
    assert (panel.sl_code.value, panel.current_secret()) == (
        DEMO_MERCHANT.sl_code,
        "your-secret-key",
    )
    assert isinstance(panel.secret, widgets.Password)
    assert panel.secret.value == ""  # configured secrets never enter the widget's state
    assert panel.secret.placeholder == "demo secret (published by Pay.nl)"
    assert panel.uses_embedded_sandbox
    target = html_text(panel.target.value)
    assert target == (
        "ℹ Requests go to the embedded local sandbox (started on first use) as "
        "SL-1234-4321 with the sandbox's demo credentials."
    )
    assert panel.test_button.description == "Test connection"
    panel.test_button.click()
    assert panel.result is True
    assert panel.error is None
    text = output_text(panel.output)
    assert "Connected to the embedded local sandbox at http://127.0.0.1:" in text
    assert "as SL-1234-4321" in text
    assert_no_secret(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, panel)


def test_connection_to_a_sandbox_url_succeeds(sandbox: SandboxHandle) -> None:
    panel = panel_for(sandbox)
    assert panel.submit() is True
    assert f"Connected to {sandbox.url} as SL-1234-4321" in output_text(panel.output)
    assert panel.client().base_url == sandbox.url


def test_wrong_secret_is_refused_readably_and_never_shown(sandbox: SandboxHandle) -> None:
    panel = panel_for(sandbox, WRONG_SECRET)
    panel.test_button.click()
    assert panel.result is False
    assert isinstance(panel.error, AuthenticationError)
    text = output_text(panel.output)
    assert text.startswith("✗ Credentials refused (HTTP 401)")  # what happened, no class name
    assert "AuthenticationError" not in text
    # said once, naming where the secret came from: the form, not the environment
    plain = panel.output.outputs[0]["data"]["text/plain"]  # the message as one reads it
    assert plain.count("the SL code or secret was refused") == 1
    assert "the SL code or secret was refused (SL code SL-1234-4321, the secret typed" in text
    assert "PAYPARTS_" not in text
    assert "What to do next: Retype the secret (it is case-sensitive)." in text
    assert "Empty the secret field to use the sandbox's demo secret." in text
    assert "Traceback" not in text
    target = html_text(panel.target.value)
    assert target.endswith("as SL-1234-4321 with the secret typed into the form.")
    assert "demo credentials" not in target
    assert_no_secret(DEMO_MERCHANT.sl_code, WRONG_SECRET, panel)


def test_a_secret_from_the_environment_is_named_when_refused(sandbox: SandboxHandle) -> None:
    panel = ConnectionPanel(
        environ={
            "PAYPARTS_BASE_URL": sandbox.url,
            "PAYPARTS_SL_CODE": DEMO_MERCHANT.sl_code,
            "PAYPARTS_SECRET": WRONG_SECRET,
        }
    )
    assert html_text(panel.target.value).endswith(
        "as SL-1234-4321 with PAYPARTS_SL_CODE / PAYPARTS_SECRET from the environment."
    )
    assert panel.submit() is False
    text = output_text(panel.output)
    assert "refused (SL code SL-1234-4321, PAYPARTS_SL_CODE / PAYPARTS_SECRET from" in text
    assert "What to do next: Correct PAYPARTS_SL_CODE / PAYPARTS_SECRET" in text
    assert "typed into the form" not in text
    assert_no_secret(DEMO_MERCHANT.sl_code, WRONG_SECRET, panel)


def test_a_sandbox_without_the_demo_merchant_says_so(tmp_path: Path) -> None:
    with start_sandbox(db_path=tmp_path / "own.sqlite3", merchants=[OTHER_MERCHANT]) as own:
        panel = ConnectionPanel(environ={})
        panel.base_url.value = own.url
        assert panel.submit() is False
    text = output_text(panel.output)
    assert "refused (SL code SL-1234-4321, the sandbox's demo credentials)" in text
    assert "This sandbox does not know the demo sales location" in text


def test_production_needs_the_confirmation_before_anything_is_sent() -> None:
    panel = ConnectionPanel(
        environ={
            "PAYPARTS_ENV": "production",
            "PAYPARTS_SL_CODE": "SL-0000-0001",
            "PAYPARTS_SECRET": "prod-secret-value",
        }
    )
    assert panel.environment.value == "production"
    assert panel.confirm_production.description == "I understand this talks to production"
    assert panel.confirm_production.layout.display == ""
    assert panel.submit() is False
    assert isinstance(panel.error, ConfigurationError)
    assert panel._client is None  # no client was even built, so nothing was sent
    text = output_text(panel.output)
    assert 'tick "I understand this talks to production" first' in text
    assert "Not sent" in text
    with pytest.raises(ConfigurationError):
        panel.client()
    panel.confirm_production.value = True
    assert panel.client().base_url == "https://parts.pay.nl"
    assert_no_secret("SL-0000-0001", "prod-secret-value", panel)


def test_switching_environment_never_carries_demo_credentials_away() -> None:
    panel = ConnectionPanel(environ={})
    panel.environment.value = "beta"
    assert (panel.sl_code.value, panel.current_secret()) == ("", "")
    assert "zero-parts.pay.nl" in html_text(panel.target.value)
    with pytest.raises(ConfigurationError, match="SL code and a secret"):
        panel.client()
    panel.environment.value = "production"
    panel.confirm_production.value = True
    panel.environment.value = "sandbox"
    assert panel.confirm_production.value is False
    assert panel.confirm_production.layout.display == "none"
    assert (panel.sl_code.value, panel.current_secret()) == (
        DEMO_MERCHANT.sl_code,
        "your-secret-key",
    )


def test_connection_reads_the_environment_and_caches_the_client(sandbox: SandboxHandle) -> None:
    panel = ConnectionPanel(
        environ={
            "PAYPARTS_ENV": "beta",
            "PAYPARTS_SL_CODE": "SL-1111-2222",
            "PAYPARTS_SECRET": "beta-secret",
            "PAYPARTS_BASE_URL": sandbox.url,
        }
    )
    assert panel.environment.value == "beta"
    assert (panel.sl_code.value, panel.current_secret()) == ("SL-1111-2222", "beta-secret")
    assert panel.secret.value == ""
    assert panel.secret.placeholder == "from PAYPARTS_SECRET"
    assert panel.base_url.value == sandbox.url
    first = panel.client()
    assert panel.client() is first
    assert first.environment == "beta"
    panel.sl_code.value, panel.secret.value = DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret
    second = panel.client()
    assert second is not first
    assert second.sl_code == DEMO_MERCHANT.sl_code
    assert "beta-secret" not in repr(panel)


def test_unknown_environment_falls_back_to_the_sandbox_with_a_note() -> None:
    panel = ConnectionPanel(environ={"PAYPARTS_ENV": "staging"})
    assert panel.environment.value == "sandbox"
    assert "'staging' is not one of sandbox, beta, production" in output_text(panel.output)


# --- CreateSessionForm: the happy path, then GetSessionForm --------------------------------------


def test_create_with_defaults_then_get_shows_no_differences(client: PayPartsClient) -> None:
    form = CreateSessionForm(client=client)
    assert form.create_button.description == "Create session"
    assert not form.create_button.disabled
    assert [f for f in form.findings if f.level == "error"] == []
    form.create_button.click()
    assert form.error is None
    created = form.result
    assert isinstance(created, CreatedSession)
    assert form.sent == form.request()
    assert form.sent["amount"] == {"value": 2999, "currency": "EUR"}
    assert sent_registry.sent_request(created.session_id) == form.sent
    text = output_text(form.output)
    assert "HTTP 201: session created in" in text
    assert created.session_id in text
    assert '"merchantName": "Demo Shop"' in text
    assert "The token agrees with the session id and the amount sent." in text
    assert "Order lines" in text
    assert "€ 29,99" in text
    assert "Reconciliation" in text
    assert "Traceback" not in text
    assert form.snippets_tab is not None
    assert form.snippets_tab.titles == ("curl", "Python", "PHP")
    curl = html_text(form.snippets_tab.children[0].value)
    assert f"curl -sS -X POST {client.base_url}/v1/session/start" in curl
    # The sandbox's published demo credentials are in its snippets, said to be so, so that
    # they run as pasted (tests/test_snippets_as_displayed.py runs them).
    assert "-u SL-1234-4321:your-secret-key" in curl
    assert "the sandbox's public demo credentials" in curl

    get = GetSessionForm(client=client)
    assert get.get_button.description == "Get session"
    assert created.session_id in get.session_id.options
    get.session_id.value = created.session_id
    get.get_button.click()
    assert get.error is None
    assert isinstance(get.result, SessionDetails)
    assert get.result.session_id == created.session_id
    assert get.diff is not None
    assert get.diff
    assert all(row.same for row in get.diff)
    assert {row.path for row in get.diff} >= {"amount.value", "order.products[0].total"}
    text = output_text(get.output)
    assert "no differences" in text
    assert "€ 29,99" in text
    assert "The token agrees with the session (id and amount)." in text
    assert get.snippets_tab is not None
    assert f"/v1/session/{created.session_id}" in html_text(get.snippets_tab.children[0].value)
    # Everywhere but in the snippets, which carry the published demo credentials on purpose.
    assert_no_secret(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, form, get, snippets=False)


def test_create_through_a_connection_panel(sandbox: SandboxHandle) -> None:
    panel = panel_for(sandbox)
    form = CreateSessionForm(connection=panel)
    form.first_name.value = "John"
    form.city.value = "Amsterdam"
    created = form.submit()
    assert isinstance(created, CreatedSession)
    assert form.sent["customer"] == {"firstName": "John", "address": {"city": "Amsterdam"}}
    get = GetSessionForm(connection=panel, session_id=created.session_id)
    details = get.submit()
    assert details is not None
    assert details.customer == {"firstName": "John", "address": {"city": "Amsterdam"}}
    assert "customer.address.city" in output_text(get.output)
    # The snippets carry the published demo credentials on purpose; nothing else shows them.
    assert_no_secret(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, form, get, panel, snippets=False)


def test_form_and_connection_cannot_both_be_given(client: PayPartsClient) -> None:
    with pytest.raises(TypeError):
        CreateSessionForm(connection=ConnectionPanel(environ={}), client=client)
    with pytest.raises(TypeError):
        GetSessionForm(connection=ConnectionPanel(environ={}), client=client)


def test_a_form_without_arguments_shows_its_own_connection_panel() -> None:
    form = CreateSessionForm()
    assert isinstance(form.connection, ConnectionPanel)
    accordion = form.widget.children[0]
    assert isinstance(accordion, widgets.Accordion)
    assert accordion.children[0] is form.connection.widget
    bundle = form._repr_mimebundle_()
    assert bundle is not None
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == form.widget.model_id


def test_the_form_sends_only_what_was_filled_in(client: PayPartsClient) -> None:
    form = CreateSessionForm(client=client)
    request = form.request()
    assert "customer" not in request
    assert "reference" not in request
    assert "expire" not in request
    assert request["description"] == "Order #12345"
    assert request["returnUrl"] == "https://shop.nl/return"
    form.email.value = "  john.doe@example.com "
    form.country.value = "NL"
    assert form.request()["customer"] == {
        "email": "john.doe@example.com",
        "address": {"country": "NL"},
    }
    form.lines.remove_row(0)
    form.shipping_costs.value = ""
    form.total_vat.value = ""
    assert "order" not in form.request()


# --- amounts: typed in major units, sent in minor units ------------------------------------------


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [("29.99", "EUR", 2999), ("500", "JPY", 500), ("1.234", "KWD", 1234), ("0.5", "EUR", 50)],
)
def test_amount_preview_shows_the_minor_units_sent(
    client: PayPartsClient, typed: str, currency: str, minor: int
) -> None:
    form = CreateSessionForm(client=client)
    form.currency.value = currency
    form.amount.value = typed
    assert form.request()["amount"] == {"value": minor, "currency": currency}
    assert html_text(form.amount_preview.value) == f"sends {minor}"


def test_too_many_decimals_is_a_field_error_and_nothing_is_sent(client: PayPartsClient) -> None:
    form = CreateSessionForm(client=client)
    form.amount.value = "29.999"
    message = "29.999 has more than 2 decimals, the most EUR allows"
    assert form.create_button.disabled
    errors = [f for f in form.findings if f.level == "error"]
    assert [(f.path, f.message) for f in errors] == [("amount.value", message)]
    assert message in html_text(form.amount_preview.value)
    assert f"amount.value: {message}" in html_text(form.findings_area.value)
    assert form.submit() is None
    assert isinstance(form.error, NotSentError)
    text = output_text(form.output)
    assert f"amount.value: {message}" in text
    assert text.startswith("✗ The request was not sent: 1 problem to fix first.")
    assert "Traceback" not in text
    assert calls(client) == 0
    form.currency.value = "JPY"
    form.amount.value = "29.99"
    assert form.findings[0].message == "29.99 has more than 0 decimals, the most JPY allows"
    # every money field is read in the new currency: the line's 29.99 is now wrong too
    assert "order.products[0].unitPrice" in [f.path for f in form.findings]
    form.amount.value = "3000"
    form.lines.rows[0].unit_price.value = "3000"
    form.shipping_costs.value = "0"
    form.total_vat.value = "521"
    assert [f for f in form.findings if f.level == "error"] == []
    assert not form.create_button.disabled
    assert form.request()["amount"] == {"value": 3000, "currency": "JPY"}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("abc", "'abc' is not a number: type EUR major units, such as 29.99"),
        ("1,234", "'1,234' is ambiguous: 1234 EUR with a thousands separator, or 1.234 EUR"),
        ("1.234,56", "has a thousands separator, which the form does not read"),
        ("", "enter an amount in EUR major units"),
    ],
)
def test_unreadable_amounts_are_named_findings(
    client: PayPartsClient, typed: str, expected: str
) -> None:
    form = CreateSessionForm(client=client)
    form.amount.value = typed
    assert form.create_button.disabled
    assert form.findings[0].path == "amount.value"
    assert expected in form.findings[0].message
    # the missing value is reported once, by the form, not again as lint's "required"
    assert [f.path for f in form.findings if f.level == "error"] == ["amount.value"]


def test_a_decimal_comma_is_read_and_the_reading_shown(client: PayPartsClient) -> None:
    form = CreateSessionForm(client=client)
    form.amount.value = "29,99"
    assert form.request()["amount"] == {"value": 2999, "currency": "EUR"}
    assert html_text(form.amount_preview.value) == "29,99 → sends 2999"
    form.shipping_costs.value = "4,95"
    assert html_text(form.shipping_preview.value) == "4,95 → sends 495"
    form.lines.rows[0].unit_price.value = "25,04"
    form.lines.rows[0].vat_percentage.value = "9,5"
    product = form.request()["order"]["products"][0]
    assert (product["unitPrice"], product["vatPercentage"]) == (2504, 9.5)
    assert [f for f in form.findings if f.level == "error"] == []
    assert not form.create_button.disabled


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("email", "john at example", "customer.email"),
        ("return_url", "shop.nl/return", "returnUrl"),
        ("phone", "06 1234 5678", "customer.phone"),
        ("expire", "2026-12-31", "expire"),
    ],
)
def test_contract_errors_name_the_field_and_block_sending(
    client: PayPartsClient, field: str, value: str, path: str
) -> None:
    form = CreateSessionForm(client=client)
    getattr(form, field).value = value
    assert form.create_button.disabled
    assert path in [f.path for f in form.findings if f.level == "error"]
    form.create_button.disabled = False  # as if a stale frontend let the click through
    form.create_button.click()
    assert form.result is None
    assert isinstance(form.error, NotSentError)
    assert path in [v.path for v in form.error.violations]
    assert path in output_text(form.output)
    assert calls(client) == 0


def test_extra_json_with_a_typo_is_sent_and_flagged(client: PayPartsClient) -> None:
    form = CreateSessionForm(client=client)
    form.extra_json.value = '{"refrence": "REF-1", "customer": {"locale": "nl"}}'
    request = form.request()
    assert request["refrence"] == "REF-1"
    assert request["customer"] == {"locale": "nl"}
    typo = [f for f in form.findings if f.path == "refrence"]
    assert len(typo) == 1
    assert typo[0].level == "warning"
    assert "did you mean reference?" in typo[0].message
    assert not form.create_button.disabled
    form.extra_json.value = "{oops"
    assert form.create_button.disabled
    assert form.findings[0].path == "extra JSON"
    assert "not JSON" in form.findings[0].message
    form.extra_json.value = "[1, 2]"
    assert "must be a JSON object" in form.findings[0].message


# --- order lines ---------------------------------------------------------------------------------


def test_add_and_remove_lines(client: PayPartsClient) -> None:
    form = CreateSessionForm(client=client)
    assert form.lines.add_button.description == "Add line"
    form.lines.add_button.click()
    assert len(form.lines.rows) == 2
    row = form.lines.rows[1]
    row.description.value = "Product B"
    row.product_id.value = "PROD-002"
    row.quantity.value = 2
    row.unit_price.value = "9.99"
    row.vat_percentage.value = "9.5"
    assert form.request()["order"]["products"][1] == {
        "description": "Product B",
        "quantity": 2,
        "unitPrice": 999,
        "total": 1998,
        "productId": "PROD-002",
        "vatPercentage": 9.5,
    }
    assert "€ 19,98" in html_text(row.total_preview.value)
    assert "sends 1998" in html_text(row.total_preview.value)
    # lines 2999 + 1998 no longer match amount 2999: lint says so
    assert any(f.path == "amount.value" and f.level == "warning" for f in form.findings)
    assert row.remove_button.description == "Remove"
    form.lines.rows[0].remove_button.click()
    assert len(form.lines.rows) == 1
    assert form.request()["order"]["products"][0]["description"] == "Product B"


def test_a_bad_unit_price_names_the_line(client: PayPartsClient) -> None:
    form = CreateSessionForm(client=client)
    form.lines.rows[0].unit_price.value = "10.001"
    assert form.create_button.disabled
    problem = form.findings[0]
    assert problem.path == "order.products[0].unitPrice"
    assert problem.message == "10.001 has more than 2 decimals, the most EUR allows"
    product = form.request()["order"]["products"][0]
    assert "unitPrice" not in product
    assert "total" not in product


def test_a_typed_total_that_does_not_match_is_warned(client: PayPartsClient) -> None:
    form = CreateSessionForm(client=client)
    form.lines.rows[0].total.value = "30.00"
    assert form.request()["order"]["products"][0]["total"] == 3000
    assert "order.products[0].total" in [f.path for f in form.findings if f.level == "warning"]
    assert "≠" in html_text(form.lines.rows[0].total_preview.value)


def contract_lines(form: CreateSessionForm) -> None:
    form.lines.remove_row(0)
    for description, product_id, quantity, price in (
        ("Product A", "PROD-001", 1, "10.00"),
        ("Product B", "PROD-002", 2, "9.99"),
    ):
        form.lines.add_row(description, product_id, quantity, price, "21")


def test_compute_total_vat_for_both_readings(client: PayPartsClient) -> None:
    form = CreateSessionForm(client=client)
    contract_lines(form)
    assert form.compute_vat_button.description == "Compute totalVat"
    assert form.prices_include_vat.value is True
    form.compute_vat_button.click()
    assert form.total_vat.value == "5.20"  # 2998 × 21/121 = 520.3
    assert form.request()["order"]["totalVat"] == 520
    assert "520" in html_text(form.order_status.value)
    form.prices_include_vat.value = False
    assert form.compute_total_vat() == 630  # 2998 × 0.21 = 629.58, rounded half up
    assert form.total_vat.value == "6.30"
    form.lines.rows[0].vat_percentage.value = ""
    assert form.compute_total_vat() is None
    assert "line 1 has no vatPercentage" in html_text(form.order_status.value)
    assert form.total_vat.value == "6.30"


def test_amount_from_lines_and_shipping(client: PayPartsClient) -> None:
    form = CreateSessionForm(client=client)
    contract_lines(form)
    form.shipping_costs.value = "4.95"
    assert html_text(form.shipping_preview.value) == "sends 495"
    assert form.amount_from_lines_button.description == "amount = lines + shipping"
    form.amount_from_lines_button.click()
    assert form.amount.value == "34.93"
    assert form.request()["amount"]["value"] == 3493
    assert not any(f.path == "amount.value" for f in form.findings)


# --- a form's message describes the fields as they are now --------------------------------------


def test_a_fresh_form_says_nothing_was_sent(client: PayPartsClient) -> None:
    form = CreateSessionForm(client=client)
    assert "Nothing was sent yet: fill in the form, then press Create session." in output_text(
        form.output
    )
    get = GetSessionForm(client=client)
    assert "Nothing fetched yet" in output_text(get.output)


def test_a_refusal_goes_once_the_field_is_fixed(client: PayPartsClient) -> None:
    form = CreateSessionForm(client=client)
    form.amount.value = "29.999"
    form.create_button.disabled = False  # as if a stale frontend let the click through
    form.create_button.click()
    refused = output_text(form.output)
    assert refused.startswith("✗ The request was not sent: 1 problem to fix first.")
    assert "NotSentError" not in refused
    assert "29.999 has more than 2 decimals" in refused
    form.amount.value = "29.99"
    fixed = output_text(form.output)
    assert "not sent" not in fixed
    assert "29.999" not in fixed
    assert "The problems are fixed: press Create session to send the request." in fixed
    assert form.error is None
    assert not form.create_button.disabled
    form.create_button.click()
    assert form.result is not None
    assert "session created" in output_text(form.output)


def test_a_refusal_is_redone_for_the_errors_left(client: PayPartsClient) -> None:
    form = CreateSessionForm(client=client)
    form.amount.value = "29.999"
    form.email.value = "john at example"
    assert form.submit() is None
    both = output_text(form.output)
    assert "2 problems to fix first" in both
    assert "amount.value" in both
    assert "customer.email" in both
    form.amount.value = "29.99"
    left = output_text(form.output)
    assert "1 problem to fix first" in left
    assert "amount.value" not in left
    assert "customer.email" in left
    assert isinstance(form.error, NotSentError)
    assert [v.path for v in form.error.violations] == ["customer.email"]
    assert calls(client) == 0


def test_an_answer_is_marked_once_the_fields_differ_from_what_was_sent(
    client: PayPartsClient,
) -> None:
    form = CreateSessionForm(client=client)
    created = form.submit()
    assert created is not None
    note = "The fields have changed since this answer"
    assert note not in output_text(form.output)
    form.description.value = "Order #99999"
    changed = output_text(form.output)
    assert changed.startswith(f"ℹ {note}")
    assert created.session_id in changed  # the answer itself is still there, below the note
    assert '"description": "Order #12345"' in changed  # as it was sent
    form.description.value = "Order #12345"  # back to what was sent: the note goes
    assert note not in output_text(form.output)
    assert form.result is created


def test_the_get_form_forgets_a_refused_id_once_it_is_edited(client: PayPartsClient) -> None:
    get = GetSessionForm(client=client, session_id="../x")
    get.get_button.click()
    assert "'../x' is not a session id" in output_text(get.output)
    get.session_id.value = "0" * 32
    text = output_text(get.output)
    assert "../x" not in text
    assert "Not sent" not in text
    assert "Nothing fetched yet" in text
    assert get.error is None


def test_the_get_form_marks_an_answer_for_another_id(client: PayPartsClient) -> None:
    created = CreateSessionForm(client=client).submit()
    assert created is not None
    get = GetSessionForm(client=client, session_id=created.session_id)
    assert get.submit() is not None
    get.session_id.value = "0" * 32
    text = output_text(get.output)
    assert text.startswith(
        f"ℹ The sessionId has changed: below is the answer for '{created.session_id}'"
    )
    assert "no differences" in text
    get.session_id.value = created.session_id
    assert "The sessionId has changed" not in output_text(get.output)


def test_the_get_form_offers_a_session_created_after_it(client: PayPartsClient) -> None:
    get = GetSessionForm(client=client)
    assert get.session_id.options == ()
    first = CreateSessionForm(client=client).submit()
    second = CreateSessionForm(client=client).submit()
    assert first is not None
    assert second is not None
    assert get.session_id.options == (second.session_id, first.session_id)
    assert get.session_id.value == ""  # offered, not chosen: the field stays the user's


def test_the_connection_panel_keeps_its_message_true(sandbox: SandboxHandle) -> None:
    panel = ConnectionPanel(environ={"PAYPARTS_ENV": "production"})
    assert panel.submit() is False
    assert "tick" in output_text(panel.output)
    panel.confirm_production.value = True
    assert "tick" not in output_text(panel.output)
    assert panel.error is None
    panel = panel_for(sandbox)
    assert panel.submit() is True
    panel.sl_code.value = "SL-0000-0000"
    text = output_text(panel.output)
    assert text.startswith("ℹ The connection settings have changed since this test")
    assert "as SL-1234-4321" in text
    panel.sl_code.value = DEMO_MERCHANT.sl_code
    assert "have changed" not in output_text(panel.output)


# --- the server's errors, as the form shows them -------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "error_type", "expected"),
    [
        ("server-error", ServerError, "HTTP 500"),
        ("rate-limited=7", RateLimitError, "Wait 7 s, then try again."),
        ("bad-gateway", UnexpectedResponseError, "Not an answer of the Pay.Parts API (HTTP 502)"),
    ],
)
def test_server_failures_are_shown_readably(
    sandbox: SandboxHandle, scenario: str, error_type: type[Exception], expected: str
) -> None:
    with PayPartsClient(
        DEMO_MERCHANT.sl_code,
        DEMO_MERCHANT.secret,
        sandbox.url,
        headers={"Sandbox-Scenario": scenario},
    ) as faulty:
        form = CreateSessionForm(client=faulty)
        form.create_button.click()
        assert form.result is None
        assert isinstance(form.error, error_type)
        text = output_text(form.output)
        assert expected in text
        assert "What to do next" in text
        assert "Traceback" not in text
        assert not form.create_button.disabled  # usable again after the failure
        assert_no_secret(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, form)


class _BrokenClient:
    base_url = "http://127.0.0.1:1"
    sl_code = "SL-1234-4321"
    secret_forms: ClassVar[list[str]] = []

    def create_session(self, request: Any) -> CreatedSession:
        raise ValueError("boom")

    def get_session(self, session_id: str) -> SessionDetails:
        raise KeyError("sessionId")


def test_unexpected_exceptions_are_one_readable_line() -> None:
    form = CreateSessionForm(client=_BrokenClient())  # type: ignore[arg-type]
    assert form.submit() is None
    assert isinstance(form.error, ValueError)
    text = output_text(form.output)
    assert text.startswith("✗ Unexpected error ValueError: boom")
    assert "Traceback" not in text
    get = GetSessionForm(client=_BrokenClient(), session_id="0" * 32)  # type: ignore[arg-type]
    assert get.submit() is None
    assert "Unexpected error KeyError: 'sessionId'" in output_text(get.output)


# --- GetSessionForm ------------------------------------------------------------------------------


def test_unknown_session_is_a_readable_404(client: PayPartsClient) -> None:
    get = GetSessionForm(client=client, session_id="0123456789abcdef0123456789abcdef")
    get.get_button.click()
    assert get.result is None
    assert get.diff is None
    assert isinstance(get.error, NotFoundError)
    text = output_text(get.output)
    assert text.startswith("✗ Session not found (HTTP 404)")
    assert "No session with this id exists for your sales location." in text
    assert "unknown session id" not in text  # the answer's one violation: said already
    assert "same sales location" in text
    assert_no_secret(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, get)


def test_an_id_in_capitals_gets_the_lower_case_hint(client: PayPartsClient) -> None:
    created = client.create_session(examples.minimum_request())
    get = GetSessionForm(client=client, session_id=created.session_id.upper())
    assert get.submit() is None
    text = output_text(get.output)
    assert text.startswith("✗ Session not found (HTTP 404): try the id in lower case")
    assert f"try '{created.session_id}'" in text


def test_another_merchants_session_is_not_found(sandbox: SandboxHandle) -> None:
    with (
        PayPartsClient(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, sandbox.url) as demo,
        PayPartsClient(OTHER_MERCHANT.sl_code, OTHER_MERCHANT.secret, sandbox.url) as other,
    ):
        created = CreateSessionForm(client=demo).submit()
        assert created is not None
        get = GetSessionForm(client=other, session_id=created.session_id)
        assert get.submit() is None
        assert isinstance(get.error, NotFoundError)
        assert_no_secret(OTHER_MERCHANT.sl_code, OTHER_MERCHANT.secret, get)


@pytest.mark.parametrize("session_id", ["../x", "", "a b", "x" * 200])
def test_invalid_ids_are_refused_locally(client: PayPartsClient, session_id: str) -> None:
    get = GetSessionForm(client=client)
    get.session_id.value = session_id
    get.get_button.click()
    assert isinstance(get.error, InvalidSessionIdError)
    text = output_text(get.output)
    assert text.startswith("✗ Not sent: not a session id")
    assert "is not a session id" in text
    assert "No request was sent." in text
    assert "What to do next" not in text  # the message says what to paste already
    assert calls(client) == 0


def test_a_session_sent_elsewhere_has_no_diff(client: PayPartsClient) -> None:
    created = client.create_session(examples.full_request())
    get = GetSessionForm(client=client, session_id=created.session_id)
    details = get.submit()
    assert details is not None
    assert get.diff is None
    text = output_text(get.output)
    assert "sent request unknown in this kernel" in text
    assert "John" in text  # the customer table
    assert "customer.address.city" in text
    # the contract's own inconsistencies stay visible in the reconciliation
    assert "2998" in text


def test_differences_are_listed(client: PayPartsClient) -> None:
    sent = examples.full_request()
    created = client.create_session(sent)
    recorded = examples.full_request()
    recorded["amount"]["value"] = 3000
    del recorded["order"]["products"][1]
    sent_registry.remember(created.session_id, recorded)
    get = GetSessionForm(client=client, session_id=created.session_id)
    get.submit()
    assert get.diff is not None
    different = {row.path for row in get.diff if not row.same}
    assert "amount.value" in different
    assert "order.products[1].total" in different
    assert "order.products[0].total" not in different
    text = output_text(get.output)
    assert f"{len(different)} differences between sent and received" in text
    assert "(absent)" in text


def test_ids_of_the_embedded_sandbox_are_offered_from_its_database() -> None:
    panel = ConnectionPanel(environ={})
    created = panel.client().create_session(examples.minimum_request())
    get = GetSessionForm(connection=panel)
    assert created.session_id in get.session_id.options  # from the database, not the registry
    assert sent_registry.known_ids() == []
    get.session_id.value = created.session_id
    assert get.submit() is not None
    assert "sent request unknown in this kernel" in output_text(get.output)


def test_a_fixed_client_elsewhere_offers_only_this_kernels_ids(client: PayPartsClient) -> None:
    client.create_session(examples.minimum_request())
    form = CreateSessionForm(client=client)
    created = form.submit()
    assert created is not None
    get = GetSessionForm(client=client)
    assert get.session_id.options == (created.session_id,)
    assert get.refresh_options() == (created.session_id,)


# --- TokenInspector ------------------------------------------------------------------------------


def test_inspecting_the_contract_example_token_flags_299_99() -> None:
    inspector = TokenInspector()
    assert inspector.inspect_button.description == "Inspect"
    assert "Paste a sessionToken" in output_text(inspector.output)
    inspector.token.value = examples.EXAMPLE_TOKEN  # observed: no click needed
    payload = inspector.result
    assert payload is not None
    assert payload.merchant_name == "Canyon Bikes"
    assert payload.amount_formatted == "299.99"
    warnings = [f for f in inspector.findings if f.level == "warning"]
    assert [f.path for f in warnings] == ["Config.amount.formatted"]
    text = output_text(inspector.output)
    assert "299.99" in text
    assert '"29.99"' in text
    assert "€ 29,99" in text
    assert "Canyon Bikes" in text
    inspector.token.value = ""
    assert inspector.result is None
    inspector.inspect_button.click()
    assert isinstance(inspector.error, TokenDecodeError)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("st_!!!not base64!!!", "is not base64"),
        ("st_" + base64.b64encode(b'{"a": 1}').decode(), "no SessionId"),
        ("st_" + base64.b64encode(b"plain text").decode(), "not JSON"),
    ],
)
def test_a_bad_token_shows_the_reason(token: str, reason: str) -> None:
    inspector = TokenInspector(token)
    assert inspector.result is None
    assert inspector.findings == []
    assert isinstance(inspector.error, TokenDecodeError)
    text = output_text(inspector.output)
    assert reason in text
    assert "Paste the whole sessionToken" in text
    assert "TokenDecodeError" not in text
    assert "Traceback" not in text


@pytest.mark.parametrize(
    ("token", "headline", "advice"),
    [
        (
            examples.EXAMPLE_SESSION_ID,
            "✗ This looks like a sessionId, not a sessionToken",
            "Paste the sessionToken (it starts with st_)",
        ),
        (
            examples.EXAMPLE_TOKEN[:60],
            "✗ The token's base64 has an impossible length",
            "It was probably cut off when copied; copy the whole sessionToken.",
        ),
    ],
)
def test_the_inspector_heads_a_refusal_with_the_likely_mix_up(
    token: str, headline: str, advice: str
) -> None:
    text = output_text(TokenInspector(token).output)
    assert text.startswith(headline)
    assert advice in text
    assert "What to do next" not in text  # the advice is said once
    assert "TokenDecodeError" not in text


def test_a_clean_token_has_no_findings(client: PayPartsClient) -> None:
    created = client.create_session(examples.minimum_request())
    inspector = TokenInspector()
    inspector.token.value = created.session_token
    inspector.inspect_button.click()
    assert inspector.result is not None
    assert inspector.result.session_id == created.session_id
    assert inspector.findings == []
    assert "The token looks right." in output_text(inspector.output)
    assert json.loads(json.dumps(inspector.result.raw))["Config"]["amount"]["formatted"] == "1.00"


def test_the_secret_check_itself_catches_a_leak(sandbox: SandboxHandle) -> None:
    panel = panel_for(sandbox, WRONG_SECRET)
    assert_no_secret(DEMO_MERCHANT.sl_code, WRONG_SECRET, panel)
    panel.base_url.value = f"https://example.com/{WRONG_SECRET}"
    with pytest.raises(AssertionError, match="secret form"):
        assert_no_secret(DEMO_MERCHANT.sl_code, WRONG_SECRET, panel)


def test_forms_on_a_wrong_secret_show_the_refusal_not_the_secret(sandbox: SandboxHandle) -> None:
    panel = panel_for(sandbox, WRONG_SECRET)
    create = CreateSessionForm(connection=panel)
    create.create_button.click()
    assert isinstance(create.error, AuthenticationError)
    assert "HTTP 401" in output_text(create.output)
    get = GetSessionForm(connection=panel, session_id="0" * 32)
    get.get_button.click()
    assert isinstance(get.error, AuthenticationError)
    assert "What to do next: Retype the secret" in output_text(get.output)
    assert_no_secret(DEMO_MERCHANT.sl_code, WRONG_SECRET, panel, create, get)


def test_nothing_is_printed_to_the_cells_stdout(
    client: PayPartsClient, capsys: pytest.CaptureFixture[str]
) -> None:
    form = CreateSessionForm(client=client)
    form.amount.value = "29.999"
    form.submit()
    form.amount.value = "29.99"
    created = form.submit()
    assert created is not None
    GetSessionForm(client=client, session_id=created.session_id).submit()
    GetSessionForm(client=client, session_id="../x").submit()
    TokenInspector(examples.EXAMPLE_TOKEN).submit()
    TokenInspector("garbage").submit()
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")
