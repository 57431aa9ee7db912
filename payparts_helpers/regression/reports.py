"""A run's rows as CI systems and people read them: JUnit XML, a text table, JSON.

JUnit XML is what GitHub Actions' test reporters, GitLab's ``artifacts:reports:junit``
and Jenkins read: one ``testsuite`` per group, one ``testcase`` per scenario, a
``failure`` carrying the scenario's message, a ``skipped`` carrying its reason. Times
are seconds. No pandas: ``payparts check`` runs in a lean install.
"""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime

from .runner import ScenarioRow, count_statuses, summary

__all__ = ["junit_xml", "rows_json", "rows_table"]

_SUITES_NAME = "payparts check"
_LABELS = {"pass": "PASS", "fail": "FAIL", "skipped": "SKIP"}


def junit_xml(rows: Sequence[ScenarioRow], *, timestamp: datetime | None = None) -> str:
    """The rows as a JUnit XML document (``testsuites`` › ``testsuite`` per group)."""
    when = (timestamp or datetime.now(UTC)).isoformat(timespec="seconds")
    suites = ET.Element("testsuites", name=_SUITES_NAME)
    groups: dict[str, list[ScenarioRow]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    for group, members in groups.items():
        suite = ET.SubElement(suites, "testsuite", name=group, timestamp=when)
        for row in members:
            case = ET.SubElement(
                suite,
                "testcase",
                name=row.scenario,
                classname=f"payparts.{group.replace(' ', '_')}",
                time=_seconds(row.elapsed_ms),
            )
            if row.status == "fail":
                failure = ET.SubElement(
                    case, "failure", message=_first_sentence(row.detail), type="ScenarioFailed"
                )
                failure.text = row.detail
            elif row.status == "skipped":
                ET.SubElement(case, "skipped", message=row.detail)
        _count_into(suite, members)
    _count_into(suites, list(rows))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def rows_table(rows: Sequence[ScenarioRow], width: int = 100) -> str:
    """One line per scenario (``PASS group › scenario``); a failure's or skip's reason below."""
    lines = []
    for row in rows:
        lines.append(f"{_LABELS.get(row.status, row.status.upper())}  {row.group} › {row.scenario}")
        if row.status != "pass" and row.detail:
            lines.extend(
                textwrap.wrap(row.detail, width, initial_indent=" " * 6, subsequent_indent=" " * 6)
            )
    lines.append(summary(rows))
    return "\n".join(lines)


def rows_json(rows: Sequence[ScenarioRow]) -> str:
    """``{"summary": {"pass": …, "fail": …, "skipped": …}, "rows": [...]}``."""
    document = {
        "summary": count_statuses(row.status for row in rows),
        "rows": [row.__dict__ for row in rows],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _count_into(element: ET.Element, rows: Sequence[ScenarioRow]) -> None:
    counts = count_statuses(row.status for row in rows)
    element.set("tests", str(len(rows)))
    element.set("failures", str(counts["fail"]))
    element.set("errors", "0")
    element.set("skipped", str(counts["skipped"]))
    element.set("time", _seconds(sum(row.elapsed_ms for row in rows)))


def _seconds(milliseconds: float) -> str:
    return f"{milliseconds / 1000:.3f}"


def _first_sentence(detail: str, limit: int = 200) -> str:
    """A failure's ``message`` attribute: its first sentence (the element holds it all)."""
    head = detail.split(". ", 1)[0]
    return head if len(head) <= limit else head[: limit - 1] + "…"
