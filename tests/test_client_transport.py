"""The client reads the proxy and CA-bundle environment once, and behaves as requests would.

Real servers only: the sandbox, a forward proxy that tunnels CONNECT, and a TLS
front for the sandbox whose certificate comes from a test CA (trustme). Each case
sets the variables a user would and checks where the call really went.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.rules import examples
from payparts_helpers.rules.errors import TransportError
from payparts_helpers.sandbox import DEMO_MERCHANT, SandboxHandle

from .http_forwarder import Forwarder

_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """None of the variables from the machine running the tests, upper or lower case."""
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_bundle(authority: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "test-ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture(scope="module")
def tls_sandbox(sandbox: SandboxHandle, authority: trustme.CA) -> Iterator[Forwarder]:
    """The sandbox behind https://127.0.0.1:PORT, with a certificate of the test CA."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    with Forwarder(upstream=sandbox.url, tls=context) as front:
        yield front


@pytest.fixture
def proxy() -> Iterator[Forwarder]:
    with Forwarder() as forward_proxy:
        yield forward_proxy


def demo_client(base_url: str) -> PayPartsClient:
    return PayPartsClient(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, base_url, get_attempts=1)


def create_and_get(client: PayPartsClient) -> None:
    with client:
        created = client.create_session(examples.minimum_request())
        assert client.get_session(created.session_id).session_id == created.session_id


def test_http_proxy_carries_plain_http_calls(
    sandbox: SandboxHandle, proxy: Forwarder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    create_and_get(demo_client(sandbox.url))
    assert [line.split()[0] for line in proxy.seen] == ["POST", "GET"]
    assert proxy.seen[0].startswith(f"POST {sandbox.url}/v1/session/start ")


def test_https_proxy_tunnels_https_calls(
    tls_sandbox: Forwarder, proxy: Forwarder, ca_bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_bundle))
    create_and_get(demo_client(tls_sandbox.url))
    tunnels = [line.rsplit(" ", 1)[0] for line in proxy.seen]
    assert tunnels == [f"CONNECT 127.0.0.1:{tls_sandbox.port}"]  # one tunnel, kept alive


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "*", "localhost,127.0.0.1"])
def test_no_proxy_host_bypasses_the_proxy(
    tls_sandbox: Forwarder,
    proxy: Forwarder,
    ca_bundle: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_proxy: str,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_bundle))
    create_and_get(demo_client(tls_sandbox.url))
    assert proxy.seen == []


def test_an_unknown_ca_is_refused_without_a_bundle(tls_sandbox: Forwarder) -> None:
    with demo_client(tls_sandbox.url) as client, pytest.raises(TransportError, match="TLS"):
        client.create_session(examples.minimum_request())


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_a_ca_bundle_variable_applies(
    tls_sandbox: Forwarder, ca_bundle: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, str(ca_bundle))
    create_and_get(demo_client(tls_sandbox.url))


def test_the_environment_is_read_when_the_client_is_made(
    sandbox: SandboxHandle, proxy: Forwarder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As with httpx: a variable set later reaches the next client, not this one."""
    before = demo_client(sandbox.url)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    create_and_get(before)
    assert proxy.seen == []
    create_and_get(demo_client(sandbox.url))
    assert len(proxy.seen) == 2


def test_the_order_api_host_gets_its_own_proxy_decision(
    sandbox: SandboxHandle, proxy: Forwarder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NO_PROXY names the Pay.Parts host only: the order API's host still goes by the proxy."""
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    orders_url = sandbox.url.replace("127.0.0.1", "localhost")
    with PayPartsClient(
        DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, sandbox.url, orders_url=orders_url
    ) as client:
        created = client.create_session(examples.minimum_request())
        assert proxy.seen == []
        order = client.trigger_outcome(created.session_id, "paid")
        assert client.get_order_status(order.order_id).status_action == "PAID"
    assert [line.split()[0:2] for line in proxy.seen] == [
        ["GET", f"{orders_url}/v1/orders/{order.order_id}/status"]
    ]
