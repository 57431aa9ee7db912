"""The package's public surface: every advertised name imports, and importing stays light."""

import subprocess
import sys

import payparts_helpers


def test_every_exported_name_resolves() -> None:
    for name in payparts_helpers.__all__:
        assert getattr(payparts_helpers, name) is not None, name


def test_import_does_not_load_pandas_widgets_or_the_server() -> None:
    code = (
        "import sys, payparts_helpers; "
        "print(sorted(m for m in ('pandas', 'ipywidgets', 'uvicorn', 'starlette', 'requests')"
        " if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
