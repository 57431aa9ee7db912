"""Money: integer minor units, converted by each currency's ISO 4217 exponent.

The one place where amounts become decimals or text. Everything else in the
package keeps money as ``int`` minor units (cents for EUR, yen for JPY, fils for
KWD), because the Pay.Parts contract does and because floats lose cents.

Exponents come from the ``iso4217`` package (the official ISO table); locale
formatting comes from Babel (CLDR), so no hand-written tables live here.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation, localcontext
from functools import cache

__all__ = [
    "InvalidAmountError",
    "UnknownCurrencyError",
    "UnknownLocaleError",
    "currency_codes",
    "exponent",
    "format_display",
    "format_plain",
    "is_currency",
    "to_decimal",
    "to_minor",
]


# 10**30 major units: beyond any payment, and small enough to print and compute with.
_MAX_MAGNITUDE = 30


class UnknownCurrencyError(ValueError):
    """The code is not an ISO 4217 currency with a minor unit (e.g. ``EURO``, ``XAU``)."""


class UnknownLocaleError(ValueError):
    """A locale neither Babel nor CLDR knows (``xx-YY``), or no locale at all."""


class InvalidAmountError(ValueError):
    """A major-unit amount that cannot be expressed exactly in minor units."""


@cache
def _exponents() -> dict[str, int]:
    """ISO 4217 codes that have a minor unit, mapped to their exponent.

    Codes without one (gold ``XAU``, SDR ``XDR``, the test code ``XTS``…) are
    left out: nothing can be paid in them.
    """
    from iso4217 import Currency

    return {c.code: c.exponent for c in Currency if c.exponent is not None}


def currency_codes() -> tuple[str, ...]:
    """Every payable ISO 4217 code, sorted."""
    return tuple(sorted(_exponents()))


def is_currency(code: object) -> bool:
    """True for a payable ISO 4217 code in upper case (``EUR``, not ``eur``)."""
    return isinstance(code, str) and code in _exponents()


def exponent(currency: str) -> int:
    """Number of decimals of the currency's minor unit: EUR 2, JPY 0, KWD 3."""
    try:
        return _exponents()[currency]
    except (KeyError, TypeError):
        raise UnknownCurrencyError(
            f"{currency!r} is not an ISO 4217 currency code with a minor unit (such as EUR)"
        ) from None


def to_decimal(minor: int, currency: str) -> Decimal:
    """Minor units to an exact major-unit Decimal: (2999, EUR) → Decimal('29.99')."""
    return Decimal(int(minor)).scaleb(-exponent(currency))


def to_minor(major: Decimal | str | int | float, currency: str) -> int:
    """Major units to minor units, refusing anything that would need rounding.

    ``29.99`` EUR → 2999; ``29.999`` EUR raises: a silent round would change the
    amount the customer pays. Floats are read through ``str`` so that 29.99
    means 29.99, not its binary neighbour.
    """
    if isinstance(major, bool):
        raise InvalidAmountError("an amount must be a number, not true/false")
    try:
        value = Decimal(str(major)) if isinstance(major, float) else Decimal(major)
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidAmountError(f"{major!r} is not a number") from None
    if not value.is_finite():
        raise InvalidAmountError(f"{major!r} is not a finite number")
    if value and value.adjusted() > _MAX_MAGNITUDE:
        raise InvalidAmountError(f"{str(major)[:20]} is far larger than any amount")
    digits = exponent(currency)
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise InvalidAmountError(
            f"{major} has more than {digits} decimal{'s' if digits != 1 else ''}, "
            f"the most {currency} allows"
        )
    return int(scaled)


def format_plain(minor: int, currency: str) -> str:
    """Major units with a dot and exactly the currency's decimals: 2999 EUR → ``29.99``.

    This is the ``formatted`` field of the session token (JPY 500 → ``500``,
    KWD 1234 → ``1.234``).
    """
    digits = exponent(currency)
    whole, fraction = divmod(abs(int(minor)), 10**digits)  # integers: exact, and quick
    sign = "-" if minor < 0 else ""
    return f"{sign}{whole}.{fraction:0{digits}d}" if digits else f"{sign}{whole}"


def with_unit(minor: int, currency: str | None) -> str:
    """Minor units as a message shows them: ``520 (5.20 EUR)``; ``520 minor units`` unknown.

    Messages never leave a reader to guess whether 520 means cents or euros.
    """
    if currency is None or not is_currency(currency):
        return f"{minor} minor units"
    return f"{minor} ({format_plain(minor, currency)} {currency})"


def format_display(minor: int, currency: str, locale: str = "nl_NL") -> str:
    """For people: 2999 EUR in nl-NL → ``€ 29,99``; in en-US → ``€29.99``.

    Accepts ``nl-NL``, ``nl_NL`` or bare ``nl``. The locale's CLDR pattern
    (Babel) places symbol, separators and sign; the number of decimals is the
    ISO exponent, not CLDR's, so the digits shown are the digits sent.
    """
    if not isinstance(locale, str) or not locale.strip():
        raise UnknownLocaleError(f"a locale is text such as nl-NL, not {locale!r}")
    pattern, babel_locale = _currency_pattern(locale.strip().replace("-", "_"), exponent(currency))
    with localcontext() as context:  # Babel rounds in the current context: give it every digit
        context.prec = max(context.prec, len(str(abs(int(minor)))) + 2)
        return pattern.apply(
            to_decimal(minor, currency), babel_locale, currency=currency, currency_digits=False
        )


@cache
def _currency_pattern(locale: str, digits: int):
    from babel.core import Locale
    from babel.core import UnknownLocaleError as BabelUnknownLocale
    from babel.numbers import parse_pattern

    try:
        babel_locale = Locale.parse(locale)
    except (BabelUnknownLocale, ValueError, TypeError):
        raise UnknownLocaleError(f"{locale!r} is not a locale Babel knows (try nl-NL)") from None
    pattern = parse_pattern(babel_locale.currency_formats["standard"].pattern)
    pattern.frac_prec = (digits, digits)
    return pattern, babel_locale
