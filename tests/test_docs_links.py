"""Every relative link and image in the README, docs/ and the notebooks' text resolves.

A user's clone has only this repository: a link to a file outside it, a renamed
page or a heading that moved is a dead end for them. Web links are not followed
(this machine has no internet); relative ones must name a file that exists and,
with ``#anchor``, a heading in it (GitHub's anchor rule).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
# [text](target) and ![alt](target), a bare <img src="...">, and reference definitions.
_MARKDOWN_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_SOURCE = re.compile(r"<(?:img|a)\b[^>]*?\b(?:src|href)=[\"']([^\"']+)[\"']", re.IGNORECASE)
_REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def documents() -> list[tuple[str, Path, str]]:
    """(name, the file's folder, its markdown) for every document a user reads."""
    found = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    docs = [(str(p.relative_to(ROOT)), p, p.read_text(encoding="utf-8")) for p in found]
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        text = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        docs.append((str(notebook.relative_to(ROOT)), notebook, text))
    return docs


def links(markdown: str) -> list[str]:
    prose = _FENCE.sub("", markdown)  # code blocks hold examples, not links
    return [
        *_MARKDOWN_LINK.findall(prose),
        *_HTML_SOURCE.findall(prose),
        *_REFERENCE.findall(prose),
    ]


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors_of(path: Path) -> set[str]:
    if path.suffix != ".md":
        return set()
    return {anchor(h) for h in _HEADING.findall(_FENCE.sub("", path.read_text(encoding="utf-8")))}


def broken_links(source: Path, markdown: str, root: Path = ROOT) -> list[str]:
    problems = []
    for target in links(markdown):
        parts = urlsplit(target)
        if parts.scheme or target.startswith("//"):
            continue  # a web or mailto link: not followed offline
        destination = source if not parts.path else (source.parent / unquote(parts.path)).resolve()
        if not destination.exists():
            problems.append(f"{target}: no such file")
        elif root not in destination.parents and destination != root:
            problems.append(f"{target}: outside the repository, not in a user's clone")
        elif parts.fragment and parts.fragment not in anchors_of(destination):
            problems.append(f"{target}: no heading #{parts.fragment} in {destination.name}")
    return problems


@pytest.mark.parametrize(
    ("name", "path", "markdown"), [pytest.param(*doc, id=doc[0]) for doc in documents()]
)
def test_every_relative_link_resolves(name: str, path: Path, markdown: str) -> None:
    assert not broken_links(path, markdown), f"{name}: " + "; ".join(broken_links(path, markdown))


def test_the_checker_finds_what_is_broken(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (tmp_path / "shared.md").write_text("# Outside\n")
    (repo / "there.md").write_text("# A `heading`, here\n")
    page = repo / "page.md"
    markdown = (
        "[ok](there.md#a-heading-here) [gone](missing.md) ![img](img/none.png) "
        "[anchor](there.md#nowhere) [web](https://example.org/x) [self](#title) "
        "[outside](../shared.md)\n# Title\n```\n[in code](ignored.md)\n```\n"
    )
    page.write_text(markdown)
    problems = broken_links(page, markdown, root=repo)
    assert [p.split(":")[0] for p in problems] == [
        "missing.md",
        "img/none.png",
        "there.md#nowhere",
        "../shared.md",
    ]
