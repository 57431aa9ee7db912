"""After "Run All", 05's embedded component is still the user's to pay.

A cell that tests must not use up what the user is meant to try: the notebook is run
top to bottom against a sandbox of this test, and the session the component was
mounted for has no order yet (nothing paid it), while the from-code payment used a
session of its own and is paid.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from payparts_helpers import PayPartsClient
from payparts_helpers.rules.errors import NotFoundError
from payparts_helpers.sandbox import DEMO_MERCHANT, start_sandbox

from .notebook_runs import execute_copy

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "05_checkout_and_exchange.ipynb"
_PRINTED_ID = re.compile(r"^sessionId: ([0-9a-f]{32})$", re.MULTILINE)


def _outputs_text(notebook: nbformat.NotebookNode) -> str:
    return "\n".join(
        "".join(output.get("text", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


@pytest.mark.slow
def test_run_all_leaves_the_components_session_unpaid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_sandbox(db_path=tmp_path / "run-all.sqlite3") as sandbox:
        for name in ("PAYPARTS_SL_CODE", "PAYPARTS_SECRET"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("PAYPARTS_ENV", "sandbox")
        monkeypatch.setenv("PAYPARTS_BASE_URL", sandbox.url)
        executed, _ = execute_copy(NOTEBOOK, tmp_path)
        printed = _outputs_text(executed)
        (component_id,) = _PRINTED_ID.findall(printed)  # the session the component shows
        mounted = [c.source for c in executed.cells if "/_sandbox/checkout" in c.source]
        assert mounted == [
            'IFrame(f"{client.base_url}/_sandbox/checkout?sessionToken={created.session_token}",'
            ' "100%", 460)'
        ]
        with PayPartsClient(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, sandbox.url) as client:
            assert client.get_session(component_id).session_id == component_id
            with pytest.raises(NotFoundError):  # no order: nothing paid it, the user can
                client.get_sandbox_order(component_id)
            paid = re.search(r"^order (\S+): 100 PAID", printed, re.MULTILINE)
            assert paid is not None, printed  # the from-code payment ran, on its own session
            assert client.get_order_status(paid.group(1)).status_code == 100
