"""Leak scan: one marker secret, every way out, and neither it nor base64("sl:secret") shows.

A sandbox knows one merchant whose secret is a marker. Then every CLI command (as
subprocesses, table and JSON, success and failure: wrong secret, 422, 404, lint and
token refusals), every snippet, every error path of the client (401, 404, 422,
429, 500, 503, the 502 HTML page, a refused connection, a timeout, an unsafe id, a
bad base URL), its DEBUG logs (payparts_helpers and urllib3), the reprs and texts of
clients, results and errors, ``history_frame().to_string()``, and the sandbox CLI
process's own stdout and stderr are searched for the secret, padded and unpadded
base64 of ``sl:secret``. The notebooks are scanned by ``test_notebook_leaks.py``.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import requests

from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.client.snippets import to_curl, to_php, to_python
from payparts_helpers.rules import examples
from payparts_helpers.rules.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidSessionIdError,
    NotFoundError,
    PayPartsError,
    RateLimitError,
    RequestRejectedError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)
from payparts_helpers.sandbox import Merchant, SandboxHandle, start_sandbox

from .sandbox_process import SandboxProcess

MARKER = Merchant("SL-7777-0002", "leak-marker-5e0c2a91d4", "Leak Shop")
WRONG_SECRET = "leak-wrong-8f31b7c2"  # sent by the wrong-secret cases: must not show either


def forbidden_forms(sl_code: str, secret: str) -> list[str]:
    encoded = base64.b64encode(f"{sl_code}:{secret}".encode()).decode()
    return [secret, encoded, encoded.rstrip("=")]


FORBIDDEN = forbidden_forms(MARKER.sl_code, MARKER.secret) + forbidden_forms(
    MARKER.sl_code, WRONG_SECRET
)


def test_the_markers_base64_has_padding_so_both_spellings_are_searched() -> None:
    assert len({*forbidden_forms(MARKER.sl_code, MARKER.secret)}) == 3
    assert len({*forbidden_forms(MARKER.sl_code, WRONG_SECRET)}) == 3


def assert_clean(where: str, texts: Iterable[str]) -> None:
    for text in texts:
        for form in FORBIDDEN:
            assert form not in text, f"{where} shows {form[:6]}…: {text[:300]!r}"


@pytest.fixture(scope="module")
def marker_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    db = tmp_path_factory.mktemp("leak") / "leak.sqlite3"
    with start_sandbox(db_path=db, merchants=[MARKER]) as handle:
        yield handle


def marker_client(sandbox_url: str, secret: str = MARKER.secret, **kwargs) -> PayPartsClient:
    return PayPartsClient(MARKER.sl_code, secret, sandbox_url, **kwargs)


# --- the payparts CLI, as subprocesses ---------------------------------------------------------


@dataclass(frozen=True)
class Run:
    name: str
    args: tuple[str, ...]
    expected_exit: int
    secret: str = MARKER.secret
    says: str = ""


def cli_runs(tmp: Path, session_id: str, token: str) -> list[Run]:
    ok_body = tmp / "ok.json"
    ok_body.write_text(json.dumps(examples.full_request()))
    float_amount = examples.minimum_request()
    float_amount["amount"]["value"] = 29.99
    bad_body = tmp / "bad.json"
    bad_body.write_text(json.dumps(float_amount))
    not_json = tmp / "not.json"
    not_json.write_text("{nope")
    create_flags = (
        "create",
        "--amount",
        "2999",
        "--return-url",
        "https://shop.nl/r",
        "--exchange-url",
        "https://shop.nl/e",
    )
    runs = [
        Run("create", create_flags, 0),
        Run("create from file", ("create", "--json", str(ok_body)), 0),
        Run("create 422", ("create", "--no-lint", "--json", str(bad_body)), 1, says="422"),
        Run("create lint refusal", ("create", "--json", str(bad_body)), 1, says="not sent"),
        Run("create wrong secret", create_flags, 1, WRONG_SECRET, "401"),
        Run("create unreadable file", ("create", "--json", str(not_json)), 2),
        Run("get", ("get", session_id), 0),
        Run("get 404", ("get", "0" * 32), 1, says="404"),
        Run("get unsafe id", ("get", "../etc/passwd"), 1, says="No request was sent"),
        Run("get wrong secret", ("get", session_id), 1, WRONG_SECRET, "401"),
        Run("decode", ("decode", token), 0),
        Run("decode garbage", ("decode", "st_not!base64"), 1),
        Run("decode strict", ("decode", examples.EXAMPLE_TOKEN, "--strict"), 1),
        Run("lint", ("lint", str(ok_body)), 0),
        Run("lint errors", ("lint", str(bad_body)), 1),
        Run("lint not JSON", ("lint", str(not_json)), 2),
        # The payment commands: "pending" may be set again, so both formats exit 0.
        Run("pay", ("pay", session_id, "--outcome", "pending"), 0),
        Run("pay wrong secret", ("pay", session_id, "--outcome", "paid"), 1, WRONG_SECRET, "401"),
        Run("deliveries", ("deliveries", session_id), 0),
        Run("order unknown", ("order", "41234567890X0000"), 1, says="404"),
        Run("order malformed", ("order", "../x"), 1, says="No request was sent"),
    ]
    return [
        replace(run, name=f"{run.name} --format {fmt}", args=(*run.args, "--format", fmt))
        for run in runs
        for fmt in ("table", "json")
    ]


def payparts(run: Run, base_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYPARTS_")}
    env.update(
        PAYPARTS_ENV="sandbox",
        PAYPARTS_BASE_URL=base_url,
        PAYPARTS_SL_CODE=MARKER.sl_code,
        PAYPARTS_SECRET=run.secret,
        PAYPARTS_SANDBOX_DB=os.environ["PAYPARTS_SANDBOX_DB"],
    )
    return subprocess.run(
        [sys.executable, "-m", "payparts_helpers.cli", *run.args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def test_no_cli_command_prints_the_secret(marker_sandbox: SandboxHandle, tmp_path: Path) -> None:
    with marker_client(marker_sandbox.url) as client:
        created = client.create_session(examples.minimum_request())
    runs = cli_runs(tmp_path, created.session_id, created.session_token)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda run: payparts(run, marker_sandbox.url), runs))
    for run, result in zip(runs, results, strict=True):
        assert result.returncode == run.expected_exit, (run.name, result.stderr[-500:])
        assert run.says in result.stderr, (run.name, result.stderr[-500:])
        assert "Traceback" not in result.stderr, run.name
        assert_clean(f"payparts {run.name}", [result.stdout, result.stderr])


def test_a_bad_base_url_holding_the_secret_is_not_echoed_by_the_cli() -> None:
    """A mistyped scheme with credentials in the URL: the error must not repeat them."""
    run = Run("get with a bad base URL", ("get", "0" * 32), 2)
    url = f"htps://{MARKER.sl_code}:{MARKER.secret}@127.0.0.1:9"
    result = payparts(run, url)
    assert result.returncode == 2, result.stderr
    assert_clean("payparts with a bad PAYPARTS_BASE_URL", [result.stdout, result.stderr])


# --- snippets -----------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [to_curl, to_python, to_php])
@pytest.mark.parametrize(
    "call",
    [examples.minimum_request(), examples.full_request(), "0" * 32],
    ids=["post-min", "post-full", "get"],
)
def test_no_snippet_holds_the_secret(marker_sandbox: SandboxHandle, make, call) -> None:
    with marker_client(marker_sandbox.url) as client:
        text = make(call, client)
    assert MARKER.sl_code in text
    assert "PAYPARTS_SECRET" in text
    assert_clean(make.__name__, [text])


# --- the client: every error path, its logs, reprs and history ----------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def texts_of(value: object) -> list[str]:
    """Every text a person could be shown for a result or an error."""
    out = [repr(value), str(value)]
    if isinstance(value, PayPartsError):
        out += [value.message, str(value.raw_body), repr(value.violations), repr(value.args)]
        out += [repr(value.__cause__), repr(value.__context__)]
    raw = getattr(value, "raw", None)
    if raw is not None:
        out.append(json.dumps(raw, ensure_ascii=False))
    return out


def test_no_client_path_shows_the_secret(
    marker_sandbox: SandboxHandle,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    url = marker_sandbox.url
    shown: list[str] = []
    clients: list[PayPartsClient] = []
    expected: dict[str, type[PayPartsError]] = {}

    def client(secret: str = MARKER.secret, **kwargs) -> PayPartsClient:
        made = marker_client(kwargs.pop("base_url", url), secret, **kwargs)
        clients.append(made)
        return made

    def attempt(name: str, error_type: type[PayPartsError], call) -> None:
        expected[name] = error_type
        with pytest.raises(error_type) as caught:
            call()
        shown.extend(texts_of(caught.value))

    loggers = [logging.getLogger(name) for name in ("payparts_helpers", "urllib3")]
    with caplog.at_level(logging.DEBUG, logger="payparts_helpers"):
        with caplog.at_level(logging.DEBUG, logger="urllib3"):
            assert all(logger.isEnabledFor(logging.DEBUG) for logger in loggers)
            good = client()
            created = good.create_session(examples.full_request())
            details = good.get_session(created.session_id)
            shown += texts_of(created) + texts_of(details)

            bad = examples.minimum_request()
            bad["amount"]["value"] = 29.99
            attempt("422", RequestRejectedError, lambda: good.create_session(bad))
            attempt("404", NotFoundError, lambda: good.get_session("0" * 32))
            attempt("unsafe id", InvalidSessionIdError, lambda: good.get_session("../x"))
            wrong = client(WRONG_SECRET)
            attempt("401 POST", AuthenticationError, lambda: wrong.create_session(bad))
            attempt("401 GET", AuthenticationError, lambda: wrong.get_session("0" * 32))
            for scenario, error_type in [
                ("rate-limited=0", RateLimitError),
                ("server-error", ServerError),
                ("unavailable=0", ServerError),
                ("bad-gateway", UnexpectedResponseError),
            ]:
                faulty = client(headers={"Sandbox-Scenario": scenario}, backoff=0.01)
                attempt(
                    f"{scenario} POST",
                    error_type,
                    lambda c=faulty: c.create_session(examples.minimum_request()),
                )
                attempt(f"{scenario} GET", error_type, lambda c=faulty: c.get_session("0" * 32))
            refused = client(base_url=f"http://127.0.0.1:{closed_port()}", backoff=0.01)
            attempt("refused POST", TransportError, lambda: refused.create_session(bad))
            attempt("refused GET", TransportError, lambda: refused.get_session("0" * 32))
            slow = client(headers={"Sandbox-Scenario": "slow=2"}, timeout=0.3)
            attempt("timeout POST", TransportError, lambda: slow.create_session(bad))
            attempt("timeout GET", TransportError, lambda: slow.get_session("0" * 32))

    assert len(expected) == 17
    assert caplog.records, "the client logs its calls at DEBUG"
    assert any(r.name.startswith("urllib3") for r in caplog.records), "urllib3 logged nothing"
    for made in clients:
        shown += [repr(made), str(made), made.history_frame().to_string()]
        shown.append(made.history_frame().to_json())
    shown.append(caplog.text)
    for record in caplog.records:
        shown += [record.getMessage(), repr(record.args), repr(record.__dict__)]
    out, err = capfd.readouterr()
    shown += [out, err]
    assert_clean("the client", shown)


@pytest.mark.parametrize(
    "base_url",
    [
        f"htps://{MARKER.sl_code}:{MARKER.secret}@127.0.0.1:9",  # a mistyped scheme
        f"https:/{MARKER.sl_code}:{MARKER.secret}@127.0.0.1",  # a slash missing: no host
        f"http://{MARKER.sl_code}:{MARKER.secret}@127.0.0.1:9",
        f"https://{MARKER.sl_code}:{MARKER.secret}@zero-parts.pay.nl",
    ],
    ids=["bad-scheme", "no-host", "loopback", "https"],
)
def test_a_base_url_holding_the_secret_is_refused_without_repeating_it(base_url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        PayPartsClient(MARKER.sl_code, MARKER.secret, base_url)
    assert_clean(f"ConfigurationError for {base_url[:8]}…", texts_of(caught.value))


# --- the sandbox process's own output -----------------------------------------------------------


def test_the_sandbox_process_prints_no_secret(tmp_path: Path) -> None:
    """The CLI sandbox, driven through success and every failure, then stopped: its output."""
    merchants = tmp_path / "merchants.json"
    merchants.write_text(
        json.dumps(
            [
                {
                    "slCode": MARKER.sl_code,
                    "secret": MARKER.secret,
                    "merchantName": MARKER.merchant_name,
                }
            ]
        )
    )
    server = SandboxProcess(tmp_path / "process.sqlite3", tmp_path, "--merchants", str(merchants))
    url = server.start()
    try:
        drive(url)
    finally:
        exit_code = server.stop()
    assert exit_code == 0, server.stderr()
    assert_clean("the sandbox process", [url, server.stdout_rest, server.stderr()])


def drive(url: str) -> None:
    """Requests that reach every branch of the sandbox, each carrying a marker credential."""
    for _ in range(200):
        try:
            requests.get(url + "/", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.02)
    start, session = f"{url}/v1/session/start", f"{url}/v1/session/"
    right, wrong = (MARKER.sl_code, MARKER.secret), (MARKER.sl_code, WRONG_SECRET)
    bad = examples.minimum_request()
    bad["amount"]["value"] = 29.99
    calls = [
        ("POST", start, right, examples.full_request(), {}),
        ("POST", start, right, bad, {}),
        ("POST", start, wrong, examples.minimum_request(), {}),
        ("GET", session + "0" * 32, right, None, {}),
        ("GET", session + "0" * 32, wrong, None, {}),
        ("GET", session + "..%2Fx", right, None, {}),
        ("PUT", start, right, {}, {}),
        ("POST", start, right, examples.minimum_request(), {"Accept": "text/html"}),
        ("POST", start, right, examples.minimum_request(), {"Sandbox-Scenario": "bogus"}),
    ]
    calls += [
        ("GET", session + "0" * 32, right, None, {"Sandbox-Scenario": scenario})
        for scenario in ("rate-limited", "server-error", "unavailable", "bad-gateway", "slow=0")
    ]
    with requests.Session() as http:
        created = http.post(start, json=examples.minimum_request(), auth=right, timeout=10)
        assert created.status_code == 201
        http.get(session + created.json()["sessionId"], auth=right, timeout=10)
        for method, target, auth, body, headers in calls:
            http.request(method, target, json=body, auth=auth, headers=headers, timeout=10)
        http.post(
            start,
            data=b"x" * 70_000,
            auth=right,
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        http.post(
            start, data=b"{bad", auth=right, headers={"Content-Type": "text/plain"}, timeout=10
        )
