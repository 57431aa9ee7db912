"""Reliability tests: the sandbox as a separate process (its CLI), driven hard, killed,
restarted.

The load and crash tests (well under a minute each) run in ``make test``; the
schemathesis runs with a large example budget are marked ``soak`` (over a minute
together) and run in ``make soak``, which ``.ci/run`` runs too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from payparts_helpers.sandbox import DEMO_MERCHANT

from ..sandbox_process import SandboxProcess


@pytest.fixture
def sandbox_process(tmp_path: Path) -> Iterator[SandboxProcess]:
    """A sandbox CLI process on 127.0.0.1 with a temporary database; stopped afterwards.

    After the test, every start's stderr is checked: no traceback, no secret.
    """
    server = SandboxProcess(tmp_path / "soak.sqlite3", tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
    printed = server.all_stderr()
    assert "Traceback" not in printed, printed[-3000:]
    assert DEMO_MERCHANT.secret not in printed


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]
