"""Text in and out of HTML: escaping what a form shows, and reading a fragment back as text.

Every piece of user or server text is passed through :func:`redaction.redact`
(when the caller hands over the secret forms) and then :func:`html.escape`, in
that order, so nothing typed or answered can inject markup and no credential can
be shown. :func:`html_to_text` gives each HTML fragment its text/plain twin.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from html.parser import HTMLParser

from ..rules.redaction import redact

__all__ = ["escape", "html_to_text"]


def escape(text: object, secrets: Iterable[str] = ()) -> str:
    """Text made safe for HTML: secrets masked first, then escaped."""
    return html.escape(str(redact(str(text), list(secrets))))


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
