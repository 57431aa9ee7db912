"""Warnings about money: line totals, lines + shipping vs amount, the 100x slip, totalVat.

The contract accepts all of these; a real integration probably did not mean them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..rules import money, order_math
from .findings import Finding
from .lint_context import LintContext, is_int, is_number

__all__ = ["check_line_totals", "check_major_units", "check_order_sum", "check_total_vat"]


def _money_text(minor: int, currency: str | None) -> str:
    return money.format_plain(minor, currency) if currency else str(minor)


def _unit(currency: str | None) -> str:
    return currency if currency else "minor units"


def _products(ctx: LintContext) -> list[tuple[str, dict[str, Any]]]:
    order = ctx.body.get("order")
    products = order.get("products") if isinstance(order, dict) else None
    if not isinstance(products, list):
        return []
    return [(f"order.products[{i}]", p) for i, p in enumerate(products) if isinstance(p, dict)]


def _all_products_are_objects(ctx: LintContext) -> bool:
    order = ctx.body.get("order")
    products = order.get("products") if isinstance(order, dict) else None
    return isinstance(products, list) and bool(products) and len(_products(ctx)) == len(products)


def check_line_totals(ctx: LintContext) -> Iterator[Finding]:
    """total ≠ quantity × unitPrice: the customer would see one figure, Pay.nl another."""
    for path, product in _products(ctx):
        quantity, unit_price, total = (product.get(k) for k in ("quantity", "unitPrice", "total"))
        if not (is_int(quantity) and is_int(unit_price) and is_int(total)):
            continue
        if not ctx.ok(f"{path}.quantity", f"{path}.unitPrice", f"{path}.total"):
            continue
        expected = order_math.expected_line_total(quantity, unit_price)
        if total != expected:
            yield Finding(
                "warning",
                f"{path}.total",
                f"total is {money.with_unit(total, ctx.currency)}, but quantity {quantity} × "
                f"unitPrice {money.with_unit(unit_price, ctx.currency)} = "
                f"{money.with_unit(expected, ctx.currency)}: set total to {expected} or fix "
                "quantity/unitPrice",
            )


def _line_sum(ctx: LintContext) -> int | None:
    """Sum of the line totals, or ``None`` when a line has no usable total."""
    if not _all_products_are_objects(ctx):
        return None
    totals = [(path, p.get("total")) for path, p in _products(ctx)]
    if not all(is_int(t) and ctx.ok(f"{path}.total") for path, t in totals):
        return None
    return sum(t for _, t in totals)


def _shipping(ctx: LintContext) -> int | None:
    """shippingCosts, 0 when absent (as the contract's minimum request implies)."""
    order = ctx.body.get("order")
    shipping = order.get("shippingCosts", 0) if isinstance(order, dict) else 0
    return shipping if is_int(shipping) and ctx.ok("order.shippingCosts") else None


def _amount_value(ctx: LintContext) -> int | None:
    amount = ctx.body.get("amount")
    value = amount.get("value") if isinstance(amount, dict) else None
    return value if is_int(value) and ctx.ok("amount.value") else None


def check_order_sum(ctx: LintContext) -> Iterator[Finding]:
    """Lines + shipping ≠ amount.value: which figure does the customer pay?"""
    lines, value = _line_sum(ctx), _amount_value(ctx)
    if lines is None or value is None:
        return
    shipping = _shipping(ctx)
    if shipping is None or lines + shipping == value:
        return
    cur = ctx.currency
    unit = _unit(cur)
    difference = abs(value - (lines + shipping))
    yield Finding(
        "warning",
        "amount.value",
        f"lines {_money_text(lines, cur)} + shipping {_money_text(shipping, cur)} = "
        f"{_money_text(lines + shipping, cur)} {unit}, but amount.value is "
        f"{_money_text(value, cur)} {unit} (difference {_money_text(difference, cur)} {unit}): "
        "make amount.value the sum of the line totals plus shippingCosts, or fix the lines",
    )


def check_major_units(ctx: LintContext) -> Iterator[Finding]:
    """amount.value in euros while the lines are in cents (known-facts: the 100x mistake).

    Heuristic, kept simple: the currency has decimals, the lines plus shipping come to
    at least one major unit, and amount.value × 10^exponent lies within one major unit
    of that sum (30 for lines of 2999, 29 for 2950). Only then is a 100x slip likelier
    than an honest difference.
    """
    lines, value, cur = _line_sum(ctx), _amount_value(ctx), ctx.currency
    if lines is None or value is None or cur is None:
        return
    shipping = _shipping(ctx)
    if shipping is None:
        return
    scale = 10 ** money.exponent(cur)
    expected = lines + shipping
    if scale == 1 or expected < scale or expected == value:
        return
    if abs(value * scale - expected) < scale:
        yield Finding(
            "warning",
            "amount.value",
            f"amount.value {money.with_unit(value, cur)} looks like major units: the lines "
            f"plus shipping come to {money.with_unit(expected, cur)}; amounts are in minor "
            f"units, so did you mean {expected}?",
        )


def _vat_inputs(ctx: LintContext) -> list[tuple[Fraction, Fraction]] | None:
    """(total, vatPercentage) per line as exact fractions, or ``None`` if any is unusable."""
    if not _all_products_are_objects(ctx):
        return None
    pairs = []
    for path, product in _products(ctx):
        total, rate = product.get("total"), product.get("vatPercentage")
        if not (is_int(total) and is_number(rate) and math.isfinite(rate)):
            return None
        if not ctx.ok(f"{path}.total", f"{path}.vatPercentage"):
            return None
        # Through str so that 21.0 or 9.5 mean what was written, not their binary neighbour.
        pairs.append((Fraction(total), Fraction(Decimal(str(rate)))))
    return pairs


@dataclass(frozen=True)
class _VatReadings:
    """The order's VAT computed both ways, exact (fractions of a minor unit)."""

    stated: int
    included: Fraction
    excluded: Fraction
    line_count: int
    currency: str | None

    def shown(self, minor: int | Fraction) -> str:
        """``520 (5.20 EUR)`` for a whole figure; an exact reading, rounded, the same way."""
        return money.with_unit(order_math.round_half_up(minor), self.currency)

    def matches(self, reading: Fraction) -> bool:
        return order_math.vat_matches(self.stated, reading, self.line_count)

    def both(self) -> str:
        return (
            f"prices including VAT → {self.shown(self.included)}, "
            f"prices excluding VAT → {self.shown(self.excluded)}"
        )


def check_total_vat(ctx: LintContext) -> Iterator[Finding]:
    """totalVat against both readings of the prices: the contract does not say which holds."""
    order = ctx.body.get("order")
    stated = order.get("totalVat") if isinstance(order, dict) else None
    if not (is_int(stated) and ctx.ok("order.totalVat")):
        return
    pairs = _vat_inputs(ctx)
    if pairs is None:
        return
    vat = _VatReadings(
        stated,
        sum((order_math.vat_included(t, p) for t, p in pairs), Fraction(0)),
        sum((order_math.vat_excluded(t, p) for t, p in pairs), Fraction(0)),
        len(pairs),
        ctx.currency,
    )
    yield _vat_finding(vat, shipping=_shipping(ctx))


def _vat_finding(vat: _VatReadings, *, shipping: int | None) -> Finding:
    included, excluded = vat.matches(vat.included), vat.matches(vat.excluded)
    if included and excluded:
        return Finding(
            "info",
            "order.totalVat",
            f"totalVat {vat.shown(vat.stated)} matches both readings of the prices ({vat.both()})",
        )
    if included or excluded:
        which, exact = ("including", vat.included) if included else ("excluding", vat.excluded)
        other, other_exact = ("exclude", vat.excluded) if included else ("include", vat.included)
        return Finding(
            "info",
            "order.totalVat",
            f"totalVat {vat.shown(vat.stated)} matches prices {which} VAT (the lines give "
            f"{float(exact):.2f} minor units before rounding); the contract does not say "
            f"whether prices include VAT: if your prices {other} VAT, set totalVat to "
            f"{vat.shown(other_exact)}",
        )
    note = " (VAT on shipping is not counted: its rate is not sent)" if shipping else ""
    return Finding(
        "warning",
        "order.totalVat",
        f"totalVat {vat.shown(vat.stated)} matches neither reading of the lines: "
        f"{vat.both()}{note}; set totalVat to the VAT of your order lines",
    )
