"""Results, errors and findings as small HTML fragments (and plain text) for Output widgets.

Pure functions: no widgets, no HTTP. Every piece of user or server text is passed
through :func:`redaction.redact` (when the caller hands over the secret forms) and
then :func:`html.escape`, in that order, so nothing typed or answered can inject
markup and no credential can be shown.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from html.parser import HTMLParser
from typing import Any

from ..checks.lint import Finding
from ..rules.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidSessionIdError,
    NotFoundError,
    PayPartsError,
    RateLimitError,
    RequestRejectedError,
    ServerError,
    TokenDecodeError,
    TransportError,
    UnexpectedResponseError,
    Violation,
)
from ..rules.redaction import redact
from .diff import ABSENT, DiffRow

__all__ = [
    "NotSentError",
    "diff_html",
    "error_html",
    "error_text",
    "escape",
    "findings_html",
    "html_to_text",
    "json_html",
    "json_text",
    "mapping_rows",
    "next_step",
    "notice_html",
    "order_html",
    "table_html",
]

_COLOURS = {"error": "#b00020", "warning": "#8a5a00", "info": "#1f5f99", "ok": "#1b7f3b"}
_MARKS = {"error": "✗", "warning": "⚠", "info": "ℹ", "ok": "✓"}
_BOX = "border-left: 4px solid {colour}; padding: 4px 10px; margin: 4px 0"


class NotSentError(PayPartsError):
    """A form refused to send: its own checks (lint errors, unreadable fields) failed.

    Nothing reached the server; ``violations`` lists what to fix, path by path.
    """


def escape(text: object, secrets: Iterable[str] = ()) -> str:
    """Text made safe for HTML: secrets masked first, then escaped."""
    return html.escape(str(redact(str(text), list(secrets))))


# --- errors -------------------------------------------------------------------------------


def next_step(error: BaseException) -> str:
    """What the person in front of the form should do about ``error``."""
    if isinstance(error, NotSentError):
        return "Fix the fields listed above; nothing was sent."
    if isinstance(error, AuthenticationError):
        return (
            "Check the SL code and the secret, and that they belong to the environment "
            "chosen (sandbox, beta or production): each has its own credentials."
        )
    if isinstance(error, RequestRejectedError):
        return "Fix the fields listed above and send again."
    if isinstance(error, NotFoundError):
        return (
            "Check the session id, and that the session was created with the same sales "
            "location (SL code) in the same environment: another one's sessions are not found."
        )
    if isinstance(error, RateLimitError):
        if error.retry_after is not None:
            return f"Wait {error.retry_after:g} s, then try again."
        return "Wait a little, then try again."
    if isinstance(error, InvalidSessionIdError):
        return "Paste the sessionId exactly as the create call returned it; nothing was sent."
    if isinstance(error, ConfigurationError):
        return "Fix the connection settings (environment, SL code, secret, base URL)."
    if isinstance(error, TokenDecodeError):
        return "Paste the whole sessionToken (st_…) exactly as the API returned it."
    if isinstance(error, ServerError):
        return (
            "The service failed: try again later. A create call may or may not have made a "
            "session; look it up before creating another."
        )
    if isinstance(error, TransportError):
        return "Try again later, and check the base URL and this machine's network connection."
    if isinstance(error, UnexpectedResponseError):
        return (
            "The host answered with something that is not the Pay.Parts API (an HTML page, a "
            "proxy error, a cut-off answer): check the base URL, or try again later."
        )
    if isinstance(error, PayPartsError):
        return "Read the message above; if it persists, check the environment and base URL."
    return (
        "This is not an answer of the API: check the inputs and the connection settings, "
        "and report it if it happens again."
    )


def _heading(error: BaseException) -> str:
    name = type(error).__name__
    if not isinstance(error, PayPartsError):
        return "Unexpected error"
    if error.status_code is not None:
        return f"HTTP {error.status_code} · {name}"
    if isinstance(error, InvalidSessionIdError | ConfigurationError | NotSentError):
        return f"Not sent · {name}"
    if isinstance(error, TransportError):
        return f"No answer · {name}"
    return name


def _message(error: BaseException) -> str:
    if isinstance(error, PayPartsError):
        return error.message
    return f"Unexpected error: {type(error).__name__}: {error}"


def _violations(error: BaseException) -> list[Violation]:
    return list(error.violations) if isinstance(error, PayPartsError) else []


def error_text(error: BaseException, secrets: Iterable[str] = ()) -> str:
    """The error as plain lines: heading, message, each violation as ``path: message``,
    and what to do next. Never a traceback."""
    forms = list(secrets)
    lines = [_heading(error), _message(error)]
    lines += [f"  {violation}" for violation in _violations(error)]
    lines.append(f"What to do next: {next_step(error)}")
    return str(redact("\n".join(lines), forms))


def error_html(error: BaseException, secrets: Iterable[str] = ()) -> str:
    """The error as an HTML block, same parts as :func:`error_text`."""
    forms = list(secrets)
    items = "".join(
        f"<li><code>{escape(v.path, forms)}</code>: {escape(v.message, forms)}</li>"
        if v.path
        else f"<li>{escape(v.message, forms)}</li>"
        for v in _violations(error)
    )
    listed = f"<ul style='margin: 4px 0'>{items}</ul>" if items else ""
    return (
        f"<div class='payparts-error' style='{_BOX.format(colour=_COLOURS['error'])}'>"
        f"<b style='color: {_COLOURS['error']}'>{_MARKS['error']} "
        f"{escape(_heading(error), forms)}</b>"
        f"<div>{escape(_message(error), forms)}</div>{listed}"
        f"<div><b>What to do next:</b> {escape(next_step(error), forms)}</div></div>"
    )


# --- findings, notices, JSON, tables -------------------------------------------------------


def notice_html(text: str, level: str = "info", secrets: Iterable[str] = ()) -> str:
    """One line with a coloured mark: level is ok, info, warning or error."""
    colour = _COLOURS.get(level, _COLOURS["info"])
    mark = _MARKS.get(level, "")
    return (
        f"<div class='payparts-{escape(level)}' style='{_BOX.format(colour=colour)}'>"
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
        colour = _COLOURS.get(finding.level, _COLOURS["info"])
        where = f"<code>{escape(finding.path, forms)}</code>: " if finding.path else ""
        items.append(
            f"<li class='payparts-{escape(finding.level)}'>"
            f"<span style='color: {colour}'>{_MARKS.get(finding.level, '')} "
            f"{escape(finding.level)}</span> {where}{escape(finding.message, forms)}</li>"
        )
    return (
        f"<div><b>{escape(title)}</b> ({escape(tally)})"
        f"<ul style='margin: 4px 0'>{''.join(items)}</ul></div>"
    )


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


# --- plain text of a fragment -------------------------------------------------------------


class _TextCollector(HTMLParser):
    """Text of a fragment: blocks on their own lines, ``<pre>`` kept as written."""

    _BLOCKS = frozenset(
        {"div", "p", "li", "tr", "pre", "summary", "table", "ul", "h4", "br", "caption"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th") and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append(" ")
        if tag == "pre":
            self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip = max(0, self._skip - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
            self.parts.append("\n")
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._pre:
            self.parts.append(data)
            return
        text = re.sub(r"\s+", " ", data)
        if not self.parts or self.parts[-1].endswith("\n"):
            text = text.lstrip()
        self.parts.append(text)


def html_to_text(fragment: str) -> str:
    """The readable text of an HTML fragment (the text/plain twin of each display)."""
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    lines = (line.rstrip() for line in "".join(collector.parts).splitlines())
    return "\n".join(line for line in lines if line.strip())


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


def order_html(
    order: Mapping[str, Any] | None,
    amount: Mapping[str, Any] | None,
    *,
    locale: str = "nl-NL",
    uuid: str = "order-lines",
) -> str:
    """The styled order table and the reconciliation (pandas, loaded on first use).

    ``uuid`` keeps the Styler's CSS ids apart when two tables share a page: the
    styled frame's default id is fixed, so the second table's row colours would
    otherwise follow the first one's.
    """
    import pandas as pd

    from ..checks import order_frames as orders

    def ok_mark(value: object) -> str:
        if pd.isna(value):
            return "—"
        return "✓" if bool(value) else "✗"

    currency = amount.get("currency") if isinstance(amount, Mapping) else None
    code = currency if isinstance(currency, str) else ""
    lines = orders.order_lines_frame(order)
    styled = orders.style_order_lines(lines, code, locale=locale).set_uuid(uuid)
    summary = orders.order_summary(order, amount)
    # Plain objects first: DataFrame.to_html (pandas 3) ignores na_rep and formatters for
    # the <NA> of Int64/boolean columns and would print "<NA>".
    shown = pd.DataFrame(
        {
            column: [ok_mark(v) if column == "ok" else ("—" if pd.isna(v) else v) for v in values]
            for column, values in summary.items()
        },
        index=summary.index,
    )
    summary_table = shown.to_html(classes="payparts-summary", border=0)
    return (
        f"<h4>Order lines</h4>{styled.to_html()}"
        f"<h4>Reconciliation: order against amount</h4>{summary_table}"
    )
