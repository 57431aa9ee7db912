"""`payparts listen` as a real process: its URL first, then one line per call with its verdict."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from payparts_helpers.rules.examples import DEMO_SECRET, DEMO_SL_CODE
from payparts_helpers.rules.exchange_signing import sign_exchange

ORDER = {
    "orderId": "51234567890X1a2b",
    "status": {"code": 100, "action": "PAID"},
    "amount": {"value": 2999, "currency": "EUR"},
}
BODY = json.dumps({"event": "status_changed", "object": ORDER}).encode()


@pytest.fixture
def listening() -> Iterator[tuple[subprocess.Popen[str], str]]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PAYPARTS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "payparts_helpers.cli", "listen"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=environ,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()  # printed once it listens
        assert url.startswith("http://127.0.0.1:"), process.stderr.read() if process.stderr else ""
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def test_each_call_is_printed_with_its_verdict_and_sigterm_ends_it(listening) -> None:
    process, url = listening
    headers = sign_exchange(BODY, DEMO_SL_CODE, DEMO_SECRET)
    signed = requests.post(url, data=BODY, headers=headers, timeout=10)
    tampered = requests.post(
        url,
        data=BODY.replace(b"2999", b"1"),
        headers=headers,
        timeout=10,
    )
    assert (signed.json()["result"], tampered.json()["result"]) == (True, False)
    first, second = process.stdout.readline(), process.stdout.readline()
    assert "valid sha256" in first
    assert "order 51234567890X1a2b  100 PAID (paid)  2999 (29.99 EUR)  → 200 result true" in first
    assert "REFUSED" in second
    assert "→ 403 result false" in second
    process.send_signal(signal.SIGTERM)
    assert process.wait(10) == 0
    stderr = process.stderr.read()
    assert "verifying with the secret of SL-1234-4321" in stderr
    assert DEMO_SECRET not in stderr
