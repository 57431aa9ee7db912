"""From what the create form's fields hold to the request it would send, and its findings.

No widgets: the fields' text comes in as :class:`FieldValues` and the order lines
as the editor's :class:`ParsedLines`. Money typed in major units is read with
:func:`fields.parse_major`; a field that cannot be read is left out of the
request and becomes an error :class:`Finding` named after its contract path, so
lint's findings about that path are not listed a second time.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from ..checks.findings import Finding, by_level_then_path
from ..checks.lint import lint_session_request
from .fields import parse_major
from .order_lines_editor import ParsedLines

__all__ = [
    "EXTRA_JSON_PATH",
    "AssembledRequest",
    "FieldValues",
    "assemble_request",
    "merge_extra",
    "read_extra_json",
    "request_findings",
]

EXTRA_JSON_PATH = "extra JSON"
"""The path findings about the "extra JSON" field are named by (it is no contract field)."""


MoneyReading = tuple[int | None, Finding | None]


@dataclass(frozen=True)
class FieldValues:
    """The create form's fields as typed (order lines apart)."""

    amount: str = ""
    currency: str = "EUR"
    description: str = ""
    reference: str = ""
    expire: str = ""
    return_url: str = ""
    exchange_url: str = ""
    locale: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    street: str = ""
    house_number: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    shipping_costs: str = ""
    total_vat: str = ""
    extra_json: str = ""


@dataclass
class AssembledRequest:
    """The request in wire form, what could not be read, and each money field's reading."""

    request: dict[str, Any]
    problems: list[Finding] = field(default_factory=list)
    amount: MoneyReading = (None, None)
    shipping_costs: MoneyReading = (None, None)
    total_vat: MoneyReading = (None, None)


def _filled(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {key: text.strip() for key, text in pairs if text.strip()}


def assemble_request(values: FieldValues, lines: ParsedLines) -> AssembledRequest:
    """The request the form would send now; fields it cannot read are left out."""
    currency = values.currency
    problems: list[Finding] = []
    request: dict[str, Any] = {
        "returnUrl": values.return_url.strip(),
        "exchangeUrl": values.exchange_url.strip(),
    }
    amount = parse_major(values.amount, currency, "amount.value", required=True)
    value, problem = amount
    request["amount"] = (
        {"currency": currency} if value is None else {"value": value, "currency": currency}
    )
    problems += [problem] if problem else []
    request.update(
        _filled(
            ("description", values.description),
            ("reference", values.reference),
            ("expire", values.expire),
        )
    )
    customer = _filled(
        ("locale", values.locale),
        ("firstName", values.first_name),
        ("lastName", values.last_name),
        ("email", values.email),
        ("phone", values.phone),
    )
    address = _filled(
        ("street", values.street),
        ("houseNumber", values.house_number),
        ("postalCode", values.postal_code),
        ("city", values.city),
        ("country", values.country),
    )
    if address:
        customer["address"] = address
    if customer:
        request["customer"] = customer
    order: dict[str, Any] = {}
    problems += lines.problems
    if lines.products:
        order["products"] = lines.products
    shipping = parse_major(values.shipping_costs, currency, "order.shippingCosts")
    total_vat = parse_major(values.total_vat, currency, "order.totalVat")
    for key, (value, problem) in (("shippingCosts", shipping), ("totalVat", total_vat)):
        problems += [problem] if problem else []
        if value is not None:
            order[key] = value
    if order:
        request["order"] = order
    extra, problem = read_extra_json(values.extra_json)
    problems += [problem] if problem else []
    if extra:
        request = merge_extra(request, extra)
    return AssembledRequest(request, problems, amount, shipping, total_vat)


def read_extra_json(text: str) -> tuple[dict[str, Any] | None, Finding | None]:
    """The "extra JSON" field: (object to merge, None), (None, None) when empty, or a finding."""
    text = text.strip()
    if not text:
        return None, None
    try:
        extra = json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, over-long integers, depth
        message = getattr(exc, "msg", "too deeply nested or a number too long")
        where = f" (line {exc.lineno}, column {exc.colno})" if hasattr(exc, "lineno") else ""
        return None, Finding("error", EXTRA_JSON_PATH, f"not JSON: {message}{where}")
    if not isinstance(extra, dict):
        return None, Finding(
            "error", EXTRA_JSON_PATH, 'must be a JSON object such as {"reference": "R-1"}'
        )
    return extra, None


def merge_extra(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` over ``base``: objects merged key by key, anything else replaced."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_extra(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _covered(path: str | None, unread: set[str]) -> bool:
    """True when a lint finding is about a field the form could not read (already listed)."""
    return path is not None and any(
        path == u or path.startswith((u + ".", u + "[")) for u in unread
    )


def request_findings(assembled: AssembledRequest) -> list[Finding]:
    """Problems reading the fields, then lint's findings on the rest: errors first."""
    unread = {p.path for p in assembled.problems if p.path}
    findings = assembled.problems + [
        f for f in lint_session_request(assembled.request) if not _covered(f.path, unread)
    ]
    return sorted(findings, key=by_level_then_path)
