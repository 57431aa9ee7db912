"""Token checks: the token's documented shape, and the token against its session."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payparts_helpers.checks.lint import Finding
from payparts_helpers.checks.token_checks import token_findings
from payparts_helpers.rules.examples import EXAMPLE_SESSION_ID, EXAMPLE_TOKEN
from payparts_helpers.rules.resources import CreatedSession, SessionDetails
from payparts_helpers.rules.session_token import decode_session_token, encode_session_token

OTHER_ID = "0123456789abcdef0123456789abcdef"


def token_of(payload: object) -> str:
    return "st_" + base64.b64encode(json.dumps(payload).encode()).decode()


def made(value: int = 2999, currency: str = "EUR", session_id: str = EXAMPLE_SESSION_ID) -> str:
    return encode_session_token(session_id, "Démo Shop", value, currency)


def details(session_id: str = EXAMPLE_SESSION_ID, amount: Any = None) -> SessionDetails:
    token = made(session_id=session_id)
    raw = {"sessionId": session_id, "sessionToken": token, "amount": amount}
    return SessionDetails(session_id, token, amount, None, None, raw)


def summary(findings: list[Finding]) -> list[tuple[str, str | None]]:
    return [(f.level, f.path) for f in findings]


# --- the token on its own ----------------------------------------------------------------


def test_contract_example_token_is_flagged_for_its_formatted() -> None:
    findings = token_findings(decode_session_token(EXAMPLE_TOKEN))
    assert summary(findings) == [("warning", "Config.amount.formatted")]
    message = findings[0].message
    assert 'formatted is "299.99", but 2999 EUR is "29.99"' in message
    assert "(EUR has 2 decimals)" in message


def test_contract_example_token_against_its_own_session_has_no_error() -> None:
    session = {"sessionId": EXAMPLE_SESSION_ID, "amount": {"value": 2999, "currency": "EUR"}}
    findings = token_findings(decode_session_token(EXAMPLE_TOKEN), session)
    assert summary(findings) == [("warning", "Config.amount.formatted")]


@pytest.mark.parametrize(("value", "currency"), [(2999, "EUR"), (500, "JPY"), (1234, "KWD")])
def test_sandbox_made_tokens_are_clean(value: int, currency: str) -> None:
    payload = decode_session_token(made(value, currency))
    assert token_findings(payload) == []
    session = {"sessionId": EXAMPLE_SESSION_ID, "amount": {"value": value, "currency": currency}}
    assert token_findings(payload, session) == []


def test_token_text_is_decoded_for_you() -> None:
    assert token_findings(EXAMPLE_TOKEN) == token_findings(decode_session_token(EXAMPLE_TOKEN))
    assert token_findings(made()) == []


@pytest.mark.parametrize(
    "text", ["", "st_", "st_abc!def", "st_" + base64.b64encode(b"[1]").decode()]
)
def test_undecodable_token_text_is_one_error(text: str) -> None:
    findings = token_findings(text)
    assert summary(findings) == [("error", None)]
    assert "Traceback" not in findings[0].message
    assert findings[0].message.endswith("paste the whole sessionToken")


GOOD_CONFIG: dict[str, Any] = {
    "merchantName": "Shop",
    "amount": {"value": 2999, "currency": "EUR", "formatted": "29.99"},
}


def with_amount(**changes: Any) -> dict[str, Any]:
    amount = {**GOOD_CONFIG["amount"], **changes}
    return {"SessionId": EXAMPLE_SESSION_ID, "Config": {**GOOD_CONFIG, "amount": amount}}


def without(key: str) -> dict[str, Any]:
    amount = {k: v for k, v in GOOD_CONFIG["amount"].items() if k != key}
    return {"SessionId": EXAMPLE_SESSION_ID, "Config": {**GOOD_CONFIG, "amount": amount}}


@pytest.mark.parametrize(
    ("payload", "expected", "text"),
    [
        (
            {"SessionId": EXAMPLE_SESSION_ID, "Config": {}},
            [("error", "Config.amount"), ("error", "Config.merchantName")],
            "Config.amount is missing",
        ),
        (
            {"SessionId": EXAMPLE_SESSION_ID, "Config": {"merchantName": 5, "amount": []}},
            [("error", "Config.amount"), ("error", "Config.merchantName")],
            "Config.merchantName must be text; got 5",
        ),
        (
            {"SessionId": EXAMPLE_SESSION_ID, "Config": {**GOOD_CONFIG, "merchantName": " "}},
            [("warning", "Config.merchantName")],
            "Config.merchantName is empty",
        ),
        (with_amount(value="2999"), [("error", "Config.amount.value")], 'got "2999"'),
        (with_amount(value=29.99), [("error", "Config.amount.value")], "got 29.99"),
        (with_amount(value=True), [("error", "Config.amount.value")], "got true"),
        (with_amount(value=0, formatted="0.00"), [("error", "Config.amount.value")], "at least 1"),
        (without("value"), [("error", "Config.amount.value")], "value is missing"),
        (with_amount(currency="eur"), [("error", "Config.amount.currency")], 'got "eur"'),
        (with_amount(currency="XAU"), [("error", "Config.amount.currency")], 'got "XAU"'),
        (without("currency"), [("error", "Config.amount.currency")], "currency is missing"),
        (without("formatted"), [("error", "Config.amount.formatted")], "formatted is missing"),
        (with_amount(formatted=29.99), [("error", "Config.amount.formatted")], "must be text"),
        (
            with_amount(currency="KWD"),
            [("warning", "Config.amount.formatted")],
            'but 2999 KWD is "2.999" (KWD has 3 decimals)',
        ),
        (
            {"SessionId": "abc", "Config": GOOD_CONFIG},
            [("info", "SessionId")],
            'SessionId "abc" is not 32 lowercase hex',
        ),
    ],
)
def test_odd_payloads_are_flagged(
    payload: dict[str, Any], expected: list[tuple[str, str]], text: str
) -> None:
    findings = token_findings(decode_session_token(token_of(payload)))
    assert summary(findings) == expected
    assert any(text in f.message for f in findings), findings


def test_payload_of_the_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="TokenPayload or the token text, not dict"):
        token_findings({"SessionId": EXAMPLE_SESSION_ID})  # type: ignore[arg-type]


# --- the token against its session ------------------------------------------------------


def test_matching_session_details_is_clean() -> None:
    session = details(amount={"value": 2999, "currency": "EUR"})
    assert token_findings(decode_session_token(made()), session) == []


def test_token_of_another_session_is_an_error() -> None:
    findings = token_findings(decode_session_token(made()), details(OTHER_ID))
    assert summary(findings) == [("error", "SessionId")]
    assert f'is not this session\'s id "{OTHER_ID}"' in findings[0].message


@pytest.mark.parametrize(
    ("amount", "expected", "text"),
    [
        ({"value": 3000, "currency": "EUR"}, "Config.amount.value", "the session's amount.value"),
        ({"value": 2999, "currency": "USD"}, "Config.amount.currency", 'the session\'s is "USD"'),
    ],
)
def test_amount_mismatch_is_an_error(amount: dict[str, Any], expected: str, text: str) -> None:
    findings = token_findings(decode_session_token(made()), details(amount=amount))
    assert summary(findings) == [("error", expected)]
    assert text in findings[0].message


def test_created_session_compares_the_id_only() -> None:
    token = made()
    created = CreatedSession(EXAMPLE_SESSION_ID, token, 0.01, {})
    assert token_findings(decode_session_token(token), created) == []
    other = CreatedSession(OTHER_ID, token, 0.01, {})
    assert summary(token_findings(decode_session_token(token), other)) == [("error", "SessionId")]


def test_session_details_without_amount_compares_the_id_only() -> None:
    assert token_findings(decode_session_token(made(value=5)), details(amount=None)) == []


def test_get_shaped_dict_session() -> None:
    payload = decode_session_token(made())
    session = {"sessionId": OTHER_ID, "amount": {"value": 100, "currency": "EUR"}}
    assert summary(token_findings(payload, session)) == [
        ("error", "Config.amount.value"),
        ("error", "SessionId"),
    ]


def test_dict_session_without_an_id_or_usable_amount_is_info() -> None:
    payload = decode_session_token(made())
    findings = token_findings(payload, {"amount": {"value": "2999"}})
    assert summary(findings) == [("info", None), ("info", None)]
    assert "no sessionId" in findings[0].message
    assert "not compared" in findings[1].message


def test_session_of_the_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="not str"):
        token_findings(decode_session_token(made()), "a3fc44c5")  # type: ignore[arg-type]


# --- never raises -----------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=15,
)
AMOUNT = st.fixed_dictionaries(
    {},
    optional={
        "value": JSON,
        "currency": st.sampled_from(["EUR", "JPY", "x"]) | JSON,
        "formatted": JSON,
    },
)
CONFIG = st.fixed_dictionaries({}, optional={"merchantName": JSON, "amount": AMOUNT | JSON})


@settings(max_examples=200, deadline=None)
@given(
    session_id=st.text(max_size=40), config=CONFIG | st.dictionaries(st.text(), JSON), session=JSON
)
def test_never_raises_on_odd_payloads(session_id: str, config: dict, session: object) -> None:
    payload = decode_session_token(token_of({"SessionId": session_id, "Config": config}))
    findings = token_findings(payload, session if isinstance(session, dict) else None)
    for finding in findings:
        assert finding.level in {"error", "warning", "info"}
        assert finding.path is None or isinstance(finding.path, str)
        assert "Traceback" not in finding.message
