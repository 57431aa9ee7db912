"""Browser end-to-end fixtures: Debian's Chromium driven by Playwright, and real
JupyterLab / Voilà servers on free loopback ports, each stopped after its tests.

Playwright's own browser download does not work here, so the browser is the
system's /usr/bin/chromium (CI installs it with apt-get). In CI a missing
browser fails the run; elsewhere these tests are skipped with that reason.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PAYPARTS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
BIN = Path(sys.executable).parent


# A fresh machine's first kernel and first page load are slow (bytecode, caches):
# waits are generous so only a real failure fails.
TIMEOUT_MS = 180_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """On a failure, keep what the page showed: its text in the report, a screenshot on disk."""
    outcome = yield
    report = outcome.get_result()
    page = getattr(item, "funcargs", {}).get("page")
    if report.when != "call" or not report.failed or page is None:
        return
    shot = Path(tempfile_dir()) / f"{item.name}.png"
    try:
        page.screenshot(path=shot, full_page=True)
        text = page.locator("body").inner_text(timeout=5_000)
    except Exception as error:
        text = f"(page unavailable: {error})"
    report.sections.append(("page at failure", f"screenshot: {shot}\n{text[-4000:]}"))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    """Where step screenshots go: docs/img with `make screenshots`, else a scratch dir."""
    target = os.environ.get("PAYPARTS_SCREENSHOTS")
    folder = Path(target) if target else Path(tempfile_dir()) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def tempfile_dir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="payparts-e2e-")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


@pytest.fixture(scope="session")
def notebook_copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The notebooks in a scratch folder: running them in the page must not touch the repo."""
    folder = tmp_path_factory.mktemp("notebooks")
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy(notebook, folder / notebook.name)
    return folder


# Render every cell (no virtual scrolling: off-screen outputs exist in the DOM) and
# do not ask about news, whose toast would cover the page.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
}


def _environment(folder: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PAYPARTS_")}
    environ["PAYPARTS_SANDBOX_DB"] = str(folder / "sandbox.sqlite3")
    settings = folder / "lab-user-settings"
    for name, values in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    environ["JUPYTERLAB_SETTINGS_DIR"] = str(settings)
    environ["JUPYTER_CONFIG_DIR"] = str(folder / "jupyter-config")  # no user config
    return environ


def _serve(command: list[str], url: str, probe: str, folder: Path, name: str) -> Iterator[Server]:
    log = folder / f"{name}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=folder, env=_environment(folder), stdout=sink, stderr=sink
        )
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise AssertionError(f"{name} exited: {log.read_text()[-2000:]}")
                try:
                    if requests.get(probe, timeout=2).status_code < 500:
                        break
                except requests.RequestException:
                    time.sleep(0.25)
            else:
                raise AssertionError(f"{name} did not answer in 90 s")
            yield Server(url, process, log)
        finally:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


@pytest.fixture(scope="session")
def jupyterlab(notebook_copies: Path) -> Iterator[Server]:
    port, token = free_port(), secrets.token_hex(16)
    command = [
        str(BIN / "jupyter"), "lab", "--no-browser", f"--port={port}",
        "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={notebook_copies}", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    base = f"http://127.0.0.1:{port}"
    yield from _serve(
        command,
        f"{base}/lab/tree/{{notebook}}?token={token}",
        f"{base}/api?token={token}",
        notebook_copies,
        "jupyterlab",
    )


@pytest.fixture(scope="session")
def voila(notebook_copies: Path) -> Iterator[Server]:
    port = free_port()
    command = [
        str(BIN / "voila"), str(notebook_copies / "explorer.ipynb"), "--no-browser",
        f"--port={port}", "--Voila.ip=127.0.0.1", "--show_tracebacks=False",
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    yield from _serve(command, f"{base}/", f"{base}/", notebook_copies, "voila")
