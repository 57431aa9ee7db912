"""The "create a session" form: every field of the contract, linted as you type.

People type amounts in major units (``29.99``); the form shows and sends minor
units (``2999``) through :func:`money.to_minor`, so an amount with too many
decimals is a named field error before anything is sent. Lint runs on every edit
and the Create button stays disabled while there are errors, exactly the ones the
sandbox would refuse, plus the fields the form could not read.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets

from ..checks.lint import Finding, lint_session_request
from ..checks.token_checks import token_findings
from ..client.payparts_client import PayPartsClient
from ..rules import examples, money, order_math
from ..rules.errors import TokenDecodeError, Violation
from ..rules.resources import CreatedSession
from ..rules.session_token import decode_session_token
from . import sent_registry
from ._base import next_uid, show
from .connected_form import ConnectedForm, snippet_tab
from .connection import ConnectionPanel
from .fields import parse_major, usable_locale
from .order_lines_editor import OrderLinesEditor
from .render import (
    NotSentError,
    error_html,
    escape,
    findings_html,
    json_html,
    notice_html,
    order_html,
    table_html,
)

__all__ = ["CreateSessionForm"]

_LEVEL_RANK = {"error": 0, "warning": 1, "info": 2}
_STYLE = {"description_width": "8em"}
_EXTRA_PATH = "extra JSON"


def _text(value: str, description: str, placeholder: str = "") -> widgets.Text:
    return widgets.Text(
        value=value,
        description=description,
        placeholder=placeholder,
        style=_STYLE,
        layout=widgets.Layout(width="32em"),
    )


def _preview(text: str, level: str = "ok") -> str:
    colour = "#b00020" if level == "error" else "#555"
    return f"<span style='color: {colour}'>{escape(text)}</span>"


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` over ``base``: objects merged key by key, anything else replaced."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _covered(path: str | None, bad: set[str]) -> bool:
    """True when a lint finding is about a field the form could not read (already listed)."""
    return path is not None and any(path == b or path.startswith((b + ".", b + "[")) for b in bad)


def _sort_key(finding: Finding) -> tuple[int, str]:
    return _LEVEL_RANK[finding.level], finding.path or ""


class CreateSessionForm(ConnectedForm):
    """``POST /v1/session/start`` from a form: edit, read the findings, press Create session.

    Pass a ``connection`` (a :class:`ConnectionPanel` shown elsewhere) or a ``client``;
    with neither, the form makes its own panel and shows it in a "Connection" section.
    After ``submit()``: ``result`` is the :class:`CreatedSession` (None on failure),
    ``error`` the error (None on success), ``sent`` the request body that was sent.
    ``findings`` always holds the current findings (form problems + lint).
    """

    def __init__(
        self, connection: ConnectionPanel | None = None, client: PayPartsClient | None = None
    ) -> None:
        head = self._connect(connection, client)
        self.result: CreatedSession | None = None
        self.error: BaseException | None = None
        self.sent: dict[str, Any] | None = None
        self.findings: list[Finding] = []
        self.snippets_tab: widgets.Tab | None = None
        self._request: dict[str, Any] = {}
        self._busy = False
        self._ready = False
        self._uid = next_uid("create")
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
        self.lines = OrderLinesEditor(on_change=self._edited)
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
        self.findings_area = widgets.HTML()
        self.create_button = widgets.Button(
            description="Create session", button_style="primary", icon="paper-plane"
        )
        self.output = widgets.Output()

        self.lines.add_row("Product A", "PROD-001", 1, "29.99", "21")
        self.compute_total_vat()
        self._ready = True
        for field in self._fields():
            field.observe(self._edited, names="value")
        self.compute_vat_button.on_click(lambda _button: self.compute_total_vat())
        self.amount_from_lines_button.on_click(lambda _button: self.amount_from_lines())
        self.create_button.on_click(lambda _button: self.submit())
        self.widget = self._layout(head)
        self.check()

    # --- layout ---------------------------------------------------------------------------

    def _fields(self) -> tuple[widgets.ValueWidget, ...]:
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

    def _layout(self, head: list[widgets.Widget]) -> widgets.VBox:
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
        self.sections = widgets.Tab(children=list(sections.values()), titles=tuple(sections))
        return widgets.VBox(
            [*head, self.sections, self.findings_area, self.create_button, self.output]
        )

    # --- reading the fields -----------------------------------------------------------------

    def _build(self) -> tuple[dict[str, Any], list[Finding]]:
        """(request in wire form, problems reading the fields); refreshes the previews."""
        currency = self.currency.value
        problems: list[Finding] = []
        request: dict[str, Any] = {
            "returnUrl": self.return_url.value.strip(),
            "exchangeUrl": self.exchange_url.value.strip(),
        }
        value, problem = parse_major(self.amount.value, currency, "amount.value", required=True)
        amount: dict[str, Any] = {"currency": currency}
        if value is not None:
            amount = {"value": value, "currency": currency}
        request["amount"] = amount
        self.amount_preview.value = self._minor_preview(value, problem)
        problems += [problem] if problem else []
        for key, field in (
            ("description", self.description),
            ("reference", self.reference),
            ("expire", self.expire),
        ):
            if field.value.strip():
                request[key] = field.value.strip()
        customer = self._filled(
            ("locale", self.locale),
            ("firstName", self.first_name),
            ("lastName", self.last_name),
            ("email", self.email),
            ("phone", self.phone),
        )
        address = self._filled(
            ("street", self.street),
            ("houseNumber", self.house_number),
            ("postalCode", self.postal_code),
            ("city", self.city),
            ("country", self.country),
        )
        if address:
            customer["address"] = address
        if customer:
            request["customer"] = customer
        order, order_problems = self._order(currency)
        problems += order_problems
        if order:
            request["order"] = order
        extra, problem = self._extra()
        problems += [problem] if problem else []
        if extra:
            request = _merge(request, extra)
        return request, problems

    @staticmethod
    def _filled(*pairs: tuple[str, widgets.Text]) -> dict[str, Any]:
        return {key: field.value.strip() for key, field in pairs if field.value.strip()}

    @staticmethod
    def _minor_preview(value: int | None, problem: Finding | None) -> str:
        if problem is not None:
            return _preview(f"✗ {problem.message}", "error")
        if value is None:
            return ""
        return _preview(f"sends {value}")

    def _order(self, currency: str) -> tuple[dict[str, Any], list[Finding]]:
        self.lines.currency = currency
        parsed = self.lines.read()
        problems = list(parsed.problems)
        order: dict[str, Any] = {}
        if parsed.products:
            order["products"] = parsed.products
        for key, field, preview in (
            ("shippingCosts", self.shipping_costs, self.shipping_preview),
            ("totalVat", self.total_vat, self.total_vat_preview),
        ):
            value, problem = parse_major(field.value, currency, f"order.{key}")
            preview.value = self._minor_preview(value, problem)
            problems += [problem] if problem else []
            if value is not None:
                order[key] = value
        return order, problems

    def _extra(self) -> tuple[dict[str, Any] | None, Finding | None]:
        text = self.extra_json.value.strip()
        if not text:
            return None, None
        try:
            extra = json.loads(text)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, over-long integers, depth
            message = getattr(exc, "msg", "too deeply nested or a number too long")
            where = f" (line {exc.lineno}, column {exc.colno})" if hasattr(exc, "lineno") else ""
            return None, Finding("error", _EXTRA_PATH, f"not JSON: {message}{where}")
        if not isinstance(extra, dict):
            return None, Finding(
                "error", _EXTRA_PATH, 'must be a JSON object such as {"reference": "R-1"}'
            )
        return extra, None

    def request(self) -> dict[str, Any]:
        """The request body the form would send now (fields it cannot read are left out)."""
        return self._build()[0]

    def check(self) -> list[Finding]:
        """Re-read the form and lint it: problems reading fields, then lint's findings."""
        request, problems = self._build()
        unread = {p.path for p in problems if p.path}
        findings = problems + [
            f for f in lint_session_request(request) if not _covered(f.path, unread)
        ]
        self.findings = sorted(findings, key=_sort_key)
        self._request = request
        self.findings_area.value = findings_html(
            self.findings,
            title="Before sending",
            empty="No findings: ready to send.",
            secrets=self._secrets(),
        )
        self.create_button.disabled = self._busy or self._has_errors()
        return self.findings

    def _has_errors(self) -> bool:
        return any(f.level == "error" for f in self.findings)

    def _edited(self, _change: object = None) -> None:
        if self._ready:
            self.check()

    # --- order helpers ----------------------------------------------------------------------

    def compute_total_vat(self) -> int | None:
        """Fill totalVat from the lines under the chosen reading (exact sum, rounded once)."""
        include = self.prices_include_vat.value
        exact, why = self.lines.exact_vat(include)
        if exact is None:
            self.order_status.value = notice_html(f"totalVat not computed: {why}", "warning")
            return None
        minor = int(order_math.round_half_up(exact))
        currency = self.currency.value
        self.total_vat.value = money.format_plain(minor, currency)
        reading = "including" if include else "excluding"
        self.order_status.value = notice_html(
            f"totalVat = {minor} minor units: exact VAT {float(exact):.2f} for prices "
            f"{reading} VAT, rounded half up once",
            "ok",
        )
        return minor

    def amount_from_lines(self) -> int | None:
        """Set amount to the sum of the line totals plus shippingCosts."""
        currency = self.currency.value
        self.lines.currency = currency
        lines = self.lines.lines_total()
        shipping, problem = parse_major(self.shipping_costs.value, currency, "order.shippingCosts")
        if lines is None or problem is not None:
            self.order_status.value = notice_html(
                "amount not set: every line needs a readable unit price or total, and "
                "shippingCosts must be readable",
                "warning",
            )
            return None
        value = lines + (shipping or 0)
        self.amount.value = money.format_plain(value, currency)
        self.order_status.value = notice_html(
            f"amount = lines {lines} + shipping {shipping or 0} = {value} minor units", "ok"
        )
        return value

    # --- sending ----------------------------------------------------------------------------

    def submit(self) -> CreatedSession | None:
        """Send the request when there are no errors; show the outcome. Never raises."""
        self.result, self.error = None, None
        secrets = self._secrets()
        try:
            findings = self.check()
        except Exception as error:  # last resort: readable, never a traceback
            self.error = error
            show(self.output, error_html(error, secrets), secrets=secrets)
            return None
        errors = [f for f in findings if f.level == "error"]
        if errors:
            plural = "s" if len(errors) != 1 else ""
            self.error = NotSentError(
                f"The request was not sent: {len(errors)} problem{plural} to fix first.",
                violations=[Violation(f.path, f.message, "FORM") for f in errors],
            )
            show(self.output, error_html(self.error, secrets), secrets=secrets)
            return None
        request = copy.deepcopy(self._request)
        self._busy = True
        self.create_button.disabled = True
        show(self.output, notice_html("Sending POST /v1/session/start …"), secrets=secrets)
        try:
            client = self._client()
            created = client.create_session(request)
        except Exception as error:  # PayPartsError, or last resort: never a traceback
            self.error = error
            show(self.output, error_html(error, self._secrets()), secrets=self._secrets())
            return None
        finally:
            self._busy = False
            self.create_button.disabled = self._has_errors()
        sent_registry.remember(created.session_id, request)
        self.result, self.sent = created, request
        try:
            self._show_created(client, created, request)
        except Exception as error:  # the session exists: keep the result, explain the display
            self.error = error
            show(
                self.output,
                notice_html(f"Session {created.session_id} was created.", "ok"),
                error_html(error, secrets),
                secrets=secrets,
            )
        return created

    def _show_created(
        self, client: PayPartsClient, created: CreatedSession, request: dict[str, Any]
    ) -> None:
        secrets = self._secrets()
        parts: list[Any] = [
            notice_html(
                f"{_last_status(client)}: session created in {created.elapsed * 1000:.0f} ms",
                "ok",
            ),
            table_html(
                ("field", "value"),
                [("sessionId", created.session_id), ("sessionToken", created.session_token)],
                secrets,
            ),
            json_html(request, summary="Request sent (JSON)", secrets=secrets),
        ]
        parts += _token_parts(created, request, secrets)
        if isinstance(request.get("order"), dict):
            locale = usable_locale(_customer_locale(request))
            parts.append(
                order_html(request["order"], request.get("amount"), locale=locale, uuid=self._uid)
            )
        if self.snippets_tab is not None:
            for page in self.snippets_tab.children:
                page.close()
            self.snippets_tab.close()
        self.snippets_tab = snippet_tab(request, client, secrets)
        parts += ["<h4>Reproduce this call</h4>", self.snippets_tab]
        show(self.output, *parts, secrets=secrets)


def _customer_locale(request: dict[str, Any]) -> str | None:
    customer = request.get("customer")
    locale = customer.get("locale") if isinstance(customer, dict) else None
    return locale if isinstance(locale, str) else None


def _last_status(client: Any) -> str:
    """The HTTP status of the client's last call, from its (redacted) history."""
    try:
        status = client.history_frame()["status"].iloc[-1]
        return f"HTTP {int(status)}"
    except Exception:  # a client without history: the call succeeded, so 2xx
        return "HTTP 2xx"


def _token_parts(
    created: CreatedSession, request: dict[str, Any], secrets: Iterable[str]
) -> list[str]:
    """The decoded token and its findings against the id returned and the amount sent."""
    try:
        payload = decode_session_token(created.session_token)
    except TokenDecodeError as error:
        return [error_html(error, secrets)]
    session = {"sessionId": created.session_id, "amount": request.get("amount")}
    return [
        json_html(payload.raw, summary="Decoded token (JSON)", secrets=secrets),
        findings_html(
            token_findings(payload, session),
            title="Token findings",
            empty="The token agrees with the session id and the amount sent.",
            secrets=secrets,
        ),
    ]
