"""Money: minor units ↔ Decimal by ISO 4217 exponent, and display per locale."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payparts_helpers.rules import money


@pytest.mark.parametrize(
    ("minor", "currency", "plain"),
    [
        (2999, "EUR", "29.99"),
        (500, "JPY", "500"),
        (1234, "KWD", "1.234"),
        (5, "EUR", "0.05"),
        (-5, "EUR", "-0.05"),
        (100, "EUR", "1.00"),
        (0, "KWD", "0.000"),
        (1, "CLF", "0.0001"),
    ],
)
def test_format_plain_uses_iso_exponent(minor: int, currency: str, plain: str) -> None:
    assert money.format_plain(minor, currency) == plain


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "shown"),
    [
        (2999, "EUR", "nl-NL", "€ 29,99"),
        (2999, "EUR", "en_US", "€29.99"),
        (123456, "EUR", "nl", "€ 1.234,56"),
        (1234, "KWD", "en-US", "KWD1.234"),
        (500, "JPY", "en_US", "¥500"),
    ],
)
def test_format_display_per_locale(minor: int, currency: str, locale: str, shown: str) -> None:
    assert money.format_display(minor, currency, locale).replace("\xa0", " ") == shown


def test_unknown_currency_is_refused_with_the_code_named() -> None:
    for code in ("EURO", "eur", "XAU", "", None):
        with pytest.raises(money.UnknownCurrencyError, match="ISO 4217"):
            money.exponent(code)  # type: ignore[arg-type]
    assert not money.is_currency("XAU")  # gold has no minor unit: nothing is paid in it
    assert money.is_currency("EUR")


def test_to_minor_refuses_rounding_and_nonsense() -> None:
    assert money.to_minor("29.99", "EUR") == 2999
    assert money.to_minor(29.99, "EUR") == 2999
    assert money.to_minor(Decimal("1.234"), "KWD") == 1234
    for bad, currency in (
        ("29.999", "EUR"),
        ("0.5", "JPY"),
        ("abc", "EUR"),
        ("NaN", "EUR"),
        (True, "EUR"),
        ("Infinity", "EUR"),
    ):
        with pytest.raises(money.InvalidAmountError):
            money.to_minor(bad, currency)


@given(
    minor=st.integers(min_value=-(10**15), max_value=10**15),
    currency=st.sampled_from(money.currency_codes()),
)
def test_minor_units_round_trip_through_decimal_and_text(minor: int, currency: str) -> None:
    assert money.to_minor(money.to_decimal(minor, currency), currency) == minor
    assert money.to_minor(money.format_plain(minor, currency), currency) == minor


@pytest.mark.parametrize("locale", [None, "", "xx-YY", "not a locale"])
def test_unknown_locale_is_a_value_error_naming_it(locale: object) -> None:
    with pytest.raises(money.UnknownLocaleError):
        money.format_display(2999, "EUR", locale)  # type: ignore[arg-type]


def test_display_of_amounts_beyond_decimals_default_precision() -> None:
    huge = 10**40 + 99
    assert money.format_display(huge, "EUR", "en-US").endswith(".99")
    assert money.format_plain(huge, "EUR").endswith(".99")
