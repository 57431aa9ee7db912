"""Exchange calls over real HTTP: a real sandbox, real listeners and small shops on loopback.

Every wait is for a state (a listener's calls, a delivery's state, an Event) with a
deadline. Nothing sleeps to show that something did not happen: a later call to the
same shop, once it has arrived, is the witness that the worker has moved on.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from payparts_helpers.client.exchange_listener import ExchangeListener
from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.rules.examples import minimum_request
from payparts_helpers.rules.exchange_signing import sign_exchange, verify_exchange_signature
from payparts_helpers.rules.sandbox_resources import Delivery
from payparts_helpers.sandbox import (
    DEMO_MERCHANT,
    SECOND_DEMO_MERCHANT,
    DeliveryPolicy,
    SandboxHandle,
    start_sandbox,
)
from payparts_helpers.sandbox.exchange_delivery import post_exchange

from .conftest import require

SL_CODE, SECRET = DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret
FAST = DeliveryPolicy(delays=(0.05, 0.05, 0.1), poll_interval=0.05)
ATTEMPTS = len(FAST.delays) + 1
HEX_LENGTH = {"sha256": 64, "sha512": 128}
WAIT = 20.0  # deadline of every wait for a state (generous: the suite also runs under load)


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


# --- a shop's exchange endpoint, as small as a test needs ----------------------------


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    order_id: str | None
    code: int | None


# (index of the call at this shop, the call) -> (status, text[, extra headers])
Answer = Callable[[int, Received], tuple[Any, ...]]


def says_true(_index: int, _call: Received) -> tuple[int, str]:
    return 200, '{"result": true}'


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A call the sandbox gave up on (timeout) ends in a broken pipe: not news."""


class _Server6(_Server):
    address_family = socket.AF_INET6


class Shop:
    """A shop on loopback that answers each call with ``answer`` and keeps what arrived.

    With ``hold``, every call waits for that Event before it is answered (``close()``
    sets it). ``log`` has ("arrived"|"answered", orderId, status code) in order; an
    answer is logged before it is written, so it always precedes what the sandbox
    does next.
    """

    def __init__(
        self,
        answer: Answer = says_true,
        host: str = "127.0.0.1",
        hold: threading.Event | None = None,
    ) -> None:
        self.answer = answer
        self.hold = hold
        self.host = host
        self.calls: list[Received] = []
        self.log: list[tuple[str, str | None, int | None]] = []
        self.in_flight: Counter[str | None] = Counter()
        self.most_in_flight: Counter[str | None] = Counter()
        self._changed = threading.Condition()
        server_type = _Server6 if ":" in host else _Server
        self._server = server_type((host, 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url_with(self, host: str) -> str:
        return f"http://{host}:{self.port}/exchange"

    @property
    def url(self) -> str:
        return self.url_with(f"[{self.host}]" if ":" in self.host else self.host)

    def wait_for(self, count: int, timeout: float = WAIT) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.calls) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.calls)} call(s) at {self.url}, not {count}")
                self._changed.wait(left)
            return list(self.calls)

    def calls_for(self, order_id: str) -> list[Received]:
        with self._changed:
            return [call for call in self.calls if call.order_id == order_id]

    def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> Shop:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                call = Received(dict(self.headers.items()), raw, *_order_of(raw))
                with shop._changed:
                    index = len(shop.calls)
                    shop.calls.append(call)
                    shop.in_flight[call.order_id] += 1
                    shop.most_in_flight[call.order_id] = max(
                        shop.most_in_flight[call.order_id], shop.in_flight[call.order_id]
                    )
                    shop.log.append(("arrived", call.order_id, call.code))
                    shop._changed.notify_all()
                if shop.hold is not None:
                    shop.hold.wait(60)
                status, text, *extra = shop.answer(index, call)
                with shop._changed:
                    shop.in_flight[call.order_id] -= 1
                    shop.log.append(("answered", call.order_id, call.code))
                    shop._changed.notify_all()
                payload = text.encode("utf-8")
                try:
                    self.send_response(status)
                    for name, value in (extra[0] if extra else {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the sandbox stopped waiting (its timeout)
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        return Handler


def _order_of(raw: bytes) -> tuple[str | None, int | None]:
    try:
        order = json.loads(raw)["object"]
        return order["orderId"], order["status"]["code"]
    except (ValueError, KeyError, TypeError):
        return None, None


# --- sandboxes, sessions, waiting for deliveries ---------------------------------------


@pytest.fixture(scope="module")
def fast_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    db = tmp_path_factory.mktemp("delivery") / "sessions.sqlite3"
    merchants = [DEMO_MERCHANT, SECOND_DEMO_MERCHANT]
    with start_sandbox(db_path=db, merchants=merchants, delivery=FAST) as handle:
        yield handle


@pytest.fixture(scope="module")
def sha512_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    db = tmp_path_factory.mktemp("delivery-sha512") / "sessions.sqlite3"
    policy = DeliveryPolicy(delays=FAST.delays, poll_interval=0.05, algorithm="sha512")
    with start_sandbox(db_path=db, delivery=policy) as handle:
        yield handle


@pytest.fixture
def client(fast_sandbox: SandboxHandle) -> Iterator[PayPartsClient]:
    with PayPartsClient(SL_CODE, SECRET, base_url=fast_sandbox.url) as demo:
        yield demo


@contextmanager
def own_sandbox(
    tmp_path: Path, policy: DeliveryPolicy, timeout: float = 10.0
) -> Iterator[PayPartsClient]:
    with (
        start_sandbox(db_path=tmp_path / "own.sqlite3", delivery=policy) as sandbox,
        PayPartsClient(SL_CODE, SECRET, base_url=sandbox.url, timeout=timeout) as demo,
    ):
        yield demo


_references = iter(range(1, 1_000_000))


def new_session(client: PayPartsClient, exchange_url: str) -> str:
    body = minimum_request()
    body.update({"exchangeUrl": exchange_url, "reference": f"REF-DELIVERY-{next(_references)}"})
    return client.create_session(body).session_id


def wait_for_deliveries(
    client: PayPartsClient,
    session_id: str,
    done: Callable[[list[Delivery]], bool],
    timeout: float = WAIT,
) -> list[Delivery]:
    """Poll the session's deliveries until ``done`` holds; at the deadline, fail showing them."""
    deadline = time.monotonic() + timeout
    while True:
        deliveries = client.list_deliveries(session_id)
        if done(deliveries):
            # Read once more: the answer that first shows a new state may not list the attempt
            # behind it yet (a torn read, test_a_deliveries_answer_is_one_moment_of_the_sandbox);
            # a read after that state was seen lists everything committed with it.
            again = client.list_deliveries(session_id)
            assert done(again), "a settled state went back"
            return again
        if time.monotonic() > deadline:
            seen = [(d.status_code, d.state, [a.error for a in d.attempts]) for d in deliveries]
            pytest.fail(f"deliveries of {session_id} never settled as expected: {seen}")
        time.sleep(0.02)  # the pause between two polls; the wait is for the state


def all_in(state: str, count: int) -> Callable[[list[Delivery]], bool]:
    def done(deliveries: list[Delivery]) -> bool:
        return len(deliveries) == count and all(d.state == state for d in deliveries)

    return done


def lower(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


# --- what a paid trigger sends ---------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["sha256", "sha512"])
def test_paid_sends_pending_then_paid_each_signed_over_the_stored_bytes(
    request: pytest.FixtureRequest, algorithm: str
) -> None:
    sandbox = request.getfixturevalue("fast_sandbox" if algorithm == "sha256" else "sha512_sandbox")
    with (
        PayPartsClient(SL_CODE, SECRET, base_url=sandbox.url) as client,
        ExchangeListener(SECRET, key_id=SL_CODE) as listener,
    ):
        session_id = new_session(client, listener.url)
        order = client.trigger_outcome(session_id, "paid")
        calls = listener.wait_for_calls(2, timeout=WAIT)
        deliveries = wait_for_deliveries(client, session_id, all_in("delivered", 2))
    assert [call.object["status"] for call in calls] == [
        {"code": 20, "action": "PENDING"},
        {"code": 100, "action": "PAID"},
    ]
    assert {call.object["orderId"] for call in calls} == {order.order_id}
    assert [d.status_code for d in deliveries] == [20, 100]
    for call, delivery in zip(calls, deliveries, strict=True):
        assert call.verdict.valid, call.verdict.message  # the listener accepted it
        verdict = verify_exchange_signature(call.headers, call.raw_body, SECRET, key_id=SL_CODE)
        assert verdict.valid, verdict.message
        assert verdict.algorithm == algorithm
        assert not verify_exchange_signature(call.headers, call.raw_body, "another-secret")
        assert call.raw_body == delivery.body.encode("utf-8")  # built once, sent as stored
        sent = lower(call.headers)
        assert sent["signature-method"] == "HMAC"
        assert sent["signature-keyid"] == SL_CODE
        assert sent["signature-algorithm"] == algorithm
        assert re.fullmatch(f"[0-9a-f]{{{HEX_LENGTH[algorithm]}}}", sent["signature"])
        assert {name: sent[name.lower()] for name in delivery.headers} == delivery.headers
        assert [(a.attempt, a.ok, a.http_status) for a in delivery.attempts] == [(1, True, 200)]


# Pay.nl's PHP SDK, as docs/reference/known-facts.md describes it: header names lower-cased,
# Signature-Method exactly HMAC, key id trimmed and compared, sha256 when no algorithm,
# hash_equals over the raw body.
_PHP_VERIFY = r"""
$h = array_change_key_case(json_decode(file_get_contents(getenv('HEADERS')), true), CASE_LOWER);
$body = file_get_contents(getenv('BODY'));
if (($h['signature-method'] ?? '') !== 'HMAC') { echo 'unsigned'; exit; }
if (trim($h['signature-keyid'] ?? '') !== getenv('KEYID')) { echo 'wrong key id'; exit; }
$algorithm = $h['signature-algorithm'] ?? 'sha256';
$ok = hash_equals(hash_hmac($algorithm, $body, getenv('SECRET')), $h['signature'] ?? '');
$payload = json_decode($body, true);
echo ($ok ? 'valid ' : 'mismatch ') . $payload['object']['status']['code'];
"""


def test_php_verifies_the_calls_as_pay_nls_sdk_does(client: PayPartsClient, tmp_path: Path) -> None:
    php = require("php")
    with ExchangeListener(SECRET, key_id=SL_CODE) as listener:
        session_id = new_session(client, listener.url)
        client.trigger_outcome(session_id, "paid")
        calls = listener.wait_for_calls(2, timeout=WAIT)

    def php_says(headers: dict[str, str], body: bytes) -> str:
        (tmp_path / "headers.json").write_text(json.dumps(headers))
        (tmp_path / "body.json").write_bytes(body)
        env = {
            "HEADERS": str(tmp_path / "headers.json"),
            "BODY": str(tmp_path / "body.json"),
            "KEYID": SL_CODE,
            "SECRET": SECRET,
        }
        done = subprocess.run(
            [php, "-r", _PHP_VERIFY], env=env, capture_output=True, text=True, check=True
        )
        return done.stdout

    assert [php_says(call.headers, call.raw_body) for call in calls] == ["valid 20", "valid 100"]
    tampered = calls[1].raw_body.replace(b'"value":100', b'"value":1')
    assert tampered != calls[1].raw_body
    assert php_says(calls[1].headers, tampered) == "mismatch 100"  # the check can say no


# --- retries ---------------------------------------------------------------------------


def test_a_failing_shop_is_retried_until_it_says_true_then_left_alone(
    client: PayPartsClient,
) -> None:
    failures = 2

    def answer(index: int, _call: Received) -> tuple[int, str]:
        return (500, "busy") if index < failures else (200, '{"result": true}')

    with Shop(answer) as shop:
        first = new_session(client, shop.url)
        order = client.trigger_outcome(first, "pending")  # one status change: one call
        (delivery,) = wait_for_deliveries(client, first, all_in("delivered", 1))
        assert [(a.attempt, a.ok, a.http_status) for a in delivery.attempts] == [
            (1, False, 500),
            (2, False, 500),
            (3, True, 200),
        ]
        assert all("500" in (a.error or "") for a in delivery.attempts[:failures])
        assert delivery.next_attempt_at is None
        sent = shop.calls_for(order.order_id)
        assert len(sent) == failures + 1
        assert {call.body for call in sent} == {delivery.body.encode("utf-8")}  # byte for byte
        assert len({lower(call.headers)["signature"] for call in sent}) == 1
        # The witness: another session's call to the same shop, delivered after the first.
        second = new_session(client, shop.url)
        client.trigger_outcome(second, "pending")
        wait_for_deliveries(client, second, all_in("delivered", 1))
        shop.wait_for(failures + 2)
        (again,) = client.list_deliveries(first)
        assert (again.state, len(again.attempts)) == ("delivered", failures + 1)
        assert len(shop.calls_for(order.order_id)) == failures + 1


def test_a_shop_that_never_says_true_gets_len_delays_plus_one_attempts(
    client: PayPartsClient,
) -> None:
    with Shop(lambda _i, _c: (200, '{"result": false, "description": "no"}')) as shop:
        first = new_session(client, shop.url)
        order = client.trigger_outcome(first, "pending")
        (delivery,) = wait_for_deliveries(client, first, all_in("failed", 1))
        assert [a.attempt for a in delivery.attempts] == list(range(1, ATTEMPTS + 1))
        assert all(not a.ok and a.http_status == 200 for a in delivery.attempts)
        assert all('{"result": true}' in (a.error or "") for a in delivery.attempts)
        assert all('"result": false' in (a.answer or "") for a in delivery.attempts)
        assert delivery.next_attempt_at is None
        second = new_session(client, shop.url)
        client.trigger_outcome(second, "pending")
        wait_for_deliveries(client, second, all_in("failed", 1))
        (again,) = client.list_deliveries(first)
        assert len(again.attempts) == ATTEMPTS
        assert len(shop.calls_for(order.order_id)) == ATTEMPTS


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (200, "TRUE|ok"),
        (200, "TRUE| received, thanks"),
        (200, '{"result": true, "description": "ok"}'),
        (201, '{"result": true}'),
    ],
)
def test_answers_that_count_as_delivered(client: PayPartsClient, status: int, text: str) -> None:
    with Shop(lambda _i, _c: (status, text)) as shop:
        session_id = new_session(client, shop.url)
        client.trigger_outcome(session_id, "pending")
        (delivery,) = wait_for_deliveries(client, session_id, all_in("delivered", 1))
    attempt = delivery.attempts[0]
    assert (len(delivery.attempts), attempt.ok, attempt.http_status) == (1, True, status)
    assert attempt.answer == text
    assert attempt.error is None


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (200, "OK"),
        (200, "FALSE| not today"),
        (200, ""),
        (200, '{"result": "true"}'),
        (200, '{"result": 1}'),
        (200, "[true]"),
        (500, '{"result": true}'),
        (503, "TRUE|ok"),
    ],
)
def test_answers_that_are_failed_attempts(client: PayPartsClient, status: int, text: str) -> None:
    with Shop(lambda _i, _c: (status, text)) as shop:
        session_id = new_session(client, shop.url)
        client.trigger_outcome(session_id, "pending")
        (delivery,) = wait_for_deliveries(client, session_id, all_in("failed", 1))
        assert len(shop.calls) == ATTEMPTS
    assert len(delivery.attempts) == ATTEMPTS
    for attempt in delivery.attempts:
        assert (attempt.ok, attempt.http_status) == (False, status)
        assert attempt.error


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(client: PayPartsClient) -> None:
    with Shop() as elsewhere:

        def redirect(_index: int, _call: Received) -> tuple[int, str, dict[str, str]]:
            return 302, "", {"Location": elsewhere.url}

        with Shop(redirect) as shop:
            session_id = new_session(client, shop.url)
            client.trigger_outcome(session_id, "pending")
            (delivery,) = wait_for_deliveries(client, session_id, all_in("failed", 1))
        assert [a.http_status for a in delivery.attempts] == [302] * ATTEMPTS
        assert elsewhere.calls == []  # each attempt was recorded after its whole exchange


def test_a_shop_slower_than_the_timeout_is_a_failed_attempt(tmp_path: Path) -> None:
    policy = DeliveryPolicy(delays=(0.05,), timeout=0.3, poll_interval=0.05)
    release = threading.Event()
    with own_sandbox(tmp_path, policy) as client, Shop(hold=release) as shop:
        session_id = new_session(client, shop.url)
        client.trigger_outcome(session_id, "pending")
        (delivery,) = wait_for_deliveries(client, session_id, all_in("failed", 1))
        assert not release.is_set()  # the shop never answered any of them
        assert len(shop.calls) == 2
    assert [a.attempt for a in delivery.attempts] == [1, 2]
    for attempt in delivery.attempts:
        assert (attempt.ok, attempt.http_status, attempt.answer) == (False, None, None)
        assert attempt.error == "no answer within 0.3 s"
        assert attempt.duration_ms >= 280


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_shop_is_a_recorded_failed_attempt_and_the_sandbox_answers(
    fast_sandbox: SandboxHandle, client: PayPartsClient
) -> None:
    session_id = new_session(client, f"http://127.0.0.1:{_closed_port()}/exchange")
    client.trigger_outcome(session_id, "paid")
    deliveries = wait_for_deliveries(client, session_id, all_in("failed", 2))
    for delivery in deliveries:
        assert len(delivery.attempts) == ATTEMPTS
        for attempt in delivery.attempts:
            assert (attempt.ok, attempt.http_status) == (False, None)
            assert "connection refused" in (attempt.error or "")
    assert requests.get(fast_sandbox.url + "/", timeout=5).status_code == 200
    assert client.get_sandbox_order(session_id).status_code == 100
    kinds = [event.kind for event in client.get_timeline(session_id)]
    assert kinds.count("exchange-attempt") == 2 * ATTEMPTS


# --- where calls may go ----------------------------------------------------------------


@pytest.fixture
def looked_up(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every host name the process asks the resolver about while the test runs."""
    seen: list[str] = []
    real = socket.getaddrinfo

    def spy(host: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(host))
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", spy)
    return seen


@pytest.mark.parametrize(
    "url",
    [
        "http://example.invalid/x",
        "http://10.1.2.3/x",
        "https://shop.nl/exchange",
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1.nip.io/x",  # public DNS says loopback: still a name, never looked up
    ],
)
def test_no_delivery_to_a_host_beyond_loopback_by_default(
    client: PayPartsClient, looked_up: list[str], url: str
) -> None:
    session_id = new_session(client, url)
    client.trigger_outcome(session_id, "pending")
    (delivery,) = wait_for_deliveries(client, session_id, all_in("failed", 1))
    (attempt,) = delivery.attempts  # no retries: later attempts could not succeed either
    assert (attempt.ok, attempt.http_status, attempt.answer) == (False, None, None)
    assert "loopback" in (attempt.error or "")
    assert "--exchange-allow" in (attempt.error or "")
    assert delivery.next_attempt_at is None
    host = url.split("/")[2]
    assert host not in looked_up  # no DNS, no connection


def _loopback_hosts() -> list[tuple[str, str]]:
    """(where the shop listens, how the exchange URL names it)."""
    shapes = [
        ("127.0.0.1", "127.0.0.1"),
        ("127.0.0.1", "localhost"),
        ("127.0.0.1", "LocalHost"),
        ("127.0.0.2", "127.0.0.2"),
    ]
    if _has_ipv6_loopback():
        shapes.append(("::1", "[::1]"))
    return shapes


@pytest.mark.parametrize(("listen", "named"), _loopback_hosts())
def test_loopback_shapes_are_delivered(client: PayPartsClient, listen: str, named: str) -> None:
    with Shop(host=listen) as shop:
        session_id = new_session(client, shop.url_with(named))
        client.trigger_outcome(session_id, "pending")
        (delivery,) = wait_for_deliveries(client, session_id, all_in("delivered", 1))
        (call,) = shop.wait_for(1)
    assert delivery.url == shop.url_with(named)
    assert verify_exchange_signature(call.headers, call.body, SECRET, key_id=SL_CODE).valid


def _unresolvable(name: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The resolver says ``name`` does not exist (no query leaves the machine); lookups kept."""
    seen: list[str] = []
    real = socket.getaddrinfo

    def resolver(host: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(host))
        if str(host).lower() == name:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return seen


def test_allow_hosts_lets_a_named_host_through_to_a_real_connection_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _unresolvable("shop.example", monkeypatch)
    body = b'{"event":"status_changed","object":{}}'
    headers = sign_exchange(body, SL_CODE, SECRET)
    refused = post_exchange("http://shop.example:8080/x", headers, body, DeliveryPolicy())
    assert "loopback" in (refused.error or "")
    assert "--exchange-allow shop.example" in (refused.error or "")
    assert not refused.retry
    assert seen == []  # refused before any lookup
    allowed = post_exchange(
        "http://shop.example:8080/x",
        headers,
        body,
        DeliveryPolicy(timeout=0.3, allow_hosts=frozenset({"Shop.Example"})),
    )
    assert seen == ["shop.example"]  # it did try to connect
    assert (allowed.ok, allowed.http_status) == (False, None)
    assert "loopback" not in (allowed.error or "")
    assert "gaierror" in (allowed.error or "")
    assert allowed.retry  # a connection error: worth another attempt


def test_a_sandbox_with_allow_hosts_delivers_to_that_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The allowed name reaches a real shop; the resolver points it at loopback (no DNS)."""
    real = socket.getaddrinfo

    def resolver(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host).lower() == "shop.example":
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    policy = DeliveryPolicy(delays=FAST.delays, poll_interval=0.05, allow_hosts={"shop.example"})
    with own_sandbox(tmp_path, policy) as client, Shop() as shop:
        session_id = new_session(client, shop.url_with("shop.example"))
        client.trigger_outcome(session_id, "paid")
        wait_for_deliveries(client, session_id, all_in("delivered", 2))
        calls = shop.wait_for(2)
    assert [call.code for call in calls] == [20, 100]
    assert lower(calls[0].headers)["host"] == f"shop.example:{shop.port}"


def test_a_name_under_localhost_is_not_resolved_through_dns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """docs/sandbox.md (assumption 30) and exchange_delivery promise loopback with "no DNS
    lookup", yet any ``*.localhost`` name passes and goes to the system resolver. With
    ``hosts: files dns`` (as here) a name /etc/hosts lacks is asked of the DNS server, whose
    answer decides where the call goes: here it says 192.0.2.1, not loopback."""
    seen: list[str] = []
    real = socket.getaddrinfo

    def resolver(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(host))
        if str(host).lower() == "probe.localhost":  # what a DNS server may answer
            return real("192.0.2.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    body = b"{}"
    result = post_exchange(
        "http://probe.localhost:9/x",
        sign_exchange(body, SL_CODE, SECRET),
        body,
        DeliveryPolicy(timeout=0.3),
    )
    assert "probe.localhost" not in seen, (
        f"probe.localhost was handed to the resolver (and then sent towards 192.0.2.1): "
        f"{result.error}"
    )


# --- the API never waits for a shop ----------------------------------------------------


def test_the_api_answers_while_the_shop_still_holds_the_call(tmp_path: Path) -> None:
    """The sandbox would wait 30 s for the shop, the client only 5 s for the sandbox: an
    answer that waited for the held call could not arrive in time."""
    policy = DeliveryPolicy(delays=FAST.delays, timeout=30, poll_interval=0.05)
    release = threading.Event()
    with own_sandbox(tmp_path, policy, timeout=5) as client, Shop(hold=release) as shop:
        session_id = new_session(client, shop.url)
        order = client.trigger_outcome(session_id, "pending")
        shop.wait_for(1)  # the PENDING call is at the shop, unanswered
        paid = client.trigger_outcome(session_id, "paid")
        other = new_session(client, shop.url)
        client.trigger_outcome(other, "cancelled")
        shop.wait_for(2)  # the other session's first call is held too
        assert paid.status_code == 100
        assert client.get_sandbox_order(session_id).status_code == 100
        assert not release.is_set()
        assert shop.in_flight[order.order_id] == 1  # still held while the API answered
        release.set()
        deliveries = wait_for_deliveries(client, session_id, all_in("delivered", 2))
    assert [d.status_code for d in deliveries] == [20, 100]
    assert [len(d.attempts) for d in deliveries] == [1, 1]


# --- many sessions at once, and order within a session ---------------------------------


def test_concurrent_outcomes_each_get_their_own_calls(fast_sandbox: SandboxHandle) -> None:
    sessions, threads = 20, 8
    with ExitStack() as stack:
        setup = stack.enter_context(PayPartsClient(SL_CODE, SECRET, base_url=fast_sandbox.url))
        listeners = [
            stack.enter_context(ExchangeListener(SECRET, key_id=SL_CODE)) for _ in range(sessions)
        ]
        references = [f"REF-CONCURRENT-{i}" for i in range(sessions)]
        ids = []
        for listener, reference in zip(listeners, references, strict=True):
            body = minimum_request()
            body.update({"exchangeUrl": listener.url, "reference": reference})
            ids.append(setup.create_session(body).session_id)
        go = threading.Event()

        def trigger(session_id: str) -> str:
            go.wait(WAIT)
            with PayPartsClient(SL_CODE, SECRET, base_url=fast_sandbox.url) as own:
                return own.trigger_outcome(session_id, "paid").order_id

        with ThreadPoolExecutor(threads) as pool:
            futures = [pool.submit(trigger, session_id) for session_id in ids]
            go.set()
            order_ids = [future.result() for future in futures]
        assert len(set(order_ids)) == sessions
        for session_id, listener, reference, order_id in zip(
            ids, listeners, references, order_ids, strict=True
        ):
            deliveries = wait_for_deliveries(setup, session_id, all_in("delivered", 2))
            tries = [[(a.http_status, a.error) for a in d.attempts] for d in deliveries]
            assert [len(t) for t in tries] == [1, 1], tries
            calls = listener.calls  # every delivery was answered by this listener only
            assert len(calls) == 2
            assert all(call.verdict.valid for call in calls)
            assert [call.object["status"]["code"] for call in calls] == [20, 100]
            assert {call.object["orderId"] for call in calls} == {order_id}
            assert {call.object["reference"] for call in calls} == {reference}
            assert [call.raw_body for call in calls] == [d.body.encode() for d in deliveries]


@pytest.mark.parametrize("first_ends", ["delivered", "failed"])
def test_a_sessions_second_call_waits_for_its_first(
    client: PayPartsClient, first_ends: str
) -> None:
    """PENDING is refused (twice, or always); PAID must not arrive before PENDING is settled."""
    refusals: Counter[str | None] = Counter()

    def answer(_index: int, call: Received) -> tuple[int, str]:
        if call.code == 20 and (first_ends == "failed" or refusals[call.order_id] < 2):
            refusals[call.order_id] += 1
            return 500, "not yet"
        return 200, '{"result": true}'

    with Shop(answer) as shop:
        session_id = new_session(client, shop.url)
        order = client.trigger_outcome(session_id, "paid")
        pending, paid = wait_for_deliveries(
            client,
            session_id,
            lambda ds: [d.state for d in ds] == [first_ends, "delivered"],
        )
        log = [(what, code) for what, order_id, code in shop.log if order_id == order.order_id]
        most = shop.most_in_flight[order.order_id]
    tries = ATTEMPTS if first_ends == "failed" else 3
    assert log == [("arrived", 20), ("answered", 20)] * tries + [
        ("arrived", 100),
        ("answered", 100),
    ]
    assert most == 1
    assert len(pending.attempts) == tries
    assert paid.attempts[0].at >= pending.attempts[-1].at


def test_each_sales_location_signs_with_its_own_key(fast_sandbox: SandboxHandle) -> None:
    other = SECOND_DEMO_MERCHANT
    with (
        PayPartsClient(other.sl_code, other.secret, base_url=fast_sandbox.url) as client,
        ExchangeListener(other.secret, key_id=other.sl_code) as listener,
    ):
        session_id = new_session(client, listener.url)
        client.trigger_outcome(session_id, "denied")
        calls = listener.wait_for_calls(2, timeout=WAIT)
        wait_for_deliveries(client, session_id, all_in("delivered", 2))
    for call in calls:
        assert call.verdict.valid, call.verdict.message
        assert lower(call.headers)["signature-keyid"] == other.sl_code
        assert call.object["serviceId"] == other.sl_code
        assert not verify_exchange_signature(call.headers, call.raw_body, SECRET)


def test_text_beyond_ascii_is_signed_and_sent_as_the_same_utf8_bytes(
    client: PayPartsClient,
) -> None:
    reference, description = "Bestelling — café ☕", "Fiets · Ø 28″ 🚲"
    with ExchangeListener(SECRET, key_id=SL_CODE) as listener:
        body = minimum_request()
        body.update(
            {"exchangeUrl": listener.url, "reference": reference, "description": description}
        )
        session_id = client.create_session(body).session_id
        client.trigger_outcome(session_id, "paid")
        calls = listener.wait_for_calls(2, timeout=WAIT)
        deliveries = wait_for_deliveries(client, session_id, all_in("delivered", 2))
    for call, delivery in zip(calls, deliveries, strict=True):
        assert call.verdict.valid, call.verdict.message
        assert reference.encode("utf-8") in call.raw_body  # UTF-8, not \\u escapes
        assert int(lower(call.headers)["content-length"]) == len(call.raw_body)
        assert call.raw_body == delivery.body.encode("utf-8")
        assert (call.object["reference"], call.object["description"]) == (reference, description)


def _torn(deliveries: list[Delivery]) -> list[str]:
    """What a deliveries answer says that no single moment of the sandbox had."""
    torn = []
    for d in deliveries:
        if d.state == "delivered" and not (d.attempts and d.attempts[-1].ok):
            torn.append(f"{d.delivery_id} delivered, attempts {[a.ok for a in d.attempts]}")
        if d.state == "failed" and len(d.attempts) != ATTEMPTS:
            torn.append(f"{d.delivery_id} failed after {len(d.attempts)} of {ATTEMPTS} attempts")
    return torn


def test_a_deliveries_answer_is_one_moment_of_the_sandbox(fast_sandbox: SandboxHandle) -> None:
    """GET …/deliveries while calls settle: a delivered call always shows the attempt that
    delivered it, a failed one all its attempts. The shop takes PENDING and refuses PAID;
    twelve rounds of 20 sessions, read by 4 threads until every call has settled."""

    def answer(_index: int, call: Received) -> tuple[int, str]:
        return 200, '{"result": %s}' % ("false" if call.code == 100 else "true")

    def read_until_settled(left: set[str]) -> list[str]:
        torn: list[str] = []
        with PayPartsClient(SL_CODE, SECRET, base_url=fast_sandbox.url) as own:
            deadline = time.monotonic() + WAIT
            while left and time.monotonic() < deadline:
                for session_id in list(left):
                    deliveries = own.list_deliveries(session_id)
                    torn += _torn(deliveries)
                    if [d.state for d in deliveries] == ["delivered", "failed"]:
                        left.discard(session_id)
        return torn

    torn: list[str] = []
    with Shop(answer) as shop, PayPartsClient(SL_CODE, SECRET, base_url=fast_sandbox.url) as setup:
        for _round in range(12):
            left = {new_session(setup, shop.url) for _ in range(20)}
            for session_id in left:
                setup.trigger_outcome(session_id, "paid")
            with ThreadPoolExecutor(4) as pool:
                torn += [t for found in pool.map(read_until_settled, [left] * 4) for t in found]
            assert not left, f"{len(left)} sessions never settled"
    assert torn == [], f"{len(torn)} answers no moment had, such as {torn[:3]}"


if _has_ipv6_loopback():  # only where this machine has ::1

    def test_the_listener_receives_calls_on_ipv6_loopback(client: PayPartsClient) -> None:
        """ExchangeListener accepts host "::1" (it is in its loopback list), yet its
        ThreadingHTTPServer is IPv4 only: the constructor raises socket.gaierror."""
        with ExchangeListener(SECRET, key_id=SL_CODE, host="::1") as listener:
            assert listener.url.startswith("http://[::1]:")
            session_id = new_session(client, listener.url)
            client.trigger_outcome(session_id, "pending")
            (call,) = listener.wait_for_calls(1, timeout=WAIT)
        assert call.verdict.valid
