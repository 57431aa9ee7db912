"""`payparts check`: the matrix without Jupyter, its JUnit XML as CI systems read it, exit codes.

Real subprocesses of the console script's module, a real sandbox, the reference shop
and a copy of it with the signature check removed. The JUnit files are read with
junitparser, as a CI system's reporter would read them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import junitparser
import pytest

from payparts_helpers.regression import EXCHANGE_GROUP, SCENARIOS, Target, reference_shop
from payparts_helpers.regression.runner import GROUPS
from payparts_helpers.regression.targets import sandbox_target

from .test_cli import payparts
from .test_exchange_conformance import (
    ALWAYS_VALID,
    NEED_THE_SIGNATURE_CHECK,
    VERIFY_IMPORT,
    broken_copy,
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Target]:
    with sandbox_target() as target:
        yield target


def read_junit(path: Path) -> dict[str, dict[str, junitparser.TestCase]]:
    """Suite name → case name → case, from the file as a CI reporter reads it."""
    xml = junitparser.JUnitXml.fromfile(str(path))
    return {suite.name: {case.name: case for case in suite} for suite in xml}


def test_the_whole_matrix_passes_and_writes_one_suite_per_group(tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    run = payparts("check", "--junit", str(report))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.rstrip().endswith(f"{len(SCENARIOS)} passed, 0 failed, 0 skipped")
    assert f"[{len(SCENARIOS)}/{len(SCENARIOS)}] " in run.stderr  # progress goes to stderr
    xml = junitparser.JUnitXml.fromfile(str(report))
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (len(SCENARIOS), 0, 0, 0)
    suites = read_junit(report)
    assert list(suites) == list(GROUPS)
    for group, cases in suites.items():
        assert sorted(cases) == sorted(s.name for s in SCENARIOS if s.group == group)
        assert all(case.is_passed for case in cases.values())


def test_a_shop_without_the_signature_check_exits_1_and_the_report_says_why(
    sandbox: Target, tmp_path: Path
) -> None:
    copy = broken_copy(tmp_path, "shop-always-valid", VERIFY_IMPORT, ALWAYS_VALID)
    report = tmp_path / "report.xml"
    assert sandbox.base_url is not None
    with reference_shop(sandbox.base_url, sandbox.sl_code, sandbox.secret, directory=copy) as shop:
        run = payparts(
            "check",
            "--base-url",
            sandbox.base_url,
            "--shop-url",
            shop.url,
            "--group",
            EXCHANGE_GROUP,
            "--junit",
            str(report),
        )
    assert run.returncode == 1, run.stdout + run.stderr
    cases = read_junit(report)[EXCHANGE_GROUP]
    failed = {name for name, case in cases.items() if not case.is_passed}
    assert failed == NEED_THE_SIGNATURE_CHECK
    for name in failed:
        (failure,) = cases[name].result
        assert isinstance(failure, junitparser.Failure)
        assert failure.message.startswith("DANGEROUS: ")
        assert "Verify the HMAC over the raw body" in failure.text
    assert "FAIL  exchange handler › signed with another secret" in run.stdout


def test_json_output_and_skipped_rows_carry_their_reason(sandbox: Target, tmp_path: Path) -> None:
    """Against a running sandbox (no restart to offer) the restart row is skipped, by name."""
    report = tmp_path / "report.xml"
    assert sandbox.base_url is not None
    run = payparts(
        "check", "--base-url", sandbox.base_url, "--format", "json", "--junit", str(report)
    )
    assert run.returncode == 0, run.stdout + run.stderr
    document = json.loads(run.stdout)
    rows = document["rows"]
    skipped = [row for row in rows if row["status"] == "skipped"]
    assert skipped, "a sandbox without restart skips the restart row"
    assert document["summary"] == {
        "pass": len(rows) - len(skipped),
        "fail": 0,
        "skipped": len(skipped),
    }
    cases = read_junit(report)
    for row in skipped:
        (result,) = cases[row["group"]][row["scenario"]].result
        assert isinstance(result, junitparser.Skipped)
        assert result.message == row["detail"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--group", "nonsense"], "no group 'nonsense': choose from contract examples"),
        (["--shop-url", "http://127.0.0.1:9"], "--shop-url http://127.0.0.1:9 does not accept"),
        (["--env", "beta"], "needs PAYPARTS_SL_CODE and PAYPARTS_SECRET"),
        (["--shop-url", "ftp://shop"], "SHOP_URL must be an absolute http(s) URL"),
    ],
)
def test_what_cannot_run_exits_2_with_the_reason(args: list[str], message: str) -> None:
    run = payparts("check", *args)
    assert run.returncode == 2, run.stdout + run.stderr
    assert message in run.stderr
    assert run.stdout == ""
