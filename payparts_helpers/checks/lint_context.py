"""What every lint rule reads: the request, the paths already in error, the clock."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..rules import money

__all__ = ["MISSING", "LintContext", "is_int", "is_number", "lookup", "quoted"]

_PATH_PART = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")
MISSING = object()


@dataclass(frozen=True)
class LintContext:
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


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def lookup(body: object, path: str | None) -> object:
    """The value at a dotted path such as ``order.products[1].total``, or ``MISSING``."""
    node = body
    for key, index in _PATH_PART.findall(path or ""):
        if index:
            if not isinstance(node, list) or int(index) >= len(node):
                return MISSING
            node = node[int(index)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            return MISSING
    return node


def quoted(value: str) -> str:
    """Text as JSON shows it, so a message quotes exactly what was sent."""
    return json.dumps(value, ensure_ascii=False)
