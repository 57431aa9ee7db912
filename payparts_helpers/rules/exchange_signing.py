"""Signing and verifying Pay.nl's signed exchange calls: the one rule, used on both sides.

Pay.nl's current exchange call is a JSON POST signed with four headers
(docs/reference/known-facts.md, "Signed exchange calls"): ``Signature-Method: HMAC``,
``Signature-KeyID`` (the SL code whose secret signs), ``Signature-Algorithm``
(``sha256`` when absent, or ``sha512``) and ``Signature``, the lowercase hex HMAC
of the **raw body** keyed with the sales location's secret. The sandbox signs
with :func:`sign_exchange`; the listener, the reference shop and anyone else
verify with :func:`verify_exchange_signature`, over the bytes exactly as received
and before parsing them, in constant time.

Pure module: no HTTP, no server. It never puts the secret or the expected
signature into a message.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ALGORITHMS",
    "DEFAULT_ALGORITHM",
    "HEADER_ALGORITHM",
    "HEADER_KEY_ID",
    "HEADER_METHOD",
    "HEADER_SIGNATURE",
    "SignatureVerdict",
    "exchange_signature",
    "sign_exchange",
    "verify_exchange_signature",
]

HEADER_METHOD = "Signature-Method"
HEADER_KEY_ID = "Signature-KeyID"
HEADER_ALGORITHM = "Signature-Algorithm"
HEADER_SIGNATURE = "Signature"
METHOD = "HMAC"  # exactly: Pay.nl's PHP SDK treats any other spelling as an unsigned call
ALGORITHMS = ("sha256", "sha512")
DEFAULT_ALGORITHM = "sha256"  # what the PHP SDK assumes when the header is missing

Problem = Literal[
    "missing-header",
    "unsupported-method",
    "unknown-key-id",
    "unsupported-algorithm",
    "mismatch",
]


def exchange_signature(raw_body: bytes, secret: str, algorithm: str = DEFAULT_ALGORITHM) -> str:
    """The lowercase hex HMAC of ``raw_body`` keyed with ``secret``, as PHP's ``hash_hmac``."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}, not {algorithm!r}")
    if not isinstance(raw_body, bytes | bytearray):
        raise TypeError("sign the raw body as bytes, exactly as it is sent")
    return hmac.new(secret.encode("utf-8"), bytes(raw_body), algorithm).hexdigest()


def sign_exchange(
    raw_body: bytes, key_id: str, secret: str, algorithm: str = DEFAULT_ALGORITHM
) -> dict[str, str]:
    """The four signature headers for ``raw_body``, sent as it is, byte for byte."""
    return {
        HEADER_METHOD: METHOD,
        HEADER_KEY_ID: key_id,
        HEADER_ALGORITHM: algorithm,
        HEADER_SIGNATURE: exchange_signature(raw_body, secret, algorithm),
    }


@dataclass(frozen=True)
class SignatureVerdict:
    """Whether a call's signature holds, and if not, which part is wrong and what to do.

    ``problem`` is ``None`` for a valid call; ``message`` says it in words. A verdict
    is truthy only when valid, so ``if verdict:`` reads naturally.
    """

    valid: bool
    message: str
    problem: Problem | None = None
    key_id: str | None = None
    algorithm: str | None = None

    def __bool__(self) -> bool:
        return self.valid


def verify_exchange_signature(
    headers: Mapping[str, str],
    raw_body: bytes,
    secret: str,
    *,
    key_id: str | None = None,
) -> SignatureVerdict:
    """Check a received exchange call's signature over its raw body, before any parsing.

    ``headers`` are matched case-insensitively (as Pay.nl's PHP SDK does). With
    ``key_id`` (your SL code), a call signed for another key id is refused as an
    unknown key id. The comparison runs in constant time.
    """
    found = {str(name).strip().lower(): str(value) for name, value in headers.items()}
    method = found.get(HEADER_METHOD.lower())
    signature = found.get(HEADER_SIGNATURE.lower())
    sent_key_id = found.get(HEADER_KEY_ID.lower())
    if method is None or signature is None or sent_key_id is None:
        missing = [
            name
            for name, value in (
                (HEADER_METHOD, method),
                (HEADER_KEY_ID, sent_key_id),
                (HEADER_SIGNATURE, signature),
            )
            if value is None
        ]
        return SignatureVerdict(
            False,
            f"missing header {', '.join(missing)}: the call is not signed; refuse it, or ask "
            "Pay.nl's order-status API for the order's real status",
            "missing-header",
        )
    sent_key_id = sent_key_id.strip()
    if method.strip() != METHOD:
        return SignatureVerdict(
            False,
            f"{HEADER_METHOD} is {method.strip()[:20]!r}, not exactly {METHOD!r}: Pay.nl's "
            "PHP SDK treats such a call as unsigned",
            "unsupported-method",
            sent_key_id,
        )
    if key_id is not None and not hmac.compare_digest(
        sent_key_id.encode("utf-8"), key_id.strip().encode("utf-8")
    ):
        return SignatureVerdict(
            False,
            f"{HEADER_KEY_ID} {sent_key_id[:40]!r} is not your key id {key_id.strip()!r}: "
            "the call was signed for another sales location",
            "unknown-key-id",
            sent_key_id,
        )
    algorithm = found.get(HEADER_ALGORITHM.lower(), DEFAULT_ALGORITHM).strip().lower()
    if algorithm not in ALGORITHMS:
        return SignatureVerdict(
            False,
            f"{HEADER_ALGORITHM} {algorithm[:20]!r} is not supported: expected "
            f"{' or '.join(ALGORITHMS)}",
            "unsupported-algorithm",
            sent_key_id,
        )
    expected = exchange_signature(raw_body, secret, algorithm).encode("ascii")
    given = signature.strip().encode("utf-8")
    if not hmac.compare_digest(expected, given):
        uppercase = hmac.compare_digest(given.lower(), expected)  # constant time here too
        hint = " (it must be lowercase hex)" if uppercase else ""
        return SignatureVerdict(
            False,
            f"the {algorithm} HMAC of the body does not match {HEADER_SIGNATURE}{hint}: the "
            "body was changed, or it was signed with another secret; do not trust it",
            "mismatch",
            sent_key_id,
            algorithm,
        )
    return SignatureVerdict(
        True, f"valid {algorithm} HMAC signature by {sent_key_id}", None, sent_key_id, algorithm
    )
