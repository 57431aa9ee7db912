"""The st_ token: the sandbox's encoder and the client's decoder are one module."""

import base64
import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payparts_helpers.rules import money
from payparts_helpers.rules.errors import PayPartsError, TokenDecodeError
from payparts_helpers.rules.examples import EXAMPLE_SESSION_ID, EXAMPLE_TOKEN
from payparts_helpers.rules.session_token import decode_session_token, encode_session_token


def test_encoding_matches_the_documented_bytes() -> None:
    token = encode_session_token(EXAMPLE_SESSION_ID, "Canyon Bikes", 2999, "EUR")
    assert token.startswith("st_")
    assert base64.b64decode(token[3:], validate=True).decode() == (
        '{"SessionId":"a3fc44c532784ce1b8ac2f2a003e1239","Config":{"merchantName":'
        '"Canyon Bikes","amount":{"value":2999,"currency":"EUR","formatted":"29.99"}}}'
    )
    # Same bytes as the contract's example token except its wrong "299.99".
    documented = base64.b64decode(EXAMPLE_TOKEN[3:]).decode().replace("299.99", "29.99")
    assert base64.b64decode(token[3:]).decode() == documented


def test_decodes_the_contract_example() -> None:
    payload = decode_session_token(EXAMPLE_TOKEN)
    assert payload.session_id == EXAMPLE_SESSION_ID
    assert payload.merchant_name == "Canyon Bikes"
    assert (payload.amount_value, payload.amount_currency) == (2999, "EUR")
    assert payload.amount_formatted == "299.99"  # kept as the vendor wrote it


def test_forgives_what_copying_does_to_a_token() -> None:
    body = EXAMPLE_TOKEN[3:]
    urlsafe = body.replace("+", "-").replace("/", "_")
    for variant in (
        body,
        body.rstrip("="),
        "st_" + body.rstrip("="),
        urlsafe,
        f'  "{EXAMPLE_TOKEN}"\n',
    ):
        assert decode_session_token(variant).session_id == EXAMPLE_SESSION_ID


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "empty"),
        ("st_", "nothing after"),
        ("st_abc!def", "'!' is not base64"),
        ("st_abcde", "cut off"),
        ("st_" + base64.b64encode(b"hello").decode(), "not JSON"),
        ("st_" + base64.b64encode(b"\xff\xfe").decode(), "UTF-8"),
        ("st_" + base64.b64encode(b"[1,2]").decode(), "not an object"),
        ("st_" + base64.b64encode(b'{"Config":{}}').decode(), "no SessionId"),
        ("st_" + base64.b64encode(b'{"SessionId":"x"}').decode(), "no Config"),
        ("st_" + "A" * 20000, "far shorter"),
        (12345, "text, not int"),
        # the likely mix-ups get a hint, not just a reason
        (EXAMPLE_SESSION_ID, "looks like a sessionId, not a sessionToken"),
        (EXAMPLE_SESSION_ID.upper(), "looks like a sessionId"),
        (EXAMPLE_TOKEN[:62], "stops before its end: the token was probably cut off"),
        (EXAMPLE_TOKEN[:-6], "stops before its end"),
    ],
)
def test_bad_tokens_raise_a_plain_reason(token: object, reason: str) -> None:
    with pytest.raises(TokenDecodeError, match=reason) as caught:
        decode_session_token(token)
    assert isinstance(caught.value, PayPartsError)
    assert caught.value.__cause__ is None  # no leaked binascii/JSON/Unicode error


@given(
    session_id=st.text(min_size=1, max_size=40),
    merchant=st.text(max_size=60),
    value=st.integers(min_value=1, max_value=2**53 - 1),
    currency=st.sampled_from(money.currency_codes()),
)
def test_round_trip(session_id: str, merchant: str, value: int, currency: str) -> None:
    payload = decode_session_token(encode_session_token(session_id, merchant, value, currency))
    assert (payload.session_id, payload.merchant_name) == (session_id, merchant)
    assert (payload.amount_value, payload.amount_currency) == (value, currency)
    assert payload.amount_formatted == money.format_plain(value, currency)
    assert list(payload.raw) == ["SessionId", "Config"]
    assert list(payload.raw["Config"]["amount"]) == ["value", "currency", "formatted"]


@given(st.text(max_size=300))
def test_arbitrary_text_decodes_or_raises_token_decode_error(text: str) -> None:
    with contextlib.suppress(TokenDecodeError):
        decode_session_token(text)


def test_json_inside_is_compact() -> None:
    token = encode_session_token("id", "Café Ünïcode", 1, "EUR")
    text = base64.b64decode(token[3:]).decode("utf-8")
    assert ", " not in text
    assert ": " not in text
    assert json.loads(text)["Config"]["merchantName"] == "Café Ünïcode"


def test_a_token_of_32_hex_characters_after_st_is_not_taken_for_an_id() -> None:
    with pytest.raises(TokenDecodeError) as caught:
        decode_session_token("st_" + EXAMPLE_SESSION_ID)
    assert "sessionId" not in str(caught.value)
