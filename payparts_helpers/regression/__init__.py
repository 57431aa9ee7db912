"""The regression matrix: every documented behaviour of the session API, checked in one run.

A notebook (or a test) picks a :class:`Target`, calls :func:`run_matrix`, and gets a
pandas DataFrame with one row per scenario (:func:`run_rows` gives the same rows
without pandas; ``payparts check`` prints them and writes JUnit XML)::

    group | scenario | status (pass / fail / skipped) | detail | elapsed_ms

Scenarios are plain functions of a :class:`MatrixContext`: they raise
``AssertionError`` with a readable message when the API misbehaves, and return a
:class:`ScenarioOutcome` saying what was checked (or why they were skipped). Every
column but ``elapsed_ms`` is the same from run to run when everything passes: no
session id, port, timing or secret ever goes into ``detail``.

Where the credentials come from:

- ``sandbox`` (default): a dedicated sandbox, started for the run on a temporary
  database with two demo merchants (:data:`DEMO_MERCHANT` and
  :data:`SECOND_DEMO_MERCHANT`), so isolation and a restart can be checked and the
  user's own sandbox database is never touched.
- ``beta`` / ``production``: from the environment variables ``PAYPARTS_SL_CODE``,
  ``PAYPARTS_SECRET`` and, for the isolation scenarios, ``PAYPARTS_OTHER_SL_CODE``,
  ``PAYPARTS_OTHER_SECRET`` (or a ``.env`` file in the working directory). Never pass
  a real secret as a notebook parameter: papermill writes parameters into the
  executed notebook.

Against beta or production every ``validation: accepted`` scenario and every
"created" check makes a real session on that sales location.

The last group, "exchange handler" (:mod:`.exchange_scenarios`), checks a shop's
exchange endpoint as Pay.nl calls it: the target's ``shop_url``, or by default the
reference shop (examples/shop/), started for the run against the run's sandbox. It needs
a sandbox (it moves payments with the sandbox's own controls), so against beta or
production its rows are skipped, each saying why.
"""

from __future__ import annotations

from ..sandbox.merchants import SECOND_DEMO_MERCHANT
from .exchange_scenarios import EXCHANGE_GROUP, EXCHANGE_SCENARIOS
from .runner import (
    COLUMNS,
    GROUPS,
    SCENARIOS,
    ScenarioRow,
    assert_all_passed,
    run_matrix,
    run_rows,
    summary,
)
from .scenario_types import MatrixContext, Scenario, ScenarioOutcome
from .session_scenarios import SCENARIOS as SESSION_SCENARIOS
from .targets import (
    ShopEndpoints,
    Target,
    reference_shop,
    sandbox_target,
    target_from_parameters,
)

__all__ = [
    "COLUMNS",
    "EXCHANGE_GROUP",
    "EXCHANGE_SCENARIOS",
    "GROUPS",
    "SCENARIOS",
    "SECOND_DEMO_MERCHANT",
    "SESSION_SCENARIOS",
    "MatrixContext",
    "Scenario",
    "ScenarioOutcome",
    "ScenarioRow",
    "ShopEndpoints",
    "Target",
    "assert_all_passed",
    "reference_shop",
    "run_matrix",
    "run_rows",
    "sandbox_target",
    "summary",
    "target_from_parameters",
]
