"""The create form's inputs: every field of the contract, in tabs, with minor-unit previews.

Only widgets and their layout: what the fields hold is read by
:mod:`request_assembly`, and the form (:mod:`create_form`) wires the two.
"""

from __future__ import annotations

import ipywidgets as widgets

from ..checks.lint import Finding
from ..rules import examples, money
from .fields import reading
from .markup import escape
from .order_lines_editor import OrderLinesEditor
from .request_assembly import AssembledRequest, FieldValues

__all__ = ["CreateSessionFields"]

_STYLE = {"description_width": "8em"}


def _text(value: str, description: str, placeholder: str = "") -> widgets.Text:
    return widgets.Text(
        value=value,
        description=description,
        placeholder=placeholder,
        style=_STYLE,
        layout=widgets.Layout(width="32em"),
    )


def _preview(text: str, value: int | None, problem: Finding | None) -> str:
    """What a money field will send (``sends 2999``, ``29,99 → sends 2999``), or why it
    cannot be read."""
    if problem is not None:
        return f"<span style='color: #b00020'>{escape(f'✗ {problem.message}')}</span>"
    if value is None:
        return ""
    return f"<span style='color: #555'>{escape(reading(text, value))}</span>"


class CreateSessionFields:
    """The inputs of ``POST /v1/session/start``, filled with the contract's minimum example,
    an amount of 29.99 EUR and an empty order editor; ``sections`` lays them out in tabs."""

    def __init__(self) -> None:
        example = examples.minimum_request()
        # payment
        self.amount = _text("29.99", "amount", "29.99")
        self.amount_preview = widgets.HTML()
        self.currency = widgets.Dropdown(
            options=money.currency_codes(), value="EUR", description="currency", style=_STYLE
        )
        self.description = _text("Order #12345", "description", "Order #12345")
        self.reference = _text("", "reference", "REF-12345")
        self.expire = _text("", "expire", "2026-12-31T23:59:59Z")
        # URLs
        self.return_url = _text(example["returnUrl"], "returnUrl", "https://shop.nl/return")
        self.exchange_url = _text(example["exchangeUrl"], "exchangeUrl", "https://shop.nl/exchange")
        # customer and address
        self.locale = _text("", "locale", "nl-NL")
        self.first_name = _text("", "firstName", "John")
        self.last_name = _text("", "lastName", "Doe")
        self.email = _text("", "email", "john.doe@example.com")
        self.phone = _text("", "phone", "+31612345678")
        self.street = _text("", "street", "Keizersgracht")
        self.house_number = _text("", "houseNumber", "126")
        self.postal_code = _text("", "postalCode", "1015CW")
        self.city = _text("", "city", "Amsterdam")
        self.country = _text("", "country", "NL")
        # order
        self.lines = OrderLinesEditor()
        self.shipping_costs = _text("0.00", "shippingCosts", "0.00")
        self.shipping_preview = widgets.HTML()
        self.total_vat = _text("", "totalVat", "5.20")
        self.total_vat_preview = widgets.HTML()
        self.prices_include_vat = widgets.Checkbox(
            value=True, description="prices include VAT", indent=False
        )
        self.compute_vat_button = widgets.Button(description="Compute totalVat", icon="calculator")
        self.amount_from_lines_button = widgets.Button(
            description="amount = lines + shipping", icon="equals"
        )
        self.order_status = widgets.HTML()
        # the rest
        self.extra_json = widgets.Textarea(
            value="",
            description="extra JSON",
            placeholder='{"customer": {"locale": "nl"}}  (merged into the request)',
            style=_STYLE,
            layout=widgets.Layout(width="48em", height="7em"),
        )
        self.sections = self._sections()

    def inputs(self) -> tuple[widgets.ValueWidget, ...]:
        """Every input outside the order lines editor (which reports its own edits)."""
        return (
            self.amount,
            self.currency,
            self.description,
            self.reference,
            self.expire,
            self.return_url,
            self.exchange_url,
            self.locale,
            self.first_name,
            self.last_name,
            self.email,
            self.phone,
            self.street,
            self.house_number,
            self.postal_code,
            self.city,
            self.country,
            self.shipping_costs,
            self.total_vat,
            self.extra_json,
        )

    def values(self) -> FieldValues:
        """What the inputs hold now, as typed."""
        return FieldValues(
            amount=self.amount.value,
            currency=self.currency.value,
            description=self.description.value,
            reference=self.reference.value,
            expire=self.expire.value,
            return_url=self.return_url.value,
            exchange_url=self.exchange_url.value,
            locale=self.locale.value,
            first_name=self.first_name.value,
            last_name=self.last_name.value,
            email=self.email.value,
            phone=self.phone.value,
            street=self.street.value,
            house_number=self.house_number.value,
            postal_code=self.postal_code.value,
            city=self.city.value,
            country=self.country.value,
            shipping_costs=self.shipping_costs.value,
            total_vat=self.total_vat.value,
            extra_json=self.extra_json.value,
        )

    def show_previews(self, assembled: AssembledRequest) -> None:
        """Beside each money field: the minor units it sends, or why it cannot be read."""
        self.amount_preview.value = _preview(self.amount.value, *assembled.amount)
        self.shipping_preview.value = _preview(self.shipping_costs.value, *assembled.shipping_costs)
        self.total_vat_preview.value = _preview(self.total_vat.value, *assembled.total_vat)

    def _sections(self) -> widgets.Tab:
        sections = {
            "Payment": widgets.VBox(
                [
                    widgets.HBox([self.amount, self.amount_preview]),
                    self.currency,
                    self.description,
                    self.reference,
                    self.expire,
                ]
            ),
            "URLs": widgets.VBox([self.return_url, self.exchange_url]),
            "Customer": widgets.VBox(
                [self.locale, self.first_name, self.last_name, self.email, self.phone]
            ),
            "Address": widgets.VBox(
                [self.street, self.house_number, self.postal_code, self.city, self.country]
            ),
            "Order lines": widgets.VBox(
                [
                    self.lines.widget,
                    widgets.HBox([self.shipping_costs, self.shipping_preview]),
                    widgets.HBox([self.total_vat, self.total_vat_preview]),
                    widgets.HBox(
                        [
                            self.prices_include_vat,
                            self.compute_vat_button,
                            self.amount_from_lines_button,
                        ]
                    ),
                    self.order_status,
                ]
            ),
            "Extra JSON": self.extra_json,
        }
        return widgets.Tab(children=list(sections.values()), titles=tuple(sections))
