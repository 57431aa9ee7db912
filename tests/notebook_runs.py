"""Run a notebook top to bottom as nbval's kernel would, on a scratch copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute_copy(
    notebook: Path, folder: Path, store_widget_state: bool = False
) -> tuple[nbformat.NotebookNode, Path]:
    """Copy ``notebook`` into ``folder``, run every cell in a fresh kernel, save the copy.

    The kernel's working directory is the notebook's own folder (relative links and
    imports as in the lab); the environment is the caller's (set PAYPARTS_* first).
    """
    copy = folder / notebook.name
    shutil.copy(notebook, copy)
    executed = nbformat.read(copy, as_version=4)
    NotebookClient(
        executed,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook.parent)}},
        store_widget_state=store_widget_state,
    ).execute()
    nbformat.write(executed, copy)
    return executed, copy
