"""The redaction rule: what is masked, and when a body may skip the full walk."""

from __future__ import annotations

import base64
import json

import pytest

from payparts_helpers.rules.redaction import (
    MASK,
    basic_credentials_forms,
    may_reveal,
    redact,
    wire_forms,
)

SL, SECRET = "SL-1234-4321", "e2f1c0ffee00d15ea5e"


def test_every_form_of_the_credentials_is_masked() -> None:
    forms = basic_credentials_forms(SL, SECRET)
    encoded = base64.b64encode(f"{SL}:{SECRET}".encode()).decode()
    value = {"a": [SECRET, f"Basic {encoded}", encoded.rstrip("=")], SECRET: 1}
    assert redact(value, forms) == {"a": [MASK, f"Basic {MASK}", MASK], MASK: 1}


@pytest.mark.parametrize(
    ("secret", "encode"),
    [
        ("plain-hex-0123abcd", json.dumps),
        ("with/slash+plus", json.dumps),
        ("with/slash+plus", lambda v: json.dumps(v).replace("/", "\\/")),  # PHP's default
    ],
)
def test_a_body_holding_a_form_is_never_skipped(secret: str, encode) -> None:
    forms = basic_credentials_forms(SL, secret)
    wire = wire_forms(forms)
    assert wire is not None
    for form in forms:
        body = encode({"detail": f"echo {form} here"}).encode()
        assert may_reveal(body, wire)
        assert form not in json.dumps(redact(json.loads(body), forms))


def test_a_body_without_any_form_may_skip_the_walk() -> None:
    wire = wire_forms(basic_credentials_forms(SL, SECRET))
    assert not may_reveal(json.dumps({"sessionId": "0" * 32}).encode(), wire)


@pytest.mark.parametrize("secret", ['quote"d', "back\\slash", "caf\u00e9", "a<b", "tab\there"])
def test_a_secret_json_may_escape_always_takes_the_full_walk(secret: str) -> None:
    """\\u-escapes, hex flags: the bytes cannot be searched, so every body is masked."""
    wire = wire_forms(basic_credentials_forms(SL, secret))
    assert wire is None
    assert may_reveal(b'{"nothing": "here"}', wire)
    escaped = json.dumps({"detail": secret}).encode()  # ensure_ascii: \\u00e9, \\"
    assert redact(json.loads(escaped), basic_credentials_forms(SL, secret)) == {"detail": MASK}
