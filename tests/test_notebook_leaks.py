"""Run every notebook with a marker secret and look for it in everything they save.

The kernel gets credentials the way an integrator's would (environment
variables) for a sandbox whose merchant has the marker secret. Neither the
secret nor base64("sl:secret") may appear in any saved output or in the saved
notebook file, widget state included.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from payparts_helpers.sandbox import Merchant, start_sandbox

from .notebook_runs import execute_copy

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
MARKER = Merchant("SL-7777-0001", "leak-marker-6d1f0c9e", "Leak Test Shop")
FORBIDDEN = [
    MARKER.secret,
    base64.b64encode(f"{MARKER.sl_code}:{MARKER.secret}".encode()).decode().rstrip("="),
]


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_outputs_never_hold_the_secret(
    notebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_sandbox(db_path=tmp_path / "leak.sqlite3", merchants=[MARKER]) as sandbox:
        monkeypatch.setenv("PAYPARTS_ENV", "sandbox")
        monkeypatch.setenv("PAYPARTS_BASE_URL", sandbox.url)
        monkeypatch.setenv("PAYPARTS_SL_CODE", MARKER.sl_code)
        monkeypatch.setenv("PAYPARTS_SECRET", MARKER.secret)
        monkeypatch.setenv("PAYPARTS_SANDBOX_DB", str(tmp_path / "default.sqlite3"))
        # Widget state stored: stricter than what the project saves.
        _, copy = execute_copy(notebook, tmp_path, store_widget_state=True)
    saved = copy.read_text(encoding="utf-8")
    if notebook.stem == "00_start_here":  # it prints the SL code: the marker merchant was used
        assert f"sales location: {MARKER.sl_code}" in saved
    assert "Traceback" not in saved
    for forbidden in FORBIDDEN:
        assert forbidden not in saved, f"{notebook.name} leaks {forbidden[:6]}…"
