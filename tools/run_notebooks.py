"""Execute notebooks in place, storing the outputs nbval will compare against.

Runs each notebook top to bottom in a fresh kernel with a throwaway sandbox
database and no credentials (the sandbox default), exactly as `make test` runs
them, and never stores widget state (a Password widget's value would be in it).
Usage: python tools/run_notebooks.py [NOTEBOOK ...]   (default: notebooks/*.ipynb)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def run(path: Path, environment: dict[str, str]) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False,
    )
    previous = dict(os.environ)
    os.environ.clear()
    os.environ.update(environment)
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(previous)
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)
    print(f"ran {path.relative_to(ROOT)}")


def main(argv: list[str]) -> int:
    paths = [Path(p).resolve() for p in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="payparts-notebooks-") as scratch:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("PAYPARTS_")}
        environment["PAYPARTS_SANDBOX_DB"] = str(Path(scratch) / "sandbox.sqlite3")
        for path in paths:
            run(path, environment)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
