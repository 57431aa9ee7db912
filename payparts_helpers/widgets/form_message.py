"""A form's message (its Output widget), kept true to what the fields hold now.

A message either concerns no values (a hint such as "nothing was sent yet") or
answers the values the form had when it acted: a request body, a session id,
connection settings (``about``). When the fields change after such an answer,
the answer stays readable under a note saying it is about the earlier values;
when the fields come back to those values, the note goes. Messages that refused
to act on the values (nothing was sent) are the form's to redo or clear: they
would otherwise name problems the fields no longer have.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets

from ._base import display_entry, show
from .notices import notice_html

__all__ = ["FormMessage"]

_NOTHING: Any = object()


class FormMessage:
    """What ``output`` shows, and which values it is about."""

    def __init__(self, output: widgets.Output) -> None:
        self.output = output
        self._entries: tuple[dict[str, Any], ...] = ()
        self._about: Any = _NOTHING

    @property
    def answers(self) -> bool:
        """True while the message is an answer about earlier values (not a hint)."""
        return self._about is not _NOTHING

    @property
    def about(self) -> Any:
        """The values the answer is about (None for a hint)."""
        return None if self._about is _NOTHING else self._about

    def hint(self, *parts: str | widgets.Widget, secrets: Iterable[str] = ()) -> None:
        """Show ``parts`` as a message about no values in particular."""
        self._show(parts, secrets, _NOTHING)

    def answer(self, about: Any, *parts: str | widgets.Widget, secrets: Iterable[str] = ()) -> None:
        """Show ``parts`` as the answer for the values ``about``."""
        self._show(parts, secrets, about)

    def fields_changed(self, now: Any, note: str) -> None:
        """The fields hold ``now``: head an answer about other values with ``note``."""
        if not self.answers:
            return
        if now == self._about:
            self.output.outputs = self._entries
        else:
            self.output.outputs = (display_entry(notice_html(note, "info")), *self._entries)

    def _show(self, parts: tuple[Any, ...], secrets: Iterable[str], about: Any) -> None:
        show(self.output, *parts, secrets=secrets)
        self._entries = self.output.outputs
        self._about = about
