"""The sandbox over real HTTP: the contract's examples, auth, isolation, statuses, scenarios."""

from __future__ import annotations

import base64
import json
import re
import time

import pytest
import requests

from payparts_helpers.rules.contract import openapi_document
from payparts_helpers.rules.examples import full_request, minimum_request
from payparts_helpers.rules.session_token import decode_session_token
from payparts_helpers.sandbox import DEMO_MERCHANT, SandboxHandle

from .conftest import OTHER_MERCHANT, http_session
from .problems import assert_problem, violation_paths

SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


def create(api: requests.Session, sandbox: SandboxHandle, body: dict) -> dict:
    response = api.post(f"{sandbox.url}/v1/session/start", json=body, timeout=10)
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


# --- the contract's examples -----------------------------------------------------------


def test_minimum_example_creates_a_session_with_a_documented_token(
    api: requests.Session, sandbox: SandboxHandle
) -> None:
    created = create(api, sandbox, minimum_request())
    assert set(created) == {"sessionId", "sessionToken"}
    assert SESSION_ID.match(created["sessionId"])
    assert re.fullmatch(r"st_[A-Za-z0-9+/]+={0,2}", created["sessionToken"])
    decoded = base64.b64decode(created["sessionToken"][3:], validate=True).decode()
    assert decoded == (
        f'{{"SessionId":"{created["sessionId"]}","Config":{{"merchantName":"Demo Shop",'
        '"amount":{"value":100,"currency":"EUR","formatted":"1.00"}}}'
    )


def test_full_example_round_trips_exactly_as_sent(
    api: requests.Session, sandbox: SandboxHandle
) -> None:
    sent = full_request()
    created = create(api, sandbox, sent)
    response = api.get(f"{sandbox.url}/v1/session/{created['sessionId']}", timeout=10)
    assert response.status_code == 200
    got = response.json()
    assert list(got) == ["sessionId", "sessionToken", "amount", "customer", "order"]
    assert got["sessionId"] == created["sessionId"]
    assert got["sessionToken"] == created["sessionToken"]
    for key in ("amount", "customer", "order"):
        assert got[key] == sent[key]
    assert decode_session_token(got["sessionToken"]).amount_formatted == "29.99"


def test_get_omits_what_was_not_sent(api: requests.Session, sandbox: SandboxHandle) -> None:
    created = create(api, sandbox, minimum_request())
    got = api.get(f"{sandbox.url}/v1/session/{created['sessionId']}", timeout=10).json()
    assert got == {
        "sessionId": created["sessionId"],
        "sessionToken": created["sessionToken"],
        "amount": {"value": 100, "currency": "EUR"},
    }


def test_unknown_fields_inside_kept_objects_come_back_verbatim(
    api: requests.Session, sandbox: SandboxHandle
) -> None:
    sent = full_request()
    sent["order"]["products"][0]["vatPercentage"] = 21.0
    sent["customer"]["extra"] = {"nested": [1, "two"]}
    created = create(api, sandbox, sent)
    raw = api.get(f"{sandbox.url}/v1/session/{created['sessionId']}", timeout=10).text
    assert '"vatPercentage":21.0' in raw
    assert json.loads(raw)["customer"]["extra"] == {"nested": [1, "two"]}


# --- authentication and isolation -------------------------------------------------------


def basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


BAD_AUTH = [
    None,
    basic("SL-1234-4321:wrong-secret"),
    basic("SL-0000-0000:your-secret-key"),
    basic("SL-1234-4321"),  # no colon
    basic("SL-1234-4321:your-secret-key "),  # one character off
    "Basic !!!not-base64!!!",
    "Bearer your-secret-key",
    "Basic",
    "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),  # not UTF-8
]


@pytest.mark.parametrize("header", BAD_AUTH)
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_bad_credentials_get_401_with_basic_challenge(
    sandbox: SandboxHandle, header: str | None, method: str
) -> None:
    headers = {"Authorization": header} if header else {}
    path = "/v1/session/start" if method == "POST" else "/v1/session/" + "0" * 32
    response = requests.request(
        method, sandbox.url + path, json=minimum_request(), headers=headers, timeout=10
    )
    body = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert "your-secret-key" not in response.text
    assert "wrong-secret" not in response.text
    assert body["violations"] == []


def test_a_session_of_another_sales_location_is_not_found(
    api: requests.Session, other_api: requests.Session, sandbox: SandboxHandle
) -> None:
    theirs = create(other_api, sandbox, minimum_request())["sessionId"]
    mine_unknown = "f" * 32
    as_other = api.get(f"{sandbox.url}/v1/session/{theirs}", timeout=10)
    as_unknown = api.get(f"{sandbox.url}/v1/session/{mine_unknown}", timeout=10)
    assert_problem(as_other, 404)
    assert as_other.json() == as_unknown.json()  # the answer never reveals that it exists
    assert other_api.get(f"{sandbox.url}/v1/session/{theirs}", timeout=10).status_code == 200


def test_each_merchant_name_goes_into_its_own_tokens(
    api: requests.Session, other_api: requests.Session, sandbox: SandboxHandle
) -> None:
    mine = create(api, sandbox, minimum_request())["sessionToken"]
    theirs = create(other_api, sandbox, minimum_request())["sessionToken"]
    assert decode_session_token(mine).merchant_name == DEMO_MERCHANT.merchant_name
    assert decode_session_token(theirs).merchant_name == OTHER_MERCHANT.merchant_name


@pytest.mark.parametrize(
    "session_id", ["unknown", "0" * 31, "0" * 33, "A" * 32, "..%2F..%2Fetc", "x?y=1", "%00"]
)
def test_malformed_or_unknown_ids_are_404(
    api: requests.Session, sandbox: SandboxHandle, session_id: str
) -> None:
    assert_problem(api.get(f"{sandbox.url}/v1/session/{session_id}", timeout=10), 404)


# --- protocol errors: always JSON, never HTML, never 500 --------------------------------


def test_wrong_method_is_405_with_allow(api: requests.Session, sandbox: SandboxHandle) -> None:
    response = api.get(f"{sandbox.url}/v1/session/start", timeout=10)
    # GET /v1/session/start matches the GET route with id "start": unknown id, 404.
    assert_problem(response, 404)
    response = api.put(f"{sandbox.url}/v1/session/start", json={}, timeout=10)
    assert_problem(response, 405)
    assert response.headers["Allow"] == "POST"
    response = api.delete(f"{sandbox.url}/v1/session/{'0' * 32}", timeout=10)
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_unknown_path_is_json_404(api: requests.Session, sandbox: SandboxHandle) -> None:
    assert_problem(api.get(f"{sandbox.url}/v2/whatever", timeout=10), 404)


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_non_json_content_type_is_415(
    api: requests.Session, sandbox: SandboxHandle, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.post(
        f"{sandbox.url}/v1/session/start",
        data=json.dumps(minimum_request()).encode(),
        headers=headers,
        timeout=10,
    )
    assert_problem(response, 415)


def test_json_content_type_with_charset_is_accepted(
    api: requests.Session, sandbox: SandboxHandle
) -> None:
    response = api.post(
        f"{sandbox.url}/v1/session/start",
        data=json.dumps(minimum_request()).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        timeout=10,
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "raw", [b"{bad", b"", b'{"amount": NaN}', b"\xff\xfe{}", b"[" * 100_00 + b"]" * 100_00]
)
def test_malformed_json_is_400(api: requests.Session, sandbox: SandboxHandle, raw: bytes) -> None:
    response = api.post(
        f"{sandbox.url}/v1/session/start",
        data=raw,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert "not valid JSON" in assert_problem(response, 400)["detail"]


def test_body_limit_is_64_kib(api: requests.Session, sandbox: SandboxHandle) -> None:
    text = json.dumps(minimum_request())
    exactly = text[:-1] + " " * (64 * 1024 - len(text)) + "}"
    assert len(exactly.encode()) == 64 * 1024
    url = f"{sandbox.url}/v1/session/start"
    headers = {"Content-Type": "application/json"}
    assert api.post(url, data=exactly, headers=headers, timeout=10).status_code == 201
    assert_problem(api.post(url, data=exactly + " ", headers=headers, timeout=10), 413)

    def chunked():  # no Content-Length: the limit holds while streaming too
        yield exactly.encode()
        yield b" "

    assert_problem(api.post(url, data=chunked(), headers=headers, timeout=10), 413)


def test_accept_without_json_is_406(api: requests.Session, sandbox: SandboxHandle) -> None:
    response = api.post(
        f"{sandbox.url}/v1/session/start",
        json=minimum_request(),
        headers={"Accept": "text/html"},
        timeout=10,
    )
    assert_problem(response, 406)
    for accept in ("*/*", "application/json", "application/*;q=0.8", "text/html, */*;q=0.1"):
        response = api.post(
            f"{sandbox.url}/v1/session/start",
            json=minimum_request(),
            headers={"Accept": accept},
            timeout=10,
        )
        assert response.status_code == 201, accept


def test_auth_is_checked_before_the_body(sandbox: SandboxHandle) -> None:
    response = requests.post(
        f"{sandbox.url}/v1/session/start",
        data=b"{bad",
        headers={"Content-Type": "text/plain"},
        timeout=10,
    )
    assert_problem(response, 401)


# --- fault scenarios ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "status", "retry_after"),
    [
        ("rate-limited", 429, "1"),
        ("rate-limited=3", 429, "3"),
        ("server-error", 500, None),
        ("unavailable", 503, "1"),
        ("unavailable=0.2", 503, "1"),
    ],
)
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_fault_scenarios_answer_like_a_live_service(
    api: requests.Session,
    sandbox: SandboxHandle,
    scenario: str,
    status: int,
    retry_after: str | None,
    method: str,
) -> None:
    path = "/v1/session/start" if method == "POST" else "/v1/session/" + "0" * 32
    response = api.request(
        method,
        sandbox.url + path,
        json=minimum_request(),
        headers={"Sandbox-Scenario": scenario},
        timeout=10,
    )
    assert_problem(response, status)
    assert response.headers.get("Retry-After") == retry_after


def test_bad_gateway_scenario_is_an_html_page_as_a_proxy_sends(
    api: requests.Session, sandbox: SandboxHandle
) -> None:
    response = api.post(
        f"{sandbox.url}/v1/session/start",
        json=minimum_request(),
        headers={"Sandbox-Scenario": "bad-gateway"},
        timeout=10,
    )
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>502 Bad Gateway</h1>" in response.text


def test_slow_scenario_delays_then_answers_normally(
    api: requests.Session, sandbox: SandboxHandle
) -> None:
    started = time.monotonic()
    response = api.post(
        f"{sandbox.url}/v1/session/start",
        json=minimum_request(),
        headers={"Sandbox-Scenario": "slow=0.4"},
        timeout=10,
    )
    assert time.monotonic() - started >= 0.4
    assert response.status_code == 201
    with pytest.raises(requests.Timeout):
        api.post(
            f"{sandbox.url}/v1/session/start",
            json=minimum_request(),
            headers={"Sandbox-Scenario": "slow=2"},
            timeout=(5, 0.3),
        )


@pytest.mark.parametrize(
    "scenario", ["bogus", "slow", "slow=abc", "slow=61", "slow=-1", "server-error=1", "slow=nan"]
)
def test_a_bad_scenario_header_is_a_400_naming_the_header(
    api: requests.Session, sandbox: SandboxHandle, scenario: str
) -> None:
    response = api.post(
        f"{sandbox.url}/v1/session/start",
        json=minimum_request(),
        headers={"Sandbox-Scenario": scenario},
        timeout=10,
    )
    assert violation_paths(assert_problem(response, 400)) == {
        "Sandbox-Scenario": "INVALID_SCENARIO"
    }


# --- the contract document ----------------------------------------------------------------


def test_openapi_document_is_served_with_the_contract_and_the_tagged_payment_side(
    sandbox: SandboxHandle,
) -> None:
    response = requests.get(f"{sandbox.url}/openapi.json", timeout=10)
    assert response.status_code == 200
    document = response.json()
    assert document == openapi_document()
    assert document["openapi"].startswith("3.1")
    by_tag: dict[str, set[str]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            (tag,) = operation["tags"]
            by_tag.setdefault(tag, set()).add(f"{method.upper()} {path}")
    assert by_tag == {
        "session": {"POST /v1/session/start", "GET /v1/session/{sessionId}"},
        "orders": {"GET /v1/orders/{orderId}/status"},
        "sandbox": {
            "GET /_sandbox/sessions/{sessionId}/order",
            "GET /_sandbox/sessions/{sessionId}/timeline",
            "GET /_sandbox/sessions/{sessionId}/deliveries",
            "GET /_sandbox/sessions/{sessionId}/status-reads",
            "GET /_sandbox/sessions",
            "POST /_sandbox/sessions/{sessionId}/outcome",
            "POST /_sandbox/sdk/init",
            "POST /_sandbox/sdk/pay",
            "POST /_sandbox/sdk/3ds",
            "POST /_sandbox/sdk/cancel",
        },
    }
    # Every sandbox-only path lives under the one prefix Pay.nl never uses.
    assert all(op.split(" ", 1)[1].startswith("/_sandbox/") for op in by_tag["sandbox"])


def test_index_names_the_service_without_credentials(sandbox: SandboxHandle) -> None:
    body = requests.get(sandbox.url + "/", timeout=10).json()
    assert body["service"] == "Pay.Parts sandbox"
    assert DEMO_MERCHANT.secret not in json.dumps(body)


def test_sandbox_repr_shows_no_secret(sandbox: SandboxHandle) -> None:
    assert DEMO_MERCHANT.secret not in repr(sandbox)
    assert DEMO_MERCHANT.secret not in repr(DEMO_MERCHANT)
    assert http_session(None).auth is None


@pytest.mark.parametrize("where", ["amount", "customer", "unknownField"])
def test_deep_nesting_inside_a_known_field_is_400_not_500(
    api: requests.Session, sandbox: SandboxHandle, where: str
) -> None:
    body = minimum_request()
    body[where] = json.loads("[" * 300 + "]" * 300)
    response = api.post(f"{sandbox.url}/v1/session/start", json=body, timeout=10)
    assert "nested deeper than 32" in assert_problem(response, 400)["detail"]
