"""Sales locations the sandbox knows, and Basic-auth checks against them."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..rules.examples import DEMO_SECRET, DEMO_SL_CODE

__all__ = [
    "DEMO_MERCHANT",
    "SECOND_DEMO_MERCHANT",
    "Merchant",
    "MerchantDirectory",
    "MerchantFileError",
    "load_merchants",
]


@dataclass(frozen=True)
class Merchant:
    """One sales location. The secret never appears in ``repr``."""

    sl_code: str
    secret: str = field(repr=False)
    merchant_name: str


# The contract's own example credentials (rules/examples.py, where the client reads them too).
DEMO_MERCHANT = Merchant(sl_code=DEMO_SL_CODE, secret=DEMO_SECRET, merchant_name="Demo Shop")


# A second sales location for isolation checks, in sandboxes started for that purpose
# (the regression matrix, the tests). Sandbox-only, like the demo credentials.
SECOND_DEMO_MERCHANT = Merchant(
    sl_code="SL-0000-0002",
    secret="second-demo-secret",  # noqa: S106 - sandbox-only demo credential
    merchant_name="Second Demo Shop",
)


class MerchantFileError(ValueError):
    """A ``--merchants`` file that is not a JSON list of {slCode, secret, merchantName}."""


def load_merchants(path: str | Path) -> list[Merchant]:
    """Read a JSON list of ``{"slCode", "secret", "merchantName"}`` with a clear error per entry."""
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise MerchantFileError(f"cannot read merchants file {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MerchantFileError(f"merchants file {path} is not JSON: {exc}") from None
    if not isinstance(entries, list) or not entries:
        raise MerchantFileError(f"merchants file {path} must hold a non-empty JSON list")
    merchants = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise MerchantFileError(f"merchants[{index}] must be an object")
        for key in ("slCode", "secret", "merchantName"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise MerchantFileError(f"merchants[{index}].{key} must be non-empty text")
        if ":" in entry["slCode"]:
            raise MerchantFileError(f"merchants[{index}].slCode cannot contain ':' (Basic auth)")
        merchants.append(Merchant(entry["slCode"], entry["secret"], entry["merchantName"]))
    codes = [m.sl_code for m in merchants]
    if len(set(codes)) != len(codes):
        raise MerchantFileError(f"merchants file {path} lists an slCode twice")
    return merchants


class MerchantDirectory:
    """Looks up the merchant behind an ``Authorization: Basic`` header."""

    def __init__(self, merchants: Iterable[Merchant]) -> None:
        self._by_code = {m.sl_code: m for m in merchants}
        if not self._by_code:
            raise ValueError("the sandbox needs at least one merchant")

    def __iter__(self):
        return iter(self._by_code.values())

    def get(self, sl_code: str) -> Merchant | None:
        """The merchant with this SL code (for signing its exchange calls), or None."""
        return self._by_code.get(sl_code)

    def authenticate(self, header: str | None) -> Merchant | None:
        """The merchant whose credentials the header carries, or None.

        The secret is compared with ``hmac.compare_digest``, and an unknown SL
        code is compared against a dummy, so timing reveals neither.
        """
        credentials = _parse_basic(header)
        if credentials is None:
            return None
        sl_code, secret = credentials
        merchant = self._by_code.get(sl_code)
        expected = merchant.secret if merchant else "\0unknown-sales-location\0"
        matches = hmac.compare_digest(secret.encode("utf-8"), expected.encode("utf-8"))
        return merchant if matches and merchant else None


def _parse_basic(header: str | None) -> tuple[str, str] | None:
    if not header:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    sl_code, colon, secret = decoded.partition(":")
    return (sl_code, secret) if colon else None
