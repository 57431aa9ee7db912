"""Sent versus received, leaf by leaf: the pure part of the Get form's comparison.

The contract says GET returns "the same … amount, customer, and order that were
used when creating the session"; a table of JSON paths makes any difference
(a dropped field, 21 that came back as 21.0, a product missing) visible at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..rules.contract import json_path_join

__all__ = ["ABSENT", "DiffRow", "diff_json", "differences"]


class _Absent:
    """Marks a path present on one side only (None is a JSON value, so it cannot)."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "(absent)"

    def __bool__(self) -> bool:
        return False


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class DiffRow:
    """One leaf: its dotted path (``order.products[0].total``), both values, and whether
    they are the same JSON (``21`` and ``21.0`` are not: the wire text differs)."""

    path: str
    sent: Any
    received: Any
    same: bool


def _canonical(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def _same(left: Any, right: Any) -> bool:
    if left is ABSENT or right is ABSENT:
        return left is right
    return _canonical(left) == _canonical(right)


def _walk(sent: Any, received: Any, path: str, rows: list[DiffRow]) -> None:
    if isinstance(sent, dict) and isinstance(received, dict) and (sent or received):
        keys = list(sent) + [k for k in received if k not in sent]
        for key in keys:
            _walk(
                sent.get(key, ABSENT),
                received.get(key, ABSENT),
                json_path_join(path or None, str(key)),
                rows,
            )
        return
    if isinstance(sent, list) and isinstance(received, list) and (sent or received):
        for i in range(max(len(sent), len(received))):
            left = sent[i] if i < len(sent) else ABSENT
            right = received[i] if i < len(received) else ABSENT
            _walk(left, right, json_path_join(path or None, i), rows)
        return
    if isinstance(sent, dict | list) and received is ABSENT and sent:
        _walk(sent, type(sent)(), path, rows)  # expand, so each missing leaf is named
        return
    if isinstance(received, dict | list) and sent is ABSENT and received:
        _walk(type(received)(), received, path, rows)
        return
    rows.append(DiffRow(path or "(whole)", sent, received, _same(sent, received)))


def diff_json(sent: Any, received: Any) -> list[DiffRow]:
    """Every leaf of either side, in the sent order (then keys only received), with a mark.

    Objects and arrays are walked; a path present on one side only has :data:`ABSENT`
    on the other. Scalars (and empty objects/arrays) are compared as JSON text.
    """
    rows: list[DiffRow] = []
    _walk(sent, received, "", rows)
    return rows


def differences(rows: list[DiffRow]) -> list[DiffRow]:
    """Only the rows that differ."""
    return [row for row in rows if not row.same]
