"""Lint before sending: the contract's errors (reworded where it helps) and likely mistakes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payparts_helpers.checks.lint import Finding, lint_session_request
from payparts_helpers.rules import contract, examples
from payparts_helpers.rules.session_request import (
    Address,
    Amount,
    Customer,
    Order,
    Product,
    SessionRequest,
)

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def lint(request: object, **kwargs: Any) -> list[Finding]:
    return lint_session_request(request, now=kwargs.pop("now", NOW), **kwargs)


def at(findings: list[Finding], path: str | None, level: str | None = None) -> list[Finding]:
    return [f for f in findings if f.path == path and (level is None or f.level == level)]


def only(findings: list[Finding], path: str | None, level: str) -> Finding:
    found = at(findings, path, level)
    assert len(found) == 1, findings
    return found[0]


def request(**changes: Any) -> dict[str, Any]:
    """The minimum request plus an order that adds up: 1000 + 2 × 999 + 500 shipping = 3498."""
    body: dict[str, Any] = {
        **examples.minimum_request(),
        "amount": {"value": 3498, "currency": "EUR"},
        "order": {
            "products": [
                {"description": "A", "quantity": 1, "unitPrice": 1000, "total": 1000},
                {"description": "B", "quantity": 2, "unitPrice": 999, "total": 1998},
            ],
            "shippingCosts": 500,
        },
    }
    body.update(changes)
    return body


# --- the contract's examples -----------------------------------------------------------


def test_full_example_has_exactly_the_documented_inconsistencies() -> None:
    findings = lint(examples.full_request())
    assert [(f.level, f.path) for f in findings] == [
        ("warning", "amount.value"),
        ("warning", "expire"),
        ("info", "order.totalVat"),
    ]
    total = only(findings, "amount.value", "warning").message
    assert "lines 29.98 + shipping 0.00 = 29.98 EUR, but amount.value is 29.99 EUR" in total
    assert "(difference 0.01 EUR)" in total
    expire = only(findings, "expire", "warning").message
    assert "2025-12-31T23:59:59Z" in expire
    assert "in the past" in expire
    vat = only(findings, "order.totalVat", "info").message
    assert "matches prices excluding VAT" in vat
    assert "629.58" in vat
    assert "set totalVat to 520" in vat


def test_minimum_example_is_clean() -> None:
    assert lint(examples.minimum_request()) == []


def test_consistent_order_is_clean() -> None:
    assert lint(request()) == []


def test_input_is_not_changed() -> None:
    body = examples.full_request()
    body["amount"]["value"] = 29.99
    lint(body)
    assert body["amount"]["value"] == 29.99
    assert body == {**examples.full_request(), "amount": {"value": 29.99, "currency": "EUR"}}


# --- typed input --------------------------------------------------------------------------


def typed_full_request() -> SessionRequest:
    return SessionRequest(
        return_url="https://shop.nl/return",
        exchange_url="https://shop.nl/exchange",
        amount=Amount(2999, "EUR"),
        description="Order #12345",
        reference="REF-12345",
        expire="2025-12-31T23:59:59Z",
        customer=Customer(
            locale="nl-NL",
            first_name="John",
            last_name="Doe",
            email="john.doe@example.com",
            phone="+31612345678",
            address=Address("Keizersgracht", "126", "1015CW", "Amsterdam", "NL"),
        ),
        order=Order(
            products=[
                Product("Product A", 1, 1000, 1000, "PROD-001", 21),
                Product("Product B", 2, 999, 1998, "PROD-002", 21),
            ],
            shipping_costs=0,
            total_vat=629,
        ),
    )


def test_typed_request_gives_the_same_findings_as_its_dict() -> None:
    assert lint(typed_full_request()) == lint(examples.full_request())
    assert len(lint(typed_full_request())) == 3


def test_typed_request_with_a_decimal_price_gets_the_suggestion() -> None:
    typed = SessionRequest("https://shop.nl/r", "https://shop.nl/e", Amount(12.5, "EUR"))  # type: ignore[arg-type]
    finding = only(lint(typed), "amount.value", "error")
    assert "did you mean 1250?" in finding.message


# --- errors are the contract's violations ----------------------------------------------


def test_errors_are_exactly_the_contracts_violations() -> None:
    body = {
        "returnUrl": "ftp://shop.nl",
        "amount": {"value": 0, "currency": "EURO"},
        "customer": {"locale": "nl_NL", "phone": "06 1234"},
        "order": {"products": [{"quantity": 0}, "not an object"]},
    }
    errors = [(f.path, f.message) for f in lint(body) if f.level == "error"]
    expected = [(v.path, v.message) for v in contract.validate_session_request(body)]
    assert sorted(errors, key=str) == sorted(expected, key=str)
    assert len(errors) == 8


@pytest.mark.parametrize("body", [None, [], "a string", 42, 2.5, True, [{"returnUrl": "x"}]])
def test_a_body_that_is_not_an_object_is_one_error(body: object) -> None:
    findings = lint(body)
    assert len(findings) == 1
    assert findings[0].level == "error"
    assert findings[0].path is None
    assert "must be a JSON object with returnUrl, exchangeUrl and amount" in findings[0].message


def deeply_nested(depth: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    for _ in range(depth):
        node["a"] = {}
        node = node["a"]
    return root


@pytest.mark.parametrize(
    "body",
    [
        {1: 2},
        {"amount": {"value", "currency"}},
        {"returnUrl": b"https://shop.nl"},
        {"order": object()},
        {**examples.minimum_request(), "amount": deeply_nested(300)},
        {**examples.minimum_request(), "amount": deeply_nested(3000)},
    ],
    ids=["int key", "set", "bytes", "object", "deep", "deeper than deepcopy"],
)
def test_python_values_json_cannot_carry_are_one_error_not_a_crash(body: object) -> None:
    findings = lint(body)
    assert [(f.level, f.path) for f in findings] == [("error", None)]
    assert "cannot be read as JSON" in findings[0].message


def test_missing_required_field_names_the_near_miss_key() -> None:
    body = examples.minimum_request()
    body["returnURL"] = body.pop("returnUrl")
    findings = lint(body)
    error = only(findings, "returnUrl", "error").message
    assert error.startswith("is required: an absolute http(s) URL")
    assert 'the request has "returnURL": rename it to returnUrl' in error
    assert only(findings, "returnURL", "warning").message.endswith("did you mean returnUrl?")


# --- decimal amounts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (29.99, "EUR", "amounts are in minor units: did you mean 2999?"),
        (12.5, "EUR", "did you mean 1250?"),
        (1.234, "KWD", "amounts are in minor units: did you mean 1234?"),
        (30.0, "JPY", "did you mean 30?"),
        (29.99, "eur", "did you mean 2999?"),  # invalid currency: read as EUR
        (29.99, "XAU", "did you mean 2999?"),  # a unit without minor unit: read as EUR
        (100.0, "EUR", "did you mean 10000? (or 100, if 100.0 was already in minor units)"),
    ],
)
def test_decimal_amount_suggests_minor_units(value: float, currency: str, expected: str) -> None:
    body = {**examples.minimum_request(), "amount": {"value": value, "currency": currency}}
    assert expected in only(lint(body), "amount.value", "error").message


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (29.999, "EUR", "29.999 has more decimals than EUR allows"),
        (29.99, "JPY", "(JPY has no decimals), and 29.99 has more decimals than JPY allows"),
        (1.2345, "KWD", "(for KWD, 2999 means 2.999), and 1.2345 has more decimals"),
        (float("nan"), "EUR", "send an integer number of minor units, not nan"),
        (float("inf"), "EUR", "send an integer number of minor units, not inf"),
    ],
)
def test_inexact_decimal_amount_says_so_without_a_suggestion(
    value: float, currency: str, expected: str
) -> None:
    body = {**examples.minimum_request(), "amount": {"value": value, "currency": currency}}
    message = only(lint(body), "amount.value", "error").message
    assert expected in message
    assert "did you mean" not in message


@pytest.mark.parametrize(
    ("place", "path"),
    [
        (("order", "products", 0, "unitPrice"), "order.products[0].unitPrice"),
        (("order", "products", 1, "total"), "order.products[1].total"),
        (("order", "shippingCosts"), "order.shippingCosts"),
        (("order", "totalVat"), "order.totalVat"),
    ],
)
def test_every_money_field_gets_the_suggestion(place: tuple[Any, ...], path: str) -> None:
    body = examples.full_request()
    body["amount"]["currency"] = "KWD"
    node: Any = body
    for key in place[:-1]:
        node = node[key]
    node[place[-1]] = 1.5
    assert only(lint(body), path, "error").message.endswith("did you mean 1500?")


def test_quantity_as_decimal_keeps_the_contracts_message() -> None:
    body = request()
    body["order"]["products"][0]["quantity"] = 1.5
    message = only(lint(body), "order.products[0].quantity", "error").message
    assert message == "must be a whole number ≥ 1; got 1.5 (a decimal number)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2999", "must be a JSON number, not text: write 2999 without quotes"),
        ("29.99", 'must be a JSON number, not text; got "29.99", a decimal number'),
        ("abc", "must be an integer ≥ 1, a whole number of minor units (for EUR, 2999 means"),
        ("9" * 5000, "must be an integer ≥ 1, a whole number of minor units"),
        ("1.5e999999999", 'minor units (for EUR, 2999 means 29.99); got "1.5e999999999"'),
    ],
)
def test_amount_as_text(value: str, expected: str) -> None:
    body = {**examples.minimum_request(), "amount": {"value": value, "currency": "EUR"}}
    assert expected in only(lint(body), "amount.value", "error").message


# --- totals ------------------------------------------------------------------------------


def test_line_total_that_is_not_quantity_times_price() -> None:
    body = request()
    body["order"]["products"][1]["total"] = 999
    finding = only(lint(body), "order.products[1].total", "warning")
    assert finding.message == (
        "total is 999 (9.99 EUR), but quantity 2 × unitPrice 999 (9.99 EUR) = 1998 (19.98 EUR): "
        "set total to 1998 or fix quantity/unitPrice"
    )


def test_sum_shows_shipping_and_the_difference() -> None:
    body = request(amount={"value": 2999, "currency": "EUR"})
    message = only(lint(body), "amount.value", "warning").message
    assert message.startswith(
        "lines 29.98 + shipping 5.00 = 34.98 EUR, but amount.value is 29.99 EUR "
        "(difference 4.99 EUR)"
    )


def test_sum_is_formatted_with_the_currencys_exponent() -> None:
    body = request(amount={"value": 3000, "currency": "KWD"})
    message = only(lint(body), "amount.value", "warning").message
    assert "lines 2.998 + shipping 0.500 = 3.498 KWD, but amount.value is 3.000 KWD" in message


def test_missing_shipping_counts_as_zero() -> None:
    body = request(amount={"value": 2998, "currency": "EUR"})
    del body["order"]["shippingCosts"]
    assert lint(body) == []


def test_sum_is_not_checked_when_a_line_has_no_usable_total() -> None:
    body = request(amount={"value": 1, "currency": "EUR"})
    del body["order"]["products"][0]["total"]
    assert at(lint(body), "amount.value") == []
    body["order"]["products"][0]["total"] = "1000"
    findings = lint(body)
    assert at(findings, "amount.value") == []
    assert [f.level for f in at(findings, "order.products[0].total")] == ["error"]


def test_amount_in_major_units_is_flagged() -> None:
    body = request(amount={"value": 35, "currency": "EUR"})
    findings = at(lint(body), "amount.value", "warning")
    assert len(findings) == 2
    assert any(
        f.message.startswith("amount.value 35 (0.35 EUR) looks like major units")
        and f.message.endswith("did you mean 3498?")
        for f in findings
    )


@pytest.mark.parametrize(
    ("value", "currency"),
    [(2999, "EUR"), (3400, "EUR"), (33, "EUR"), (35, "JPY")],
    ids=["off by cents", "off by euros", "more than a euro away", "no decimals"],
)
def test_major_units_heuristic_stays_quiet_when_unsure(value: int, currency: str) -> None:
    findings = lint(request(amount={"value": value, "currency": currency}))
    assert not any("major units" in f.message for f in findings)
    assert len(at(findings, "amount.value", "warning")) == 1  # the plain sum warning


# --- VAT ---------------------------------------------------------------------------------


def vat_request(total_vat: int, rates: tuple[Any, Any] = (21, 21), shipping: int = 0) -> dict:
    body = examples.full_request()
    body["amount"]["value"] = 2998 + shipping
    body["order"]["shippingCosts"] = shipping
    body["order"]["totalVat"] = total_vat
    for product, rate in zip(body["order"]["products"], rates, strict=True):
        if rate is None:
            del product["vatPercentage"]
        else:
            product["vatPercentage"] = rate
    body["expire"] = "2030-01-01T00:00:00Z"
    return body


def test_vat_matching_neither_reading_shows_both() -> None:
    message = only(lint(vat_request(700)), "order.totalVat", "warning").message
    assert "prices including VAT → 520 (5.20 EUR), prices excluding VAT → 630 (6.30 EUR)" in message
    assert "set totalVat" in message


def test_vat_note_mentions_shipping_when_there_is_some() -> None:
    message = only(lint(vat_request(700, shipping=495)), "order.totalVat", "warning").message
    assert "VAT on shipping is not counted" in message


def test_vat_matching_the_included_reading_is_info() -> None:
    message = only(lint(vat_request(520)), "order.totalVat", "info").message
    assert (
        "matches prices including VAT (the lines give 520.31 minor units before rounding)"
        in message
    )
    assert "if your prices exclude VAT, set totalVat to 630" in message


def test_vat_tolerance_is_one_per_line() -> None:
    assert at(lint(vat_request(631)), "order.totalVat")[0].level == "info"  # 629.58 + 1.42
    assert at(lint(vat_request(632)), "order.totalVat")[0].level == "warning"


@pytest.mark.parametrize(
    ("total_vat", "level", "text"),
    [
        # 1000 × 9 / 100 + 1998 × 9.5 / 100 = 90 + 189.81 = 279.81 (excluded)
        (
            280,
            "info",
            "matches prices excluding VAT (the lines give 279.81 minor units before rounding)",
        ),
        # 1000 × 9 / 109 + 1998 × 9.5 / 109.5 = 82.57 + 173.34 = 255.91 (included)
        (
            256,
            "info",
            "matches prices including VAT (the lines give 255.91 minor units before rounding)",
        ),
        (
            270,
            "warning",
            "prices including VAT → 256 (2.56 EUR), prices excluding VAT → 280 (2.80 EUR)",
        ),
    ],
)
def test_vat_with_float_rates(total_vat: int, level: str, text: str) -> None:
    findings = lint(vat_request(total_vat, rates=(9.0, 9.5)))
    assert text in only(findings, "order.totalVat", level).message


def test_zero_vat_matches_both_readings() -> None:
    message = only(lint(vat_request(0, rates=(0, 0))), "order.totalVat", "info").message
    assert message.startswith("totalVat 0 (0.00 EUR) matches both readings")


def test_vat_is_not_checked_without_every_rate() -> None:
    assert at(lint(vat_request(700, rates=(21, None))), "order.totalVat") == []


# --- expire ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expire", "expected"),
    [
        ("2026-12-31T23:59:59Z", []),
        ("2026-11-24T02:00:00+01:00", []),
        ("2026-11-23T23:59:59Z", ["is in the past (now is 2026-11-24T00:00:00Z)"]),
        ("2026-11-24T00:30:00+01:00", ["is in the past"]),
        ("2026-12-31T23:59:59", ["has no time zone: add Z or an offset"]),
        ("2020-01-01T00:00", ["has no time zone", "is in the past"]),
    ],
)
def test_expire(expire: str, expected: list[str]) -> None:
    findings = at(lint({**examples.minimum_request(), "expire": expire}), "expire")
    assert [f.level for f in findings] == ["warning"] * len(expected)
    for finding, text in zip(findings, expected, strict=True):
        assert text in finding.message


def test_invalid_expire_is_only_the_contracts_error() -> None:
    findings = at(lint({**examples.minimum_request(), "expire": "2025-12-31"}), "expire")
    assert [f.level for f in findings] == ["error"]


def test_now_defaults_to_the_current_time() -> None:
    past = {**examples.minimum_request(), "expire": "2000-01-01T00:00:00Z"}
    future = {**examples.minimum_request(), "expire": "2999-01-01T00:00:00Z"}
    assert [f.path for f in lint_session_request(past)] == ["expire"]
    assert lint_session_request(future) == []


def test_naive_now_is_read_as_utc() -> None:
    body = {**examples.minimum_request(), "expire": "2026-11-24T00:30:00Z"}
    assert lint(body, now=datetime(2026, 11, 24, 1, 0)) != []
    assert lint(body, now=datetime(2026, 11, 24, 0, 0)) == []


# --- unknown keys ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "key", "path", "hint"),
    [
        ((), "exchangeURL", "exchangeURL", "did you mean exchangeUrl?"),
        ((), "return_url", "return_url", "did you mean returnUrl?"),
        ((), "descripton", "descripton", "did you mean description?"),
        ((), "currency", "currency", "currency belongs in amount"),
        (("amount",), "Currency", "amount.Currency", "did you mean currency?"),
        (("amount",), "description", "amount.description", "belongs in the top level or order"),
        (("customer",), "first_name", "customer.first_name", "did you mean firstName?"),
        (("customer", "address"), "postcode", "customer.address.postcode", "postalCode?"),
        (("customer", "address"), "zip", "customer.address.zip", "remove it if it is not"),
        (("order",), "shipping_costs", "order.shipping_costs", "did you mean shippingCosts?"),
        (("order", "products", 1), "unit_price", "order.products[1].unit_price", "unitPrice?"),
        (("order", "products", 0), "vatPercent", "order.products[0].vatPercent", "vatPercentage?"),
    ],
)
def test_unknown_keys_are_warnings_with_a_guess(
    where: tuple[Any, ...], key: str, path: str, hint: str
) -> None:
    body = examples.full_request()
    body["expire"] = "2030-01-01T00:00:00Z"
    node: Any = body
    for part in where:
        node = node[part]
    node[key] = "x"
    findings = lint(body)
    finding = only(findings, path, "warning")
    assert finding.message.startswith("unknown field: the sandbox ignores it")
    assert hint in finding.message
    assert [f for f in findings if f.level == "error"] == []


def test_known_keys_come_from_the_openapi_document() -> None:
    schemas = contract.openapi_document()["components"]["schemas"]
    body: dict[str, Any] = {key: "x" for key in schemas["SessionStartRequest"]["properties"]}
    body["amount"] = dict.fromkeys(schemas["Amount"]["properties"], "x")
    body["customer"] = dict.fromkeys(schemas["Customer"]["properties"], "x")
    body["customer"]["address"] = dict.fromkeys(schemas["Address"]["properties"], "x")
    body["order"] = dict.fromkeys(schemas["Order"]["properties"], "x")
    body["order"]["products"] = [dict.fromkeys(schemas["Product"]["properties"], "x")]
    assert not any(f.message.startswith("unknown field") for f in lint(body))
    assert len(body["order"]["products"][0]) == 6  # the document lists every product field


# --- text limits, URLs, locale ----------------------------------------------------------


@pytest.mark.parametrize(("key", "limit"), [("description", 32), ("reference", 64)])
def test_transaction_api_length_limits(key: str, limit: int) -> None:
    assert lint({**examples.minimum_request(), key: "x" * limit}) == []
    finding = only(lint({**examples.minimum_request(), key: "x" * (limit + 1)}), key, "warning")
    assert f"{key} is {limit + 1} characters" in finding.message
    assert f"Pay.nl's transaction API allows at most {limit}" in finding.message
    assert "Pay.Parts does not document a limit" in finding.message


def test_empty_description_is_a_warning() -> None:
    finding = only(
        lint({**examples.minimum_request(), "description": ""}), "description", "warning"
    )
    assert "leave it out" in finding.message


@pytest.mark.parametrize(
    ("key", "url", "expected"),
    [
        ("returnUrl", "http://shop.nl/return", [("warning", "use https://")]),
        ("exchangeUrl", "http://shop.nl/exchange", [("warning", "use https://")]),
        ("returnUrl", "http://localhost:8000/return", []),
        ("exchangeUrl", "http://localhost:8000/x", [("info", "Pay.nl cannot reach")]),
        ("exchangeUrl", "https://127.0.0.1/x", [("info", "points at 127.0.0.1")]),
        ("exchangeUrl", "http://192.168.1.10/x", [("info", "cannot reach")]),
        ("exchangeUrl", "https://shop.nl/x", []),
    ],
)
def test_urls(key: str, url: str, expected: list[tuple[str, str]]) -> None:
    findings = at(lint({**examples.minimum_request(), key: url}), key)
    assert [f.level for f in findings] == [level for level, _ in expected]
    for finding, (_, text) in zip(findings, expected, strict=True):
        assert text in finding.message


@pytest.mark.parametrize(("locale", "count"), [("nl", 1), ("nl-NL", 0), ("nl_NL", 1)])
def test_locale(locale: str, count: int) -> None:
    body = {**examples.minimum_request(), "customer": {"locale": locale}}
    findings = at(lint(body), "customer.locale")
    assert len(findings) == count
    if locale == "nl":
        assert findings[0].level == "info"
        assert "both occur" in findings[0].message
    if locale == "nl_NL":
        assert findings[0].level == "error"


# --- Finding and ordering ---------------------------------------------------------------


def test_finding_str() -> None:
    assert str(Finding("warning", "amount.value", "fix it")) == "warning amount.value: fix it"
    assert str(Finding("error", None, "not an object")) == "error: not an object"


def test_findings_are_sorted_by_level_then_path() -> None:
    body = examples.full_request()
    body["zzz"] = 1
    body["order"]["products"][0]["total"] = 2.5
    body["customer"]["locale"] = "nl"
    findings = lint(body)
    ranks = [("error", "warning", "info").index(f.level) for f in findings]
    assert ranks == sorted(ranks)
    for level in ("error", "warning", "info"):
        paths = [f.path or "" for f in findings if f.level == level]
        assert paths == sorted(paths)
    assert [f.level for f in findings] == ["error", "warning", "warning", "info"]


# --- never raises -----------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=25,
)
PLAUSIBLE = st.one_of(
    st.integers(min_value=-5, max_value=5000),
    st.floats(min_value=-100, max_value=100),
    st.sampled_from(
        [
            "EUR",
            "JPY",
            "KWD",
            "eur",
            "",
            "nl",
            "nl-NL",
            "https://shop.nl/x",
            "http://localhost/x",
            "http://shop.nl/x",
            "2025-12-31T23:59:59Z",
            "2030-01-01T00:00:00",
            "2030-01-01",
        ]
    ),
    JSON,
)


def _shaped(schema: str, **nested: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keys = contract.openapi_document()["components"]["schemas"][schema]["properties"]
    optional = {key: nested.get(key, PLAUSIBLE) for key in keys}
    return st.fixed_dictionaries({}, optional=optional) | JSON


PRODUCT = _shaped("Product")
SHAPED = _shaped(
    "SessionStartRequest",
    amount=_shaped("Amount"),
    customer=_shaped("Customer", address=_shaped("Address")),
    order=_shaped("Order", products=st.lists(PRODUCT, max_size=3)),
)


def assert_well_formed(findings: list[Finding], body: object) -> None:
    assert isinstance(findings, list)
    for finding in findings:
        assert isinstance(finding, Finding)
        assert finding.level in {"error", "warning", "info"}
        assert finding.path is None or isinstance(finding.path, str)
        assert finding.message
        assert "Traceback" not in finding.message
        assert "Error(" not in finding.message
    ranks = [("error", "warning", "info").index(f.level) for f in findings]
    assert ranks == sorted(ranks)
    errors = sorted(str(f.path) for f in findings if f.level == "error")
    assert errors == sorted(str(v.path) for v in contract.validate_session_request(body))


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_never_raises_on_arbitrary_json(body: object) -> None:
    assert_well_formed(lint(body), body)


@settings(max_examples=300, deadline=None)
@given(SHAPED)
def test_never_raises_on_the_real_keys_with_random_values(body: object) -> None:
    assert_well_formed(lint(body), body)
