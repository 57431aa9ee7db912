"""nbval settings for the explorer's notebooks.

HTML outputs are not compared: a pandas DataFrame or Styler renders the same data
as its text/plain form, but its HTML carries CSS, ids and markup that change with
pandas versions, and widget views are already skipped by nbval (their model ids are
random). The text/plain forms are compared, sanitised with sanitize.cfg.
"""

from __future__ import annotations

import pytest

_NOT_COMPARED = ("text/html", "application/javascript")


def pytest_collectstart(collector: pytest.Collector) -> None:
    if getattr(collector, "skip_compare", None) is not None:
        collector.skip_compare = (*collector.skip_compare, *_NOT_COMPARED)
