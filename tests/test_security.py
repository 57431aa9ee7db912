"""Auth and input-attack proofs that the other test modules do not already make.

Already proven elsewhere, and not repeated here:

* ``test_sandbox_http.py::test_bad_credentials_get_401_with_basic_challenge``: no
  header, wrong secret, unknown SL code, no colon, one character off, not base64,
  ``Bearer``, a bare ``Basic``, non-UTF-8 credentials → 401 with ``WWW-Authenticate:
  Basic``, on POST and GET, the secret never echoed;
* ``test_sandbox_http.py::test_a_session_of_another_sales_location_is_not_found``:
  another merchant's session id → 404 with exactly the body of an unknown id;
* ``test_sandbox_http.py::test_body_limit_is_64_kib``: 64 KiB accepted, one byte more
  → 413, declared (Content-Length) and streamed (chunked);
* ``test_sandbox_http.py::test_malformed_or_unknown_ids_are_404``: ``unknown``, 31 and
  33 characters, upper case, ``..%2F..%2Fetc``, ``x?y=1``, ``%00`` → 404;
* ``test_client.py::test_unsafe_session_ids_are_refused_before_any_request``:
  ``../etc/passwd``, ``a/b``, ``abc?x=1``, 129 characters, ``""``, a space, ``%2e%2e``
  and a non-string are refused locally.

Here: the constant-time comparison is used for every well-formed attempt, known SL
code or not; and one table of further attacks over real HTTP (requests go out through
``http.client``, which sends a path exactly as written: no dot-segment clean-up), each
with its documented status, plus the client's local refusal of the same ids.
"""

from __future__ import annotations

import base64
import hmac
import http.client
import json
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.rules.errors import InvalidSessionIdError
from payparts_helpers.rules.examples import minimum_request
from payparts_helpers.sandbox import DEMO_MERCHANT, SandboxHandle
from payparts_helpers.sandbox import merchants as merchants_module
from payparts_helpers.sandbox.merchants import MerchantDirectory

from .conftest import OTHER_MERCHANT
from .problems import assert_problem


def basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode("utf-8")).decode()


GOOD = basic(f"{DEMO_MERCHANT.sl_code}:{DEMO_MERCHANT.secret}")

# --- constant-time comparison ------------------------------------------------------------------

KNOWN_SECRETS = {DEMO_MERCHANT.secret.encode(), OTHER_MERCHANT.secret.encode()}

ATTEMPTS = [
    # (SL code, secret presented, merchant expected)
    (DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, DEMO_MERCHANT),
    (OTHER_MERCHANT.sl_code, OTHER_MERCHANT.secret, OTHER_MERCHANT),
    (DEMO_MERCHANT.sl_code, "wrong-secret", None),
    (DEMO_MERCHANT.sl_code, OTHER_MERCHANT.secret, None),  # another merchant's secret
    (DEMO_MERCHANT.sl_code, "", None),
    (DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret + "x", None),  # longer
    (DEMO_MERCHANT.sl_code, "géheim-€", None),  # non-ASCII: compared as bytes
    ("SL-0000-9999", DEMO_MERCHANT.secret, None),  # unknown SL code, a real secret
    ("SL-0000-9999", "", None),
    ("sl-1234-4321", DEMO_MERCHANT.secret, None),  # codes are case-sensitive
    ("", DEMO_MERCHANT.secret, None),
]


def test_every_well_formed_attempt_is_one_compare_digest_known_sl_code_or_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def recording(a, b):  # type: ignore[no-untyped-def]
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(merchants_module.hmac, "compare_digest", recording)
    directory = MerchantDirectory([DEMO_MERCHANT, OTHER_MERCHANT])
    dummies = set()
    for sl_code, secret, expected in ATTEMPTS:
        calls.clear()
        assert directory.authenticate(basic(f"{sl_code}:{secret}")) is expected, sl_code
        assert len(calls) == 1, f"{sl_code!r}/{secret!r}: {len(calls)} comparisons"
        presented, stored = calls[0]
        assert isinstance(presented, bytes)
        assert isinstance(stored, bytes)
        assert presented == secret.encode("utf-8")
        if sl_code not in (DEMO_MERCHANT.sl_code, OTHER_MERCHANT.sl_code):
            assert stored not in KNOWN_SECRETS  # compared against the dummy, not skipped
            dummies.add(stored)
    assert len(dummies) == 1  # one dummy, whatever the unknown code


# --- attacks over real HTTP ---------------------------------------------------------------------


@dataclass(frozen=True)
class Attack:
    name: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    statuses: tuple[int, ...] = (401,)


def _json_body(value: object = None) -> bytes:
    return json.dumps(minimum_request() if value is None else value).encode()


def _with_lone_surrogate() -> bytes:
    body = minimum_request()
    body["description"] = "\ud800"  # json.dumps writes it as the escape \ud800
    return json.dumps(body).encode()


SESSION = "/v1/session/" + "0" * 32
JSON = {"Content-Type": "application/json"}

ATTACKS = [
    # credentials (the variants test_sandbox_http.BAD_AUTH does not have)
    Attack("empty secret", "GET", SESSION, {"Authorization": basic("SL-1234-4321:")}),
    Attack("empty SL code", "GET", SESSION, {"Authorization": basic(":your-secret-key")}),
    Attack(
        "another merchant's secret",
        "GET",
        SESSION,
        {"Authorization": basic(f"{DEMO_MERCHANT.sl_code}:{OTHER_MERCHANT.secret}")},
    ),
    Attack(
        "secret plus a colon",
        "GET",
        SESSION,
        {"Authorization": basic("SL-1234-4321:your-secret-key:")},
    ),
    Attack(
        "SL code in lower case",
        "GET",
        SESSION,
        {"Authorization": basic("sl-1234-4321:your-secret-key")},
    ),
    Attack(
        "NUL inside the SL code",
        "GET",
        SESSION,
        {"Authorization": basic("SL-1234-4321\x00:your-secret-key")},
    ),
    Attack("two credentials in one header", "GET", SESSION, {"Authorization": f"{GOOD}, {GOOD}"}),
    Attack("10 KB of base64", "GET", SESSION, {"Authorization": "Basic " + "QUFB" * 2560}),
    Attack(
        "credentials in the query string",
        "GET",
        SESSION + "?slCode=SL-1234-4321&secret=your-secret-key",
    ),
    Attack(
        "credentials in the body",
        "POST",
        "/v1/session/start",
        JSON,
        _json_body({**minimum_request(), "slCode": "SL-1234-4321", "secret": "your-secret-key"}),
    ),
    # size: the credentials are checked first, then the declared length before any read
    Attack(
        "100 KB body without credentials",
        "POST",
        "/v1/session/start",
        JSON,
        b" " * 100_000 + _json_body(),
    ),
    # path-injection ids, sent byte for byte
    Attack("..%2F..%2Fetc%2Fpasswd", "GET", "/v1/session/..%2F..%2Fetc%2Fpasswd", statuses=(404,)),
    Attack("../../etc/passwd", "GET", "/v1/session/../../etc/passwd", statuses=(404,)),
    Attack("%2e%2e", "GET", "/v1/session/%2e%2e", statuses=(404,)),
    Attack("a/b", "GET", "/v1/session/a/b", statuses=(404,)),
    Attack("x?y", "GET", "/v1/session/x?y", statuses=(404,)),
    Attack("NUL in the id", "GET", "/v1/session/a%00b", statuses=(404,)),
    Attack("10 KB id", "GET", "/v1/session/" + "a" * 10_240, statuses=(404,)),
    Attack("id not UTF-8", "GET", "/v1/session/%ff%fe", statuses=(404,)),
    Attack("id an encoded surrogate", "GET", "/v1/session/%ed%a0%80", statuses=(404,)),
    # text that is JSON but not Unicode: refused as a client error, never a 500
    Attack(
        "a lone UTF-16 surrogate in a stored field",
        "POST",
        "/v1/session/start",
        JSON,
        _with_lone_surrogate(),
        statuses=(400, 422),
    ),
]

AUTHENTICATED = {"..%2F..%2Fetc%2Fpasswd", "../../etc/passwd", "%2e%2e", "a/b", "x?y"}
AUTHENTICATED |= {"NUL in the id", "10 KB id", "id not UTF-8", "id an encoded surrogate"}
AUTHENTICATED |= {"a lone UTF-16 surrogate in a stored field"}


def send(sandbox: SandboxHandle, attack: Attack) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(sandbox.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Accept": "application/json", **attack.headers}
    if attack.name in AUTHENTICATED:
        headers["Authorization"] = GOOD
    try:
        connection.request(attack.method, attack.path, body=attack.body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


class _Answer:
    """Just enough of requests.Response for tests/problems.assert_problem."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status_code = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.text = body.decode("utf-8", "replace")

    def json(self) -> object:
        return json.loads(self.text)


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_each_attack_gets_its_documented_status(sandbox: SandboxHandle, attack: Attack) -> None:
    status, headers, body = send(sandbox, attack)
    assert status in attack.statuses, body[:300]
    answer = _Answer(status, headers, body)
    assert_problem(answer, status)  # type: ignore[arg-type]
    if status == 401:
        assert answer.headers["www-authenticate"].startswith("Basic ")
    assert DEMO_MERCHANT.secret.encode() not in body
    assert OTHER_MERCHANT.secret.encode() not in body


def test_a_huge_declared_length_is_refused_before_any_body_is_sent(
    sandbox: SandboxHandle,
) -> None:
    """1 TB declared, nothing sent: 413 at once (the sandbox does not wait for the body)."""
    parts = urlsplit(sandbox.url)
    head = (
        "POST /v1/session/start HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\n"
        f"Authorization: {GOOD}\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 1000000000000\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        started = time.monotonic()
        sock.sendall(head.encode())
        answer = sock.recv(4096)
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert elapsed < 3


CLIENT_REFUSED = [
    "..%2F..%2Fetc%2Fpasswd",
    "..",
    "x?y",
    "a\x00b",
    "%00",
    "a" * 10_240,
    "a#b",
    "a\r\nX-Injected: 1",
    "0" * 32 + "/",
    "０" * 32,  # full-width digits
]


@pytest.mark.parametrize("session_id", CLIENT_REFUSED, ids=lambda s: repr(s)[:24])
def test_the_client_refuses_unsafe_ids_before_sending_anything(
    sandbox: SandboxHandle, session_id: str
) -> None:
    with PayPartsClient(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, sandbox.url) as client:
        with pytest.raises(InvalidSessionIdError, match="No request was sent"):
            client.get_session(session_id)
        assert client.history_frame().empty  # nothing reached the wire
