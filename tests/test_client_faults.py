"""Faults injected with real local servers (the sandbox's scenarios, raw sockets) and
`responses`: timeouts, refused connections, HTML pages, truncation, 429/5xx retries."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import responses

from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.rules import examples
from payparts_helpers.rules.errors import (
    RateLimitError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)
from payparts_helpers.sandbox import DEMO_MERCHANT, SandboxHandle

from .ports import free_port

BETA = "https://zero-parts.pay.nl"
SESSION = "0123456789abcdef0123456789abcdef"


def scenario_client(sandbox: SandboxHandle, scenario: str, **kwargs) -> PayPartsClient:
    return PayPartsClient(
        DEMO_MERCHANT.sl_code,
        DEMO_MERCHANT.secret,
        sandbox.url,
        headers={"Sandbox-Scenario": scenario},
        backoff=0.01,
        **kwargs,
    )


# --- real local servers -------------------------------------------------------------------


def test_get_is_retried_three_times_on_503_then_fails(sandbox: SandboxHandle) -> None:
    with scenario_client(sandbox, "unavailable=0") as client:
        with pytest.raises(ServerError) as caught:
            client.get_session(SESSION)
        assert caught.value.status_code == 503
        assert list(client.history_frame()["status"]) == [503, 503, 503]


def test_post_is_sent_once_on_500_and_says_so(sandbox: SandboxHandle) -> None:
    with scenario_client(sandbox, "server-error") as client:
        with pytest.raises(ServerError, match="not retried: a retry could do it twice"):
            client.create_session(examples.minimum_request())
        assert list(client.history_frame()["status"]) == [500]


def test_rate_limit_carries_retry_after(sandbox: SandboxHandle) -> None:
    with scenario_client(sandbox, "rate-limited=0") as client:
        with pytest.raises(RateLimitError) as caught:
            client.create_session(examples.minimum_request())
        assert caught.value.retry_after == 0
        assert caught.value.status_code == 429


def test_html_error_page_is_an_unexpected_answer_quoting_it(sandbox: SandboxHandle) -> None:
    with scenario_client(sandbox, "bad-gateway") as client:
        with pytest.raises(UnexpectedResponseError) as caught:
            client.create_session(examples.minimum_request())
    message = str(caught.value)
    assert "502" in message
    assert "expected JSON, got text/html" in message
    assert "<html><head><title>502 Bad Gateway</title>" in message
    assert caught.value.status_code == 502


def test_slow_answer_past_the_read_timeout_is_a_transport_error(sandbox: SandboxHandle) -> None:
    with scenario_client(sandbox, "slow=2", timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(TransportError, match=r"no answer within 0\.3 s"):
            client.create_session(examples.minimum_request())
        assert time.monotonic() - started < 1.5
        assert len(client.history_frame()) == 1


def test_refused_connection_is_retried_for_get_and_not_for_post() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with PayPartsClient("SL-1", "secret", url, backoff=0.01) as client:
        with pytest.raises(TransportError, match="could not connect"):
            client.get_session(SESSION)
        assert len(client.history_frame()) == 3
        with pytest.raises(TransportError, match="not retried"):
            client.create_session(examples.minimum_request())
        assert len(client.history_frame()) == 4


@pytest.fixture
def truncating_server() -> Iterator[str]:
    """Announces 200 bytes of JSON, sends 20, and hangs up."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(10)

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b'Content-Length: 200\r\n\r\n{"sessionId": "abc",'
            )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()
    thread.join(5)


def test_truncated_body_is_an_unexpected_answer(truncating_server: str) -> None:
    with PayPartsClient("SL-1", "secret", truncating_server) as client:
        with pytest.raises(UnexpectedResponseError, match="cut off before its end") as caught:
            client.create_session(examples.minimum_request())
        assert list(client.history_frame()["method"]) == ["POST"]
    assert "not retried" in str(caught.value)


# --- responses (stateful sequences a sandbox header cannot express) -----------------------


@responses.activate
def test_get_succeeds_after_429_honouring_retry_after() -> None:
    url = f"{BETA}/v1/session/{SESSION}"
    responses.get(url, status=429, headers={"Retry-After": "1"}, json={"title": "slow down"})
    responses.get(url, json={"sessionId": SESSION, "sessionToken": "st_e30="})
    with PayPartsClient("SL-1", "secret", BETA, backoff=0.001) as client:
        started = time.monotonic()
        details = client.get_session(SESSION)
        waited = time.monotonic() - started
    assert details.session_id == SESSION
    assert waited >= 1.0  # the server's Retry-After, not the 1 ms backoff
    assert len(responses.calls) == 2


@responses.activate
def test_get_backs_off_exponentially_without_retry_after() -> None:
    url = f"{BETA}/v1/session/{SESSION}"
    for status in (502, 504):
        responses.get(url, status=status, json={"title": "bad"})
    responses.get(url, json={"sessionId": SESSION, "sessionToken": "st_e30="})
    with PayPartsClient("SL-1", "secret", BETA, backoff=0.1) as client:
        started = time.monotonic()
        client.get_session(SESSION)
        waited = time.monotonic() - started
    assert 0.3 <= waited < 2  # 0.1 + 0.2
    assert len(responses.calls) == 3


@responses.activate
def test_post_503_is_sent_exactly_once() -> None:
    responses.post(f"{BETA}/v1/session/start", status=503, json={"title": "down"})
    with PayPartsClient("SL-1", "secret", BETA, backoff=0.001) as client:
        with pytest.raises(ServerError, match="sent once and not retried"):
            client.create_session(examples.minimum_request())
    assert len(responses.calls) == 1


@responses.activate
def test_sends_basic_auth_accept_json_and_user_agent() -> None:
    responses.post(f"{BETA}/v1/session/start", json={"sessionId": "x", "sessionToken": "st_e30="})
    with PayPartsClient("SL-1234-4321", "s3cret", BETA) as client:
        client.create_session(examples.minimum_request())
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == "Basic U0wtMTIzNC00MzIxOnMzY3JldA=="
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["User-Agent"].startswith("payparts-helpers/")


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({"sessionToken": "st_e30="}, "sessionId"),
        ({"sessionId": "abc"}, "sessionToken"),
        ({"sessionId": "", "sessionToken": "st_e30="}, "sessionId"),
    ],
)
@responses.activate
def test_a_2xx_without_id_or_token_is_an_error_not_a_key_error(body: dict, missing: str) -> None:
    responses.post(f"{BETA}/v1/session/start", json=body)
    with PayPartsClient("SL-1", "secret", BETA) as client:
        with pytest.raises(UnexpectedResponseError, match=f"has no {missing}"):
            client.create_session(examples.minimum_request())


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (200, "OK", "text/plain"),
        (200, "[1, 2]", "application/json"),
        (500, "", "text/plain"),
        (404, "<!DOCTYPE html><h1>Not Found</h1>", "text/html"),
    ],
)
@responses.activate
def test_non_object_answers_quote_the_start_of_the_body(
    status: int, body: str, content_type: str
) -> None:
    responses.get(
        f"{BETA}/v1/session/{SESSION}", status=status, body=body, content_type=content_type
    )
    with PayPartsClient("SL-1", "secret", BETA, get_attempts=1) as client:
        with pytest.raises(UnexpectedResponseError) as caught:
            client.get_session(SESSION)
    assert caught.value.status_code == status
    assert (body[:20] in str(caught.value)) if body else "empty body" in str(caught.value)


@responses.activate
def test_a_server_echoing_the_credentials_is_redacted() -> None:
    responses.post(
        f"{BETA}/v1/session/start",
        status=401,
        json={"title": "no", "detail": "bad secret s3cret for U0wtMTIzNC00MzIxOnMzY3JldA=="},
    )
    with PayPartsClient("SL-1234-4321", "s3cret", BETA) as client:
        with pytest.raises(Exception) as caught:  # noqa: PT011 - checked below
            client.create_session(examples.minimum_request())
        for text in (str(caught.value), caught.value.raw_body, client.history_frame().to_string()):
            assert "s3cret" not in text
            assert "U0wtMTIzNC00MzIxOnMzY3JldA" not in text
