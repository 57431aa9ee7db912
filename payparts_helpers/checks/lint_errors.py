"""Errors: the contract's own violations, reworded where a better message helps.

A decimal where minor units belong gets "did you mean 2999?"; a required key that is
present under another spelling gets "rename it". The rule itself stays the contract's.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from ..rules import contract, money
from ..rules.errors import Violation
from .findings import Finding
from .lint_context import lookup, quoted
from .lint_unknown_keys import near_miss

__all__ = ["error_finding"]

_FALLBACK_CURRENCY = "EUR"
_MONEY_PATH = re.compile(
    r"^(amount\.value|order\.(shippingCosts|totalVat)|order\.products\[\d+\]\.(unitPrice|total))$"
)
# Text amounts with more digits than any money field allows are not worth a suggestion.
_MAX_DIGITS = len(str(contract.MAX_MONEY))


def error_finding(violation: Violation, body: object) -> Finding:
    """A violation as an error finding; decimal amounts and typo'd keys get a better message."""
    message = violation.message
    if violation.code == "INVALID_TYPE" and violation.path and _MONEY_PATH.match(violation.path):
        message = _money_message(lookup(body, violation.path), _currency_of(body)) or message
    elif violation.code == "REQUIRED" and violation.path:
        message += _renamed_hint(body, violation.path)
    return Finding("error", violation.path, message)


def _currency_of(body: object) -> str:
    amount = body.get("amount") if isinstance(body, dict) else None
    code = amount.get("currency") if isinstance(amount, dict) else None
    return code if money.is_currency(code) else _FALLBACK_CURRENCY


def _money_message(value: object, currency: str) -> str | None:
    """For 29.99 where minor units belong: "did you mean 2999?"; ``None`` to keep the original."""
    if isinstance(value, float):
        return _decimal_amount_message(value, repr(value), currency)
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        if not number.is_finite() or number.adjusted() > _MAX_DIGITS:
            return None  # keep the contract's message; no point converting absurd figures
        if number == number.to_integral_value() and "." not in value:
            return f"must be a JSON number, not text: write {int(number)} without quotes"
        return "must be a JSON number, not text; " + _decimal_amount_message(
            number, quoted(value), currency
        )
    return None


def _decimal_amount_message(value: float | Decimal, shown: str, currency: str) -> str:
    """The message for a decimal where minor units belong, with the integer meant if exact."""
    base = f"got {shown}, a decimal number; amounts are in minor units"
    try:
        minor = money.to_minor(value, currency)
    except money.InvalidAmountError:
        if not _is_finite(value):
            return f"{base}: send an integer number of minor units, not {shown}"
        return (
            f"{base} ({_minor_unit_example(currency)}), and {shown} has more decimals than "
            f"{currency} allows, so it has no exact equivalent: send an integer"
        )
    if abs(minor) > contract.MAX_MONEY:
        return f"{base}, and {minor} would be out of range: send a smaller integer"
    message = f"{base}: did you mean {minor}?"
    if isinstance(value, float) and value.is_integer() and minor != int(value):
        message += f" (or {int(value)}, if {shown} was already in minor units)"
    return message


def _is_finite(value: float | Decimal) -> bool:
    return math.isfinite(value) if isinstance(value, float) else value.is_finite()


def _minor_unit_example(currency: str) -> str:
    if money.exponent(currency) == 0:
        return f"{currency} has no decimals"
    return f"for {currency}, 2999 means {money.format_plain(2999, currency)}"


def _renamed_hint(body: object, path: str) -> str:
    """When ``returnUrl`` is missing but ``returnURL`` is present, say so in the error."""
    parent_path, _, name = path.rpartition(".")
    parent = lookup(body, parent_path) if parent_path else body
    if not isinstance(parent, dict):
        return ""
    for key in parent:
        if isinstance(key, str) and key != name and near_miss(key, [name]) == name:
            return f" (the request has {quoted(key)}: rename it to {name})"
    return ""
