"""Notices and findings as small HTML fragments: a coloured mark per level.

Levels are ``ok``, ``info``, ``warning`` and ``error``; :data:`COLOURS`,
:data:`MARKS` and :data:`BOX` are shared with the error blocks so every message
of a form looks alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..checks.lint import Finding
from .markup import escape

__all__ = ["BOX", "COLOURS", "MARKS", "findings_html", "notice_html"]

COLOURS = {"error": "#b00020", "warning": "#8a5a00", "info": "#1f5f99", "ok": "#1b7f3b"}
MARKS = {"error": "✗", "warning": "⚠", "info": "ℹ", "ok": "✓"}
BOX = "border-left: 4px solid {colour}; padding: 4px 10px; margin: 4px 0"


def notice_html(text: str, level: str = "info", secrets: Iterable[str] = ()) -> str:
    """One line with a coloured mark: level is ok, info, warning or error."""
    colour = COLOURS.get(level, COLOURS["info"])
    mark = MARKS.get(level, "")
    return (
        f"<div class='payparts-{escape(level)}' style='{BOX.format(colour=colour)}'>"
        f"<span style='color: {colour}'>{mark}</span> {escape(text, secrets)}</div>"
    )


def findings_html(
    findings: Sequence[Finding],
    *,
    title: str = "Findings",
    empty: str = "No findings.",
    secrets: Iterable[str] = (),
) -> str:
    """Findings as a list, errors first as given, each ``level path: message``."""
    forms = list(secrets)
    if not findings:
        return f"<div><b>{escape(title)}</b>: {notice_html(empty, 'ok')}</div>"
    counts = {
        level: sum(1 for f in findings if f.level == level)
        for level in ("error", "warning", "info")
    }
    tally = ", ".join(f"{n} {level}{'s' if n != 1 else ''}" for level, n in counts.items() if n)
    items = []
    for finding in findings:
        colour = COLOURS.get(finding.level, COLOURS["info"])
        where = f"<code>{escape(finding.path, forms)}</code>: " if finding.path else ""
        items.append(
            f"<li class='payparts-{escape(finding.level)}'>"
            f"<span style='color: {colour}'>{MARKS.get(finding.level, '')} "
            f"{escape(finding.level)}</span> {where}{escape(finding.message, forms)}</li>"
        )
    return (
        f"<div><b>{escape(title)}</b> ({escape(tally)})"
        f"<ul style='margin: 4px 0'>{''.join(items)}</ul></div>"
    )
