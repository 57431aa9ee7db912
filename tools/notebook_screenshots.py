"""A screenshot of each notebook after Run All in JupyterLab: docs/img/notebook-<name>.png.

What a new integrator sees: JupyterLab on a free loopback port over scratch copies of
notebooks/ (no stored outputs, a throwaway sandbox database, no PAYPARTS_* settings),
each notebook opened in Chromium (the system's /usr/bin/chromium, driven by
Playwright), Run ▸ Run All Cells once its kernel is idle, then a picture of the whole
notebook once every code cell has run and the kernel is idle again. The waits are the
browser tests' own (tests/e2e/waits.py): each waits for a state, never for time.

Usage: python tools/notebook_screenshots.py [NAME ...]  (default: every notebook;
NAME as in 00_start_here). `make notebook-screenshots` runs it.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.lab_setup import (  # noqa: E402 - the repository root is on the path first
    CHROMIUM,
    CHROMIUM_ARGS,
    LAB_SETTINGS,
    free_port,
    lab_environment,
    write_scratch_notebooks,
)
from tests.e2e.waits import (  # noqa: E402
    STATE_TIMEOUT_S,
    Seen,
    open_notebook,
    run_all_and_wait,
    wait_for_state,
)

OUTPUT = ROOT / "docs" / "img"
WIDTH, HEIGHT, MAX_HEIGHT = 1400, 1000, 16_000
# Every cell rendered (no virtual scrolling, so the whole notebook can be measured), no
# room to scroll past the end (which grows with the window), no question about news.
SCREENSHOT_LAB_SETTINGS = {
    **LAB_SETTINGS,
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "scrollPastEnd": False,
    },
}

# How much taller than the window the open notebook is: its scrolling element's overflow.
_OVERFLOW_JS = r"""
() => {
  const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
    .find((p) => p.offsetParent !== null);
  if (!panel) return null;
  const scroller = panel.querySelector('.jp-WindowedPanel-outer')
    || panel.querySelector('.jp-Notebook');
  if (!scroller) return null;
  scroller.scrollTop = 0;
  return scroller.scrollHeight - scroller.clientHeight;
}
"""


@dataclass
class Lab:
    """What tests/e2e/waits.py needs of a JupyterLab server."""

    url: str  # with a {notebook} placeholder
    base: str
    root: Path
    token: str


@contextmanager
def jupyterlab(folder: Path) -> Iterator[Lab]:
    """JupyterLab serving ``folder`` until the block ends."""
    port, token = free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    command = [
        str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", f"--port={port}",
        "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={folder}", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = folder / "jupyterlab.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own venv's jupyter, fixed arguments
            command,
            cwd=folder,
            env=lab_environment(folder, SCREENSHOT_LAB_SETTINGS),
            stdout=sink,
            stderr=sink,
        )
        try:
            # reset: a fresh workspace each time, not the last notebook's tabs restored
            url = f"{base}/lab/tree/{{notebook}}?token={token}&reset"
            lab = Lab(url, base, folder, token)
            wait_for_state("JupyterLab never answered", lambda: _answers(lab, process, log))
            yield lab
        finally:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _answers(lab: Lab, process: subprocess.Popen[bytes], log: Path) -> Seen:
    if process.poll() is not None:
        raise AssertionError(f"JupyterLab exited: {log.read_text()[-2000:]}")
    try:
        status = requests.get(f"{lab.base}/api", params={"token": lab.token}, timeout=2).status_code
    except requests.RequestException as error:
        return Seen(False, f"not yet listening ({type(error).__name__})")
    return Seen(status == 200, f"/api answered {status}")


def _close_left_sidebar(page) -> None:
    """The file browser takes a third of the width; the notebook is the point."""
    current = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if current.count():
        current.first.click()
        page.locator("#jp-left-stack").wait_for(state="hidden")


def _whole_notebook(page) -> None:
    """Make the window as tall as the notebook, so one picture holds every cell."""

    def grown() -> Seen:
        overflow = page.evaluate(_OVERFLOW_JS)
        height = page.viewport_size["height"]
        if overflow is None:
            return Seen(False, "no notebook on show")
        if overflow <= 1 or height >= MAX_HEIGHT:
            return Seen(True, f"{height} px tall", height)
        page.set_viewport_size({"width": WIDTH, "height": min(MAX_HEIGHT, height + overflow)})
        return Seen(False, f"grown to {height + overflow} px, measuring again")

    wait_for_state("the notebook never fitted in the window", grown)


def _shut_down_kernels(lab: Lab) -> None:
    """A notebook's kernel outlives its page: stop it before the next notebook starts."""
    api, auth = f"{lab.base}/api/sessions", {"Authorization": f"token {lab.token}"}
    for session in requests.get(api, headers=auth, timeout=30).json():
        requests.delete(f"{api}/{session['id']}", headers=auth, timeout=60)
    wait_for_state(
        "the kernels never shut down",
        lambda: Seen(not requests.get(api, headers=auth, timeout=30).json(), "sessions left"),
    )


def screenshot(browser, lab: Lab, name: str) -> Path:
    notebook = f"{name}.ipynb"
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    page.set_default_timeout(STATE_TIMEOUT_S * 1000)
    try:
        open_notebook(page, lab, notebook)
        _close_left_sidebar(page)
        run_all_and_wait(page, lab, notebook)
        answer = page.locator(".jp-toast-button", has_text="No")
        if answer.count():
            answer.first.click()
        _whole_notebook(page)
        target = OUTPUT / f"notebook-{name}.png"
        page.screenshot(path=target)
        return target
    finally:
        context.close()
        _shut_down_kernels(lab)


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="payparts-screenshots-") as scratch:
        folder = Path(scratch)
        write_scratch_notebooks(folder, [ROOT / "notebooks" / f"{name}.ipynb" for name in names])
        with jupyterlab(folder) as lab, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for name in names:
                    started = time.monotonic()
                    target = screenshot(browser, lab, name)
                    took = time.monotonic() - started
                    print(f"{target.relative_to(ROOT)} ({took:.0f} s)", flush=True)
            finally:
                browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
