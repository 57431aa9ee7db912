"""The sandbox's validation rules as data: one edit of the contract's full example per rule.

Each :class:`ValidationCase` says how to change :func:`examples.full_request` (an
:data:`Edit`) and what the sandbox answers: a 422 naming ``expected_path`` with
``expected_code`` (:data:`REJECTED_CASES`), or a created session
(:data:`ACCEPTED_CASES`, where both are ``None``). The regression matrix, the
notebooks and the tests read these same lists, so a rule is described once.

Paths in edits are dotted with list indexes as plain numbers
(``order.products.0.quantity``); expected paths use the contract's style
(``order.products[0].quantity``), as the sandbox's violations do.

Pure module: no HTTP, no sandbox import.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Literal

from .examples import full_request

__all__ = [
    "ACCEPTED_CASES",
    "REJECTED_CASES",
    "Edit",
    "ValidationCase",
    "apply_edit",
    "remove",
    "set_value",
]

# ("set", "order.products.0.quantity", 0) or ("remove", "returnUrl")
Edit = tuple[Literal["set"], str, Any] | tuple[Literal["remove"], str]


def set_value(path: str, value: Any) -> Edit:
    """The edit that sets the dotted ``path`` to ``value`` (creating the last key if absent)."""
    return ("set", path, value)


def remove(path: str) -> Edit:
    """The edit that deletes the dotted ``path``."""
    return ("remove", path)


def apply_edit(body: dict[str, Any], edit: Edit) -> dict[str, Any]:
    """A copy of ``body`` with ``edit`` applied; neither ``body`` nor the edit's value changes.

    Every part of the path but the last must exist (a typo in a case is a ``KeyError``
    or ``IndexError`` naming it, not a silently different request).
    """
    kind, path = edit[0], edit[1]
    if kind not in ("set", "remove") or len(edit) != (3 if kind == "set" else 2):
        raise ValueError(f"an edit is ('set', path, value) or ('remove', path), not {edit!r}")
    result = copy.deepcopy(body)
    *parents, last = path.split(".")
    node: Any = result
    for part in parents:
        node = node[_key(node, part)]
    key = _key(node, last)
    if kind == "set":
        node[key] = copy.deepcopy(edit[2])
    else:
        del node[key]
    return result


def _key(node: Any, part: str) -> Any:
    """A list index for lists, the text itself for objects."""
    return int(part) if isinstance(node, list) else part


@dataclass(frozen=True)
class ValidationCase:
    """One rule: ``edit`` applied to the full example, and what the sandbox answers.

    ``expected_path`` and ``expected_code`` are the violation of a rejected case
    (the sandbox's own codes: ``REQUIRED``, ``INVALID_TYPE``, ``OUT_OF_RANGE``,
    ``UNKNOWN_VALUE``, ``INVALID_FORMAT``); both are ``None`` for an accepted case.
    """

    name: str
    edit: Edit
    expected_path: str | None = None
    expected_code: str | None = None

    @property
    def rejected(self) -> bool:
        return self.expected_path is not None

    def request(self) -> dict[str, Any]:
        """The contract's full example with this case's edit applied (a fresh copy)."""
        return apply_edit(full_request(), self.edit)


def _rejected(name: str, edit: Edit, path: str, code: str) -> ValidationCase:
    return ValidationCase(name, edit, path, code)


_PRODUCT_0 = "order.products[0]"

REJECTED_CASES: tuple[ValidationCase, ...] = (
    # required fields
    _rejected("returnUrl missing", remove("returnUrl"), "returnUrl", "REQUIRED"),
    _rejected("exchangeUrl missing", remove("exchangeUrl"), "exchangeUrl", "REQUIRED"),
    _rejected("amount missing", remove("amount"), "amount", "REQUIRED"),
    _rejected("amount.currency missing", remove("amount.currency"), "amount.currency", "REQUIRED"),
    _rejected("amount.value missing", remove("amount.value"), "amount.value", "REQUIRED"),
    # URL forms
    _rejected(
        "returnUrl with an ftp:// scheme",
        set_value("returnUrl", "ftp://shop.nl/return"),
        "returnUrl",
        "INVALID_FORMAT",
    ),
    _rejected(
        "returnUrl relative (/return)",
        set_value("returnUrl", "/return"),
        "returnUrl",
        "INVALID_FORMAT",
    ),
    _rejected(
        "returnUrl without a host (https://)",
        set_value("returnUrl", "https://"),
        "returnUrl",
        "INVALID_FORMAT",
    ),
    _rejected(
        "returnUrl with a space",
        set_value("returnUrl", "https://shop.nl/a b"),
        "returnUrl",
        "INVALID_FORMAT",
    ),
    _rejected(
        "exchangeUrl without a scheme (shop.nl/exchange)",
        set_value("exchangeUrl", "shop.nl/exchange"),
        "exchangeUrl",
        "INVALID_FORMAT",
    ),
    _rejected(
        "returnUrl as a number (123)", set_value("returnUrl", 123), "returnUrl", "INVALID_TYPE"
    ),
    # amount
    _rejected('amount as a string ("2999")', set_value("amount", "2999"), "amount", "INVALID_TYPE"),
    _rejected(
        "amount.value as a float (29.99)",
        set_value("amount.value", 29.99),
        "amount.value",
        "INVALID_TYPE",
    ),
    _rejected(
        'amount.value as a string ("2999")',
        set_value("amount.value", "2999"),
        "amount.value",
        "INVALID_TYPE",
    ),
    _rejected(
        "amount.value as a boolean (true)",
        set_value("amount.value", True),
        "amount.value",
        "INVALID_TYPE",
    ),
    _rejected(
        "amount.value as null", set_value("amount.value", None), "amount.value", "INVALID_TYPE"
    ),
    _rejected("amount.value zero", set_value("amount.value", 0), "amount.value", "OUT_OF_RANGE"),
    _rejected(
        "amount.value negative (-100)",
        set_value("amount.value", -100),
        "amount.value",
        "OUT_OF_RANGE",
    ),
    _rejected(
        "amount.value 2**53 (beyond JavaScript's exact integers)",
        set_value("amount.value", 2**53),
        "amount.value",
        "OUT_OF_RANGE",
    ),
    # currency
    _rejected(
        "currency EURO (not an ISO 4217 code)",
        set_value("amount.currency", "EURO"),
        "amount.currency",
        "UNKNOWN_VALUE",
    ),
    _rejected(
        "currency in lower case (eur)",
        set_value("amount.currency", "eur"),
        "amount.currency",
        "UNKNOWN_VALUE",
    ),
    _rejected(
        "currency XAU (gold: no minor unit)",
        set_value("amount.currency", "XAU"),
        "amount.currency",
        "UNKNOWN_VALUE",
    ),
    _rejected(
        "currency ABC (unknown code)",
        set_value("amount.currency", "ABC"),
        "amount.currency",
        "UNKNOWN_VALUE",
    ),
    # expire
    _rejected(
        "expire as a Dutch date (31-12-2025)",
        set_value("expire", "31-12-2025"),
        "expire",
        "INVALID_FORMAT",
    ),
    _rejected(
        "expire on 30 February",
        set_value("expire", "2026-02-30T10:00:00Z"),
        "expire",
        "INVALID_FORMAT",
    ),
    _rejected(
        "expire as a date without a time (2026-12-31)",
        set_value("expire", "2026-12-31"),
        "expire",
        "INVALID_FORMAT",
    ),
    _rejected(
        "expire as a Unix timestamp (1767225599)",
        set_value("expire", 1767225599),
        "expire",
        "INVALID_TYPE",
    ),
    # text fields and objects
    _rejected(
        "description as a number (12345)",
        set_value("description", 12345),
        "description",
        "INVALID_TYPE",
    ),
    _rejected(
        'reference as a list (["REF"])',
        set_value("reference", ["REF"]),
        "reference",
        "INVALID_TYPE",
    ),
    _rejected(
        'customer as a string ("John")', set_value("customer", "John"), "customer", "INVALID_TYPE"
    ),
    # customer
    _rejected(
        "locale with an underscore (nl_NL)",
        set_value("customer.locale", "nl_NL"),
        "customer.locale",
        "INVALID_FORMAT",
    ),
    _rejected(
        "locale as a word (dutch)",
        set_value("customer.locale", "dutch"),
        "customer.locale",
        "INVALID_FORMAT",
    ),
    _rejected(
        "locale in the wrong case (NL-nl)",
        set_value("customer.locale", "NL-nl"),
        "customer.locale",
        "INVALID_FORMAT",
    ),
    _rejected(
        "email without a domain (john.doe@)",
        set_value("customer.email", "john.doe@"),
        "customer.email",
        "INVALID_FORMAT",
    ),
    _rejected(
        "email with a space (john doe@example.com)",
        set_value("customer.email", "john doe@example.com"),
        "customer.email",
        "INVALID_FORMAT",
    ),
    _rejected(
        "phone without a country code (0612345678)",
        set_value("customer.phone", "0612345678"),
        "customer.phone",
        "INVALID_FORMAT",
    ),
    _rejected(
        "phone with spaces (+31 6 12345678)",
        set_value("customer.phone", "+31 6 12345678"),
        "customer.phone",
        "INVALID_FORMAT",
    ),
    _rejected(
        "phone with 16 digits (+3161234567890123)",
        set_value("customer.phone", "+3161234567890123"),
        "customer.phone",
        "INVALID_FORMAT",
    ),
    _rejected(
        "country as alpha-3 (NLD)",
        set_value("customer.address.country", "NLD"),
        "customer.address.country",
        "UNKNOWN_VALUE",
    ),
    _rejected(
        "country in lower case (nl)",
        set_value("customer.address.country", "nl"),
        "customer.address.country",
        "UNKNOWN_VALUE",
    ),
    _rejected(
        "country XX (unknown code)",
        set_value("customer.address.country", "XX"),
        "customer.address.country",
        "UNKNOWN_VALUE",
    ),
    _rejected(
        "houseNumber as a number (126)",
        set_value("customer.address.houseNumber", 126),
        "customer.address.houseNumber",
        "INVALID_TYPE",
    ),
    # order
    _rejected(
        "order.products as an object ({})",
        set_value("order.products", {}),
        "order.products",
        "INVALID_TYPE",
    ),
    _rejected(
        "quantity zero",
        set_value("order.products.0.quantity", 0),
        f"{_PRODUCT_0}.quantity",
        "OUT_OF_RANGE",
    ),
    _rejected(
        "quantity as a float (1.5)",
        set_value("order.products.1.quantity", 1.5),
        "order.products[1].quantity",
        "INVALID_TYPE",
    ),
    _rejected(
        "unitPrice as a float (9.99)",
        set_value("order.products.0.unitPrice", 9.99),
        f"{_PRODUCT_0}.unitPrice",
        "INVALID_TYPE",
    ),
    _rejected(
        'line total as a string ("1000")',
        set_value("order.products.0.total", "1000"),
        f"{_PRODUCT_0}.total",
        "INVALID_TYPE",
    ),
    _rejected(
        "vatPercentage 101",
        set_value("order.products.0.vatPercentage", 101),
        f"{_PRODUCT_0}.vatPercentage",
        "OUT_OF_RANGE",
    ),
    _rejected(
        "vatPercentage -1",
        set_value("order.products.0.vatPercentage", -1),
        f"{_PRODUCT_0}.vatPercentage",
        "OUT_OF_RANGE",
    ),
    _rejected(
        'vatPercentage as a string ("21")',
        set_value("order.products.0.vatPercentage", "21"),
        f"{_PRODUCT_0}.vatPercentage",
        "INVALID_TYPE",
    ),
    _rejected(
        "shippingCosts as a float (4.95)",
        set_value("order.shippingCosts", 4.95),
        "order.shippingCosts",
        "INVALID_TYPE",
    ),
    _rejected(
        "shippingCosts negative (-1)",
        set_value("order.shippingCosts", -1),
        "order.shippingCosts",
        "OUT_OF_RANGE",
    ),
    _rejected(
        'totalVat as a string ("629")',
        set_value("order.totalVat", "629"),
        "order.totalVat",
        "INVALID_TYPE",
    ),
)

ACCEPTED_CASES: tuple[ValidationCase, ...] = (
    ValidationCase("bare locale (nl)", set_value("customer.locale", "nl")),
    ValidationCase("another locale (en-GB)", set_value("customer.locale", "en-GB")),
    ValidationCase("expire without a time zone", set_value("expire", "2026-12-31T23:59:59")),
    ValidationCase(
        "expire with fractional seconds and an offset",
        set_value("expire", "2026-12-31T23:59:59.123+01:00"),
    ),
    # In the past: the helpers' lint warns, the API accepts.
    ValidationCase("expire in the past (2020)", set_value("expire", "2020-01-01T00:00:00Z")),
    ValidationCase("vatPercentage 9.5", set_value("order.products.0.vatPercentage", 9.5)),
    ValidationCase("vatPercentage 0", set_value("order.products.0.vatPercentage", 0)),
    ValidationCase("vatPercentage 100", set_value("order.products.0.vatPercentage", 100)),
    ValidationCase(
        "a discount line (unitPrice -500)", set_value("order.products.1.unitPrice", -500)
    ),
    # Inconsistent totals are accepted, as the contract's own example is inconsistent.
    ValidationCase("inconsistent totalVat (1)", set_value("order.totalVat", 1)),
    ValidationCase(
        "returnUrl on http://localhost",
        set_value("returnUrl", "http://localhost:8080/return?order=1#top"),
    ),
    ValidationCase(
        "unknown top-level field (ignored)", set_value("unknownField", {"anything": [1, 2]})
    ),
    ValidationCase("unknown customer field (ignored)", set_value("customer.nickname", "JD")),
    ValidationCase("customer.address left out", remove("customer.address")),
    ValidationCase("order.products left out", remove("order.products")),
)
