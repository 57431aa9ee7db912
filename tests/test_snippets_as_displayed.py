"""Every snippet the forms display runs exactly as displayed, in a clean terminal.

The text is taken from what the create and get forms show (the HTML of their
"Reproduce this call" tab, unescaped), written to a file or handed to bash as it
is, and run with nothing in the environment but PATH and HOME: no PAYPARTS_*.
For the sandbox's published demo credentials the snippets carry them and work
as pasted (201, then 200). For any other sales location they carry no secret:
without PAYPARTS_SECRET they stop with a message saying what to set, and with it
they work. Run with ``pytest -s`` to see what each snippet printed.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.client.snippets import MISSING_SECRET_HINT
from payparts_helpers.sandbox import DEMO_MERCHANT, SandboxHandle
from payparts_helpers.widgets import (
    ConnectionPanel,
    CreateSessionForm,
    GetSessionForm,
    sent_registry,
)

from .conftest import OTHER_MERCHANT, require

_PRE = re.compile(r"<pre[^>]*>(.*)</pre>", re.DOTALL)


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    sent_registry.clear()
    yield
    sent_registry.clear()


def displayed(form: CreateSessionForm | GetSessionForm) -> dict[str, str]:
    """The snippets as the form shows them: its tab's HTML, tags off, entities unescaped."""
    tab = form.snippets_tab
    assert tab is not None, "the form shows no snippets"
    shown_ids = {
        entry["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        for entry in form.output.outputs
        if "application/vnd.jupyter.widget-view+json" in entry.get("data", {})
    }
    assert tab.model_id in shown_ids, "the snippets read are the ones in the form's output"
    texts = {}
    for title, page in zip(tab.titles, tab.children, strict=True):
        match = _PRE.fullmatch(page.value)
        assert match, f"the {title} page is one <pre> block"
        texts[title] = html.unescape(match.group(1))
    return texts


def clean_environment(home: Path, **extra: str) -> dict[str, str]:
    """What a fresh terminal has: PATH and HOME, and nothing of this project."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), **extra}


def run_as_pasted(
    language: str, text: str, workdir: Path, environment: dict[str, str], label: str
) -> subprocess.CompletedProcess[str]:
    """Run one snippet's text unchanged: bash for curl, a file for Python and PHP."""
    if language == "curl":
        command = [require("bash"), "-c", text]
    else:
        suffix = {"Python": "py", "PHP": "php"}[language]
        script = workdir / f"snippet.{suffix}"
        script.write_text(text, encoding="utf-8")
        command = [sys.executable if language == "Python" else require("php"), str(script)]
    if language == "curl":
        require("curl")
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environment,
        cwd=workdir,
    )
    print(f"\n── {label}: {language}, exit {result.returncode}")  # for `pytest -s`
    print((result.stdout + result.stderr).rstrip())
    return result


def status_of(output: str) -> int:
    """The HTTP status a snippet printed: curl's last line "HTTP 201", Python's and PHP's
    first line "201"."""
    lines = output.strip().splitlines()
    assert lines, "the snippet printed nothing"
    return int(lines[-1].removeprefix("HTTP ") if lines[-1].startswith("HTTP ") else lines[0])


def create_and_get(connection: ConnectionPanel | None = None, client: PayPartsClient | None = None):
    """A session created and fetched through the forms, which then show their snippets."""
    create = CreateSessionForm(connection=connection, client=client)
    created = create.submit()
    assert created is not None, create.error
    get = GetSessionForm(connection=connection, client=client, session_id=created.session_id)
    assert get.submit() is not None, get.error
    return displayed(create), displayed(get)


LANGUAGES = ("curl", "Python", "PHP")


@pytest.mark.parametrize("language", LANGUAGES)
def test_embedded_sandbox_snippets_run_as_pasted_with_the_demo_credentials(
    language: str, tmp_path: Path
) -> None:
    panel = ConnectionPanel(environ={})  # what a fresh notebook has: the kernel's sandbox
    posted, fetched = create_and_get(connection=panel)
    for text in (posted[language], fetched[language]):
        assert DEMO_MERCHANT.sl_code in text
        assert DEMO_MERCHANT.secret in text  # published demo credentials, said to be so
        assert "the sandbox's public demo credentials" in text
        assert "notebook kernel's own sandbox: it stops with the kernel" in text
        assert "`make sandbox`" in text
        assert "http://127.0.0.1:8765" in text
    environment = clean_environment(tmp_path)
    post = run_as_pasted(language, posted[language], tmp_path, environment, "sandbox, POST")
    assert post.returncode == 0, post.stderr
    assert status_of(post.stdout) == 201
    get = run_as_pasted(language, fetched[language], tmp_path, environment, "sandbox, GET")
    assert get.returncode == 0, get.stderr
    assert status_of(get.stdout) == 200


@pytest.mark.parametrize("language", LANGUAGES)
def test_other_credentials_come_from_the_environment_or_the_snippet_stops(
    language: str, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    with PayPartsClient(OTHER_MERCHANT.sl_code, OTHER_MERCHANT.secret, sandbox.url) as client:
        posted, fetched = create_and_get(client=client)
    for text in (posted[language], fetched[language]):
        assert OTHER_MERCHANT.secret not in text
        assert "PAYPARTS_SECRET" in text
        assert "kernel" not in text  # a sandbox at its own URL outlives any kernel
    for text, label in ((posted[language], "POST"), (fetched[language], "GET")):
        unset = run_as_pasted(
            language, text, tmp_path, clean_environment(tmp_path), f"no PAYPARTS_SECRET, {label}"
        )
        assert unset.returncode != 0
        assert "PAYPARTS_SECRET" in unset.stderr
        assert MISSING_SECRET_HINT in unset.stderr
        assert unset.stdout == ""  # stopped before any request
    with_secret = clean_environment(tmp_path, PAYPARTS_SECRET=OTHER_MERCHANT.secret)
    post = run_as_pasted(language, posted[language], tmp_path, with_secret, "PAYPARTS_SECRET, POST")
    assert post.returncode == 0, post.stderr
    assert status_of(post.stdout) == 201
    get = run_as_pasted(language, fetched[language], tmp_path, with_secret, "PAYPARTS_SECRET, GET")
    assert get.returncode == 0, get.stderr
    assert status_of(get.stdout) == 200
    assert OTHER_MERCHANT.secret not in post.stdout + post.stderr + get.stdout + get.stderr
