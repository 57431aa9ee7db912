"""Plumbing shared by the forms: display delegation and writing into Output widgets.

Output widgets are written by replacing their ``outputs`` tuple (the synced trait
that ``append_stdout``/``append_display_data`` extend), never with ``with output:``.
``Output.clear_output()`` is not used either: it works by entering ``with self:``
and, outside a widget frontend, it prints terminal escape codes to stdout and
leaves ``outputs`` untouched, while under nbval its clear message would reach the
cell's own output. Replacing the tuple is one sync message: no flicker, no leak.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets

from ..rules.redaction import redact
from .markup import html_to_text

__all__ = ["Form", "add_to", "display_entry", "next_uid", "show", "with_escaped_forms"]


def with_escaped_forms(forms: Iterable[str]) -> list[str]:
    """Secret forms plus their HTML-escaped spellings, longest first."""
    found = {f for f in forms if f}
    found |= {html.escape(f) for f in found}
    return sorted(found, key=len, reverse=True)


def display_entry(part: str | widgets.Widget, secrets: Iterable[str] = ()) -> dict[str, Any]:
    """One Output entry: an HTML fragment (with its plain-text twin) or a widget view."""
    if isinstance(part, widgets.Widget):
        data = part._repr_mimebundle_() or {"text/plain": type(part).__name__}
        return {"output_type": "display_data", "data": data, "metadata": {}}
    fragment = str(redact(part, with_escaped_forms(secrets)))
    return {
        "output_type": "display_data",
        "data": {"text/html": fragment, "text/plain": html_to_text(fragment)},
        "metadata": {},
    }


def show(output: widgets.Output, *parts: str | widgets.Widget, secrets: Iterable[str] = ()) -> None:
    """Replace what ``output`` shows with ``parts`` (HTML fragments or widgets)."""
    forms = list(secrets)
    output.outputs = tuple(display_entry(part, forms) for part in parts)


def add_to(
    output: widgets.Output, *parts: str | widgets.Widget, secrets: Iterable[str] = ()
) -> None:
    """Append ``parts`` below what ``output`` already shows."""
    forms = list(secrets)
    output.outputs = (*output.outputs, *(display_entry(part, forms) for part in parts))


class Form:
    """A form: ``.widget`` is its root; a notebook cell ending with the form shows it."""

    widget: widgets.Widget

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        """The root widget's view, with a short, stable text form.

        The widget's own text form lists every child with its value: long, and it
        changes whenever a default does. Notebooks compare text forms (nbval).
        """
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = f"{type(self).__name__} (an interactive form: open in JupyterLab)"
        return bundle


_counter = 0


def next_uid(prefix: str) -> str:
    """A fresh id per form, stable across runs of a fresh kernel (for HTML ids)."""
    global _counter
    _counter += 1
    return f"{prefix}-{_counter}"
