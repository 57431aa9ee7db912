"""The sandbox records order-status reads; ``/_sandbox/sessions/{id}/status-reads`` and
``/_sandbox/sessions?since=`` over real HTTP, raw and through the client.

What ``payparts check --session`` judges an unsigned call's booking by: whether the shop
asked the order API for the order after the call was sent. The read-back goes through
the writer's queue, so a read answered before it is always in it: no test waits.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime

import pytest
import requests

from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.rules import examples
from payparts_helpers.rules.errors import ConfigurationError, NotFoundError
from payparts_helpers.sandbox import DEMO_MERCHANT, SandboxHandle

from .conftest import OTHER_MERCHANT

UNKNOWN_SESSION = "0" * 32


def new_session(client: PayPartsClient) -> str:
    body = examples.minimum_request()
    body["exchangeUrl"] = "https://shop.nl/exchange"
    return client.create_session(body).session_id


def paid_order(client: PayPartsClient) -> tuple[str, str]:
    """A new session, paid: its id and its order's orderId."""
    session_id = new_session(client)
    return session_id, client.trigger_outcome(session_id, "paid").order_id


def test_a_read_of_the_order_is_recorded_with_time_order_and_status(
    sandbox: SandboxHandle, client: PayPartsClient, api: requests.Session
) -> None:
    session_id, order_id = paid_order(client)
    assert client.list_status_reads(session_id) == []
    before = time.time()
    assert client.get_order_status(order_id).order_id == order_id
    after = time.time()
    (read,) = client.list_status_reads(session_id)
    assert (read.order_id, read.status) == (order_id, 200)
    assert before - 0.001 <= read.at <= after + 0.001
    answer = api.get(f"{sandbox.url}/_sandbox/sessions/{session_id}/status-reads", timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {
        "sessionId": session_id,
        "reads": [{"at": read.at, "orderId": order_id, "status": 200}],
    }


def test_reads_by_uuid_anonymous_and_by_another_location_are_recorded_in_order(
    sandbox: SandboxHandle, client: PayPartsClient, other_api: requests.Session
) -> None:
    session_id, order_id = paid_order(client)
    uuid = client.get_sandbox_order(session_id).id
    status = f"{sandbox.url}/v1/orders/{{}}/status"
    assert requests.get(status.format(uuid), timeout=10).status_code == 200  # no credentials
    assert other_api.get(status.format(order_id), timeout=10).status_code == 404
    assert [(r.order_id, r.status) for r in client.list_status_reads(session_id)] == [
        (order_id, 200),
        (order_id, 404),
    ]


def test_what_finds_no_order_is_not_recorded(
    sandbox: SandboxHandle, client: PayPartsClient, api: requests.Session
) -> None:
    session_id = new_session(client)
    answer = api.get(f"{sandbox.url}/v1/orders/51234567890X1a2b/status", timeout=10)
    assert answer.status_code == 404
    bad = requests.get(
        f"{sandbox.url}/v1/orders/51234567890X1a2b/status", auth=("SL-1", "no"), timeout=10
    )
    assert bad.status_code == 401
    assert client.list_status_reads(session_id) == []  # no order yet: nothing to record


def test_reads_are_kept_durably_in_sqlite(sandbox: SandboxHandle, client: PayPartsClient) -> None:
    session_id, order_id = paid_order(client)
    client.get_order_status(order_id)
    client.list_status_reads(session_id)  # through the writer: committed by now
    with sqlite3.connect(f"{sandbox.db_path.resolve().as_uri()}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT order_id, sl_code, caller, http_status FROM status_reads WHERE session_id = ?",
            (session_id,),
        ).fetchall()
    assert rows == [(order_id, DEMO_MERCHANT.sl_code, DEMO_MERCHANT.sl_code, 200)]


def test_status_reads_has_the_auth_and_404_rules_of_the_other_session_routes(
    sandbox: SandboxHandle, client: PayPartsClient, other_api: requests.Session
) -> None:
    session_id = new_session(client)
    url = f"{sandbox.url}/_sandbox/sessions/{session_id}/status-reads"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, auth=(DEMO_MERCHANT.sl_code, "wrong"), timeout=10).status_code == 401
    assert other_api.get(url, timeout=10).status_code == 404  # another location's session
    with pytest.raises(NotFoundError):
        client.list_status_reads(UNKNOWN_SESSION)


def test_sessions_since_lists_the_locations_own_sessions_newest_last(
    sandbox: SandboxHandle, client: PayPartsClient, other_api: requests.Session
) -> None:
    since = datetime.now(UTC)
    first, second = new_session(client), new_session(client)
    with PayPartsClient(OTHER_MERCHANT.sl_code, OTHER_MERCHANT.secret, sandbox.url) as other:
        theirs = new_session(other)
    listed = [s.session_id for s in client.list_sessions_since(since)]
    assert listed == [first, second]
    assert [s.session_id for s in client.list_sessions_since(since.timestamp())] == listed
    naive_utc = since.replace(tzinfo=None).isoformat()  # no offset: UTC
    assert [s.session_id for s in client.list_sessions_since(naive_utc)] == listed
    assert client.list_sessions_since(time.time() + 3600) == []
    answer = other_api.get(
        f"{sandbox.url}/_sandbox/sessions", params={"since": since.isoformat()}, timeout=10
    )
    assert [s["sessionId"] for s in answer.json()["sessions"]] == [theirs]


@pytest.mark.parametrize("since", [None, "", "yesterday", "nan", "1" * 80])
def test_sessions_since_refuses_a_missing_or_malformed_time(
    sandbox: SandboxHandle, api: requests.Session, since: str | None
) -> None:
    params = {} if since is None else {"since": since}
    answer = api.get(f"{sandbox.url}/_sandbox/sessions", params=params, timeout=10)
    assert answer.status_code == 400
    assert "since" in answer.json()["detail"]
    assert requests.get(f"{sandbox.url}/_sandbox/sessions?since=0", timeout=10).status_code == 401


def test_the_client_refuses_pay_nl_hosts_before_sending() -> None:
    # Configured by hand: Pay.nl's host gives it away (no request goes out, none is mocked).
    with PayPartsClient(DEMO_MERCHANT.sl_code, "marker-secret", "https://parts.pay.nl/") as beta:
        with pytest.raises(ConfigurationError, match="list_sessions_since: /_sandbox/"):
            beta.list_sessions_since(0)
        with pytest.raises(ConfigurationError, match="list_status_reads: /_sandbox/"):
            beta.list_status_reads(UNKNOWN_SESSION)
