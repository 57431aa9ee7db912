"""Reading a JSON answer's fields with complaints that name the field's path.

``JsonReader(data, "", "order-status").obj("amount").integer("value")`` returns the
value, or raises :class:`UnexpectedResponseError` saying ``amount.value is text
('29.99'), expected an integer``: the typed resources over Pay.nl's and the
sandbox's answers all read through it. Pure module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn

from .errors import UnexpectedResponseError

__all__ = ["JsonReader", "json_type"]


class JsonReader:
    """Reads one JSON object's fields, naming ``where`` in every complaint."""

    def __init__(
        self,
        data: object,
        where: str,
        what: str,
        root: object = None,
        docs: str = "docs/payments.md",
    ) -> None:
        self.where = where
        self.what = what
        self.docs = docs
        self.root = data if root is None else root  # the whole answer, quoted in complaints
        if not isinstance(data, Mapping):
            self.fail(f"{where or 'the answer'} is {json_type(data)}, expected an object")
        self.data: Mapping[str, Any] = data

    def fail(self, problem: str) -> NoReturn:
        raise UnexpectedResponseError(
            f"the {self.what} answer is not the documented shape: {problem} (see {self.docs})",
            raw_body=_dump(self.root),
        )

    def child(self, data: object, where: str) -> JsonReader:
        return JsonReader(data, where, self.what, self.root, self.docs)

    def path_of(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def value(self, key: str, expected: str, optional: bool) -> Any:
        if key not in self.data or (optional and self.data[key] is None):
            if optional:
                return None
            keys = ", ".join(sorted(map(str, self.data))) or "none"
            self.fail(f"{self.path_of(key)} is missing ({expected} expected; keys: {keys})")
        return self.data[key]

    def require(self, key: str, expected: str, ok: bool, value: Any) -> Any:
        if not ok:
            self.fail(f"{self.path_of(key)} is {json_type(value)}, expected {expected}")
        return value

    def text(self, key: str, *, optional: bool = False) -> Any:
        value = self.value(key, "text", optional)
        return value if value is None else self.require(key, "text", isinstance(value, str), value)

    def identifier(self, key: str) -> str:
        """An id: text, or an integer read as its text (ids are strings in Pay.nl's objects)."""
        value = self.value(key, "an id", False)
        ok = (isinstance(value, str) and bool(value)) or _is_int(value)
        return str(self.require(key, "a non-empty id", ok, value))

    def integer(self, key: str, *, optional: bool = False) -> Any:
        value = self.value(key, "an integer", optional)
        return value if value is None else self.require(key, "an integer", _is_int(value), value)

    def number(self, key: str) -> float | int:
        value = self.value(key, "a number", False)
        ok = _is_int(value) or isinstance(value, float)
        return self.require(key, "a number", ok, value)

    def boolean(self, key: str) -> bool:
        value = self.value(key, "true or false", False)
        return self.require(key, "true or false", isinstance(value, bool), value)

    def obj(self, key: str) -> JsonReader:
        value = self.value(key, "an object", False)
        self.require(key, "an object", isinstance(value, Mapping), value)
        return self.child(value, self.path_of(key))

    def items(self, key: str) -> list[JsonReader]:
        value = self.value(key, "a list", False)
        self.require(key, "a list", isinstance(value, list), value)
        return [self.child(item, f"{self.path_of(key)}[{i}]") for i, item in enumerate(value)]

    def status(self, key: str = "status") -> tuple[int, str]:
        status = self.obj(key)
        return status.integer("code"), status.text("action")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"text ({value[:40]!r})"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, Mapping) else type(value).__name__


def _dump(data: object) -> str | None:
    try:
        return json.dumps(data, ensure_ascii=False)[:2000]
    except (TypeError, ValueError):
        return None
