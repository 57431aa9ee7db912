"""A typed session request, for code that prefers attributes to dict keys.

Everything that takes a request (the client, lint, snippets) accepts either a
plain dict in the contract's JSON shape or a :class:`SessionRequest`; both go
through :func:`request_to_dict`, so the wire form is decided in one place.
Fields left ``None`` are not sent, as Pay.nl's own shop plugin does.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

__all__ = [
    "Address",
    "Amount",
    "Customer",
    "Order",
    "Product",
    "SessionRequest",
    "request_to_dict",
]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _wire(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {
            _camel(f.name): _wire(getattr(value, f.name))
            for f in fields(value)
            if getattr(value, f.name) is not None
        }
    if isinstance(value, list | tuple):
        return [_wire(item) for item in value]
    return value


class _Wire:
    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON shape (camelCase keys), without the fields left ``None``."""
        return _wire(self)


@dataclass
class Amount(_Wire):
    value: int
    currency: str = "EUR"


@dataclass
class Address(_Wire):
    street: str | None = None
    house_number: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None


@dataclass
class Customer(_Wire):
    locale: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: Address | None = None


@dataclass
class Product(_Wire):
    description: str | None = None
    quantity: int | None = None
    unit_price: int | None = None
    total: int | None = None
    product_id: str | None = None
    vat_percentage: float | None = None


@dataclass
class Order(_Wire):
    products: list[Product] = field(default_factory=list)
    shipping_costs: int | None = None
    total_vat: int | None = None


@dataclass
class SessionRequest(_Wire):
    return_url: str
    exchange_url: str
    amount: Amount
    description: str | None = None
    reference: str | None = None
    expire: str | None = None
    customer: Customer | None = None
    order: Order | None = None


def request_to_dict(
    request: SessionRequest | Mapping[str, Any], *, copy_nested: bool = True
) -> dict[str, Any]:
    """A fresh dict in wire form; a dict is deep-copied so callers' data is never changed.

    ``copy_nested=False`` copies only the top level: for callers that only read
    the result (the client serialises it at once), saving a deep copy per call.
    """
    if isinstance(request, SessionRequest):
        return request.to_dict()
    if isinstance(request, Mapping):
        return copy.deepcopy(dict(request)) if copy_nested else dict(request)
    raise TypeError(
        f"a session request is a dict or a SessionRequest, not {type(request).__name__}"
    )
