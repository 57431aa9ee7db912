"""Browser end-to-end fixtures: Debian's Chromium driven by Playwright, and real
JupyterLab / Voilà servers on free loopback ports, each stopped after its tests.

Playwright's own browser download does not work here, so the browser is the
system's /usr/bin/chromium (CI installs it with apt-get). In CI a missing
browser fails the run; elsewhere these tests are skipped with that reason.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from .lab_setup import (
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    lab_environment,
    write_scratch_notebooks,
)
from .waits import STATE_TIMEOUT_S, Seen, wait_for_state

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


# One deadline for every wait, Playwright's own included (locators, expect): each
# wait is for a state (waits.py), and only a state that never comes reaches it.
TIMEOUT_MS = int(STATE_TIMEOUT_S * 1000)
expect.set_options(timeout=TIMEOUT_MS)


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


@dataclass
class Server:
    url: str  # the page to open (JupyterLab: with a {notebook} placeholder)
    process: subprocess.Popen[bytes]
    log: Path
    base: str  # http://127.0.0.1:port, for the server's REST API
    root: Path  # the folder it serves
    token: str | None = None


@pytest.fixture(scope="session")
def notebook_copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The notebooks in a scratch folder: running them in the page must not touch the repo.

    The copies carry no stored outputs, execution counts or widget state: a prompt
    that shows a count was run in this page (waits.run_all_and_wait relies on it).
    """
    folder = tmp_path_factory.mktemp("notebooks")
    write_scratch_notebooks(folder, (ROOT / "notebooks").glob("*.ipynb"))
    return folder


def _serve(
    command: list[str], url: str, base: str, probe: str, folder: Path, name: str, token: str | None
) -> Iterator[Server]:
    log = folder / f"{name}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=folder, env=lab_environment(folder), stdout=sink, stderr=sink
        )

        def answering() -> Seen:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited: {log.read_text()[-2000:]}")
            try:
                status = requests.get(probe, timeout=5).status_code
            except requests.RequestException as error:
                return Seen(False, f"{probe.split('?')[0]}: {type(error).__name__}")
            return Seen(status < 500, f"{probe.split('?')[0]} answered {status}")

        try:
            wait_for_state(f"{name} never answered", answering)
            yield Server(url, process, log, base, folder, token)
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
        base,
        f"{base}/api?token={token}",
        notebook_copies,
        "jupyterlab",
        token,
    )


@pytest.fixture
def lab(jupyterlab: Server) -> Server:
    """JupyterLab for one test, with no kernel left from an earlier test.

    JupyterLab keeps a notebook's kernel when its page closes: the next test to open
    that notebook would find the last one's kernel, its state and its counts. The
    earlier tests' pages are closed by now, so nothing starts a kernel again while
    their sessions are shut down here.
    """
    auth = {"Authorization": f"token {jupyterlab.token}"}
    api = f"{jupyterlab.base}/api/sessions"
    for session in requests.get(api, headers=auth, timeout=30).json():
        requests.delete(f"{api}/{session['id']}", headers=auth, timeout=60)

    def no_session() -> Seen:
        left = [s.get("path") for s in requests.get(api, headers=auth, timeout=30).json()]
        return Seen(not left, f"sessions of {left}")

    wait_for_state("the earlier tests' kernel sessions never shut down", no_session)
    return jupyterlab


@pytest.fixture(scope="session")
def voila(notebook_copies: Path) -> Iterator[Server]:
    port = free_port()
    command = [
        str(BIN / "voila"), str(notebook_copies / "explorer.ipynb"), "--no-browser",
        f"--port={port}", "--Voila.ip=127.0.0.1", "--show_tracebacks=False",
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    yield from _serve(command, f"{base}/", base, f"{base}/", notebook_copies, "voila", None)
