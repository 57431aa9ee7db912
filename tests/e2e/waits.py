"""Waiting for state, never for time: the one place browser tests wait for a kernel.

A browser test that acts before the page is ready fails by chance: "Run All Cells"
clicked before the notebook's kernel is connected runs nothing (JupyterLab asks
which kernel to use, or clears the prompts), and a click in Voilà before its first
render lands on nothing. Every wait here polls one observable state, in the page
and on the server together, until it holds or a deadline passes. A wait that fails
raises an AssertionError that names the state that never came and what was seen
last, e.g. ``kernel never became idle in 120 s (last seen: ...)``; the report's
screenshot and page text (conftest) sit beside it.

No sleep here synchronises anything: ``POLL_S`` is the interval between two looks
at the state, and only the state ends a wait.

- ``wait_for_kernel_idle(page, lab, notebook)``: the notebook is open in the page,
  its kernel session exists on the server, the page is connected to that kernel,
  and both say "idle".
- ``run_all_and_wait(page, lab, notebook)``: the above, then Run ▸ Run All Cells,
  then every code cell shows an execution count from this run and the kernel is
  idle again; a cell that did not run is named, with its first line.
- ``wait_for_voila_rendered(page, voila)``: Voilà's spinner is gone, its cells are
  shown, widgets are drawn, and the page's kernel is connected and idle.
- ``wait_for_state(what, observe)``: the loop they share, for the next tests' waits.

After a click or a keystroke, wait for what it makes the page show (a Playwright
locator's ``wait_for`` or ``expect(...)``, with a message naming it), never for
"idle": the kernel may still look idle before the page's message has reached it.
Two updates from the kernel (a message and a disabled button) arrive one after
the other: wait for each, do not read the second once the first has come.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:  # conftest imports this module for its deadline
    from .conftest import Server

# The longest any one state may take to come, on a loaded 2-core machine with a cold
# first kernel: only a state that never comes reaches it.
STATE_TIMEOUT_S = 120.0
POLL_S = 0.2  # between two looks at the state; never a synchronisation
RAN = re.compile(r"^\[(\d+)\]:$")


class Seen:
    """What one look at a state found: whether it holds, and how to describe it."""

    def __init__(self, done: bool, description: str, value: Any = None) -> None:
        self.done, self.description, self.value = done, description, value


def wait_for_state(
    what: str, observe: Callable[[], Seen], timeout_s: float = STATE_TIMEOUT_S
) -> Any:
    """Look at a state until it holds; else fail naming it: "<what> in <n> s (last seen: ...)".

    ``what`` is phrased as the failure ("kernel never became idle"). ``observe``
    returns a :class:`Seen`; it may raise AssertionError itself to fail at once
    when the state can no longer come (a cell raised, a dialog asks a question).
    """
    deadline = time.monotonic() + timeout_s
    while True:
        seen = observe()
        if seen.done:
            return seen.value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} in {timeout_s:g} s (last seen: {seen.description})")
        time.sleep(POLL_S)


def _get_json(url: str, params: dict[str, str] | None = None) -> tuple[Any, str]:
    try:
        answer = requests.get(url, params=params, timeout=10)
    except requests.RequestException as error:
        return None, f"{url.split('?')[0]} unreachable ({type(error).__name__})"
    if answer.status_code != 200:
        return None, f"{url.split('?')[0]} answered {answer.status_code}"
    return answer.json(), ""


# --- JupyterLab ---------------------------------------------------------------------------

# The notebook on show, what the page says of its kernel, each code cell's prompt, and
# any dialog or error output: everything the JupyterLab waits decide on, read at once.
# Two page sources for the kernel, because each alone can be wrong: the toolbar's
# execution indicator says "idle" before any kernel exists (its initial state); the
# status bar's kernel item ("Python 3 (ipykernel) | Idle") follows the session.
_LAB_STATE_JS = r"""
(name) => {
  const tab = document.querySelector(
    '#jp-main-dock-panel .lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel');
  const visible = [...document.querySelectorAll('.jp-NotebookPanel')]
    .filter((p) => p.offsetParent !== null);
  const item = [...document.querySelectorAll('#jp-main-statusbar .jp-StatusBar-TextItem')]
    .find((e) => e.getAttribute('title') === `Change kernel for ${name}`);
  const dialog = document.querySelector('.jp-Dialog');
  const state = {
    tab: tab ? tab.textContent.trim() : null,
    panels: visible.length,
    panel: false,
    statusBar: item ? item.textContent.trim() : null,
    indicator: null,
    dialog: dialog ? dialog.innerText.replace(/\s+/g, ' ').trim().slice(0, 300) : null,
    cells: [],
  };
  if (state.tab !== name || visible.length !== 1) return state;
  const panel = visible[0];
  state.panel = true;
  const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  state.indicator = indicator ? indicator.getAttribute('data-status') : null;
  state.cells = [...panel.querySelectorAll('.jp-Notebook .jp-Cell.jp-CodeCell')].map((cell) => ({
    prompt: (cell.querySelector('.jp-InputPrompt')?.textContent || '').trim(),
    undrawn: [...cell.querySelectorAll('.jp-OutputArea-output.lm-Panel')]
      .filter((p) => p.querySelector('.jupyter-widgets') === null).length,
    errors: [...cell.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
      .map((e) => e.innerText.trim())
      .filter((t) => /Traceback|^\w+(Error|Exception)\b/.test(t)),
  }));
  return state;
}
"""


def _page_kernel_idle(state: dict[str, Any]) -> bool:
    """The page holds a kernel for the notebook, connected and idle."""
    bar = state["statusBar"] or ""
    return (
        state["panel"]
        and bar.endswith("| Idle")
        and not bar.startswith("No Kernel")
        and state["indicator"] == "idle"
    )


def code_cells(lab: Server, notebook: str) -> list[str]:
    """The first line of each code cell of ``notebook`` as the server has it on disk."""
    document = json.loads((lab.root / notebook).read_text(encoding="utf-8"))
    sources = []
    for cell in document["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]).strip()
            sources.append(source.splitlines()[0] if source else "(empty)")
    return sources


def _server_kernel(lab: Server, notebook: str) -> tuple[dict[str, Any] | None, str]:
    """The kernel of ``notebook``'s session on the server, and a description of it."""
    sessions, problem = _get_json(f"{lab.base}/api/sessions", {"token": lab.token or ""})
    if sessions is None:
        return None, problem
    for session in sessions:
        if session.get("path") == notebook and session.get("kernel"):
            kernel = session["kernel"]
            return kernel, (
                f"server: kernel {kernel.get('execution_state')!r} "
                f"with {kernel.get('connections', 0)} connection(s)"
            )
    return None, f"server: no kernel session for {notebook}"


def _describe_page(state: dict[str, Any]) -> str:
    if not state["panel"]:
        return (
            f"page: the notebook is not on show (current tab {state['tab']!r}, "
            f"{state['panels']} notebook panel(s) visible)"
        )
    parts = [f"page: status bar {state['statusBar']!r}, toolbar {state['indicator']!r}"]
    if state["dialog"]:
        parts.append(f"dialog open: {state['dialog']!r}")
    return ", ".join(parts)


def wait_for_kernel_idle(
    page: Any, lab: Server, notebook: str, timeout_s: float = STATE_TIMEOUT_S
) -> str:
    """The notebook is on show, drawn, and connected to its kernel, idle on both sides.

    The page: the notebook's tab is current with all its code cells drawn, no dialog
    is open, the status bar's kernel item reads "<kernel> | Idle" (before that it
    reads "No Kernel | Initializing", "Connecting", "Unknown") and the toolbar's
    indicator agrees. The server: the notebook's session has a kernel that is idle
    and has a connection (the page's). Returns the kernel's id.
    """
    expected = len(code_cells(lab, notebook))

    def observe() -> Seen:
        state = page.evaluate(_LAB_STATE_JS, Path(notebook).name)
        kernel, server = _server_kernel(lab, notebook)
        cells = f"{len(state['cells'])}/{expected} code cells drawn"
        description = f"{_describe_page(state)}, {cells}; {server}"
        done = (
            _page_kernel_idle(state)
            and state["dialog"] is None
            and len(state["cells"]) == expected
            and kernel is not None
            and kernel.get("execution_state") == "idle"
            and kernel.get("connections", 0) >= 1
        )
        return Seen(bool(done), description, kernel["id"] if done and kernel else None)

    return wait_for_state("kernel never became idle", observe, timeout_s)


def open_notebook(page: Any, lab: Server, notebook: str, timeout_s: float = STATE_TIMEOUT_S) -> Any:
    """Open ``notebook`` in JupyterLab and wait until its kernel is connected and idle."""
    page.goto(lab.url.format(notebook=notebook))
    page.locator(".jp-Notebook").first.wait_for()
    wait_for_kernel_idle(page, lab, notebook, timeout_s)
    return page.locator(".jp-NotebookPanel:visible .jp-Notebook").first


def _not_done(state: dict[str, Any], sources: list[str]) -> list[str]:
    """Each code cell that has not run, or whose widgets are not drawn yet, by name."""
    names = []
    for number, (cell, source) in enumerate(zip(state["cells"], sources, strict=False), 1):
        if not RAN.match(cell["prompt"]):
            names.append(f"code cell {number} `{source}` shows {cell['prompt'] or '[ ]:'!r}")
        elif cell["undrawn"]:
            names.append(f"code cell {number} `{source}` has {cell['undrawn']} undrawn widget(s)")
    return names


def run_all_and_wait(
    page: Any, lab: Server, notebook: str, timeout_s: float = STATE_TIMEOUT_S
) -> list[int]:
    """Run ▸ Run All Cells once the kernel is idle; wait until every code cell has run.

    Done means: every code cell's prompt shows an execution count from this run
    (the counts were blank before, and increase in cell order), no cell is waiting
    (``[*]:``), every widget the cells displayed is drawn, and the same kernel is
    idle in the page and on the server. A cell that raised fails the wait at once,
    naming it; so does a dialog. Returns the execution counts.
    """
    sources = code_cells(lab, notebook)
    kernel_id = wait_for_kernel_idle(page, lab, notebook, timeout_s)
    name = Path(notebook).name
    before = page.evaluate(_LAB_STATE_JS, name)
    stale = [c["prompt"] for c in before["cells"] if c["prompt"] not in ("", "[ ]:")]
    if stale:  # counts from an earlier run would look like this run's: clear them first
        page.get_by_role("menuitem", name="Edit", exact=True).click()
        page.get_by_text("Clear Outputs of All Cells", exact=True).click()
        wait_for_state(
            "the prompts never cleared before Run All",
            lambda: _all_blank(page.evaluate(_LAB_STATE_JS, name)),
            timeout_s,
        )
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()

    def observe() -> Seen:
        state = page.evaluate(_LAB_STATE_JS, name)
        for number, (cell, source) in enumerate(zip(state["cells"], sources, strict=False), 1):
            if cell["errors"]:
                last_lines = "\n".join(cell["errors"][0].splitlines()[-12:])
                raise AssertionError(
                    f"code cell {number} `{source}` raised during Run All:\n{last_lines}"
                )
        if state["dialog"]:
            raise AssertionError(f"a dialog opened during Run All: {state['dialog']!r}")
        kernel, server = _server_kernel(lab, notebook)
        if kernel is not None and kernel["id"] != kernel_id:
            raise AssertionError(f"the kernel changed during Run All: {kernel_id} → {kernel['id']}")
        not_done = _not_done(state, sources)
        ran = "every code cell ran" if state["panel"] else "no code cell seen"
        description = "; ".join([*(not_done or [ran]), _describe_page(state), server])
        done = (
            not not_done
            and len(state["cells"]) == len(sources)
            and _page_kernel_idle(state)
            and kernel is not None
            and kernel.get("execution_state") == "idle"
        )
        counts = [int(RAN.match(c["prompt"]).group(1)) for c in state["cells"]] if done else None
        return Seen(done, description, counts)

    counts = wait_for_state("after Run All, not every code cell ran", observe, timeout_s)
    in_order = all(a < b for a, b in pairwise(counts))
    assert in_order, f"Run All ran the code cells out of order: execution counts {counts}"
    return counts


def _all_blank(state: dict[str, Any]) -> Seen:
    prompts = [c["prompt"] for c in state["cells"]]
    blank = state["panel"] and all(p in ("", "[ ]:") for p in prompts)
    return Seen(blank, f"prompts {prompts}; {_describe_page(state)}", True)


# --- Voilà --------------------------------------------------------------------------------

# Voilà 0.5 shows #loading ("Running …", "Executing n of m") while the server runs the
# notebook, then removes it and shows #rendered_cells, in which each output waits as a
# <script type="application/vnd.voila.cell-output+json"> until the page has connected
# to the kernel and drawn it; a widget's output is an empty panel until its view is drawn.
_VOILA_STATE_JS = r"""
() => {
  const config = document.getElementById('jupyter-config-data');
  const cells = document.getElementById('rendered_cells');
  const loading = document.getElementById('loading');
  const text = document.body ? document.body.innerText : '';
  const panels = cells ? [...cells.querySelectorAll('.jp-OutputArea-output.lm-Panel')] : [];
  return {
    kernelId: config ? (JSON.parse(config.textContent).kernelId || null) : null,
    loading: loading ? (loading.innerText || '').trim() || 'spinner' : null,
    shown: cells !== null && cells.style.display !== 'none',
    waiting: document.querySelectorAll(
      'script[type="application/vnd.voila.cell-output+json"]').length,
    drawn: panels.filter((p) => p.querySelector('.jupyter-widgets') !== null).length,
    panels: panels.length,
    disconnected: document.querySelectorAll('.jupyter-widgets-disconnected').length,
    broken: (text.match(/Error displaying widget[^\n]*/) || [null])[0],
    traceback: /Traceback \(most recent call last\)/.test(text),
  };
}
"""


def wait_for_voila_rendered(page: Any, voila: Server, timeout_s: float = STATE_TIMEOUT_S) -> str:
    """Voilà's first render is done: no spinner, cells shown, widgets drawn, kernel idle.

    The kernel's idle state and its connection come from Voilà's own kernel API,
    for the kernel this page was given; returns its id.
    """

    def observe() -> Seen:
        state = page.evaluate(_VOILA_STATE_JS)
        if state["broken"] or state["traceback"]:
            raise AssertionError(f"Voilà rendered an error: {state['broken'] or 'a traceback'}")
        kernel = None
        server = "server: the page names no kernel yet"
        if state["kernelId"]:
            kernel, problem = _get_json(f"{voila.base}/api/kernels/{state['kernelId']}")
            server = problem or (
                f"server: kernel {kernel.get('execution_state')!r} "
                f"with {kernel.get('connections', 0)} connection(s)"
            )
        page_part = (
            f"page: spinner {state['loading']!r}" if state["loading"] else "page: no spinner"
        )
        description = (
            f"{page_part}, cells {'shown' if state['shown'] else 'hidden'}, "
            f"{state['waiting']} output(s) not drawn yet, "
            f"{state['drawn']}/{state['panels']} widget output(s) drawn, "
            f"{state['disconnected']} disconnected; {server}"
        )
        done = (
            state["loading"] is None
            and state["shown"]
            and state["waiting"] == 0
            and 0 < state["drawn"] == state["panels"]
            and state["disconnected"] == 0
            and kernel is not None
            and kernel.get("execution_state") == "idle"
            and kernel.get("connections", 0) >= 1
        )
        return Seen(bool(done), description, state["kernelId"])

    return wait_for_state("Voilà never finished its first render", observe, timeout_s)


def open_voila(page: Any, voila: Server, timeout_s: float = STATE_TIMEOUT_S) -> Any:
    """Open the Voilà app and wait for its first render (see ``wait_for_voila_rendered``)."""
    page.goto(voila.url)
    wait_for_voila_rendered(page, voila, timeout_s)
    return page
