"""examples/ci/: the one script both CI templates call, run here as a CI job runs it.

The templates cannot rot unseen: each must call the script with the settings the
other uses, publish the file the script writes, and its own SHOP_COMMAND (the PHP
handler of examples/php/) is run by the script here, on a free port. The script also
runs against the reference shop, and says why when a shop never starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import junitparser
import pytest
import yaml

from .ports import free_port

REPO = Path(__file__).resolve().parents[1]
CI = REPO / "examples" / "ci"
SCRIPT = CI / "payparts-check.sh"
PAYPARTS = Path(sys.executable).with_name("payparts")
TEMPLATE_PORT = "8080"


def run_script(
    shop_command: str, shop_url: str, report: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PAYPARTS_")}
    environ.update(
        SHOP_COMMAND=shop_command,
        SHOP_URL=shop_url,
        REPORT=str(report),
        PAYPARTS=str(PAYPARTS),
        WAIT_SECONDS="60",
    )
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        cwd=REPO,  # as in CI: the shop's repository checked out, commands relative to it
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def github() -> dict[str, Any]:
    workflow = yaml.safe_load((CI / "github-actions.yml").read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    return {
        "env": job["env"],
        "runs": [step.get("run", "") for step in job["steps"]],
        "steps": job["steps"],
    }


def gitlab() -> dict[str, Any]:
    (job,) = yaml.safe_load((CI / "gitlab-ci.yml").read_text(encoding="utf-8")).values()
    return job


def test_both_templates_call_the_one_script_with_the_same_settings() -> None:
    gh, gl = github(), gitlab()
    assert "bash examples/ci/payparts-check.sh" in gh["runs"]
    assert gl["script"] == ["bash examples/ci/payparts-check.sh"]
    shared = ("PAYPARTS_PACKAGE", "SHOP_COMMAND", "SHOP_URL", "REPORT")
    assert {k: gh["env"][k] for k in shared} == {k: gl["variables"][k] for k in shared}
    report = gh["env"]["REPORT"]
    published = [s["with"] for s in gh["steps"] if "uses" in s and "with" in s and s.get("if")]
    assert {"report_paths": report, "require_tests": True} in published
    assert any(w.get("path") == report for w in published)  # kept as an artifact too
    assert gl["artifacts"]["reports"]["junit"] == report
    assert gl["artifacts"]["when"] == "always"  # a failed check still shows its report
    # The core is what they install, not the notebooks' stack.
    assert gh["env"]["PAYPARTS_PACKAGE"] == "payparts-helpers"
    assert 'python -m pip install "$PAYPARTS_PACKAGE"' in gh["runs"]
    assert 'python -m pip install "$PAYPARTS_PACKAGE"' in gl["before_script"]


def test_the_templates_own_shop_command_passes_the_check(tmp_path: Path) -> None:
    env = gitlab()["variables"]
    assert TEMPLATE_PORT in env["SHOP_COMMAND"]
    assert TEMPLATE_PORT in env["SHOP_URL"]
    port = str(free_port())  # the template's command and URL, on a port free here
    report = tmp_path / env["REPORT"]
    run = run_script(
        env["SHOP_COMMAND"].replace(TEMPLATE_PORT, port),
        env["SHOP_URL"].replace(TEMPLATE_PORT, port),
        report,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    xml = junitparser.JUnitXml.fromfile(str(report))
    assert xml.tests > 0
    assert (xml.failures, xml.errors) == (0, 0), run.stdout
    suites = {suite.name: suite for suite in xml}
    assert suites["exchange handler"].tests > 0
    assert suites["exchange handler"].skipped == 0  # the shop's rows were judged, not skipped


def test_the_script_checks_the_reference_shop(tmp_path: Path) -> None:
    port = free_port()
    command = (
        f'{sys.executable} -m examples.shop --port {port} --db "$PAYPARTS_CHECK_WORK/shop.sqlite3"'
    )
    report = tmp_path / "report.xml"
    run = run_script(command, f"http://127.0.0.1:{port}", report, "--group", "exchange handler")
    assert run.returncode == 0, run.stdout + run.stderr
    xml = junitparser.JUnitXml.fromfile(str(report))
    assert (xml.failures, xml.errors, xml.skipped) == (0, 0, 0)
    assert [suite.name for suite in xml] == ["exchange handler"]
    assert "payparts-check: sandbox at http://127.0.0.1:" in run.stderr


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("echo 'no such shop' >&2; exit 3", "exited before it was ready"),
        ("", "was not ready after 2s"),  # no command, and nothing listens at SHOP_URL
    ],
)
def test_a_shop_that_never_starts_exits_2_with_the_reason(
    tmp_path: Path, command: str, reason: str
) -> None:
    environ_port = free_port()
    run = subprocess.run(
        ["bash", str(SCRIPT)],
        cwd=REPO,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("PAYPARTS_")},
            "SHOP_COMMAND": command,
            "SHOP_URL": f"http://127.0.0.1:{environ_port}",
            "REPORT": str(tmp_path / "report.xml"),
            "PAYPARTS": str(PAYPARTS),
            "WAIT_SECONDS": "2",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert reason in run.stderr
    if command:
        assert "no such shop" in run.stderr  # the shop's own last words are shown
    assert not (tmp_path / "report.xml").exists()
