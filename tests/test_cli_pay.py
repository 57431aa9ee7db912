"""`payparts pay` and `payparts deliveries` as real processes against a real sandbox.

The sandbox has both demo sales locations and a fast retry policy; the shop is a
real ExchangeListener. Output (text and JSON) and exit codes: 0 done, 1 the sandbox
said no (409, 404), 2 the command could not run (bad outcome, beta configured).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from payparts_helpers.client.exchange_listener import ExchangeListener
from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.rules import examples
from payparts_helpers.rules.sandbox_resources import Delivery
from payparts_helpers.sandbox import (
    DEMO_MERCHANT,
    SECOND_DEMO_MERCHANT,
    DeliveryPolicy,
    SandboxHandle,
    start_sandbox,
)

from .test_cli import payparts


@pytest.fixture(scope="module")
def fast_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    db = tmp_path_factory.mktemp("cli-pay") / "sessions.sqlite3"
    merchants = [DEMO_MERCHANT, SECOND_DEMO_MERCHANT]
    delivery = DeliveryPolicy(delays=(0, 0.05, 0.1))
    with start_sandbox(db_path=db, merchants=merchants, delivery=delivery) as handle:
        yield handle


@pytest.fixture
def client(fast_sandbox: SandboxHandle) -> Iterator[PayPartsClient]:
    with PayPartsClient(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, fast_sandbox.url) as demo:
        yield demo


def new_session(client: PayPartsClient, exchange_url: str = "https://shop.nl/exchange") -> str:
    body = examples.full_request()  # 2999 EUR, reference REF-12345
    body.pop("expire", None)  # the example's date may be past; the sandbox would expire it
    body["exchangeUrl"] = exchange_url
    return client.create_session(body).session_id


def delivered(
    client: PayPartsClient, session_id: str, code: int, timeout: float = 15.0
) -> list[Delivery]:
    """The deliveries once all are delivered, ``code``'s among them (a state, with a deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        deliveries = client.list_deliveries(session_id)
        states = {d.state for d in deliveries}
        if states == {"delivered"} and any(d.status_code == code for d in deliveries):
            return deliveries
        if time.monotonic() > deadline:
            seen = [(d.state, len(d.attempts)) for d in deliveries]
            pytest.fail(f"deliveries of {session_id} not delivered in {timeout:g} s: {seen}")
        time.sleep(0.02)  # the pause between two polls; the wait itself is for the state


# --- payparts pay -----------------------------------------------------------------------


def test_pay_prints_the_order_after_the_change(
    fast_sandbox: SandboxHandle, client: PayPartsClient
) -> None:
    session_id = new_session(client)
    result = payparts("pay", session_id, "--outcome", "paid", sandbox=fast_sandbox)
    assert result.returncode == 0, result.stderr
    order = client.get_sandbox_order(session_id)
    rows = dict(line.split(maxsplit=1) for line in result.stdout.splitlines())
    assert rows["orderId"] == order.order_id
    assert rows["status"] == "100 PAID (paid)"
    assert rows["amount"] == rows["authorised"] == rows["captured"] == "2999 (29.99 EUR)"
    assert rows["reference"] == "REF-12345"
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("outcome", "code", "action"),
    [("authorised", 95, "AUTHORIZE"), ("denied", -63, "DENIED"), ("expired", -80, "EXPIRED")],
)
def test_pay_as_json_is_the_order_object(
    fast_sandbox: SandboxHandle, client: PayPartsClient, outcome: str, code: int, action: str
) -> None:
    session_id = new_session(client)
    result = payparts(
        "pay", session_id, "--outcome", outcome, "--format", "json", sandbox=fast_sandbox
    )
    assert result.returncode == 0, result.stderr
    order = json.loads(result.stdout)
    assert order["status"] == {"code": code, "action": action}
    assert order["amount"] == {"value": 2999, "currency": "EUR"}
    assert order == client.get_sandbox_order(session_id).raw


def test_pay_on_a_final_order_exits_1_with_the_sandboxs_message(
    fast_sandbox: SandboxHandle, client: PayPartsClient
) -> None:
    session_id = new_session(client)
    client.trigger_outcome(session_id, "cancelled")
    result = payparts("pay", session_id, "--outcome", "paid", sandbox=fast_sandbox)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("payparts: POST /_sandbox/sessions/")
    assert "409" in result.stderr
    assert "Traceback" not in result.stderr
    assert client.get_sandbox_order(session_id).status_code == -90


@pytest.mark.parametrize("command", ["pay", "deliveries"])
def test_an_unknown_session_exits_1_with_404(fast_sandbox: SandboxHandle, command: str) -> None:
    extra = ["--outcome", "paid"] if command == "pay" else []
    result = payparts(command, "0" * 32, *extra, sandbox=fast_sandbox)
    assert result.returncode == 1
    assert "404" in result.stderr
    assert "Traceback" not in result.stderr


def test_another_sales_locations_session_exits_1_with_404(
    fast_sandbox: SandboxHandle, client: PayPartsClient
) -> None:
    session_id = new_session(client)
    other = {
        "PAYPARTS_SL_CODE": SECOND_DEMO_MERCHANT.sl_code,
        "PAYPARTS_SECRET": SECOND_DEMO_MERCHANT.secret,
    }
    result = payparts("pay", session_id, "--outcome", "paid", sandbox=fast_sandbox, env=other)
    assert result.returncode == 1
    assert "404" in result.stderr
    assert SECOND_DEMO_MERCHANT.secret not in result.stderr


def test_an_unknown_outcome_exits_2_naming_the_choices(fast_sandbox: SandboxHandle) -> None:
    result = payparts("pay", "0" * 32, "--outcome", "refunded", sandbox=fast_sandbox)
    assert result.returncode == 2
    assert "--outcome" in result.stderr
    assert "paid" in result.stderr
    assert "cancelled" in result.stderr


@pytest.mark.parametrize("command", ["pay", "deliveries"])
def test_beta_configured_refuses_and_exits_2_without_the_secret(command: str) -> None:
    extra = ["--outcome", "paid"] if command == "pay" else []
    env = {
        "PAYPARTS_ENV": "beta",
        "PAYPARTS_SL_CODE": "SL-9999-0001",
        "PAYPARTS_SECRET": "marker-secret-4711",
    }
    result = payparts(command, "0" * 32, *extra, env=env)
    assert result.returncode == 2
    assert "sandbox-only" in result.stderr
    assert "No request was sent" in result.stderr
    assert "marker-secret-4711" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


# --- payparts deliveries ----------------------------------------------------------------


def test_deliveries_lists_each_delivery_and_attempt_as_a_table(
    fast_sandbox: SandboxHandle, client: PayPartsClient
) -> None:
    with ExchangeListener(DEMO_MERCHANT.secret, key_id=DEMO_MERCHANT.sl_code) as listener:
        session_id = new_session(client, listener.url)
        order = client.trigger_outcome(session_id, "paid")
        listener.wait_for_calls(1, timeout=15)
        deliveries = delivered(client, session_id, 100)
    result = payparts("deliveries", session_id, sandbox=fast_sandbox)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    paid = next(d for d in deliveries if d.status_code == 100)
    assert (
        f"delivery {paid.delivery_id}  order {order.order_id}  100 PAID (paid)  delivered" in text
    )
    assert f"  to {listener.url}" in text
    header = next(line for line in text.splitlines() if line.lstrip().startswith("#"))
    assert header.split() == ["#", "when", "HTTP", "ok", "ms", "answer", "error"]
    attempt = paid.attempts[0]
    row = next(line for line in text.splitlines() if attempt.at in line)
    cells = row.split()
    assert cells[:4] == ["1", attempt.at, "200", "yes"]
    assert cells[4].isdigit()
    assert '{"result":' in row
    assert text.count("delivery ") == len(deliveries)


def test_deliveries_shows_failed_attempts_with_their_status(
    fast_sandbox: SandboxHandle, client: PayPartsClient
) -> None:
    with ExchangeListener("not-the-secret", key_id=DEMO_MERCHANT.sl_code) as listener:
        session_id = new_session(client, listener.url)
        client.trigger_outcome(session_id, "denied")
        listener.wait_for_calls(4, timeout=15)  # the first try and one per delay
    deadline = time.monotonic() + 15
    while not all(d.state == "failed" for d in client.list_deliveries(session_id)):
        assert time.monotonic() < deadline, "the delivery never reached failed"
        time.sleep(0.02)
    result = payparts("deliveries", session_id, sandbox=fast_sandbox)
    assert result.returncode == 0, result.stderr
    assert "-63 DENIED (denied)  failed" in result.stdout
    rows = [line.split() for line in result.stdout.splitlines() if " 403 " in line]
    assert len(rows) >= 4
    assert all(row[3] == "no" for row in rows)


def test_deliveries_as_json_is_the_sandboxs_answer(
    fast_sandbox: SandboxHandle, client: PayPartsClient
) -> None:
    with ExchangeListener(DEMO_MERCHANT.secret, key_id=DEMO_MERCHANT.sl_code) as listener:
        session_id = new_session(client, listener.url)
        client.trigger_outcome(session_id, "paid")
        listener.wait_for_calls(1, timeout=15)
        deliveries = delivered(client, session_id, 100)
    result = payparts("deliveries", session_id, "--format", "json", sandbox=fast_sandbox)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["sessionId"] == session_id
    assert document["deliveries"] == [d.raw for d in deliveries]
    assert document["deliveries"][-1]["attempts"][0]["ok"] is True


def test_deliveries_of_a_session_with_none_says_so(
    fast_sandbox: SandboxHandle, client: PayPartsClient
) -> None:
    session_id = new_session(client)
    result = payparts("deliveries", session_id, sandbox=fast_sandbox)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"no exchange calls for session {session_id} yet\n"
