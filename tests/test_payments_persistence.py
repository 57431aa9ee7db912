"""Orders and their exchange calls survive ``kill -9`` of the sandbox process.

The sandbox runs as a separate process (tests/sandbox_process.py), so SIGKILL leaves
its SQLite file exactly as a crash would. Waits are for a state with a deadline; a
later session's calls, once arrived, are the witness that nothing was sent twice.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from payparts_helpers.client.exchange_listener import ExchangeListener
from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.rules.examples import minimum_request
from payparts_helpers.rules.exchange_signing import verify_exchange_signature
from payparts_helpers.rules.sandbox_resources import Delivery
from payparts_helpers.sandbox import DEMO_MERCHANT

from .conftest import http_session
from .sandbox_process import SandboxProcess

SL_CODE, SECRET = DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret
SHORT_DELAYS = ("--exchange-retry-delays", "0.05,0.1")
WAIT = 30.0


@pytest.fixture
def processes() -> Iterator[list[SandboxProcess]]:
    """Sandbox processes a test starts; each is stopped at the end, whatever happened."""
    started: list[SandboxProcess] = []
    yield started
    for process in started:
        process.stop()


def sandbox_process(
    processes: list[SandboxProcess], db: Path, logs: Path, *args: str
) -> SandboxProcess:
    logs.mkdir(parents=True, exist_ok=True)
    process = SandboxProcess(db, logs, *args)
    processes.append(process)
    process.start()
    return process


def new_session(client: PayPartsClient, exchange_url: str) -> str:
    body = minimum_request()
    body.update({"exchangeUrl": exchange_url, "reference": "REF-PERSIST"})
    return client.create_session(body).session_id


def wait_for_deliveries(
    client: PayPartsClient, session_id: str, done: Callable[[list[Delivery]], bool]
) -> list[Delivery]:
    deadline = time.monotonic() + WAIT
    while True:
        deliveries = client.list_deliveries(session_id)
        if done(deliveries):
            # Read once more: the answer that first shows a state may not list the attempt
            # behind it yet (see test_exchange_delivery's torn-read test).
            return client.list_deliveries(session_id)
        if time.monotonic() > deadline:
            seen = [(d.status_code, d.state, [a.error for a in d.attempts]) for d in deliveries]
            pytest.fail(f"deliveries of {session_id} never settled as expected: {seen}")
        time.sleep(0.02)  # the pause between two polls; the wait is for the state


def delivered(count: int) -> Callable[[list[Delivery]], bool]:
    return lambda ds: len(ds) == count and all(d.state == "delivered" for d in ds)


def sandbox_answers(url: str, session_id: str) -> dict[str, Any]:
    """The order, timeline and deliveries as the sandbox answers them (JSON)."""
    with http_session(DEMO_MERCHANT) as api:
        return {
            leaf: api.get(f"{url}/_sandbox/sessions/{session_id}/{leaf}", timeout=10).json()
            for leaf in ("order", "timeline", "deliveries")
        }


def test_a_paid_order_and_its_delivery_log_survive_kill_9(
    tmp_path: Path, processes: list[SandboxProcess]
) -> None:
    db = tmp_path / "sessions.sqlite3"
    with ExchangeListener(SECRET, key_id=SL_CODE) as listener:
        first = sandbox_process(processes, db, tmp_path / "first", *SHORT_DELAYS)
        with PayPartsClient(SL_CODE, SECRET, base_url=first.url) as client:
            session_id = new_session(client, listener.url)
            order = client.trigger_outcome(session_id, "paid")
            listener.wait_for_calls(2, timeout=WAIT)
            wait_for_deliveries(client, session_id, delivered(2))
        before = sandbox_answers(first.url, session_id)
        first.kill9()

        second = sandbox_process(processes, db, tmp_path / "second", *SHORT_DELAYS)
        after = sandbox_answers(second.url, session_id)
        assert after == before
        assert after["order"]["orderId"] == order.order_id
        assert after["order"]["status"] == {"code": 100, "action": "PAID"}
        logged = after["deliveries"]["deliveries"]
        assert [(d["status"]["code"], d["state"]) for d in logged] == [
            (20, "delivered"),
            (100, "delivered"),
        ]
        assert [[a["ok"] for a in d["attempts"]] for d in logged] == [[True], [True]]
        kinds = [event["kind"] for event in after["timeline"]["events"]]
        assert kinds.count("status-changed") == 2
        assert kinds.count("exchange-attempt") == 2
        # The witness: a later payment's calls arrive; the first payment's were not resent.
        with PayPartsClient(SL_CODE, SECRET, base_url=second.url) as client:
            later = new_session(client, listener.url)
            client.trigger_outcome(later, "paid")
            listener.wait_for_calls(4, timeout=WAIT)
            wait_for_deliveries(client, later, delivered(2))
        resent = [c for c in listener.calls if c.object and c.object["orderId"] == order.order_id]
        assert len(resent) == 2
        assert sandbox_answers(second.url, session_id) == before


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_scheduled_delivery_goes_on_after_kill_9(
    tmp_path: Path, processes: list[SandboxProcess]
) -> None:
    """Shop down when paid: the first attempt fails and is kept. kill -9; the shop comes up
    on that port; a sandbox restarted on the same file (short delays) delivers the call."""
    db = tmp_path / "sessions.sqlite3"
    port = _closed_port()
    exchange_url = f"http://127.0.0.1:{port}/exchange"
    # Long enough that the retry is still ahead when the sandbox is killed.
    first = sandbox_process(
        processes, db, tmp_path / "first", "--exchange-retry-delays", "3,3,3,3,3"
    )
    with PayPartsClient(SL_CODE, SECRET, base_url=first.url) as client:
        session_id = new_session(client, exchange_url)
        order = client.trigger_outcome(session_id, "paid")
        pending, paid = wait_for_deliveries(
            client, session_id, lambda ds: len(ds) == 2 and len(ds[0].attempts) >= 1
        )
    assert (pending.state, pending.status_code) == ("pending", 20)
    assert pending.next_attempt_at is not None
    failed = pending.attempts[0]
    assert (failed.ok, failed.http_status) == (False, None)
    assert "connection refused" in (failed.error or "")
    assert (paid.state, paid.attempts) == ("pending", ())  # waits behind the first call
    first.kill9()

    with ExchangeListener(SECRET, key_id=SL_CODE, port=port) as listener:
        second = sandbox_process(processes, db, tmp_path / "second", *SHORT_DELAYS)
        calls = listener.wait_for_calls(2, timeout=WAIT)
        with PayPartsClient(SL_CODE, SECRET, base_url=second.url) as client:
            deliveries = wait_for_deliveries(client, session_id, delivered(2))
    assert [call.object["status"]["code"] for call in calls] == [20, 100]
    assert {call.object["orderId"] for call in calls} == {order.order_id}
    for call, delivery in zip(calls, deliveries, strict=True):
        verdict = verify_exchange_signature(call.headers, call.raw_body, SECRET, key_id=SL_CODE)
        assert verdict.valid, verdict.message
        assert call.raw_body == delivery.body.encode("utf-8")
    pending_after = deliveries[0]
    assert pending_after.attempts[0] == failed  # the attempt before the kill is still there
    assert [a.ok for a in pending_after.attempts] == [False] * (len(pending_after.attempts) - 1) + [
        True
    ]
    assert [a.attempt for a in pending_after.attempts] == list(
        range(1, len(pending_after.attempts) + 1)
    )
    assert [(a.attempt, a.ok) for a in deliveries[1].attempts] == [(1, True)]
