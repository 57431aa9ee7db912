"""pytest settings for the explorer's notebooks, kept out of notebooks/ (JupyterLab's
file browser there shows only the notebooks).

Both ``make test`` and the plain ``pytest --nbval notebooks`` compare the same way:

- Outputs are sanitised with ``tests/nbval/sanitize.cfg`` (session ids, tokens, ports,
  timings, memory addresses, the current time) unless ``--nbval-sanitize-with`` names
  another file.
- HTML outputs are not compared: a pandas DataFrame or Styler renders the same data as
  its text/plain form, but its HTML carries CSS, ids and markup that change with pandas
  versions, and widget views are already skipped by nbval (their model ids are random).
  The text/plain forms are compared.
"""

from __future__ import annotations

from pathlib import Path

import pytest

NBVAL_SANITIZE = Path(__file__).resolve().parent / "tests" / "nbval" / "sanitize.cfg"
_NOT_COMPARED = ("text/html", "application/javascript")


def pytest_configure(config: pytest.Config) -> None:
    option = config.option
    if not hasattr(option, "nbval_sanitize_with"):  # nbval is not installed or disabled
        return
    # --sanitize-with is nbval's deprecated alias: nbval itself copies it over.
    if option.nbval_sanitize_with is None and not getattr(option, "sanitize_with", None):
        option.nbval_sanitize_with = str(NBVAL_SANITIZE)


def pytest_collectstart(collector: pytest.Collector) -> None:
    if getattr(collector, "skip_compare", None) is not None:  # a notebook under nbval
        collector.skip_compare = (*collector.skip_compare, *_NOT_COMPARED)
