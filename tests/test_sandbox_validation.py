"""Every validation rule of the contract, sent over real HTTP to the sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests

from payparts_helpers.examples import full_request, minimum_request
from payparts_helpers.sandbox import SandboxHandle
from payparts_helpers.session_token import decode_session_token

from .problems import assert_problem, violation_paths

Edit = Callable[[dict[str, Any]], None]


def setting(path: str, value: Any) -> Edit:
    """An edit that sets a dotted path (``order.products.0.quantity``) in the full example."""

    def edit(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = body
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return edit


def removing(path: str) -> Edit:
    def edit(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = body
        for part in parents:
            target = target[part]
        del target[last]

    return edit


REJECTED = [
    (removing("returnUrl"), "returnUrl", "REQUIRED"),
    (removing("exchangeUrl"), "exchangeUrl", "REQUIRED"),
    (removing("amount"), "amount", "REQUIRED"),
    (removing("amount.currency"), "amount.currency", "REQUIRED"),
    (removing("amount.value"), "amount.value", "REQUIRED"),
    (setting("returnUrl", "ftp://shop.nl/return"), "returnUrl", "INVALID_FORMAT"),
    (setting("returnUrl", "/return"), "returnUrl", "INVALID_FORMAT"),
    (setting("returnUrl", "https://"), "returnUrl", "INVALID_FORMAT"),
    (setting("returnUrl", "https://shop.nl/a b"), "returnUrl", "INVALID_FORMAT"),
    (setting("exchangeUrl", "shop.nl/exchange"), "exchangeUrl", "INVALID_FORMAT"),
    (setting("returnUrl", 123), "returnUrl", "INVALID_TYPE"),
    (setting("amount", "2999"), "amount", "INVALID_TYPE"),
    (setting("amount.value", 29.99), "amount.value", "INVALID_TYPE"),
    (setting("amount.value", "2999"), "amount.value", "INVALID_TYPE"),
    (setting("amount.value", True), "amount.value", "INVALID_TYPE"),
    (setting("amount.value", None), "amount.value", "INVALID_TYPE"),
    (setting("amount.value", 0), "amount.value", "OUT_OF_RANGE"),
    (setting("amount.value", -100), "amount.value", "OUT_OF_RANGE"),
    (setting("amount.value", 2**53), "amount.value", "OUT_OF_RANGE"),
    (setting("amount.currency", "EURO"), "amount.currency", "UNKNOWN_VALUE"),
    (setting("amount.currency", "eur"), "amount.currency", "UNKNOWN_VALUE"),
    (setting("amount.currency", "XAU"), "amount.currency", "UNKNOWN_VALUE"),
    (setting("amount.currency", "ABC"), "amount.currency", "UNKNOWN_VALUE"),
    (setting("expire", "31-12-2025"), "expire", "INVALID_FORMAT"),
    (setting("expire", "2026-02-30T10:00:00Z"), "expire", "INVALID_FORMAT"),
    (setting("expire", "2026-12-31"), "expire", "INVALID_FORMAT"),
    (setting("expire", 1767225599), "expire", "INVALID_TYPE"),
    (setting("description", 12345), "description", "INVALID_TYPE"),
    (setting("reference", ["REF"]), "reference", "INVALID_TYPE"),
    (setting("customer", "John"), "customer", "INVALID_TYPE"),
    (setting("customer.locale", "nl_NL"), "customer.locale", "INVALID_FORMAT"),
    (setting("customer.locale", "dutch"), "customer.locale", "INVALID_FORMAT"),
    (setting("customer.locale", "NL-nl"), "customer.locale", "INVALID_FORMAT"),
    (setting("customer.email", "john.doe@"), "customer.email", "INVALID_FORMAT"),
    (setting("customer.email", "john doe@example.com"), "customer.email", "INVALID_FORMAT"),
    (setting("customer.phone", "0612345678"), "customer.phone", "INVALID_FORMAT"),
    (setting("customer.phone", "+31 6 12345678"), "customer.phone", "INVALID_FORMAT"),
    (setting("customer.phone", "+3161234567890123"), "customer.phone", "INVALID_FORMAT"),
    (setting("customer.address.country", "NLD"), "customer.address.country", "UNKNOWN_VALUE"),
    (setting("customer.address.country", "nl"), "customer.address.country", "UNKNOWN_VALUE"),
    (setting("customer.address.country", "XX"), "customer.address.country", "UNKNOWN_VALUE"),
    (setting("customer.address.houseNumber", 126), "customer.address.houseNumber", "INVALID_TYPE"),
    (setting("order.products", {}), "order.products", "INVALID_TYPE"),
    (setting("order.products.0.quantity", 0), "order.products[0].quantity", "OUT_OF_RANGE"),
    (setting("order.products.1.quantity", 1.5), "order.products[1].quantity", "INVALID_TYPE"),
    (setting("order.products.0.unitPrice", 9.99), "order.products[0].unitPrice", "INVALID_TYPE"),
    (setting("order.products.0.total", "1000"), "order.products[0].total", "INVALID_TYPE"),
    (
        setting("order.products.0.vatPercentage", 101),
        "order.products[0].vatPercentage",
        "OUT_OF_RANGE",
    ),
    (
        setting("order.products.0.vatPercentage", -1),
        "order.products[0].vatPercentage",
        "OUT_OF_RANGE",
    ),
    (
        setting("order.products.0.vatPercentage", "21"),
        "order.products[0].vatPercentage",
        "INVALID_TYPE",
    ),
    (setting("order.shippingCosts", 4.95), "order.shippingCosts", "INVALID_TYPE"),
    (setting("order.shippingCosts", -1), "order.shippingCosts", "OUT_OF_RANGE"),
    (setting("order.totalVat", "629"), "order.totalVat", "INVALID_TYPE"),
]


def start(api: requests.Session, sandbox: SandboxHandle, body: Any) -> requests.Response:
    """POST ``body`` as JSON text (``null`` included, which ``json=None`` would not send)."""
    return api.post(
        f"{sandbox.url}/v1/session/start",
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )


@pytest.mark.parametrize(("edit", "path", "code"), REJECTED)
def test_each_rule_is_a_422_naming_the_field(
    api: requests.Session, sandbox: SandboxHandle, edit: Edit, path: str, code: str
) -> None:
    body = full_request()
    edit(body)
    problem = assert_problem(start(api, sandbox, body), 422)
    assert violation_paths(problem) == {path: code}
    assert problem["detail"].startswith(f"{path}: ")
    message = problem["violations"][0]["message"]
    assert "must be" in message or "is required" in message


def test_every_offending_field_is_named_at_once(
    api: requests.Session, sandbox: SandboxHandle
) -> None:
    body = full_request()
    del body["returnUrl"]
    body["amount"]["value"] = 29.99
    body["customer"]["email"] = "nope"
    body["order"]["products"][1]["quantity"] = -2
    problem = assert_problem(start(api, sandbox, body), 422)
    assert violation_paths(problem) == {
        "returnUrl": "REQUIRED",
        "amount.value": "INVALID_TYPE",
        "customer.email": "INVALID_FORMAT",
        "order.products[1].quantity": "OUT_OF_RANGE",
    }


def test_a_float_written_as_whole_number_is_still_not_an_integer(
    api: requests.Session, sandbox: SandboxHandle
) -> None:
    raw = json.dumps(minimum_request()).replace('"value": 100', '"value": 100.0')
    response = api.post(
        f"{sandbox.url}/v1/session/start",
        data=raw,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert violation_paths(assert_problem(response, 422)) == {"amount.value": "INVALID_TYPE"}


@pytest.mark.parametrize("body", [[], "text", 42, None])
def test_a_body_that_is_not_an_object_has_a_null_path(
    api: requests.Session, sandbox: SandboxHandle, body: Any
) -> None:
    problem = assert_problem(start(api, sandbox, body), 422)
    assert violation_paths(problem) == {None: "INVALID_TYPE"}


ACCEPTED = [
    setting("customer.locale", "nl"),
    setting("customer.locale", "en-GB"),
    setting("expire", "2026-12-31T23:59:59"),
    setting("expire", "2026-12-31T23:59:59.123+01:00"),
    setting("expire", "2020-01-01T00:00:00Z"),  # in the past: the helpers warn, the API accepts
    setting("order.products.0.vatPercentage", 9.5),
    setting("order.products.0.vatPercentage", 0),
    setting("order.products.0.vatPercentage", 100),
    setting("order.products.1.unitPrice", -500),  # a discount line
    setting("order.totalVat", 1),  # inconsistent totals are accepted, as the contract's are
    setting("returnUrl", "http://localhost:8080/return?order=1#top"),
    setting("unknownField", {"anything": [1, 2]}),
    setting("customer.nickname", "JD"),
    removing("customer.address"),
    removing("order.products"),
]


@pytest.mark.parametrize("edit", ACCEPTED)
def test_allowed_variations_are_created(
    api: requests.Session, sandbox: SandboxHandle, edit: Edit
) -> None:
    body = full_request()
    edit(body)
    response = start(api, sandbox, body)
    assert response.status_code == 201, response.text
    assert set(response.json()) == {"sessionId", "sessionToken"}


@pytest.mark.parametrize(
    ("value", "currency", "formatted"),
    [(2999, "EUR", "29.99"), (500, "JPY", "500"), (1234, "KWD", "1.234"), (1, "EUR", "0.01")],
)
def test_token_formats_the_amount_by_currency_exponent(
    api: requests.Session, sandbox: SandboxHandle, value: int, currency: str, formatted: str
) -> None:
    body = minimum_request()
    body["amount"] = {"value": value, "currency": currency}
    created = start(api, sandbox, body).json()
    payload = decode_session_token(created["sessionToken"])
    assert (payload.amount_value, payload.amount_currency) == (value, currency)
    assert payload.amount_formatted == formatted
