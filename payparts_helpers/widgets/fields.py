"""Reading what people type: major-unit money, percentages, display of minor units.

People type ``29.99`` (or, in the Netherlands, ``29,99``); the contract wants
``2999``. Every conversion goes through :func:`money.to_minor`, which refuses
anything that would need rounding, and a refusal becomes a :class:`Finding`
named after the contract field, so the form can list it beside lint's findings
instead of raising. A decimal comma is read only where it cannot mean anything
else; the form shows how it was read (``29,99 → sends 2999``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ..checks.lint import Finding
from ..rules import money

__all__ = [
    "AmbiguousAmountError",
    "display_amount",
    "parse_major",
    "parse_percentage",
    "reading",
    "usable_locale",
]

DEFAULT_LOCALE = "nl-NL"


def parse_major(
    text: str, currency: str, path: str, *, required: bool = False
) -> tuple[int | None, Finding | None]:
    """``"29.99"`` or ``"29,99"`` EUR → ``(2999, None)``; empty → ``(None, None)`` unless
    ``required``; unreadable or ambiguous → ``(None, Finding("error", path, why))``."""
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
        dotted = _with_decimal_dot(shown, currency)
        return money.to_minor(dotted, currency), None
    except money.UnknownCurrencyError as exc:
        return None, Finding("error", path, str(exc))
    except AmbiguousAmountError as exc:
        return None, Finding("error", path, str(exc))
    except money.InvalidAmountError as exc:
        message = str(exc)
        if "is not a" in message:
            message = f"{shown!r} is not a number: type {currency} major units, such as "
            message += _example(currency)
        elif dotted != shown:  # name the amount as it was typed: 29,999, not 29.999
            message = message.replace(dotted, shown, 1)
        return None, Finding("error", path, message)


class AmbiguousAmountError(ValueError):
    """Typed money whose separators can be read two ways (``1,234``: 1234 or 1.234?)."""


def _with_decimal_dot(shown: str, currency: str) -> str:
    """The amount with a decimal dot: Dutch ``29,99`` is 29.99; ``29.99`` stays as it is.

    A comma is read as the decimal comma only where nothing else is meant: one comma,
    no dot. Thousands separators are never read, so ``1,234`` (three digits after the
    comma, one to three before) is refused as ambiguous, and so are a dot and a comma
    together (``1.234,56``) and several of either: a wrong guess would change the amount.
    """
    commas, dots = shown.count(","), shown.count(".")
    if commas + dots > 1:
        raise AmbiguousAmountError(
            f"{shown!r} has a thousands separator, which the form does not read (a "
            f"separator read the wrong way changes the amount): type "
            f"{_without_thousands(shown)} if that is what you mean"
        )
    if not commas:
        return shown
    whole, _, fraction = shown.partition(",")
    digits = whole.lstrip("+-")
    one_to_three = digits.isdigit() and len(digits) <= 3 and bool(digits.strip("0"))
    if len(fraction) == 3 and fraction.isdigit() and one_to_three:  # 1,234: 1234 or 1.234?
        grouped, dotted = f"{whole}{fraction}", f"{whole}.{fraction}"
        raise AmbiguousAmountError(
            f"{shown!r} is ambiguous: {grouped} {currency} with a thousands separator, or "
            f"{dotted} {currency} with a decimal comma{_too_precise(dotted, currency)}; "
            f"type {grouped} if that is what you mean"
        )
    return f"{whole}.{fraction}"


def _without_thousands(shown: str) -> str:
    """``1.234,56`` → ``1234,56``; ``1,234,567`` → ``1234567``: the last of two different
    separators is the decimal one, repeated ones are all thousands."""
    last = max(shown.rfind(","), shown.rfind("."))
    if shown.count(shown[last]) > 1:
        return shown.replace(",", "").replace(".", "")
    head = shown[:last].replace(",", "").replace(".", "")
    return head + shown[last:]


def _too_precise(dotted: str, currency: str) -> str:
    """``" (more decimals than EUR has)"`` when a decimal reading cannot be sent at all."""
    try:
        money.to_minor(dotted, currency)
    except money.InvalidAmountError:
        return f" (more decimals than {currency} has)"
    return ""


def reading(text: str, value: int | None) -> str:
    """What a money field sends, and how a decimal comma was read: ``29,99 → sends 2999``."""
    if value is None:
        return ""
    shown = text.strip()
    return f"{shown} → sends {value}" if "," in shown else f"sends {value}"


def _example(currency: str) -> str:
    try:
        return money.format_plain(2999, currency) if money.exponent(currency) else "500"
    except money.UnknownCurrencyError:
        return "29.99"


def parse_percentage(text: str, path: str) -> tuple[int | float | None, Finding | None]:
    """``"21"`` → 21, ``"9.5"`` or ``"9,5"`` → 9.5, empty → None (not sent); anything else a
    finding. A percentage has no thousands, so one comma without a dot is a decimal comma."""
    shown = text.strip()
    if not shown:
        return None, None
    dotted = shown.replace(",", ".") if shown.count(",") == 1 and "." not in shown else shown
    try:
        number = Decimal(dotted)
    except InvalidOperation:
        return None, Finding(
            "error", path, f"{shown!r} is not a number: type a percentage such as 21 or 9.5"
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
