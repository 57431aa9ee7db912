"""`payparts order ORDER_ID` as a real process against a real sandbox's order-status API.

The sandbox knows one sales location with a marker secret, given to the command as
PAYPARTS_SL_CODE / PAYPARTS_SECRET: no run may print it (or base64 of sl:secret).
Exit codes: 0 the order, 1 the API said no (404, 401) or the id was refused locally.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.rules import examples
from payparts_helpers.rules.redaction import basic_credentials_forms
from payparts_helpers.sandbox import Merchant, SandboxHandle, start_sandbox

from .test_cli import payparts

MARKER = Merchant(
    sl_code="SL-4711-0042", secret="marker-secret-c1i-0rder-4711", merchant_name="Marker Shop"
)
CREDENTIALS = {"PAYPARTS_SL_CODE": MARKER.sl_code, "PAYPARTS_SECRET": MARKER.secret}
SECRET_FORMS = basic_credentials_forms(MARKER.sl_code, MARKER.secret)


@pytest.fixture(scope="module")
def marker_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    db = tmp_path_factory.mktemp("cli-order") / "sessions.sqlite3"
    with start_sandbox(port=0, db_path=db, merchants=[MARKER]) as handle:
        yield handle


@pytest.fixture(scope="module")
def client(marker_sandbox: SandboxHandle) -> Iterator[PayPartsClient]:
    with PayPartsClient(MARKER.sl_code, MARKER.secret, base_url=marker_sandbox.url) as marker:
        yield marker


def order_with(client: PayPartsClient, outcome: str) -> Any:
    body = examples.full_request()  # 2999 EUR, reference REF-12345
    body.pop("expire", None)  # the example's date may be past; the sandbox would expire it
    session_id = client.create_session(body).session_id
    return client.trigger_outcome(session_id, outcome)


def run_order(*args: str, sandbox: SandboxHandle | None = None, **env: str) -> Any:
    result = payparts("order", *args, sandbox=sandbox, env={**CREDENTIALS, **env})
    shown = result.stdout + result.stderr
    leaked = [form for form in SECRET_FORMS if form in shown]
    assert leaked == [], "the output shows the secret (or base64 of sl:secret)"
    assert "Traceback" not in result.stderr
    return result


def table_rows(stdout: str) -> dict[str, str]:
    return dict(line.split(None, 1) for line in stdout.splitlines())


@pytest.mark.parametrize(
    ("outcome", "status", "authorised", "captured"),
    [
        ("paid", "100 PAID (paid)", "2999 (29.99 EUR)", "2999 (29.99 EUR)"),
        ("denied", "-63 DENIED (denied)", "0 (0.00 EUR)", "0 (0.00 EUR)"),
    ],
)
def test_order_prints_the_status_and_the_amount(
    marker_sandbox: SandboxHandle,
    client: PayPartsClient,
    outcome: str,
    status: str,
    authorised: str,
    captured: str,
) -> None:
    order = order_with(client, outcome)
    for ref in (order.order_id, order.id):
        result = run_order(ref, sandbox=marker_sandbox)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        assert table_rows(result.stdout) == {
            "orderId": order.order_id,
            "id": order.id,
            "status": status,
            "amount": "2999 (29.99 EUR)",
            "authorised": authorised,
            "captured": captured,
            "reference": "REF-12345",
        }
        lines = result.stdout.splitlines()
        assert f"status      {status}" in lines
        assert "amount      2999 (29.99 EUR)" in lines


@pytest.mark.parametrize("outcome", ["paid", "denied"])
def test_order_as_json_is_the_apis_answer(
    marker_sandbox: SandboxHandle, client: PayPartsClient, outcome: str
) -> None:
    order = order_with(client, outcome)
    result = run_order(order.order_id, "--format", "json", sandbox=marker_sandbox)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    answer = requests.get(
        f"{marker_sandbox.url}/v1/orders/{order.order_id}/status",
        auth=(MARKER.sl_code, MARKER.secret),
        headers={"Accept": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert printed == answer.json()
    assert printed == client.get_order_status(order.order_id).raw
    assert printed["status"]["code"] == {"paid": 100, "denied": -63}[outcome]


def test_an_unknown_order_exits_1_with_the_servers_message(marker_sandbox: SandboxHandle) -> None:
    result = run_order("41234567890X00aa", sandbox=marker_sandbox)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("payparts: GET /v1/orders/41234567890X00aa/status → 404")
    assert "No order with this id exists for your sales location" in result.stderr


def test_wrong_credentials_exit_1_without_the_secret(
    marker_sandbox: SandboxHandle, client: PayPartsClient
) -> None:
    order = order_with(client, "paid")
    wrong = "wrong-marker-secret-0815"
    result = run_order(order.order_id, sandbox=marker_sandbox, PAYPARTS_SECRET=wrong)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "401" in result.stderr
    assert "refused" in result.stderr
    assert not [f for f in basic_credentials_forms(MARKER.sl_code, wrong) if f in result.stderr]


class CountingServer:
    """Loopback HTTP that counts every request it gets (and answers 500 to it)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        counter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                counter.requests.append(self.path)
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def counting_server() -> Iterator[CountingServer]:
    server = CountingServer()
    try:
        yield server
    finally:
        server.close()


@pytest.mark.parametrize(
    "ref", ["garbage", "../x", "41234567890x00AA", "41234567890X00aa" + "0" * 200, " "]
)
def test_a_malformed_id_exits_1_with_the_local_message_and_sends_nothing(
    counting_server: CountingServer, ref: str
) -> None:
    result = run_order(ref, PAYPARTS_BASE_URL=counting_server.url)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("payparts: ")
    assert "is not an order id" in result.stderr
    assert "No request was sent" in result.stderr
    assert counting_server.requests == []


def test_the_counting_server_does_count(counting_server: CountingServer) -> None:
    """The witness of the test above: a well-formed id does reach it."""
    result = run_order("41234567890X00aa", PAYPARTS_BASE_URL=counting_server.url)
    assert result.returncode == 1
    assert counting_server.requests == ["/v1/orders/41234567890X00aa/status"]


def test_order_without_an_id_is_a_usage_error() -> None:
    result = payparts("order", env=CREDENTIALS)
    assert result.returncode == 2
    assert "order_id" in result.stderr
