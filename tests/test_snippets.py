"""Generated snippets are run for real against the sandbox, and never hold the secret.

The snippets as the forms display them are run in a clean terminal by
``test_snippets_as_displayed.py``; these tests cover the generators themselves.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.client.snippets import MISSING_SECRET_HINT, to_curl, to_php, to_python
from payparts_helpers.rules import examples
from payparts_helpers.sandbox import DEMO_MERCHANT, SandboxHandle

from .conftest import OTHER_MERCHANT, require

# A merchant whose secret is a marker we can search for in every snippet.
SECRET = OTHER_MERCHANT.secret
ENCODED = base64.b64encode(f"{OTHER_MERCHANT.sl_code}:{SECRET}".encode()).decode()


@pytest.fixture
def client(sandbox: SandboxHandle) -> PayPartsClient:
    return PayPartsClient(OTHER_MERCHANT.sl_code, SECRET, sandbox.url)


def run(command: list[str], tmp_path: Path) -> str:
    env = {**os.environ, "PAYPARTS_SECRET": SECRET}
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=60, check=False, env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("make", [to_curl, to_python, to_php])
@pytest.mark.parametrize(
    "request_body", [examples.minimum_request(), examples.full_request(), "0" * 32]
)
def test_no_snippet_holds_the_secret(make, request_body, client: PayPartsClient) -> None:
    text = make(request_body, client)
    assert SECRET not in text
    assert ENCODED not in text
    assert ENCODED.rstrip("=") not in text
    assert "PAYPARTS_SECRET" in text
    assert OTHER_MERCHANT.sl_code in text


def test_curl_snippet_creates_the_session(client: PayPartsClient, tmp_path: Path) -> None:
    require("curl")
    body = examples.full_request()
    body["description"] = 'It\'s "quoted" $HOME `x`'
    out = run(["bash", "-c", to_curl(body, client)], tmp_path)
    answer, status = out.rstrip().rsplit("\n", 1)
    assert status == "HTTP 201"
    created = json.loads(answer)
    assert client.get_session(created["sessionId"]).raw["sessionToken"] == created["sessionToken"]


def test_curl_snippet_for_get(client: PayPartsClient, tmp_path: Path) -> None:
    require("curl")
    created = client.create_session(examples.minimum_request())
    out = run(["bash", "-c", to_curl(created.session_id, client)], tmp_path)
    answer, status = out.rstrip().rsplit("\n", 1)
    assert status == "HTTP 200"
    assert json.loads(answer)["sessionToken"] == created.session_token


def test_python_snippet_creates_the_session(client: PayPartsClient, tmp_path: Path) -> None:
    script = tmp_path / "snippet.py"
    body = examples.full_request()
    body["customer"]["nickname"] = None  # JSON null must become Python None
    script.write_text(to_python(body, client))
    status, answer = run([sys.executable, str(script)], tmp_path).splitlines()
    assert status == "201"
    assert "sessionToken" in answer


def test_php_snippet_creates_the_session(client: PayPartsClient, tmp_path: Path) -> None:
    php = require("php")
    script = tmp_path / "snippet.php"
    script.write_text(to_php(examples.full_request(), client))
    status, answer = run([php, str(script)], tmp_path).splitlines()
    assert status == "201"
    session_id = json.loads(answer)["sessionId"]
    assert client.get_session(session_id).order == examples.full_request()["order"]


def test_php_snippet_for_get(client: PayPartsClient, tmp_path: Path) -> None:
    php = require("php")
    created = client.create_session(examples.minimum_request())
    script = tmp_path / "get.php"
    script.write_text(to_php(created.session_id, client))
    status, answer = run([php, str(script)], tmp_path).splitlines()
    assert status == "200"
    assert json.loads(answer)["sessionToken"] == created.session_token


# --- the sandbox's demo credentials, and what a snippet says -----------------------------------


@pytest.fixture
def demo_client(sandbox: SandboxHandle) -> PayPartsClient:
    return PayPartsClient(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, sandbox.url)


@pytest.mark.parametrize("make", [to_curl, to_python, to_php])
def test_demo_snippets_carry_the_published_credentials_and_say_so(
    make, demo_client: PayPartsClient
) -> None:
    assert demo_client.uses_demo_credentials
    text = make(examples.minimum_request(), demo_client)
    assert "SL-1234-4321 / your-secret-key are the sandbox's public demo credentials" in text
    assert "PAYPARTS_SECRET" not in text
    assert "kernel" not in text  # this sandbox is not the process's embedded one


def test_a_snippet_for_the_embedded_sandbox_says_it_ends_with_the_kernel() -> None:
    with PayPartsClient(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret) as embedded:
        text = to_curl(examples.minimum_request(), embedded)
    assert f"# {embedded.base_url} is the notebook kernel's own sandbox" in text
    assert "`make sandbox` serves one that stays up on http://127.0.0.1:8765" in text


def test_an_odd_sl_code_cannot_break_out_of_a_comment(sandbox: SandboxHandle) -> None:
    odd = type("Target", (), {"base_url": sandbox.url, "sl_code": "SL-1\nimport os ?> x"})()
    for make in (to_curl, to_python, to_php):
        lines = make("0" * 32, odd).splitlines()
        comments = [line for line in lines if line.startswith(("#", "//"))]
        assert any("sales location SL-1 import os ? > x first" in line for line in comments)
        assert not any("?>" in line for line in comments)


def test_a_python_snippet_without_the_secret_says_what_to_set(
    client: PayPartsClient, tmp_path: Path
) -> None:
    script = tmp_path / "snippet.py"
    script.write_text(to_python(examples.minimum_request(), client))
    env = {k: v for k, v in os.environ.items() if k != "PAYPARTS_SECRET"}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"PAYPARTS_SECRET is not set: {MISSING_SECRET_HINT}"
