"""Unknown (ignored) keys, found by walking the request along the OpenAPI document."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from ..rules import contract
from .findings import Finding
from .lint_context import LintContext

__all__ = ["check_unknown_keys", "near_miss"]


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


def near_miss(key: str, known: list[str] | tuple[str, ...]) -> str | None:
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
    guess = near_miss(name, _known(schema))
    if guess:
        return Finding("warning", path, f"{base}; did you mean {guess}?")
    home = _homes_of(name)
    if home:
        return Finding("warning", path, f"{base}; {name} belongs in {home}")
    return Finding("warning", path, f"{base}; remove it if it is not meant for Pay.Parts")


def check_unknown_keys(ctx: LintContext) -> Iterator[Finding]:
    return _unknown_keys(ctx.body, "SessionStartRequest", None)
