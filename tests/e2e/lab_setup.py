"""What the browser tests and tools/notebook_screenshots.py share to start a lab and a browser.

Debian's Chromium and its flags (Playwright's own browser download does not work
here), a free loopback port, scratch notebooks as a fresh clone opens them, and a
server environment with no user configuration and no PAYPARTS_* settings.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..ports import free_port

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "LAB_SETTINGS",
    "free_port",
    "lab_environment",
    "write_scratch_notebooks",
]

CHROMIUM = os.environ.get("PAYPARTS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

# Render every cell (no virtual scrolling: off-screen outputs exist in the DOM) and
# do not ask about news, whose toast would cover the page.
LAB_SETTINGS: dict[str, dict[str, Any]] = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
}


def write_scratch_notebooks(folder: Path, notebooks: Iterable[Path]) -> None:
    """Copies without stored outputs, execution counts or widget state.

    A prompt that shows a count was then run in this page (waits.run_all_and_wait
    relies on it), and what the page shows is what a fresh clone opens.
    """
    for notebook in notebooks:
        document = json.loads(notebook.read_text(encoding="utf-8"))
        document.get("metadata", {}).pop("widgets", None)
        for cell in document["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        (folder / notebook.name).write_text(json.dumps(document, indent=1), encoding="utf-8")


def lab_environment(
    folder: Path, settings: Mapping[str, Mapping[str, Any]] = LAB_SETTINGS
) -> dict[str, str]:
    """The servers' environment: a scratch sandbox database, these lab settings, no user
    configuration, and nothing of the shell's PAYPARTS_* settings."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PAYPARTS_")}
    environ["PAYPARTS_SANDBOX_DB"] = str(folder / "sandbox.sqlite3")
    settings_dir = folder / "lab-user-settings"
    for name, values in settings.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    environ["JUPYTERLAB_SETTINGS_DIR"] = str(settings_dir)
    environ["JUPYTER_CONFIG_DIR"] = str(folder / "jupyter-config")  # no user config
    return environ
