"""Order lines as editable rows: prices typed in major units, totals computed per line.

Each row sends what Pay.nl's shop plugin sends for a product. ``total`` is
quantity × unitPrice (:func:`order_math.expected_line_total`) unless a total is
typed, which lets an integrator reproduce a mismatch on purpose and watch lint
flag it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import ipywidgets as widgets

from ..checks.lint import Finding
from ..rules import money, order_math
from .fields import display_amount, parse_major, parse_percentage
from .markup import escape

__all__ = ["OrderLineRow", "OrderLinesEditor", "ParsedLines"]

_WIDTHS = {
    "description": "14em",
    "productId": "8em",
    "quantity": "5em",
    "unitPrice": "7em",
    "vatPercentage": "5em",
    "total": "7em",
    "preview": "13em",
}


def _width(name: str) -> widgets.Layout:
    return widgets.Layout(width=_WIDTHS[name])


@dataclass
class ParsedLines:
    """The rows read for sending: products in wire form, and what could not be read.

    ``totals`` holds each row's ``total`` as sent (None when it cannot be computed),
    ``vat_rates`` each row's vatPercentage (None when absent or unreadable).
    """

    products: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    totals: list[int | None] = field(default_factory=list)
    vat_rates: list[int | float | None] = field(default_factory=list)


class OrderLineRow:
    """One product: description, productId, quantity, unit price, VAT %, optional total."""

    def __init__(
        self,
        description: str = "",
        product_id: str = "",
        quantity: int = 1,
        unit_price: str = "",
        vat_percentage: str = "",
        total: str = "",
    ) -> None:
        self.description = widgets.Text(
            value=description, placeholder="description", layout=_width("description")
        )
        self.product_id = widgets.Text(
            value=product_id, placeholder="productId", layout=_width("productId")
        )
        self.quantity = widgets.IntText(value=quantity, layout=_width("quantity"))
        self.unit_price = widgets.Text(
            value=unit_price, placeholder="unit price", layout=_width("unitPrice")
        )
        self.vat_percentage = widgets.Text(
            value=vat_percentage, placeholder="VAT %", layout=_width("vatPercentage")
        )
        self.total = widgets.Text(value=total, placeholder="auto", layout=_width("total"))
        self.total_preview = widgets.HTML(layout=_width("preview"))
        self.remove_button = widgets.Button(
            description="Remove", icon="trash", layout=widgets.Layout(width="auto")
        )
        self.widget = widgets.HBox(
            [
                self.description,
                self.product_id,
                self.quantity,
                self.unit_price,
                self.vat_percentage,
                self.total,
                self.total_preview,
                self.remove_button,
            ]
        )

    @property
    def inputs(self) -> tuple[widgets.ValueWidget, ...]:
        return (
            self.description,
            self.product_id,
            self.quantity,
            self.unit_price,
            self.vat_percentage,
            self.total,
        )

    def read(self, index: int, currency: str) -> tuple[dict[str, Any], list[Finding], int | None]:
        """(product in wire form, problems, total sent) for position ``index``."""
        path = f"order.products[{index}]"
        problems: list[Finding] = []
        product: dict[str, Any] = {}
        if self.description.value.strip():
            product["description"] = self.description.value.strip()
        quantity = self.quantity.value
        product["quantity"] = quantity
        unit, problem = parse_major(self.unit_price.value, currency, f"{path}.unitPrice")
        problems += [problem] if problem else []
        if unit is not None:
            product["unitPrice"] = unit
        typed, problem = parse_major(self.total.value, currency, f"{path}.total")
        problems += [problem] if problem else []
        total = typed
        if total is None and unit is not None and not problem:
            total = order_math.expected_line_total(quantity, unit)
        if total is not None:
            product["total"] = total
        if self.product_id.value.strip():
            product["productId"] = self.product_id.value.strip()
        rate, problem = parse_percentage(self.vat_percentage.value, f"{path}.vatPercentage")
        problems += [problem] if problem else []
        if rate is not None:
            product["vatPercentage"] = rate
        self._preview(quantity, unit, typed, currency)
        return product, problems, total

    def _preview(self, quantity: int, unit: int | None, typed: int | None, currency: str) -> None:
        if unit is None:
            self.total_preview.value = "<span style='color: #777'>= —</span>"
            return
        expected = order_math.expected_line_total(quantity, unit)
        text = f"= {display_amount(expected, currency)} (sends {expected})"
        if typed is not None and typed != expected:
            text = (
                f"⚠ typed {money.with_unit(typed, currency)} ≠ {quantity} × {unit} = "
                f"{money.with_unit(expected, currency)}"
            )
            self.total_preview.value = f"<span style='color: #8a5a00'>{escape(text)}</span>"
            return
        self.total_preview.value = f"<span>{escape(text)}</span>"

    def close(self) -> None:
        for child in (*self.inputs, self.total_preview, self.remove_button, self.widget):
            child.close()


class OrderLinesEditor:
    """Rows of order lines with "Add line" and per-row "Remove"; ``on_change`` hears every edit."""

    def __init__(self, on_change: Callable[[], None] | None = None) -> None:
        self.on_change = on_change
        self.currency = "EUR"
        self.rows: list[OrderLineRow] = []
        self.add_button = widgets.Button(description="Add line", icon="plus")
        self.add_button.on_click(lambda _button: self.add_row())
        header = widgets.HBox(
            [
                widgets.HTML(f"<b>{name}</b>", layout=_width(name))
                for name in (
                    "description",
                    "productId",
                    "quantity",
                    "unitPrice",
                    "vatPercentage",
                    "total",
                    "preview",
                )
            ]
        )
        self.rows_box = widgets.VBox([])
        self.widget = widgets.VBox([header, self.rows_box, self.add_button])

    def add_row(
        self,
        description: str = "",
        product_id: str = "",
        quantity: int = 1,
        unit_price: str = "",
        vat_percentage: str = "",
        total: str = "",
    ) -> OrderLineRow:
        """Append a row (empty by default) and return it."""
        row = OrderLineRow(description, product_id, quantity, unit_price, vat_percentage, total)
        for child in row.inputs:
            child.observe(self._edited, names="value")
        row.remove_button.on_click(lambda _button: self.remove_row(row))
        self.rows.append(row)
        self.rows_box.children = tuple(r.widget for r in self.rows)
        self._edited()
        return row

    def remove_row(self, row: OrderLineRow | int) -> None:
        """Remove a row (the row or its index)."""
        target = self.rows[row] if isinstance(row, int) else row
        if target not in self.rows:
            return
        self.rows.remove(target)
        self.rows_box.children = tuple(r.widget for r in self.rows)
        target.close()
        self._edited()

    def read(self) -> ParsedLines:
        """Every row in wire form, in the editor's currency, with previews refreshed."""
        parsed = ParsedLines()
        for index, row in enumerate(self.rows):
            product, problems, total = row.read(index, self.currency)
            parsed.products.append(product)
            parsed.problems += problems
            parsed.totals.append(total)
            parsed.vat_rates.append(product.get("vatPercentage"))
        return parsed

    def exact_vat(self, prices_include_vat: bool) -> tuple[Fraction | None, str]:
        """The exact VAT of all lines under one reading, or (None, why it cannot be known)."""
        parsed = self.read()
        if not self.rows:
            return None, "there are no order lines"
        if parsed.problems:
            return None, "fix the order lines first: " + str(parsed.problems[0])
        reading = order_math.vat_included if prices_include_vat else order_math.vat_excluded
        exact = Fraction(0)
        for index, (total, rate) in enumerate(zip(parsed.totals, parsed.vat_rates, strict=True)):
            if total is None:
                return None, f"line {index + 1} has no unit price or total"
            if rate is None:
                return None, f"line {index + 1} has no vatPercentage"
            exact += reading(Fraction(total), Fraction(Decimal(str(rate))))
        return exact, ""

    def lines_total(self) -> int | None:
        """Sum of the totals sent, or None while a line has none."""
        parsed = self.read()
        if parsed.problems or any(total is None for total in parsed.totals):
            return None
        return sum(total for total in parsed.totals if total is not None)

    def _edited(self, _change: object = None) -> None:
        if self.on_change is not None:
            self.on_change()
        else:
            self.read()  # keep the previews current
