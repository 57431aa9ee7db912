"""Lint a session request before sending it: errors the sandbox would refuse, and likely mistakes.

Errors are exactly the contract's violations (:func:`contract.validate_session_request`):
the rules live once, in the OpenAPI document, and lint only rewords a few messages
(decimal amounts get a "did you mean 2999?"). Warnings and info findings cover what
the contract accepts but a real integration probably gets wrong: totals that do not
add up, a ``totalVat`` that matches no reading of the prices, an ``expire`` in the
past, unknown (ignored) keys, limits documented only for Pay.nl's transaction API.

Pure module: no HTTP, no widgets, no sandbox import.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from typing import Any, Literal
from urllib.parse import urlsplit

from ..rules import contract, money, order_math
from ..rules.errors import Violation
from ..rules.session_request import SessionRequest, request_to_dict

__all__ = [
    "DESCRIPTION_LIMIT",
    "REFERENCE_LIMIT",
    "Finding",
    "Level",
    "lint_session_request",
]

Level = Literal["error", "warning", "info"]
_LEVEL_RANK: dict[str, int] = {"error": 0, "warning": 1, "info": 2}

# Limits of Pay.nl's *transaction* API (known-facts.md); Pay.Parts documents none.
DESCRIPTION_LIMIT = 32
REFERENCE_LIMIT = 64

_FALLBACK_CURRENCY = "EUR"
_MONEY_PATH = re.compile(
    r"^(amount\.value|order\.(shippingCosts|totalVat)|order\.products\[\d+\]\.(unitPrice|total))$"
)
_PATH_PART = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")
_MISSING = object()
# Text amounts with more digits than any money field allows are not worth a suggestion.
_MAX_DIGITS = len(str(contract.MAX_MONEY))


@dataclass(frozen=True)
class Finding:
    """One thing to look at before sending: its level, the dotted JSON path, what to fix.

    ``path`` uses the contract's style (``order.products[0].total``), ``None`` for the
    request as a whole, so findings line up with the sandbox's 422 violations.
    """

    level: Level
    path: str | None
    message: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"{self.level}{where}: {self.message}"


def lint_session_request(
    request: SessionRequest | Mapping[str, Any] | object, *, now: datetime | None = None
) -> list[Finding]:
    """Every finding for ``request``, errors first, then warnings, then info, each by path.

    Accepts anything (a dict, a :class:`SessionRequest`, or a wrong value such as a list)
    and never raises: a request that is not an object is itself a finding. ``now``
    (default: the current UTC time) decides whether ``expire`` lies in the past.
    """
    body = _normalise(request)
    violations = _violations(body)
    if violations is None:
        return [_not_json_finding()]
    findings = [_error(v, body) for v in violations]
    if isinstance(body, dict):
        ctx = _Context(body, {v.path for v in violations}, _now(now))
        for check in _CHECKS:
            findings.extend(check(ctx))
    return sorted(findings, key=_sort_key)


# --- input handling ------------------------------------------------------------------


def _normalise(request: object) -> object:
    """The wire-form dict when ``request`` is one; otherwise the value as it is, to be judged."""
    if isinstance(request, SessionRequest | Mapping):
        try:
            return request_to_dict(request)
        except RecursionError:  # absurdly deep data: read it without copying
            return dict(request) if isinstance(request, Mapping) else request
    return request


def _violations(body: object) -> list[Violation] | None:
    """The contract's violations, or ``None`` when the data is not JSON-shaped at all.

    For an object, a violation without a path means the contract could not read it:
    Python values JSON cannot carry (sets, bytes, non-text keys) or absurd nesting.
    """
    violations = contract.validate_session_request(body)
    if isinstance(body, Mapping) and any(v.path is None for v in violations):
        return None
    return violations


def _not_json_finding() -> Finding:
    return Finding(
        "error",
        None,
        "The request cannot be read as JSON: it holds a value JSON cannot carry (a set, "
        "bytes, a non-text key, a Python object) or is nested far too deeply; build it from "
        "dicts, lists, text, integers, true/false and null only.",
    )


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def _sort_key(finding: Finding) -> tuple[int, str]:
    return _LEVEL_RANK[finding.level], finding.path or ""


@dataclass(frozen=True)
class _Context:
    """The request plus what the checks share: the paths already in error, the clock."""

    body: dict[str, Any]
    error_paths: set[str | None]
    now: datetime

    def ok(self, *paths: str) -> bool:
        """True when none of ``paths`` (or a parent of one) is already an error."""
        return not any(
            p == e or (e is not None and p.startswith((e + ".", e + "[")))
            for p in paths
            for e in self.error_paths
        )

    @property
    def currency(self) -> str | None:
        """amount.currency when it is a payable ISO 4217 code, else ``None``."""
        amount = self.body.get("amount")
        code = amount.get("currency") if isinstance(amount, dict) else None
        return code if money.is_currency(code) else None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _lookup(body: object, path: str | None) -> object:
    """The value at a dotted path such as ``order.products[1].total``, or ``_MISSING``."""
    node = body
    for key, index in _PATH_PART.findall(path or ""):
        if index:
            if not isinstance(node, list) or int(index) >= len(node):
                return _MISSING
            node = node[int(index)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            return _MISSING
    return node


# --- errors: the contract's violations, some reworded -------------------------------


def _error(violation: Violation, body: object) -> Finding:
    """A violation as an error finding; decimal amounts and typo'd keys get a better message."""
    message = violation.message
    if violation.code == "INVALID_TYPE" and violation.path and _MONEY_PATH.match(violation.path):
        message = _money_message(_lookup(body, violation.path), _currency_of(body)) or message
    elif violation.code == "REQUIRED" and violation.path:
        message += _renamed_hint(body, violation.path)
    return Finding("error", violation.path, message)


def _currency_of(body: object) -> str:
    amount = body.get("amount") if isinstance(body, dict) else None
    code = amount.get("currency") if isinstance(amount, dict) else None
    return code if money.is_currency(code) else _FALLBACK_CURRENCY


def _money_message(value: object, currency: str) -> str | None:
    """For 29.99 where minor units belong: "did you mean 2999?"; ``None`` to keep the original."""
    if isinstance(value, float):
        return _decimal_amount_message(value, repr(value), currency)
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        if not number.is_finite() or number.adjusted() > _MAX_DIGITS:
            return None  # keep the contract's message; no point converting absurd figures
        if number == number.to_integral_value() and "." not in value:
            return f"must be a JSON number, not text: write {int(number)} without quotes"
        return "must be a JSON number, not text; " + _decimal_amount_message(
            number, _quoted(value), currency
        )
    return None


def _quoted(value: str) -> str:
    """Text as JSON shows it, so a message quotes exactly what was sent."""
    return json.dumps(value, ensure_ascii=False)


def _decimal_amount_message(value: float | Decimal, shown: str, currency: str) -> str:
    """The message for a decimal where minor units belong, with the integer meant if exact."""
    base = f"got {shown}, a decimal number; amounts are in minor units"
    try:
        minor = money.to_minor(value, currency)
    except money.InvalidAmountError:
        if not _is_finite(value):
            return f"{base}: send an integer number of minor units, not {shown}"
        return (
            f"{base} ({_minor_unit_example(currency)}), and {shown} has more decimals than "
            f"{currency} allows, so it has no exact equivalent: send an integer"
        )
    if abs(minor) > contract.MAX_MONEY:
        return f"{base}, and {minor} would be out of range: send a smaller integer"
    message = f"{base}: did you mean {minor}?"
    if isinstance(value, float) and value.is_integer() and minor != int(value):
        message += f" (or {int(value)}, if {shown} was already in minor units)"
    return message


def _is_finite(value: float | Decimal) -> bool:
    return math.isfinite(value) if isinstance(value, float) else value.is_finite()


def _minor_unit_example(currency: str) -> str:
    if money.exponent(currency) == 0:
        return f"{currency} has no decimals"
    return f"for {currency}, 2999 means {money.format_plain(2999, currency)}"


def _renamed_hint(body: object, path: str) -> str:
    """When ``returnUrl`` is missing but ``returnURL`` is present, say so in the error."""
    parent_path, _, name = path.rpartition(".")
    parent = _lookup(body, parent_path) if parent_path else body
    if not isinstance(parent, dict):
        return ""
    for key in parent:
        if isinstance(key, str) and key != name and _near_miss(key, [name]) == name:
            return f" (the request has {_quoted(key)}: rename it to {name})"
    return ""


# --- warnings and info ----------------------------------------------------------------


def _money_text(minor: int, currency: str | None) -> str:
    return money.format_plain(minor, currency) if currency else str(minor)


def _unit(currency: str | None) -> str:
    return currency if currency else "minor units"


def _products(ctx: _Context) -> list[tuple[str, dict[str, Any]]]:
    order = ctx.body.get("order")
    products = order.get("products") if isinstance(order, dict) else None
    if not isinstance(products, list):
        return []
    return [(f"order.products[{i}]", p) for i, p in enumerate(products) if isinstance(p, dict)]


def _all_products_are_objects(ctx: _Context) -> bool:
    order = ctx.body.get("order")
    products = order.get("products") if isinstance(order, dict) else None
    return isinstance(products, list) and bool(products) and len(_products(ctx)) == len(products)


def _check_line_totals(ctx: _Context) -> Iterator[Finding]:
    """total ≠ quantity × unitPrice: the customer would see one figure, Pay.nl another."""
    for path, product in _products(ctx):
        quantity, unit_price, total = (product.get(k) for k in ("quantity", "unitPrice", "total"))
        if not (_is_int(quantity) and _is_int(unit_price) and _is_int(total)):
            continue
        if not ctx.ok(f"{path}.quantity", f"{path}.unitPrice", f"{path}.total"):
            continue
        expected = order_math.expected_line_total(quantity, unit_price)
        if total != expected:
            yield Finding(
                "warning",
                f"{path}.total",
                f"total is {total}, but quantity {quantity} × unitPrice {unit_price} = "
                f"{expected}: set total to {expected} or fix quantity/unitPrice",
            )


def _line_sum(ctx: _Context) -> int | None:
    """Sum of the line totals, or ``None`` when a line has no usable total."""
    if not _all_products_are_objects(ctx):
        return None
    totals = [(path, p.get("total")) for path, p in _products(ctx)]
    if not all(_is_int(t) and ctx.ok(f"{path}.total") for path, t in totals):
        return None
    return sum(t for _, t in totals)


def _shipping(ctx: _Context) -> int | None:
    """shippingCosts, 0 when absent (as the contract's minimum request implies)."""
    order = ctx.body.get("order")
    shipping = order.get("shippingCosts", 0) if isinstance(order, dict) else 0
    return shipping if _is_int(shipping) and ctx.ok("order.shippingCosts") else None


def _amount_value(ctx: _Context) -> int | None:
    amount = ctx.body.get("amount")
    value = amount.get("value") if isinstance(amount, dict) else None
    return value if _is_int(value) and ctx.ok("amount.value") else None


def _check_order_sum(ctx: _Context) -> Iterator[Finding]:
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
        f"{_money_text(value, cur)} {unit} (difference {_money_text(difference, cur)}): "
        "make amount.value the sum of the line totals plus shippingCosts, or fix the lines",
    )


def _check_major_units(ctx: _Context) -> Iterator[Finding]:
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
            f"amount.value {value} looks like major units: the lines plus shipping come to "
            f"{expected} ({money.format_plain(expected, cur)} {cur}); amounts are in minor "
            f"units, so did you mean {expected}?",
        )


def _vat_inputs(ctx: _Context) -> list[tuple[Fraction, Fraction]] | None:
    """(total, vatPercentage) per line as exact fractions, or ``None`` if any is unusable."""
    if not _all_products_are_objects(ctx):
        return None
    pairs = []
    for path, product in _products(ctx):
        total, rate = product.get("total"), product.get("vatPercentage")
        if not (_is_int(total) and _is_number(rate) and math.isfinite(rate)):
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

    def matches(self, reading: Fraction) -> bool:
        return order_math.vat_matches(self.stated, reading, self.line_count)

    def both(self) -> str:
        return (
            f"prices including VAT → {order_math.round_half_up(self.included)}, "
            f"prices excluding VAT → {order_math.round_half_up(self.excluded)}"
        )


def _check_total_vat(ctx: _Context) -> Iterator[Finding]:
    """totalVat against both readings of the prices: the contract does not say which holds."""
    order = ctx.body.get("order")
    stated = order.get("totalVat") if isinstance(order, dict) else None
    if not (_is_int(stated) and ctx.ok("order.totalVat")):
        return
    pairs = _vat_inputs(ctx)
    if pairs is None:
        return
    vat = _VatReadings(
        stated,
        sum((order_math.vat_included(t, p) for t, p in pairs), Fraction(0)),
        sum((order_math.vat_excluded(t, p) for t, p in pairs), Fraction(0)),
        len(pairs),
    )
    yield _vat_finding(vat, shipping=_shipping(ctx))


def _vat_finding(vat: _VatReadings, *, shipping: int | None) -> Finding:
    included, excluded = vat.matches(vat.included), vat.matches(vat.excluded)
    if included and excluded:
        return Finding(
            "info",
            "order.totalVat",
            f"totalVat {vat.stated} matches both readings of the prices ({vat.both()})",
        )
    if included or excluded:
        which, exact = ("including", vat.included) if included else ("excluding", vat.excluded)
        other, other_exact = ("exclude", vat.excluded) if included else ("include", vat.included)
        return Finding(
            "info",
            "order.totalVat",
            f"totalVat {vat.stated} matches prices {which} VAT ({float(exact):.2f} from the "
            "lines); the contract does not say whether prices include VAT: if your prices "
            f"{other} VAT, set totalVat to {order_math.round_half_up(other_exact)}",
        )
    note = " (VAT on shipping is not counted: its rate is not sent)" if shipping else ""
    return Finding(
        "warning",
        "order.totalVat",
        f"totalVat {vat.stated} matches neither reading of the lines: {vat.both()}{note}; "
        "set totalVat to the VAT of your order lines",
    )


def _check_expire(ctx: _Context) -> Iterator[Finding]:
    """A past expire makes a session that is dead on arrival; a naive one is ambiguous."""
    expire = ctx.body.get("expire")
    if not isinstance(expire, str) or not ctx.ok("expire"):
        return
    try:
        moment = datetime.fromisoformat(expire)
    except ValueError:
        return
    if moment.tzinfo is None:
        yield Finding(
            "warning",
            "expire",
            f"{_quoted(expire)} has no time zone: add Z or an offset such as +01:00, "
            "or Pay.nl may read it in a time zone you did not mean",
        )
        moment = moment.replace(tzinfo=UTC)
    if moment <= ctx.now:
        yield Finding(
            "warning",
            "expire",
            f"{_quoted(expire)} is in the past (now is {_utc_text(ctx.now)}): the session "
            "would be expired on arrival; set a moment in the future, or leave expire out",
        )


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- unknown keys, derived from the OpenAPI document --------------------------------


@cache
def _schemas() -> dict[str, Any]:
    return contract.openapi_document()["components"]["schemas"]


def _known(schema: str) -> tuple[str, ...]:
    return tuple(_schemas()[schema].get("properties", {}))


def _ref(node: Mapping[str, Any]) -> str | None:
    ref = node.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _normal(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


def _near_miss(key: str, known: list[str] | tuple[str, ...]) -> str | None:
    """The known key ``key`` was probably meant to be: same letters in other case/style,
    or a close spelling (difflib)."""
    by_normal = {_normal(k): k for k in known}
    if _normal(key) in by_normal:
        return by_normal[_normal(key)]
    close = difflib.get_close_matches(_normal(key), list(by_normal), n=1, cutoff=0.75)
    return by_normal[close[0]] if close else None


def _homes_of(key: str) -> str | None:
    """Where a key known at another level belongs (``currency`` → ``amount``)."""
    homes = {
        "SessionStartRequest": "the top level",
        "Amount": "amount",
        "Customer": "customer",
        "Address": "customer.address",
        "Order": "order",
        "Product": "order.products[…]",
    }
    found = [where for schema, where in homes.items() if key in _known(schema)]
    return " or ".join(found) if found else None


def _unknown_keys(value: object, schema: str, path: str | None) -> Iterator[Finding]:
    """Walk the request along the document's ``$ref``s; report keys no schema lists."""
    if not isinstance(value, dict):
        return
    properties = _schemas()[schema].get("properties", {})
    for key, item in value.items():
        name = str(key)
        spec = properties.get(name)
        if spec is None:
            yield _unknown_key_finding(name, schema, contract.json_path_join(path, name))
            continue
        child = _ref(spec)
        if child:
            yield from _unknown_keys(item, child, contract.json_path_join(path, name))
        elif isinstance(spec.get("items"), dict) and isinstance(item, list):
            child = _ref(spec["items"])
            for i, element in enumerate(item):
                if child:
                    yield from _unknown_keys(
                        element,
                        child,
                        contract.json_path_join(contract.json_path_join(path, name), i),
                    )


def _unknown_key_finding(name: str, schema: str, path: str) -> Finding:
    base = "unknown field: the sandbox ignores it and Pay.nl may too"
    guess = _near_miss(name, _known(schema))
    if guess:
        return Finding("warning", path, f"{base}; did you mean {guess}?")
    home = _homes_of(name)
    if home:
        return Finding("warning", path, f"{base}; {name} belongs in {home}")
    return Finding("warning", path, f"{base}; remove it if it is not meant for Pay.Parts")


def _check_unknown_keys(ctx: _Context) -> Iterator[Finding]:
    return _unknown_keys(ctx.body, "SessionStartRequest", None)


# --- text lengths, URLs, locale ------------------------------------------------------


def _check_text_limits(ctx: _Context) -> Iterator[Finding]:
    """Limits of Pay.nl's transaction API: warn, don't block (known-facts.md)."""
    for key, limit, why in (
        ("description", DESCRIPTION_LIMIT, " (it is shown on the bank statement)"),
        ("reference", REFERENCE_LIMIT, ""),
    ):
        text = ctx.body.get(key)
        if not isinstance(text, str) or not ctx.ok(key):
            continue
        if not text:
            yield Finding(
                "warning", key, f"{key} is empty: leave it out when you have nothing to send"
            )
        elif len(text) > limit:
            yield Finding(
                "warning",
                key,
                f"{key} is {len(text)} characters; Pay.nl's transaction API allows at most "
                f"{limit}{why}. Pay.Parts does not document a limit, but shorten it to be safe",
            )


def _is_local_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def _check_urls(ctx: _Context) -> Iterator[Finding]:
    """http outside localhost leaks the customer's return; a local exchangeUrl gets no calls."""
    for key in ("returnUrl", "exchangeUrl"):
        url = ctx.body.get(key)
        if not isinstance(url, str) or not ctx.ok(key):
            continue
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:
            continue
        local = _is_local_host(host)
        if parts.scheme == "http" and not local:
            yield Finding(
                "warning", key, f"{key} uses http://: use https:// for anything but local tests"
            )
        if key == "exchangeUrl" and local:
            yield Finding(
                "info",
                key,
                f"exchangeUrl points at {host}, which Pay.nl cannot reach: fine against the "
                "local sandbox, but use a public URL (or a tunnel) to receive exchange calls",
            )


def _check_locale(ctx: _Context) -> Iterator[Finding]:
    """Both "nl" and "nl-NL" occur in practice (known-facts.md); say so, don't judge."""
    customer = ctx.body.get("customer")
    locale = customer.get("locale") if isinstance(customer, dict) else None
    if isinstance(locale, str) and "-" not in locale and ctx.ok("customer.locale"):
        yield Finding(
            "info",
            "customer.locale",
            f"bare language {_quoted(locale)}: Pay.nl's shop plugin sends this form while the "
            'API page shows "nl-NL"; both occur in practice, add the country if you know it',
        )


_CHECKS: tuple[Callable[[_Context], Iterator[Finding]], ...] = (
    _check_line_totals,
    _check_order_sum,
    _check_major_units,
    _check_total_vat,
    _check_expire,
    _check_unknown_keys,
    _check_text_limits,
    _check_urls,
    _check_locale,
)
