"""The one signing rule for exchange calls: known vectors, PHP's hash_hmac, every verdict."""

from __future__ import annotations

import hmac
import json
import shutil
import subprocess
from unittest import mock

import pytest

from payparts_helpers.rules import exchange_signing
from payparts_helpers.rules.exchange_signing import (
    exchange_signature,
    sign_exchange,
    verify_exchange_signature,
)

SL_CODE = "SL-1234-4321"
SECRET = "your-secret-key"
BODY = json.dumps(
    {"event": "status_changed", "type": "order", "version": 1, "id": "x", "object": {"a": "é"}},
    separators=(",", ":"),
    ensure_ascii=False,
).encode("utf-8")

# RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
RFC4231_CASE_2 = {
    "sha256": "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    "sha512": (
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
    ),
}


@pytest.mark.parametrize("algorithm", ["sha256", "sha512"])
def test_signature_is_the_published_hmac(algorithm: str) -> None:
    got = exchange_signature(b"what do ya want for nothing?", "Jefe", algorithm)
    assert got == RFC4231_CASE_2[algorithm]


@pytest.mark.parametrize("algorithm", ["sha256", "sha512"])
def test_php_hash_hmac_agrees_over_the_same_bytes(algorithm: str, tmp_path) -> None:
    php = shutil.which("php")
    if php is None:
        pytest.fail("php-cli is missing: .ci/run installs it (most shops verify in PHP)")
    body = tmp_path / "body.json"
    body.write_bytes(BODY)
    script = "echo hash_hmac(getenv('ALGO'), file_get_contents(getenv('BODY')), getenv('KEY'));"
    completed = subprocess.run(
        [php, "-r", script],
        env={"ALGO": algorithm, "BODY": str(body), "KEY": SECRET},
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout == exchange_signature(BODY, SECRET, algorithm)


def test_headers_name_the_method_key_algorithm_and_signature() -> None:
    headers = sign_exchange(BODY, SL_CODE, SECRET, "sha512")
    assert headers == {
        "Signature-Method": "HMAC",
        "Signature-KeyID": SL_CODE,
        "Signature-Algorithm": "sha512",
        "Signature": exchange_signature(BODY, SECRET, "sha512"),
    }
    assert headers["Signature"] == headers["Signature"].lower()


def test_a_signed_call_verifies_with_any_header_case() -> None:
    headers = {k.lower(): v for k, v in sign_exchange(BODY, SL_CODE, SECRET).items()}
    verdict = verify_exchange_signature(headers, BODY, SECRET, key_id=SL_CODE)
    assert verdict
    assert (verdict.problem, verdict.key_id, verdict.algorithm) == (None, SL_CODE, "sha256")


def test_a_missing_algorithm_means_sha256() -> None:
    headers = sign_exchange(BODY, SL_CODE, SECRET)
    del headers["Signature-Algorithm"]
    assert verify_exchange_signature(headers, BODY, SECRET).valid


def verdict_for(**changes: object) -> exchange_signing.SignatureVerdict:
    headers: dict[str, str] = sign_exchange(BODY, SL_CODE, SECRET)
    body = changes.pop("body", BODY)
    secret = changes.pop("secret", SECRET)
    for name, value in changes.items():
        header = name.replace("_", "-")
        if value is None:
            headers.pop(header)
        else:
            headers[header] = str(value)
    return verify_exchange_signature(headers, body, secret, key_id=SL_CODE)


@pytest.mark.parametrize(
    ("changes", "problem", "words"),
    [
        ({"body": BODY.replace(b'"x"', b'"y"')}, "mismatch", "body was changed"),
        ({"body": BODY + b"\n"}, "mismatch", "does not match"),
        ({"secret": "another-secret"}, "mismatch", "another secret"),
        ({"Signature": None}, "missing-header", "missing header Signature"),
        ({"Signature_Method": None}, "missing-header", "Signature-Method"),
        ({"Signature_KeyID": None}, "missing-header", "Signature-KeyID"),
        ({"Signature_Method": "hmac"}, "unsupported-method", "treats such a call as unsigned"),
        ({"Signature_KeyID": "SL-9999-9999"}, "unknown-key-id", "another sales location"),
        ({"Signature_Algorithm": "md5"}, "unsupported-algorithm", "sha256 or sha512"),
        ({"Signature_Algorithm": "sha512"}, "mismatch", "sha512 HMAC"),
    ],
)
def test_what_is_wrong_is_named(changes: dict, problem: str, words: str) -> None:
    verdict = verdict_for(**changes)
    assert not verdict
    assert verdict.problem == problem
    assert words in verdict.message
    assert SECRET not in verdict.message


def test_an_uppercase_signature_is_refused_with_the_reason() -> None:
    upper = exchange_signature(BODY, SECRET).upper()
    verdict = verdict_for(Signature=upper)
    assert verdict.problem == "mismatch"
    assert "lowercase hex" in verdict.message


def test_the_key_id_is_trimmed_as_the_php_sdk_does() -> None:
    assert verdict_for(Signature_KeyID=f"  {SL_CODE} ").valid


def test_signatures_are_compared_in_constant_time() -> None:
    with mock.patch.object(
        exchange_signing.hmac, "compare_digest", wraps=hmac.compare_digest
    ) as compare:
        verify_exchange_signature(sign_exchange(BODY, SL_CODE, SECRET), BODY, SECRET)
    signature = exchange_signature(BODY, SECRET).encode()
    assert any(signature in call.args for call in compare.call_args_list)


def test_only_bytes_are_signed_and_only_known_algorithms() -> None:
    with pytest.raises(TypeError, match="raw body as bytes"):
        exchange_signature("text", SECRET)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sha256, sha512"):
        exchange_signature(BODY, SECRET, "md5")
