"""Small HTML tables: key/value rows, nested objects flattened, and sent against received."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .diff import ABSENT, DiffRow
from .markup import escape
from .notices import notice_html

__all__ = ["diff_html", "mapping_rows", "table_html"]

# JupyterLab right-aligns table cells; long tokens would push short values off screen.
_CELL_STYLE = "text-align: left; word-break: break-all"


def table_html(
    header: Sequence[str], rows: Iterable[Sequence[object]], secrets: Iterable[str] = ()
) -> str:
    """A plain table, every cell escaped."""
    forms = list(secrets)
    head = "".join(f"<th style='text-align: left'>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f"<td style='{_CELL_STYLE}'>{escape(cell, forms)}</td>" for cell in row)
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def mapping_rows(value: Mapping[str, Any] | None, prefix: str = "") -> list[tuple[str, str]]:
    """A nested object as (dotted path, JSON value) rows, for small key/value tables."""
    rows: list[tuple[str, str]] = []
    for key, item in (value or {}).items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(item, Mapping) and item:
            rows.extend(mapping_rows(item, path))
        else:
            shown = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
            rows.append((path, shown))
    return rows


def _cell(value: Any) -> str:
    return "(absent)" if value is ABSENT else json.dumps(value, ensure_ascii=False, default=str)


def diff_html(rows: Sequence[DiffRow], secrets: Iterable[str] = ()) -> str:
    """Sent against received, one row per JSON path, with a same/different mark."""
    changed = sum(1 for row in rows if not row.same)
    if changed:
        plural = "s" if changed != 1 else ""
        verdict = notice_html(f"{changed} difference{plural} between sent and received", "error")
    else:
        verdict = notice_html("no differences: the session came back as it was sent", "ok")
    table = table_html(
        ("path", "sent", "received", "same?"),
        (
            (row.path, _cell(row.sent), _cell(row.received), "✓ same" if row.same else "✗ differs")
            for row in rows
        ),
        secrets,
    )
    return verdict + table
