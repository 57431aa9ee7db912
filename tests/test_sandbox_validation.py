"""Every validation rule of the contract, sent over real HTTP to the sandbox.

The cases are the package's own list (validation_cases), which the regression
notebook runs too: one list, two uses.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from payparts_helpers.rules.examples import full_request, minimum_request
from payparts_helpers.rules.session_token import decode_session_token
from payparts_helpers.rules.validation_cases import ACCEPTED_CASES, REJECTED_CASES, ValidationCase
from payparts_helpers.sandbox import SandboxHandle

from .problems import assert_problem, violation_paths


def start(api: requests.Session, sandbox: SandboxHandle, body: Any) -> requests.Response:
    """POST ``body`` as JSON text (``null`` included, which ``json=None`` would not send)."""
    return api.post(
        f"{sandbox.url}/v1/session/start",
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )


@pytest.mark.parametrize("case", REJECTED_CASES, ids=lambda case: case.name)
def test_each_rule_is_a_422_naming_the_field(
    api: requests.Session, sandbox: SandboxHandle, case: ValidationCase
) -> None:
    problem = assert_problem(start(api, sandbox, case.request()), 422)
    assert violation_paths(problem) == {case.expected_path: case.expected_code}
    assert problem["detail"].startswith(f"{case.expected_path}: ")
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


@pytest.mark.parametrize("case", ACCEPTED_CASES, ids=lambda case: case.name)
def test_allowed_variations_are_created(
    api: requests.Session, sandbox: SandboxHandle, case: ValidationCase
) -> None:
    response = start(api, sandbox, case.request())
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
