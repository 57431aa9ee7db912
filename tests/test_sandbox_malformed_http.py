"""Bytes uvicorn cannot parse as HTTP still get the sandbox's problem JSON, not text/plain.

Found by the negative schemathesis run: a GET with ``Content-Length: v`` was answered
by uvicorn itself, before the app, with a ``text/plain`` 400.
"""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest

from payparts_helpers.rules.contract import PROBLEM_TYPE
from payparts_helpers.sandbox import SandboxHandle


def _raw_exchange(url: str, request: bytes) -> tuple[bytes, dict[bytes, bytes], bytes]:
    """Send ``request`` as is; the status line, headers and body of the answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):  # the sandbox closes the connection after a 400
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines)}
    return status, headers, body


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /v1/session/0 HTTP/1.1\r\nHost: sandbox\r\nContent-Length: v\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: sandbox\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        b"NOT HTTP AT ALL\r\n\r\n",
    ],
)
def test_an_unparseable_request_gets_a_problem_json_400(
    sandbox: SandboxHandle, request_bytes: bytes
) -> None:
    status, headers, body = _raw_exchange(sandbox.url, request_bytes)
    assert status.startswith(b"HTTP/1.1 400 ")
    assert headers[b"content-type"] == b"application/json"
    assert int(headers[b"content-length"]) == len(body)
    problem = json.loads(body)
    assert problem == {
        "type": PROBLEM_TYPE,
        "title": "Malformed HTTP request",
        "detail": "Invalid HTTP request received.",
        "violations": [],
    }
