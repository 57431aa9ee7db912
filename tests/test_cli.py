"""The `payparts` console script in real subprocesses against a sandbox: output and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from payparts_helpers.rules import examples
from payparts_helpers.sandbox import DEMO_MERCHANT, SandboxHandle


def payparts(
    *args: str,
    sandbox: SandboxHandle | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PAYPARTS_")}
    if sandbox is not None:
        environ["PAYPARTS_BASE_URL"] = sandbox.url
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "payparts_helpers.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environ,
        input=stdin,
    )


def write(tmp_path: Path, body: object, name: str = "request.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(body))
    return str(path)


def test_create_get_round_trip_as_json(sandbox: SandboxHandle) -> None:
    created = payparts(
        "create",
        "--amount",
        "2999",
        "--currency",
        "EUR",
        "--return-url",
        "https://shop.nl/r",
        "--exchange-url",
        "https://shop.nl/e",
        "--format",
        "json",
        sandbox=sandbox,
    )
    assert created.returncode == 0, created.stderr
    session = json.loads(created.stdout)
    got = payparts("get", session["sessionId"], "--format", "json", sandbox=sandbox)
    assert got.returncode == 0
    assert json.loads(got.stdout)["amount"] == {"value": 2999, "currency": "EUR"}


def test_create_from_a_file_prints_a_table(sandbox: SandboxHandle, tmp_path: Path) -> None:
    result = payparts("create", "--json", write(tmp_path, examples.full_request()), sandbox=sandbox)
    assert result.returncode == 0, result.stderr
    assert "merchant      Demo Shop" in result.stdout
    assert "2999 (29.99 EUR)" in result.stdout
    session_id = result.stdout.split()[1]
    table = payparts("get", session_id, sandbox=sandbox).stdout
    assert "Product B" in table
    assert "1998" in table


def test_create_with_lint_errors_is_not_sent(sandbox: SandboxHandle, tmp_path: Path) -> None:
    body = examples.minimum_request()
    body["amount"]["value"] = 29.99
    result = payparts("create", "--json", write(tmp_path, body), sandbox=sandbox)
    assert result.returncode == 1
    assert "did you mean 2999" in result.stderr
    assert "not sent" in result.stderr


def test_api_refusal_exits_1_with_the_violation(sandbox: SandboxHandle, tmp_path: Path) -> None:
    body = examples.minimum_request()
    body["amount"]["value"] = 29.99
    result = payparts("create", "--no-lint", "--json", write(tmp_path, body), sandbox=sandbox)
    assert result.returncode == 1
    assert "422" in result.stderr
    assert "amount.value" in result.stderr
    assert "Traceback" not in result.stderr


def test_get_unknown_session_exits_1(sandbox: SandboxHandle) -> None:
    result = payparts("get", "0" * 32, sandbox=sandbox)
    assert result.returncode == 1
    assert "404" in result.stderr


def test_wrong_secret_exits_1_without_showing_it(sandbox: SandboxHandle) -> None:
    env = {"PAYPARTS_SL_CODE": DEMO_MERCHANT.sl_code, "PAYPARTS_SECRET": "marker-wrong-77"}
    result = payparts("get", "0" * 32, sandbox=sandbox, env=env)
    assert result.returncode == 1
    assert "401" in result.stderr
    assert "marker-wrong-77" not in result.stderr + result.stdout


def test_decode_flags_the_contract_example_token() -> None:
    result = payparts("decode", examples.EXAMPLE_TOKEN, "--format", "json")
    assert result.returncode == 0  # a warning, not an error
    document = json.loads(result.stdout)
    assert document["payload"]["Config"]["merchantName"] == "Canyon Bikes"
    assert any("29.99" in f["message"] for f in document["findings"])
    assert payparts("decode", examples.EXAMPLE_TOKEN, "--strict").returncode == 1


def test_decode_of_garbage_exits_1_with_a_reason() -> None:
    result = payparts("decode", "st_not!base64")
    assert result.returncode == 1
    assert "not base64" in result.stderr


def test_lint_prints_findings_and_exits_by_level(tmp_path: Path) -> None:
    full = payparts("lint", write(tmp_path, examples.full_request()))
    assert full.returncode == 0  # warnings only
    assert "2998" in full.stdout or "29.98" in full.stdout
    assert payparts("lint", "--strict", write(tmp_path, examples.full_request())).returncode == 1
    typo = examples.minimum_request()
    typo["returnURL"] = typo.pop("returnUrl")
    result = payparts("lint", "-", "--format", "json", stdin=json.dumps(typo))
    assert result.returncode == 1
    levels = {(f["path"], f["level"]) for f in json.loads(result.stdout)["findings"]}
    assert ("returnUrl", "error") in levels


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lint", "/nonexistent/file.json"], "cannot read"),
        (["lint", "NOT_JSON"], "is not JSON"),
        (["create", "--amount", "29.99"], "invalid int value"),
        (["bogus"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    if "NOT_JSON" in args:
        bad = tmp_path / "bad.json"
        bad.write_text("{nope")
        args = [str(bad) if a == "NOT_JSON" else a for a in args]
    result = payparts(*args)
    assert result.returncode == 2
    assert message in result.stderr


def test_configuration_errors_exit_2() -> None:
    result = payparts("get", "0" * 32, env={"PAYPARTS_ENV": "beta"})
    assert result.returncode == 2
    assert "PAYPARTS_SL_CODE" in result.stderr


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "payparts"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "create" in result.stdout
