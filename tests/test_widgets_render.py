"""The widgets' pure parts: error and findings rendering, the diff, reading typed amounts."""

from __future__ import annotations

import base64
import html
import re

import pytest

from payparts_helpers.checks.lint import Finding
from payparts_helpers.client.environment import DEMO_CREDENTIALS, ENVIRONMENT_CREDENTIALS
from payparts_helpers.rules.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidSessionIdError,
    NotFoundError,
    PayPartsError,
    RateLimitError,
    RequestRejectedError,
    ServerError,
    TokenDecodeError,
    TransportError,
    UnexpectedResponseError,
    Violation,
)
from payparts_helpers.rules.redaction import basic_credentials_forms
from payparts_helpers.widgets import sent_registry
from payparts_helpers.widgets.diff import ABSENT, DiffRow, diff_json, differences
from payparts_helpers.widgets.error_messages import (
    TYPED_CREDENTIALS,
    Credentials,
    NotSentError,
    error_html,
    error_text,
    next_step,
)
from payparts_helpers.widgets.fields import display_amount, parse_major, parse_percentage, reading
from payparts_helpers.widgets.json_view import json_html
from payparts_helpers.widgets.markup import html_to_text
from payparts_helpers.widgets.notices import findings_html, notice_html
from payparts_helpers.widgets.tables import diff_html, table_html

_TAG = re.compile(r"<[^>]+>")


def html_text(value: str) -> str:
    """The text of a fragment, one space between words, none before a colon."""
    text = " ".join(html.unescape(_TAG.sub(" ", value)).split())
    return re.sub(r"\s+([:;,.)])", r"\1", text)


# --- errors --------------------------------------------------------------------------------------


def test_error_html_names_what_happened_violations_and_next_step() -> None:
    error = RequestRejectedError(
        "POST /v1/session/start → 422 Unprocessable Entity: the request was rejected",
        status_code=422,
        violations=[
            Violation("amount.value", "must be an integer number of minor units", "INVALID_TYPE"),
            Violation(None, "the body is not an object"),
        ],
    )
    text = html_text(error_html(error))
    assert text.startswith("✗ Request rejected (HTTP 422)")
    assert "RequestRejectedError" not in text
    assert "the request was rejected" in text
    assert "amount.value: must be an integer number of minor units" in text
    assert "the body is not an object" in text
    assert text.endswith("What to do next: Fix the fields listed above and send again.")


def test_error_text_is_the_same_in_plain_lines() -> None:
    error = NotFoundError("GET /v1/session/x → 404 Not Found: no such session", status_code=404)
    assert error_text(error).splitlines() == [
        "Session not found (HTTP 404)",
        "GET /v1/session/x → 404 Not Found: no such session",
        "What to do next: " + next_step(error),
    ]


@pytest.mark.parametrize(
    ("error", "hint"),
    [
        (AuthenticationError("no", status_code=401), "Check the SL code and the secret"),
        (
            AuthenticationError("no", status_code=401),
            "Sandbox, beta and production each have their own credentials.",
        ),
        (RequestRejectedError("no", status_code=422), "Fix the fields listed above"),
        (NotFoundError("no", status_code=404), "same sales location"),
        (RateLimitError("no", status_code=429, retry_after=5.0), "Wait 5 s, then try again."),
        (RateLimitError("no", status_code=429), "Wait a little"),
        (ServerError("no", status_code=500), "Try again later"),
        (TransportError("no"), "check the base URL"),
        (UnexpectedResponseError("no", status_code=502), "check the base URL"),
        (ConfigurationError("no"), "Fix the connection settings"),
        (TokenDecodeError("no"), "Paste the whole sessionToken"),
        (NotSentError("no"), "Fix the fields listed above"),
        (PayPartsError("no"), "If it persists"),
        (ValueError("no"), "not an answer of the API"),
    ],
)
def test_every_error_type_says_what_to_do_next(error: Exception, hint: str) -> None:
    assert hint in next_step(error)
    assert hint in html_text(error_html(error))


@pytest.mark.parametrize(
    ("error", "heading"),
    [
        (TransportError("refused"), "No answer"),
        (InvalidSessionIdError("bad"), "Not sent: not a session id"),
        (ConfigurationError("bad"), "Not sent: the connection settings cannot be used"),
        (TokenDecodeError("the token cannot be decoded: bad"), "The token cannot be decoded"),
        (
            NotSentError("The request was not sent: 2 problems."),
            "The request was not sent: 2 problems.",
        ),
        (KeyError("x"), "Unexpected error"),
    ],
)
def test_headings_without_a_status(error: Exception, heading: str) -> None:
    assert error_text(error).splitlines()[0] == heading


@pytest.mark.parametrize(
    "error",
    [
        AuthenticationError("a", status_code=401),
        RequestRejectedError("a", status_code=422),
        NotFoundError("a", status_code=404),
        RateLimitError("a", status_code=429),
        ServerError("a", status_code=503),
        UnexpectedResponseError("a", status_code=502),
        TransportError("a"),
        InvalidSessionIdError("a"),
        ConfigurationError("a"),
        TokenDecodeError("a: b"),
        NotSentError("a"),
        PayPartsError("a", status_code=418),
    ],
)
def test_no_class_name_is_a_headline_and_nothing_is_said_twice(error: PayPartsError) -> None:
    lines = error_text(error).splitlines()
    assert type(error).__name__ not in lines[0]
    assert len(lines) == len(set(lines))


def test_the_next_step_after_a_401_follows_where_the_secret_came_from() -> None:
    error = AuthenticationError("refused", status_code=401)
    typed = next_step(error, Credentials(TYPED_CREDENTIALS, "the sandbox's demo secret"))
    assert typed.startswith("Retype the secret (it is case-sensitive).")
    assert "Empty the secret field to use the sandbox's demo secret." in typed
    environment = next_step(error, Credentials(ENVIRONMENT_CREDENTIALS))
    assert environment.startswith("Correct PAYPARTS_SL_CODE / PAYPARTS_SECRET")
    demo = next_step(error, Credentials(DEMO_CREDENTIALS))
    assert "does not know the demo sales location" in demo


def test_a_message_that_says_what_to_do_has_no_second_next_step() -> None:
    pasted = TokenDecodeError(
        "this looks like a sessionId, not a sessionToken: paste the sessionToken"
    )
    assert error_text(pasted).splitlines() == [
        "This looks like a sessionId, not a sessionToken",
        "Paste the sessionToken.",
    ]
    assert "What to do next" not in error_text(
        InvalidSessionIdError("'x' is no id. No request was sent.")
    )


def test_an_unexpected_exception_is_one_line_without_traceback() -> None:
    try:
        {}["missing"]
    except KeyError as exc:
        text = html_text(error_html(exc))
    assert text.startswith("✗ Unexpected error KeyError: 'missing'")
    assert "Traceback" not in text
    assert "File " not in text


def test_error_html_escapes_and_redacts() -> None:
    forms = basic_credentials_forms("SL-1", "s3cr<et>")
    encoded = base64.b64encode(b"SL-1:s3cr<et>").decode()
    error = PayPartsError(
        f"<script>alert(1)</script> echoed s3cr<et> and {encoded}",
        violations=[Violation("a<b", "s3cr<et> <i>x</i>")],
    )
    rendered = error_html(error, forms)
    assert "<script>" not in rendered
    assert "&lt;script&gt;" in rendered
    assert "<i>" not in rendered
    assert "s3cr" not in rendered
    assert encoded not in rendered
    assert rendered.count("***") == 3
    assert "s3cr" not in error_text(error, forms)


# --- findings, notices, JSON, tables -------------------------------------------------------------


def test_findings_html_lists_each_finding_with_a_tally() -> None:
    findings = [
        Finding("error", "amount.value", "must be at least 1"),
        Finding("warning", None, "whole <request>"),
        Finding("info", "customer.locale", "bare language"),
    ]
    rendered = findings_html(findings, title="Lint")
    assert "&lt;request&gt;" in rendered
    text = html_text(rendered)
    assert text.startswith("Lint (1 error, 1 warning, 1 info)")
    assert "error amount.value: must be at least 1" in text
    assert "warning whole <request>" in text
    assert "info customer.locale: bare language" in text
    assert "No findings: fine." in html_text(findings_html([], empty="No findings: fine."))


def test_json_html_in_details_keeps_the_json_readable() -> None:
    rendered = json_html({"a": "<b>", "é": [1]}, summary="Token", open_=True)
    assert rendered.startswith("<details open><summary>Token</summary><pre")
    assert "&lt;b&gt;" in rendered
    assert html_to_text(rendered).splitlines() == [
        "Token",
        "{",
        '  "a": "<b>",',
        '  "é": [',
        "    1",
        "  ]",
        "}",
    ]
    assert "<details" not in json_html([1])


def test_table_and_notice_escape_cells() -> None:
    rendered = table_html(("k", "v"), [("<x>", "y & z")])
    assert "&lt;x&gt;" in rendered
    assert "y &amp; z" in rendered
    assert html_to_text(notice_html("done <now>", "ok")) == "✓ done <now>"


def test_html_to_text_skips_style_and_puts_blocks_on_lines() -> None:
    fragment = "<style>.x{color:red}</style><div>one <b>two</b></div><div>three</div>"
    assert html_to_text(fragment) == "one two\nthree"


# --- the diff ------------------------------------------------------------------------------------


def test_equal_json_has_only_same_rows() -> None:
    body = {"amount": {"value": 2999, "currency": "EUR"}, "order": {"products": [{"q": 1}]}}
    rows = diff_json(body, {"amount": {"currency": "EUR", "value": 2999}, **body})
    assert [row.path for row in rows] == [
        "amount.value",
        "amount.currency",
        "order.products[0].q",
    ]
    assert all(row.same for row in rows)
    assert differences(rows) == []
    assert "no differences" in html_text(diff_html(rows))


def test_changed_missing_and_extra_leaves() -> None:
    sent = {"amount": {"value": 2999}, "order": {"products": [{"total": 1}, {"total": 2}]}}
    received = {"amount": {"value": 3000}, "order": {"products": [{"total": 1}]}, "x": None}
    rows = diff_json(sent, received)
    assert differences(rows) == [
        DiffRow("amount.value", 2999, 3000, False),
        DiffRow("order.products[1].total", 2, ABSENT, False),
        DiffRow("x", ABSENT, None, False),
    ]
    text = html_text(diff_html(rows))
    assert "3 differences between sent and received" in text
    assert "order.products[1].total 2 (absent) ✗ differs" in text
    assert "x (absent) null ✗ differs" in text


def test_json_types_matter_in_the_diff() -> None:
    rows = diff_json({"v": 21, "b": True, "s": "1"}, {"v": 21.0, "b": 1, "s": 1})
    assert [row.same for row in rows] == [False, False, False]
    assert diff_json({"e": {}}, {"e": {}}) == [DiffRow("e", {}, {}, True)]
    assert diff_json({"e": {}}, {}) == [DiffRow("e", {}, ABSENT, False)]
    assert diff_json({"l": [1]}, {"l": {"0": 1}}) == [DiffRow("l", [1], {"0": 1}, False)]
    assert repr(ABSENT) == "(absent)"


def test_a_whole_missing_object_is_named_leaf_by_leaf() -> None:
    rows = diff_json({"customer": {"address": {"city": "A"}}}, {})
    assert rows == [DiffRow("customer.address.city", "A", ABSENT, False)]


# --- typed amounts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("29.99", "EUR", 2999),
        (" 29.90 ", "EUR", 2990),
        ("500", "JPY", 500),
        ("1.234", "KWD", 1234),
        ("-1.50", "EUR", -150),
        # the decimal comma, where nothing else can be meant
        ("29,99", "EUR", 2999),
        ("29,9", "EUR", 2990),
        ("-1,50", "EUR", -150),
        (",5", "EUR", 50),
        ("12,00", "JPY", 12),
        ("0,123", "KWD", 123),  # a leading 0 is no thousands group
        ("1234,5", "EUR", 123450),  # four digits before the comma: no thousands group
    ],
)
def test_parse_major(text: str, currency: str, minor: int) -> None:
    assert parse_major(text, currency, "amount.value") == (minor, None)


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("29.999", "EUR", "29.999 has more than 2 decimals, the most EUR allows"),
        ("1.5", "JPY", "1.5 has more than 0 decimals, the most JPY allows"),
        ("1.2345", "KWD", "1.2345 has more than 3 decimals, the most KWD allows"),
        ("twelve", "EUR", "'twelve' is not a number: type EUR major units, such as 29.99"),
        ("12,50", "JPY", "12,50 has more than 0 decimals, the most JPY allows"),
        ("1,2345", "EUR", "1,2345 has more than 2 decimals, the most EUR allows"),
        ("12,5x", "EUR", "'12,5x' is not a number: type EUR major units, such as 29.99"),
        ("inf", "EUR", "'inf' is not a number"),
        # three digits after one comma: thousands, or decimals? Refused, both readings named
        (
            "1,234",
            "EUR",
            "'1,234' is ambiguous: 1234 EUR with a thousands separator, or 1.234 EUR with a "
            "decimal comma (more decimals than EUR has); type 1234 if that is what you mean",
        ),
        ("29,999", "EUR", "'29,999' is ambiguous: 29999 EUR with a thousands separator"),
        ("1,234", "KWD", "'1,234' is ambiguous: 1234 KWD with a thousands separator, or 1.234 KWD"),
        ("1,000", "JPY", "'1,000' is ambiguous: 1000 JPY with a thousands separator"),
        # thousands separators are never read: the message offers the amount without them
        (
            "1.234,56",
            "EUR",
            "'1.234,56' has a thousands separator, which the form does not read (a separator "
            "read the wrong way changes the amount): type 1234,56 if that is what you mean",
        ),
        ("1,234.56", "EUR", "'1,234.56' has a thousands separator"),
        ("1,234,567", "EUR", "'1,234,567' has a thousands separator"),
    ],
)
def test_parse_major_refusals_name_the_field(text: str, currency: str, message: str) -> None:
    value, finding = parse_major(text, currency, "order.shippingCosts")
    assert value is None
    assert finding is not None
    assert (finding.level, finding.path) == ("error", "order.shippingCosts")
    assert finding.message.startswith(message)


def test_the_reading_is_shown_for_a_decimal_comma() -> None:
    assert reading("29,99 ", 2999) == "29,99 → sends 2999"
    assert reading("29.99", 2999) == "sends 2999"
    assert reading("x", None) == ""


def test_empty_amounts() -> None:
    assert parse_major("  ", "EUR", "order.totalVat") == (None, None)
    value, finding = parse_major("", "EUR", "amount.value", required=True)
    assert value is None
    assert finding is not None
    assert "enter an amount in EUR major units, such as 29.99" in finding.message


def test_parse_percentage() -> None:
    assert parse_percentage("21", "p") == (21, None)
    assert parse_percentage("9.5", "p") == (9.5, None)
    assert parse_percentage("9,5", "p") == (9.5, None)  # a percentage has no thousands
    assert parse_percentage("", "p") == (None, None)
    value, finding = parse_percentage("9,5,1", "order.products[0].vatPercentage")
    assert value is None
    assert finding is not None
    assert finding.path == "order.products[0].vatPercentage"
    assert finding.message == "'9,5,1' is not a number: type a percentage such as 21 or 9.5"


def test_display_amount() -> None:
    assert display_amount(2999, "EUR") == "€\xa029,99"
    assert display_amount(2999, "EUR", "xx-YY") == "€\xa029,99"  # unknown locale: nl-NL
    assert display_amount(500, "JPY", "en-US") == "¥500"
    assert display_amount(5, "EURO") == "5 EURO (not a payable amount: shown as sent)"
    assert "not a payable amount" in display_amount(None, "EUR")


# --- the kernel-wide registry --------------------------------------------------------------------


def test_registry_keeps_copies_newest_first() -> None:
    sent_registry.clear()
    try:
        request = {"amount": {"value": 1, "currency": "EUR"}}
        sent_registry.remember("a" * 32, request)
        sent_registry.remember("b" * 32, {"amount": {"value": 2, "currency": "EUR"}})
        request["amount"]["value"] = 99
        assert sent_registry.known_ids() == ["b" * 32, "a" * 32]
        recorded = sent_registry.sent_request("a" * 32)
        assert recorded == {"amount": {"value": 1, "currency": "EUR"}}
        assert recorded is not None
        recorded["amount"]["value"] = 7
        assert sent_registry.sent_request("a" * 32) == {"amount": {"value": 1, "currency": "EUR"}}
        assert sent_registry.sent_request("c" * 32) is None
        sent_registry.remember("a" * 32, request)
        assert sent_registry.known_ids()[0] == "a" * 32
    finally:
        sent_registry.clear()
    assert sent_registry.known_ids() == []
