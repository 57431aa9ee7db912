"""`payparts check --session`: a shop with only its exchange endpoint, checked on its own session.

A real sandbox process, and the reference shop started against it playing "a shop with
only its exchange endpoint": the test makes the session with ``POST {shop}/checkout``
itself, as the shop's own test (or a browser) would, and hands only its id to
``payparts check``. JUnit files are read with junitparser, as a CI reporter reads them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import junitparser
import pytest
import requests

from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.regression import ShopEndpoints, reference_shop
from payparts_helpers.regression.session_mode import SESSION_MODE_GROUP, STATUS_URL_HINT
from payparts_helpers.sandbox import DEMO_MERCHANT

from .sandbox_process import SandboxProcess
from .test_cli import payparts
from .test_cli_check import read_junit
from .test_exchange_conformance import ALWAYS_VALID, VERIFY_IMPORT, broken_copy

STATE_ROWS = {
    "before paying, signed with another secret: nothing booked or cancelled",
    "before paying, unsigned action=new_ppt: not booked as paid",
    "the paid call, twice: booked once",
    "a signed cancel after paid: still paid",
}
FOREIGN = "before paying, signed with another secret: not answered true"


@pytest.fixture(scope="module")
def sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    scratch = tmp_path_factory.mktemp("check-session")
    with SandboxProcess(scratch / "sessions.sqlite3", scratch) as process:
        yield process.url


@pytest.fixture(scope="module")
def shop(sandbox_url: str) -> Iterator[ShopEndpoints]:
    with reference_shop(sandbox_url, DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret) as started:
        yield started


def checkout(shop: ShopEndpoints) -> str:
    """What the shop's own test does: start a checkout; the session id is all it hands over."""
    answer = requests.post(f"{shop.url}/checkout", json={}, timeout=15)
    assert answer.status_code == 200, answer.text
    return answer.json()["sessionId"]


def check(sandbox_url: str, report: Path, *args: str) -> tuple[int, str, str]:
    run = payparts("check", "--base-url", sandbox_url, "--junit", str(report), *args)
    return run.returncode, run.stdout, run.stderr


def test_a_session_alone_passes_what_it_can_judge_and_skips_the_state_rows(
    sandbox_url: str, shop: ShopEndpoints, tmp_path: Path
) -> None:
    report = tmp_path / "report.xml"
    code, out, err = check(sandbox_url, report, "--session", checkout(shop))
    assert code == 0, out + err
    suites = read_junit(report)
    assert list(suites) == [SESSION_MODE_GROUP]
    cases = suites[SESSION_MODE_GROUP]
    assert len(cases) == 9
    skipped = {name for name, case in cases.items() if case.is_skipped}
    assert skipped == STATE_ROWS
    assert all(case.is_passed for name, case in cases.items() if name not in skipped)
    for name in skipped:
        (result,) = cases[name].result
        assert result.message.startswith("not checked: ")
        assert result.message.endswith(STATUS_URL_HINT)
        assert "--status-url 'https://shop.test/orders/{reference}'" in result.message
    assert out.rstrip().endswith("5 passed, 0 failed, 4 skipped")
    assert DEMO_MERCHANT.secret not in out + err


def test_with_the_status_url_every_row_is_checked(
    sandbox_url: str, shop: ShopEndpoints, tmp_path: Path
) -> None:
    report = tmp_path / "report.xml"
    template = f"{shop.url}/orders/{{reference}}"
    code, out, err = check(
        sandbox_url, report, "--session", checkout(shop), "--status-url", template
    )
    assert code == 0, out + err
    xml = junitparser.JUnitXml.fromfile(str(report))
    assert (xml.tests, xml.failures, xml.skipped) == (9, 0, 0)
    assert out.rstrip().endswith("9 passed, 0 failed, 0 skipped")


def test_a_shop_without_the_signature_check_exits_1_with_the_danger_in_the_report(
    sandbox_url: str, tmp_path: Path
) -> None:
    copy = broken_copy(tmp_path, "shop-always-valid", VERIFY_IMPORT, ALWAYS_VALID)
    report = tmp_path / "report.xml"
    with reference_shop(
        sandbox_url, DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, directory=copy
    ) as broken:
        code, out, err = check(sandbox_url, report, "--session", checkout(broken))
    assert code == 1, out + err
    cases = read_junit(report)[SESSION_MODE_GROUP]
    failed = {name for name, case in cases.items() if not case.is_passed and not case.is_skipped}
    assert failed == {FOREIGN}
    (failure,) = cases[FOREIGN].result
    assert isinstance(failure, junitparser.Failure)
    assert failure.message.startswith("DANGEROUS: a call signed with another secret")
    assert "Verify the HMAC over the raw body" in failure.text
    assert f"FAIL  {SESSION_MODE_GROUP} › {FOREIGN}" in out


def test_since_checks_every_session_created_since_then_one_group_each(
    sandbox_url: str, shop: ShopEndpoints, tmp_path: Path
) -> None:
    since = str(time.time())
    first, second = checkout(shop), checkout(shop)
    report = tmp_path / "report.xml"
    code, out, err = check(sandbox_url, report, "--since", since, "--format", "json")
    assert code == 0, out + err
    assert list(read_junit(report)) == [
        f"{SESSION_MODE_GROUP} {first[:8]}",
        f"{SESSION_MODE_GROUP} {second[:8]}",
    ]


def test_a_session_paid_before_the_check_skips_the_rows_that_come_before_paying(
    sandbox_url: str, shop: ShopEndpoints, tmp_path: Path
) -> None:
    session_id = checkout(shop)
    with PayPartsClient(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, sandbox_url) as client:
        client.trigger_outcome(session_id, "paid")  # the customer paid in the browser
    report = tmp_path / "report.xml"
    template = f"{shop.url}/orders/{{reference}}"
    code, out, err = check(sandbox_url, report, "--session", session_id, "--status-url", template)
    assert code == 0, out + err
    cases = read_junit(report)[SESSION_MODE_GROUP]
    skipped = {name for name, case in cases.items() if case.is_skipped}
    assert skipped == {name for name in cases if name.startswith("before paying")}
    for name in skipped:
        (result,) = cases[name].result
        assert result.message.startswith("not run: the session's order is already 100 PAID")
    assert out.rstrip().endswith("5 passed, 0 failed, 4 skipped")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--session", "0" * 32], f"unknown session '{'0' * 32}'"),
        (["--session", "not-a-session"], "unknown session 'not-a-session'"),
        (["--since", "yesterday"], "--since 'yesterday'"),
        (["--since", "2999-01-01T00:00:00"], "no session of SL-1234-4321 was created since"),
        (["--session", "0" * 32, "--status-url", "https://shop.test/x"], "must hold {reference}"),
        (["--status-url", "https://shop.test/orders/{reference}"], "goes with --session"),
    ],
)
def test_what_cannot_run_exits_2_naming_it(
    sandbox_url: str, tmp_path: Path, args: list[str], message: str
) -> None:
    code, out, err = check(sandbox_url, tmp_path / "report.xml", *args)
    assert code == 2, out + err
    assert message in err
    assert out == ""


def test_a_session_needs_the_sandbox_the_shop_talks_to() -> None:
    run = payparts("check", "--session", "0" * 32)
    assert run.returncode == 2
    assert "--session and --since need --base-url" in run.stderr
