"""Running the matrix: one row per scenario, failures as rows, never a traceback.

:func:`run_rows` is the runner: plain rows, no pandas, so ``payparts check`` runs in a
lean install. :func:`run_matrix` is the same run as a DataFrame, for the notebooks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..rules.redaction import redact
from .exchange_scenarios import EXCHANGE_SCENARIOS
from .scenario_types import MatrixContext, Scenario, Status
from .session_scenarios import SCENARIOS as SESSION_SCENARIOS
from .targets import Target, sandbox_target, target_from_parameters

if TYPE_CHECKING:
    import pandas

__all__ = [
    "COLUMNS",
    "DETAIL_LIMIT",
    "GROUPS",
    "SCENARIOS",
    "ScenarioRow",
    "assert_all_passed",
    "count_statuses",
    "results_html",
    "run_matrix",
    "run_rows",
    "summary",
]

COLUMNS = ("group", "scenario", "status", "detail", "elapsed_ms")
"""``elapsed_ms`` is the scenario's running time, or, for a scenario that judges one
answer (the exchange handler's rows), that answer's time: what Pay.nl's 5 s limit is about."""

SCENARIOS: tuple[Scenario, ...] = (*SESSION_SCENARIOS, *EXCHANGE_SCENARIOS)
"""The whole matrix, in order: the session API's groups, then the shop's exchange handler."""
GROUPS: tuple[str, ...] = tuple(dict.fromkeys(s.group for s in SCENARIOS))
"""The groups, in the matrix's order (``payparts check --group`` picks among them)."""
# A detail is read in full: real ones are a sentence or two (under 200 characters). The
# bound only stops a pathological message (a whole HTML page quoted) from filling a page.
DETAIL_LIMIT = 2000


@dataclass(frozen=True)
class ScenarioRow:
    """One scenario's result: the columns of :data:`COLUMNS`."""

    group: str
    scenario: str
    status: Status
    detail: str
    elapsed_ms: float


def run_matrix(
    target: Target | None = None,
    *,
    on_progress: Callable[[int, int, str], None] | None = None,
    scenarios: tuple[Scenario, ...] | list[Scenario] | None = None,
) -> pandas.DataFrame:
    """:func:`run_rows` as a DataFrame with the columns of :data:`COLUMNS`."""
    import pandas

    rows = run_rows(target, on_progress=on_progress, scenarios=scenarios)
    frame = pandas.DataFrame([row.__dict__ for row in rows], columns=list(COLUMNS))
    return frame.astype({"elapsed_ms": "float64"})


def run_rows(
    target: Target | None = None,
    *,
    on_progress: Callable[[int, int, str], None] | None = None,
    scenarios: tuple[Scenario, ...] | list[Scenario] | None = None,
) -> list[ScenarioRow]:
    """Run every scenario against ``target``; one row each, in order.

    ``target=None`` is :func:`target_from_parameters` ``("sandbox")``: a dedicated
    sandbox with both demo merchants. A target with ``base_url=None`` gets a dedicated
    sandbox (with a restart) and keeps its own credentials. Each scenario's exceptions
    are caught: a failure is a ``fail`` row with the message, never a traceback.
    ``on_progress(done, total, name)`` is called after each scenario.
    """
    target = target if target is not None else target_from_parameters("sandbox")
    chosen = tuple(SCENARIOS if scenarios is None else scenarios)
    if target.base_url is None:
        with sandbox_target() as started:
            run_on = replace(target, base_url=started.base_url, restart=started.restart)
            return _run(run_on, chosen, on_progress)
    return _run(target, chosen, on_progress)


def _run(
    target: Target,
    scenarios: tuple[Scenario, ...],
    on_progress: Callable[[int, int, str], None] | None,
) -> list[ScenarioRow]:
    forms = target.secret_forms()
    rows = []
    ctx = MatrixContext(target)
    try:
        for done, scenario in enumerate(scenarios, start=1):
            started = time.perf_counter()
            status, detail, measured = _outcome(scenario, ctx)
            if measured is None:
                measured = (time.perf_counter() - started) * 1000
            elapsed_ms = round(measured, 2)
            detail = _clean(detail, forms)
            rows.append(ScenarioRow(scenario.group, scenario.name, status, detail, elapsed_ms))
            if on_progress is not None:
                on_progress(done, len(scenarios), scenario.name)
    finally:
        ctx.close()
    return rows


def _outcome(scenario: Scenario, ctx: MatrixContext) -> tuple[Status, str, float | None]:
    """Status, detail, and the time of the answer judged (None: time the whole scenario)."""
    try:
        outcome = scenario.check(ctx)
    except AssertionError as error:
        return "fail", str(error) or "assertion failed", getattr(error, "elapsed_ms", None)
    except Exception as error:  # a crash is a failure of that row, never of the run
        return "fail", f"{type(error).__name__}: {error}", None
    if outcome is None:
        return "pass", "", None
    return outcome.status, outcome.detail, outcome.elapsed_ms


def _clean(detail: str, forms: list[str]) -> str:
    """One line, every secret form masked, cut (with "…") only past :data:`DETAIL_LIMIT`."""
    text = " ".join(str(redact(detail, forms)).split())
    return text if len(text) <= DETAIL_LIMIT else text[: DETAIL_LIMIT - 1] + "…"


_STATUS_WORDS = (("pass", "passed"), ("fail", "failed"), ("skipped", "skipped"))


def count_statuses(statuses: Iterable[str]) -> dict[str, int]:
    """``{"pass": 82, "fail": 0, "skipped": 3}``: every status, zeros included."""
    counts = dict.fromkeys((status for status, _ in _STATUS_WORDS), 0)
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return counts


def summary(rows: pandas.DataFrame | Iterable[ScenarioRow]) -> str:
    """``"82 passed, 0 failed, 0 skipped"``, of a run's frame or its rows."""
    statuses = rows["status"] if hasattr(rows, "columns") else (row.status for row in rows)
    counts = count_statuses(statuses)
    return ", ".join(f"{counts[status]} {word}" for status, word in _STATUS_WORDS)


# JupyterLab right-aligns table cells and pandas cuts long text; the results are text.
_LEFT_ALIGNED = [
    {"selector": "th", "props": "text-align: left; vertical-align: top"},
    {"selector": "td", "props": "text-align: left; vertical-align: top; white-space: normal"},
]


def results_html(frame: pandas.DataFrame) -> str:
    """The matrix as an HTML table for people: text left-aligned, every detail in full.

    Timings are left out, so the table reads the same on every run.
    """
    shown = frame.drop(columns=[c for c in ("elapsed_ms",) if c in frame.columns])
    styler = shown.style.hide(axis="index").set_uuid("regression-results")
    styler = styler.format(escape="html")  # a detail may quote a server's answer: text only
    return styler.set_table_styles(_LEFT_ALIGNED).to_html()


def assert_all_passed(frame: pandas.DataFrame) -> None:
    """Raise ``AssertionError`` listing every failed scenario; skipped ones are fine."""
    failed = frame[frame["status"] == "fail"]
    if failed.empty:
        return
    lines = [f"- [{row.group}] {row.scenario}: {row.detail}" for row in failed.itertuples()]
    raise AssertionError(f"{summary(frame)}:\n" + "\n".join(lines))
