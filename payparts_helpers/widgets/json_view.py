"""JSON for people: pretty-printed, keys in their order, optionally folded away."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .markup import escape

__all__ = ["json_html", "json_text"]


def json_text(value: Any) -> str:
    """Pretty JSON, keys in their order, non-ASCII kept; anything odd shown via str."""
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def json_html(
    value: Any,
    *,
    summary: str | None = None,
    open_: bool = False,
    secrets: Iterable[str] = (),
) -> str:
    """Pretty JSON in a ``<pre>``; with ``summary``, inside an expandable ``<details>``."""
    block = (
        "<pre style='margin: 4px 0; white-space: pre-wrap'>"
        f"{escape(json_text(value), secrets)}</pre>"
    )
    if summary is None:
        return block
    state = " open" if open_ else ""
    return f"<details{state}><summary>{escape(summary)}</summary>{block}</details>"
