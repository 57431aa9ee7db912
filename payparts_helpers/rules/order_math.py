"""The arithmetic of order lines, written once for scalars and pandas/numpy columns alike.

Lint (one request, plain ints) and the order tables (100,000 lines, vectorised)
both call these functions, so a rule such as "VAT contained in a price" exists
in exactly one place. Every function uses only operators that Python numbers
and numpy arrays share.

The contract does not say whether ``unitPrice``/``total`` include VAT, so both
readings are computed: *included* (consumer prices, VAT inside the price) and
*excluded* (VAT on top). Its own example's ``totalVat`` 629 matches the
excluded reading of 2998 (629.58); the included reading would be 520.
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = [
    "expected_line_total",
    "round_half_up",
    "vat_excluded",
    "vat_included",
    "vat_matches",
    "vat_tolerance",
]

Number = TypeVar("Number", bound=Any)


def expected_line_total(quantity: Number, unit_price: Number) -> Number:
    """What a line's ``total`` should be: quantity × unitPrice, in minor units."""
    return quantity * unit_price


def vat_included(total: Number, percentage: Number) -> Number:
    """VAT contained in a price that includes it: total × p / (100 + p), unrounded."""
    return total * percentage / (100 + percentage)


def vat_excluded(total: Number, percentage: Number) -> Number:
    """VAT on top of a price that excludes it: total × p / 100, unrounded."""
    return total * percentage / 100


def round_half_up(value: Number) -> Number:
    """Commercial rounding to whole minor units (0.5 away from zero), for numbers or arrays."""
    magnitude = (abs(value) * 2 + 1) // 2
    sign = (value > 0) * 2 - 1
    return magnitude * sign


def vat_tolerance(line_count: int) -> int:
    """How far a stated totalVat may sit from the exact sum: each line may be rounded by 1."""
    return max(1, line_count)


def vat_matches(stated: float, exact: float, line_count: int) -> bool:
    """True when ``stated`` is the exact VAT sum up to per-line rounding."""
    return abs(stated - exact) < vat_tolerance(line_count)
