"""Reading what people type: major-unit money, percentages, display of minor units.

People type ``29.99``; the contract wants ``2999``. Every conversion goes through
:func:`money.to_minor`, which refuses anything that would need rounding, and a
refusal becomes a :class:`Finding` named after the contract field, so the form
can list it beside lint's findings instead of raising.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ..checks.lint import Finding
from ..rules import money

__all__ = ["display_amount", "parse_major", "parse_percentage", "usable_locale"]

DEFAULT_LOCALE = "nl-NL"


def parse_major(
    text: str, currency: str, path: str, *, required: bool = False
) -> tuple[int | None, Finding | None]:
    """``"29.99"`` EUR → ``(2999, None)``; empty → ``(None, None)`` unless ``required``;
    unreadable → ``(None, Finding("error", path, why))``."""
    shown = text.strip()
    if not shown:
        if required:
            return None, Finding(
                "error",
                path,
                f"enter an amount in {currency} major units, such as "
                f"{_example(currency)} (the form sends minor units)",
            )
        return None, None
    try:
        return money.to_minor(shown, currency), None
    except money.UnknownCurrencyError as exc:
        return None, Finding("error", path, str(exc))
    except money.InvalidAmountError as exc:
        message = str(exc)
        if "is not a" in message:
            message = f"{shown!r} is not a number: type {currency} major units, such as "
            message += _example(currency)
            if "," in shown:
                message += " (use a dot as the decimal separator)"
        return None, Finding("error", path, message)


def _example(currency: str) -> str:
    try:
        return money.format_plain(2999, currency) if money.exponent(currency) else "500"
    except money.UnknownCurrencyError:
        return "29.99"


def parse_percentage(text: str, path: str) -> tuple[int | float | None, Finding | None]:
    """``"21"`` → 21, ``"9.5"`` → 9.5, empty → None (not sent); anything else a finding."""
    shown = text.strip()
    if not shown:
        return None, None
    try:
        number = Decimal(shown)
    except InvalidOperation:
        hint = " (use a dot as the decimal separator)" if "," in shown else ""
        return None, Finding(
            "error", path, f"{shown!r} is not a number: type a percentage such as 21{hint}"
        )
    if not number.is_finite():
        return None, Finding("error", path, f"{shown!r} is not a finite number")
    if number == number.to_integral_value():
        return int(number), None
    return float(number), None


def usable_locale(locale: str | None) -> str:
    """The customer's locale when money can be shown in it, else nl-NL."""
    if locale:
        try:
            money.format_display(0, "EUR", locale)
        except money.UnknownLocaleError:
            return DEFAULT_LOCALE
        return locale
    return DEFAULT_LOCALE


def display_amount(minor: object, currency: object, locale: str | None = None) -> str:
    """Minor units for people (``€ 29,99``); raw figures when the currency is unknown."""
    if not isinstance(minor, int) or isinstance(minor, bool) or not money.is_currency(currency):
        return f"{minor} {currency} (not a payable amount: shown as sent)"
    return money.format_display(minor, currency, usable_locale(locale))
