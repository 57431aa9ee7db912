"""``python -m payparts_helpers.sandbox`` in a real subprocess: URL first, clean stop, curl."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from payparts_helpers.rules.examples import minimum_request
from payparts_helpers.sandbox.merchants import DEMO_MERCHANT

from .sandbox_process import SandboxProcess


def running_sandbox(tmp_path: Path, *args: str) -> SandboxProcess:
    return SandboxProcess(tmp_path / "cli.sqlite3", tmp_path, *args)  # started by `with`


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_prints_its_url_first_and_stops_cleanly(tmp_path: Path, stop_signal: int) -> None:
    with running_sandbox(tmp_path) as server:
        assert server.stdout_first_line.startswith("http://127.0.0.1:")
        response = requests.post(
            f"{server.url}/v1/session/start",
            json=minimum_request(),
            auth=(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret),
            timeout=10,
        )
        assert response.status_code == 201
        assert server.stop(stop_signal) == 0
        stderr = server.stderr()
        assert "Traceback" not in stderr
        assert DEMO_MERCHANT.secret not in stderr
        assert server.stdout_rest == ""  # the URL is all it prints


def test_merchants_file_defines_the_sales_locations(tmp_path: Path) -> None:
    merchants = tmp_path / "merchants.json"
    merchants.write_text(
        json.dumps([{"slCode": "SL-5555-6666", "secret": "s3cr3t", "merchantName": "Bikes BV"}])
    )
    with running_sandbox(tmp_path, "--merchants", str(merchants)) as server:
        start = f"{server.url}/v1/session/start"
        ok = requests.post(
            start, json=minimum_request(), auth=("SL-5555-6666", "s3cr3t"), timeout=10
        )
        assert ok.status_code == 201
        demo = requests.post(
            start,
            json=minimum_request(),
            auth=(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret),
            timeout=10,
        )
        assert demo.status_code == 401  # only the listed merchants exist


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ("[]", "non-empty JSON list"),
        ('[{"slCode": "A"}]', "merchants[0].secret"),
        ('[{"slCode": "A:B", "secret": "s", "merchantName": "n"}]', "cannot contain ':'"),
        (
            '[{"slCode": "A", "secret": "s", "merchantName": "n"},'
            ' {"slCode": "A", "secret": "t", "merchantName": "m"}]',
            "twice",
        ),
    ],
)
def test_a_bad_merchants_file_exits_2_with_a_message(
    tmp_path: Path, content: str, message: str
) -> None:
    merchants = tmp_path / "merchants.json"
    merchants.write_text(content)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "payparts_helpers.sandbox",
            "--port",
            "0",
            "--merchants",
            str(merchants),
            "--db",
            str(tmp_path / "x.sqlite3"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_the_contracts_curl_examples_work_as_documented(tmp_path: Path) -> None:
    """The two curl commands of the contract, base URL swapped for the sandbox's."""
    assert shutil.which("curl"), "curl is installed by .ci/run"
    with running_sandbox(tmp_path) as server:
        url = server.url
        create = f"""curl -s -X POST "{url}/v1/session/start" \\
  -H "Content-Type: application/json" \\
  -H "Authorization: Basic $(echo -n 'SL-1234-4321:your-secret-key' | base64)" \\
  -d '{{
    "returnUrl": "https://shop.nl/return",
    "exchangeUrl": "https://shop.nl/exchange",
    "amount": {{"value": 100, "currency": "EUR"}}
  }}'"""
        created = json.loads(_bash(create))
        assert set(created) == {"sessionId", "sessionToken"}
        get = f"""curl -s -X GET "{url}/v1/session/{created["sessionId"]}" \\
  -H "Authorization: Basic $(echo -n 'SL-1234-4321:your-secret-key' | base64)" """
        details = json.loads(_bash(get))
        assert details["sessionToken"] == created["sessionToken"]
        assert details["amount"] == {"value": 100, "currency": "EUR"}


def _bash(script: str) -> str:
    env = {**os.environ, "LC_ALL": "C"}
    return subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=30, check=True, env=env
    ).stdout


def test_the_ready_file_appears_once_every_route_answers_and_goes_on_exit(
    tmp_path: Path,
) -> None:
    ready = tmp_path / "run" / "sandbox.url"
    ready.parent.mkdir()
    ready.write_text("http://127.0.0.1:1\n")  # a stale file of an earlier run: never trusted
    db = tmp_path / "ready.sqlite3"
    argv = ["--port", "0", "--db", str(db), "--ready-file", str(ready)]
    process = subprocess.Popen(
        [sys.executable, "-m", "payparts_helpers.sandbox", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        printed = (process.stdout.readline() if process.stdout else "").strip()
        url = _wait_for_ready_url(ready, process)
        assert url == printed  # the same URL as the first line of stdout
        # Ready means ready: the first request after the file appeared is answered.
        assert requests.get(f"{url}/", timeout=10).status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        assert not ready.exists()  # a script that looks again is not fooled
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _wait_for_ready_url(ready: Path, process: subprocess.Popen[str]) -> str:
    """The ready file's URL once it is no longer the stale one (state, with a deadline)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        text = ready.read_text() if ready.exists() else ""
        if text.endswith("\n") and text != "http://127.0.0.1:1\n":
            return text.strip()
        assert process.poll() is None, "the sandbox exited before it was ready"
        time.sleep(0.01)
    raise AssertionError(f"no ready file at {ready} after 20 s")
