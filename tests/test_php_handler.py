"""examples/php/: the plain-PHP exchange endpoint under ``php -S``, judged by ``payparts check``.

Real processes only: a sandbox (``python -m payparts_helpers.sandbox``), PHP's built-in
server with examples/php/router.php (four workers, so the flock around the orders file
is really exercised), and ``payparts check`` as a subprocess whose JUnit file is read
with junitparser. A copy of examples/php whose exchange.php skips the HMAC comparison
must make the check exit 1 and say why that is dangerous. php-cli and php-curl are
required (CI installs them): without php the tests fail, they do not skip.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import junitparser
import pytest
import requests

from payparts_helpers.regression import EXCHANGE_GROUP, SCENARIOS
from payparts_helpers.rules.exchange_signing import sign_exchange
from payparts_helpers.sandbox.merchants import DEMO_MERCHANT

from .ports import free_port
from .sandbox_process import SandboxProcess
from .test_docs_links import broken_links

PHP_DIR = Path(__file__).resolve().parents[1] / "examples" / "php"
PHP_FILES = ("exchange.php", "shop_routes.php", "router.php", "lib.php")
EXCHANGE_CASES = sorted(s.name for s in SCENARIOS if s.group == EXCHANGE_GROUP)
STARTUP_DEADLINE = 15.0

# The one line of exchange.php that the broken copy replaces: the HMAC comparison.
HMAC_CHECK = "    if (!hash_equals($expected, $given)) {\n"
SKIPPED_CHECK = "    if (false) { // the signature check, skipped\n"
# The scenarios only a verified signature passes (the key-id check is still in the copy).
NEED_THE_HMAC = {
    "signed with another secret: refused, nothing booked or cancelled",
    "a signed call altered to claim paid or cancel: refused, nothing booked",
}


def php_binary() -> str:
    path = shutil.which("php")
    if path is None:
        pytest.fail(
            "php is not installed: these tests need php-cli and php-curl "
            "(apt-get install php-cli php-curl; .ci/run installs them for CI)"
        )
    return path


@dataclass(frozen=True)
class PhpShop:
    url: str
    data: Path
    log: Path


@contextmanager
def php_shop(directory: Path, sandbox_url: str, scratch: Path, **env: str) -> Iterator[PhpShop]:
    """``php -S 127.0.0.1:<free port> router.php`` from ``directory``, until the block ends."""
    php = php_binary()
    port = free_port()
    data = scratch / "shop-data"
    log = scratch / "php-server.log"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PAYPARTS_")}
    environ.update(
        PAYPARTS_BASE_URL=sandbox_url,
        PAYPARTS_SL_CODE=DEMO_MERCHANT.sl_code,
        PAYPARTS_SECRET=DEMO_MERCHANT.secret,
        PAYPARTS_SHOP_DATA=str(data),
        PHP_CLI_SERVER_WORKERS="4",
        **env,
    )
    with log.open("w") as output:
        process = subprocess.Popen(
            [php, "-S", f"127.0.0.1:{port}", str(directory / "router.php")],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environ,
            start_new_session=True,  # its own process group: the workers stop with it
        )
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE
        while True:
            if process.poll() is not None:
                pytest.fail(f"php -S exited with {process.returncode}: {log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() >= deadline:
                    pytest.fail(f"php -S did not accept connections within {STARTUP_DEADLINE} s")
                time.sleep(0.02)
        yield PhpShop(f"http://127.0.0.1:{port}", data, log)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        stop_workers(process.pid)


def stop_workers(group: int) -> None:
    """Wait until no live process of the server's group is left (php -S leaves its workers
    running when only the parent is signalled), then SIGKILL whatever still runs.

    A worker that has exited but is not reaped yet (a zombie, reparented to init) counts
    as gone: it holds no port and runs nothing.
    """
    deadline = time.monotonic() + 10
    while live_members(group):
        if time.monotonic() >= deadline:
            os.killpg(group, signal.SIGKILL)
            pytest.fail("php -S workers were still running 10 s after SIGTERM")
        time.sleep(0.02)


def live_members(group: int) -> list[int]:
    """The pids in process group ``group`` that are not zombies (Linux's /proc)."""
    live = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        state, pgrp = fields[0], int(fields[2])
        if pgrp == group and state != "Z":
            live.append(int(stat.parent.name))
    return live


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    scratch = tmp_path_factory.mktemp("php-sandbox")
    with SandboxProcess(scratch / "sandbox.sqlite3", scratch) as process:
        yield process.url


@pytest.fixture
def shop(sandbox: str, tmp_path: Path) -> Iterator[PhpShop]:
    with php_shop(PHP_DIR, sandbox, tmp_path) as running:
        yield running


def check(sandbox: str, shop_url: str, report: Path) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PAYPARTS_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "payparts_helpers.cli",
            "check",
            "--base-url",
            sandbox,
            "--shop-url",
            shop_url,
            "--group",
            EXCHANGE_GROUP,
            "--junit",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=environ,
    )


def exchange_cases(report: Path) -> dict[str, junitparser.TestCase]:
    xml = junitparser.JUnitXml.fromfile(str(report))
    suites = {suite.name: {case.name: case for case in suite} for suite in xml}
    assert list(suites) == [EXCHANGE_GROUP]
    return suites[EXCHANGE_GROUP]


@pytest.mark.parametrize("name", PHP_FILES)
def test_each_php_file_is_valid_php(name: str) -> None:
    run = subprocess.run(
        [php_binary(), "-l", str(PHP_DIR / name)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No syntax errors detected" in run.stdout


def test_the_readme_links_resolve_and_it_runs_what_the_tests_run() -> None:
    readme = PHP_DIR / "README.md"
    text = readme.read_text(encoding="utf-8")
    assert not broken_links(readme, text)
    assert "php -S 127.0.0.1:8080 examples/php/router.php" in text
    assert '--group "exchange handler" --junit report.xml' in text
    assert "Empty payload" in text


def test_php_has_curl_and_the_handler_needs_no_database_extension() -> None:
    modules = subprocess.run(
        [php_binary(), "-m"], capture_output=True, text=True, timeout=30, check=True
    ).stdout.split()
    assert "curl" in modules, "install php-curl: the handler asks the order-status API with curl"
    for name in PHP_FILES:
        text = (PHP_DIR / name).read_text(encoding="utf-8")
        assert "PDO" not in text
        assert "sqlite" not in text.lower()


def test_payparts_check_passes_against_the_php_handler(
    sandbox: str, shop: PhpShop, tmp_path: Path
) -> None:
    report = tmp_path / "report.xml"
    run = check(sandbox, shop.url, report)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.rstrip().endswith(f"{len(EXCHANGE_CASES)} passed, 0 failed, 0 skipped")
    xml = junitparser.JUnitXml.fromfile(str(report))
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (len(EXCHANGE_CASES), 0, 0, 0)
    cases = exchange_cases(report)
    assert sorted(cases) == EXCHANGE_CASES
    assert all(case.is_passed for case in cases.values())
    server_log = shop.log.read_text(encoding="utf-8", errors="replace")
    assert DEMO_MERCHANT.secret not in server_log  # never logged
    assert "booked: 100 PAID" in server_log  # the answers are logged for people


def test_a_copy_without_the_signature_check_exits_1_and_says_why(
    sandbox: str, tmp_path: Path
) -> None:
    copy = tmp_path / "php-unsigned"
    shutil.copytree(PHP_DIR, copy)
    exchange = copy / "exchange.php"
    text = exchange.read_text(encoding="utf-8")
    assert text.count(HMAC_CHECK) == 1, "exchange.php's HMAC comparison moved: update HMAC_CHECK"
    exchange.write_text(text.replace(HMAC_CHECK, SKIPPED_CHECK), encoding="utf-8")
    assert HMAC_CHECK not in exchange.read_text(encoding="utf-8")

    report = tmp_path / "report.xml"
    with php_shop(copy, sandbox, tmp_path) as broken:
        run = check(sandbox, broken.url, report)
    assert run.returncode == 1, run.stdout + run.stderr
    cases = exchange_cases(report)
    assert sorted(cases) == EXCHANGE_CASES
    failed = {name for name, case in cases.items() if not case.is_passed}
    assert failed == NEED_THE_HMAC
    for name in failed:
        (failure,) = cases[name].result
        assert isinstance(failure, junitparser.Failure)
        assert failure.message.startswith("DANGEROUS: ")
        assert "Verify the HMAC over the raw body" in failure.text
        assert "Anyone could cancel your customers' orders" in failure.text
    assert "FAIL  exchange handler › signed with another secret" in run.stdout


# --- the rows of docs/reference-shop.md the check does not reach -------------------------


def post_exchange(shop: PhpShop, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(shop.url + "/exchange", data=body, headers=headers, timeout=5)


def signed(body: bytes, **changes: str) -> dict[str, str]:
    headers = sign_exchange(body, DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret)
    return {"Content-Type": "application/json", **headers, **changes}


def legacy(order_id: str, reference: str = "") -> bytes:
    return urlencode({"action": "new_ppt", "order_id": order_id, "extra1": reference}).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def shop_order(shop: PhpShop, reference: str) -> dict[str, object]:
    response = requests.get(f"{shop.url}/orders/{reference}", timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_state(shop: PhpShop, reference: str, state: str) -> dict[str, object]:
    deadline = time.monotonic() + 15
    while True:
        order = shop_order(shop, reference)
        if order["state"] == state:
            return order
        assert time.monotonic() < deadline, f"the order stayed {order}"
        time.sleep(0.02)


def pay(sandbox: str, session_id: str, outcome: str = "paid") -> dict[str, object]:
    response = requests.post(
        f"{sandbox}/_sandbox/sessions/{session_id}/outcome",
        json={"outcome": outcome},
        auth=(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_signature_rows(shop: PhpShop) -> None:
    body = b'{"object":{}}'
    headers = signed(body)
    rows = [
        ({**headers, "Signature": headers["Signature"].upper()}, "lowercase hex"),
        ({**headers, "Signature-Method": "hmac"}, "not exactly HMAC"),
        ({**headers, "Signature-Algorithm": "md5"}, "expected sha256 or sha512"),
        ({**headers, "Signature-KeyID": "SL-9999-9999"}, "another sales location"),
    ]
    for changed, said in rows:
        response = post_exchange(shop, body, changed)
        assert response.status_code == 403, response.text
        assert response.json()["result"] is False
        assert said in response.json()["description"]
        assert DEMO_MERCHANT.secret not in response.text
    for bad in (body, b'{"object":{"orderId":5}}', b"\xff\xfe", b'{"object":'):
        response = post_exchange(shop, bad, signed(bad))
        assert (response.status_code, response.json()["result"]) == (400, False), bad


def test_body_and_legacy_rows(shop: PhpShop) -> None:
    response = post_exchange(shop, b"x" * (64 * 1024 + 1), FORM)
    assert (response.status_code, response.json()["result"]) == (413, False)
    response = post_exchange(shop, b"action=new_ppt", FORM)
    assert (response.status_code, response.json()["result"]) == (403, False)
    response = post_exchange(shop, legacy("../../etc"), FORM)
    assert response.status_code == 400
    assert response.text.startswith("FALSE| ")
    response = post_exchange(shop, legacy("51234567890X1a2b"), FORM)  # Pay.nl knows no such order
    assert response.status_code == 403
    assert response.text.startswith("FALSE| ")


def test_a_legacy_call_for_a_paid_order_is_answered_true_and_books_nothing_more(
    sandbox: str, shop: PhpShop
) -> None:
    checkout = requests.post(shop.url + "/checkout", timeout=15).json()
    order = pay(sandbox, checkout["sessionId"])
    booked = wait_for_state(shop, checkout["reference"], "paid")
    assert booked["bookings"] == 1
    assert booked["orderId"] == order["orderId"]
    for _ in range(2):
        response = post_exchange(shop, legacy(order["orderId"], checkout["reference"]), FORM)
        assert response.status_code == 200, response.text
        assert response.text.startswith("TRUE| ")
        assert "already booked" in response.text
        assert "status from the order-status API" in response.text
    assert shop_order(shop, checkout["reference"])["bookings"] == 1


def session_for(
    sandbox: str, shop: PhpShop, reference: str, value: int, exchange_url: str
) -> dict[str, Any]:
    """A session for the shop's order ``reference``, made by the test, not by the shop."""
    return requests.post(
        f"{sandbox}/v1/session/start",
        json={
            "amount": {"value": value, "currency": "EUR"},
            "returnUrl": f"{shop.url}/orders/{reference}",
            "exchangeUrl": exchange_url,
            "reference": reference,
        },
        auth=(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret),
        timeout=10,
    ).json()


def test_a_payment_of_another_amount_is_409_and_not_booked(sandbox: str, shop: PhpShop) -> None:
    checkout = requests.post(shop.url + "/checkout", timeout=15).json()
    reference = checkout["reference"]
    # A session for the shop's reference, but for 1 cent: the sandbox's signed paid call
    # is genuine, and still the order-status API's amount is not the shop's.
    session = session_for(sandbox, shop, reference, 1, f"{shop.url}/exchange")
    order = pay(sandbox, session["sessionId"])
    body = json.dumps({"event": "status_changed", "object": order}, separators=(",", ":")).encode()
    response = post_exchange(shop, body, signed(body))
    assert response.status_code == 409, response.text
    assert response.json()["result"] is False
    assert "not booked" in response.json()["description"]
    after = shop_order(shop, reference)
    assert (after["state"], after["bookings"]) == ("awaiting payment", 0)


def test_concurrent_calls_for_one_payment_book_it_once(sandbox: str, shop: PhpShop) -> None:
    """Eight calls at once for a payment the shop has not booked yet: one books, all are true.

    The session's exchangeUrl is a port nobody listens on, so the sandbox's own call never
    books it first; each of the eight asks the order-status API (paid) and then races the
    others for the orders file's lock.
    """
    checkout = requests.post(shop.url + "/checkout", timeout=15).json()
    reference = checkout["reference"]
    session = session_for(
        sandbox, shop, reference, 2999, f"http://127.0.0.1:{free_port()}/exchange"
    )
    order = pay(sandbox, session["sessionId"])
    assert shop_order(shop, reference)["bookings"] == 0
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda _: post_exchange(shop, legacy(order["orderId"], reference), FORM), range(8)
            )
        )
    assert [a.status_code for a in answers] == [200] * 8, [a.text for a in answers]
    assert all(a.text.startswith("TRUE| ") for a in answers)
    assert sum("booked: 100 PAID" in a.text for a in answers) == 1
    after = shop_order(shop, reference)
    assert (after["state"], after["bookings"], after["orderId"]) == ("paid", 1, order["orderId"])


def test_the_order_api_unreachable_is_503_false(sandbox: str, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with php_shop(PHP_DIR, sandbox, tmp_path, PAYPARTS_ORDERS_URL=dead) as cut_off:
        response = post_exchange(cut_off, legacy("51234567890X1a2b"), FORM)
    assert response.status_code == 503
    assert response.text.startswith("FALSE| ")


def test_routes_the_adapter_does_not_serve(shop: PhpShop) -> None:
    for method, path, status in (
        ("GET", "/", 404),
        ("GET", "/router.php", 404),
        ("GET", "/exchange", 405),
        ("GET", "/checkout", 405),
        ("GET", "/orders/SHOP-0000000000", 404),
        ("GET", "/orders/..%2F..%2Fetc", 404),
    ):
        response = requests.request(method, shop.url + path, timeout=5)
        assert response.status_code == status, (method, path, response.text)
        assert response.headers["Content-Type"].startswith("application/json")
