"""Delivering exchange calls: the outbox in SQLite, sent in the background with retries.

Every status change leaves a signed call in ``deliveries`` (see ``payments``).
:class:`DeliveryWorker` runs on threads of its own, never on the event loop, so
no API answer waits for a shop. It sends each session's calls in order (a call
waits until the one before it is delivered or has failed for good), retries a
failed attempt after the policy's next delay, and records every attempt. A
claimed call carries a lease: if the sandbox dies while sending, a later
sandbox on the same file sends it again once the lease runs out.

By default calls go only to loopback addresses (IP literals, or ``localhost``
and ``*.localhost``, sent to 127.0.0.1 without any lookup), so a shared sandbox
cannot be used to probe a network; :attr:`DeliveryPolicy.allow_hosts` names
other hosts explicitly.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from .._version import __version__
from ..rules.exchange_signing import ALGORITHMS, DEFAULT_ALGORITHM

__all__ = [
    "DEFAULT_DELAYS",
    "EXCHANGE_FORMS",
    "AttemptResult",
    "DeliveryPolicy",
    "DeliveryWorker",
    "post_exchange",
]

# Pay.nl's recommended retry scheme is "6 times within 2 hours": the first try at
# once, then retries after 1 min, 5 min, 15 min, 30 min and 1 h (a sandbox assumption).
DEFAULT_DELAYS: tuple[float, ...] = (60.0, 300.0, 900.0, 1800.0, 3600.0)
ExchangeForm = Literal["signed", "unsigned", "status-0"]
EXCHANGE_FORMS: tuple[ExchangeForm, ...] = ("signed", "unsigned", "status-0")
_ANSWER_EXCERPT = 200
_MAX_ANSWER = 64 * 1024


@dataclass(frozen=True)
class DeliveryPolicy:
    """How the sandbox sends exchange calls.

    ``delays``: seconds before each retry, counted from the attempt before (the
    first attempt goes at once); there are ``len(delays) + 1`` attempts at most.
    ``timeout``: seconds the shop has to answer (Pay.nl waits at most 5).
    ``algorithm``: the HMAC's hash, ``sha256`` or ``sha512``.
    ``allow_hosts``: hosts beyond loopback that calls may go to.
    ``form``: ``signed`` (Pay.nl's signed JSON), ``unsigned`` (the legacy form-encoded
    call, no signature) or ``status-0`` (signed, but status code 0): the last two make
    a shop take its "ask the order-status API" path.
    ``poll_interval``: how often the worker looks for work other sandboxes on the
    same file left, and for sessions whose ``expire`` passed.
    """

    delays: tuple[float, ...] = DEFAULT_DELAYS
    timeout: float = 5.0
    algorithm: str = DEFAULT_ALGORITHM
    allow_hosts: frozenset[str] = frozenset()
    poll_interval: float = 1.0
    form: ExchangeForm = "signed"

    def __post_init__(self) -> None:
        if any(d < 0 for d in self.delays):
            raise ValueError("delays: no retry delay can be negative")
        if self.form not in EXCHANGE_FORMS:
            raise ValueError(f"form must be one of {', '.join(EXCHANGE_FORMS)}")
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}")
        for name in ("timeout", "poll_interval"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}: give a number of seconds above 0")
        object.__setattr__(self, "delays", tuple(float(d) for d in self.delays))
        object.__setattr__(self, "allow_hosts", frozenset(h.lower() for h in self.allow_hosts))

    @property
    def lease(self) -> float:
        """How long a claimed call is another sandbox's to send: its longest attempt, and more."""
        return 2 * self.timeout + 5.0


@dataclass(frozen=True)
class AttemptResult:
    """One attempt: the shop's answer (or why there was none) and whether it counts."""

    ok: bool
    duration_ms: float
    http_status: int | None = None
    answer: str | None = None
    error: str | None = None
    retry: bool = True  # False: later attempts cannot succeed either (the URL is refused)


def _loopback_refusal(host: str, allow_hosts: frozenset[str]) -> str | None:
    """Why calls may not go to ``host``, or None when they may. No DNS lookup happens."""
    name = host.lower().rstrip(".")
    if name in allow_hosts:
        return None
    if _is_localhost_name(name):
        return None
    try:
        if ipaddress.ip_address(name).is_loopback:
            return None
    except ValueError:
        pass
    return (
        f"not sent: {host} is not a loopback address, and the sandbox delivers only to "
        f"loopback unless told otherwise (start it with --exchange-allow {host})"
    )


def _is_localhost_name(host: str) -> bool:
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


def _to_ipv4_loopback(address: tuple[str, int], *args: Any) -> socket.socket:
    """http.client's connect, to 127.0.0.1 instead of resolving the name."""
    return socket.create_connection(("127.0.0.1", address[1]), *args)


def _shop_accepted(status: int, answer: str) -> bool:
    """2xx with ``{"result": true}`` (JSON) or a text starting ``TRUE|`` (legacy)."""
    if not 200 <= status < 300:
        return False
    text = answer.strip()
    if text.upper().startswith("TRUE|"):
        return True
    try:
        parsed = json.loads(text)
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("result") is True


def post_exchange(
    url: str, headers: dict[str, str], body: bytes, policy: DeliveryPolicy
) -> AttemptResult:
    """One POST of a signed call; every failure is a result, never an exception."""
    started = time.perf_counter()

    def result(ok: bool, **fields: Any) -> AttemptResult:
        return AttemptResult(ok, (time.perf_counter() - started) * 1000, **fields)

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return result(False, error=f"not sent: {url[:80]!r} is not an http(s) URL", retry=False)
    refusal = _loopback_refusal(parts.hostname, policy.allow_hosts)
    if refusal is not None:
        return result(False, error=refusal, retry=False)
    connection_type = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_type(parts.hostname, parts.port, timeout=policy.timeout)
    if _is_localhost_name(parts.hostname) and parts.hostname.lower() not in policy.allow_hosts:
        # localhost names are loopback by definition (RFC 6761): connect to 127.0.0.1 without
        # asking a resolver, which could answer anything; Host and TLS keep the name.
        connection._create_connection = _to_ipv4_loopback  # type: ignore[attr-defined]
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sent = {
        "Content-Type": "application/json",
        "User-Agent": f"payparts-sandbox/{__version__}",
        **headers,
    }
    try:
        connection.request("POST", target, body=body, headers=sent)
        response = connection.getresponse()
        raw = response.read(_MAX_ANSWER)
    except TimeoutError:
        return result(False, error=f"no answer within {policy.timeout:g} s")
    except ConnectionRefusedError:
        return result(False, error="connection refused: is the shop's exchange endpoint running?")
    except (OSError, http.client.HTTPException) as exc:
        return result(False, error=f"{type(exc).__name__}: {str(exc)[:120]}")
    finally:
        connection.close()
    answer = raw.decode("utf-8", errors="replace")
    ok = _shop_accepted(response.status, answer)
    error = None
    if not ok:
        error = (
            f"HTTP {response.status}"
            if not 200 <= response.status < 300
            else 'the answer is not {"result": true} or TRUE|'
        )
    return result(ok, http_status=response.status, answer=answer[:_ANSWER_EXCERPT], error=error)


Claimed = tuple[int, str, str, str, bytes, int]  # id, session, url, headers, body, attempts
Write = Callable[[Callable[[Any], Any]], Any]  # runs a job on the writer, waits for it
Read = Callable[[Callable[[Any], Any]], Any]


class DeliveryWorker:
    """The background sender: one scheduler thread and a small pool of senders.

    ``write(job)`` and ``read(query)`` run database work (the store's writer and
    readers) and wait for it; ``sweep(now)`` is called on every round (the app uses
    it to expire sessions). ``wake()`` after a status change sends it at once.
    """

    def __init__(
        self,
        policy: DeliveryPolicy,
        write: Write,
        read: Read,
        sweep: Callable[[float], None] | None = None,
        senders: int = 8,
    ) -> None:
        self.policy = policy
        self._write = write
        self._read = read
        self._sweep = sweep
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._in_flight: set[int] = set()
        self._lock = threading.Lock()
        self._senders = ThreadPoolExecutor(senders, thread_name_prefix="payparts-exchange-send")
        self._thread = threading.Thread(target=self._run, name="payparts-exchange", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Look for due calls now (a status change was just committed)."""
        self._wake.set()

    def stop(self) -> None:
        """Send what is due now (for about one timeout), then stop.

        So ``payparts pay`` against a sandbox of its own still delivers before the
        process exits. Calls not sent by then stay in the outbox for the next start.
        """
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()
        self._drain(time.monotonic() + self.policy.timeout + 1.0)
        self._senders.shutdown(wait=True)

    def _drain(self, deadline: float) -> None:
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                claimed = self._claim(time.time())
            except Exception:  # the store is gone: the outbox keeps the rest
                return
            with self._lock:
                busy = bool(self._in_flight)
            if not claimed and not busy:
                return
            sending = [self._senders.submit(self._deliver, call) for call in claimed]
            if sending:
                futures_wait(sending, timeout=remaining)
            else:  # only calls sent before stop() are in flight: wait for one to finish
                self._wake.wait(min(remaining, 0.05))
                self._wake.clear()

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.time()
            try:
                if self._sweep is not None:
                    self._sweep(now)
                for claimed in self._claim(now):
                    self._senders.submit(self._deliver, claimed)
                pause = self._pause(time.time())
            except RuntimeError:  # the store closed under us: the sandbox is stopping
                return
            except Exception:  # a locked or broken file: try again on the next round
                pause = self.policy.poll_interval
            self._wake.wait(pause)
            self._wake.clear()

    def _claim(self, now: float) -> list[Claimed]:
        with self._lock:
            busy = sorted(self._in_flight)
        lease = now + self.policy.lease

        def claim(conn: Any) -> list[Claimed]:
            # The oldest pending call of each session, due, and leased by nobody.
            rows = conn.execute(
                "SELECT d.id, d.session_id, d.url, d.headers_json, d.body, d.attempts "
                "FROM deliveries d WHERE d.state = 'pending' AND d.next_at <= ? "
                "AND (d.lease_until IS NULL OR d.lease_until < ?) "
                "AND d.id = (SELECT MIN(e.id) FROM deliveries e "
                "            WHERE e.session_id = d.session_id AND e.state = 'pending') "
                "LIMIT 64",
                (now, now),
            ).fetchall()
            rows = [row for row in rows if row[0] not in busy]
            conn.executemany(
                "UPDATE deliveries SET lease_until = ? WHERE id = ?",
                [(lease, row[0]) for row in rows],
            )
            return rows

        claimed = self._write(claim)
        with self._lock:
            self._in_flight.update(row[0] for row in claimed)
        return claimed

    def _pause(self, now: float) -> float:
        """Until the next call is due, at most one poll interval."""

        def next_due(conn: Any) -> float | None:
            return conn.execute(
                "SELECT MIN(next_at) FROM deliveries WHERE state = 'pending' "
                "AND (lease_until IS NULL OR lease_until < ?)",
                (now,),
            ).fetchone()[0]

        due = self._read(next_due)
        if due is None:
            return self.policy.poll_interval
        return min(max(due - now, 0.0), self.policy.poll_interval)

    def _deliver(self, claimed: Claimed) -> None:
        delivery_id, session_id, url, headers, body, attempts = claimed
        try:
            outcome = post_exchange(url, json.loads(headers), bytes(body), self.policy)
            self._record(delivery_id, session_id, attempts + 1, outcome)
        except Exception:  # noqa: S110 - the store closed: the lease lets a restart resend it
            pass
        finally:
            with self._lock:
                self._in_flight.discard(delivery_id)
            self._wake.set()  # the session's next call may be due now

    def _record(
        self, delivery_id: int, session_id: str, attempt: int, result: AttemptResult
    ) -> None:
        now = time.time()
        started = now - result.duration_ms / 1000  # an attempt is listed when it began
        delays = self.policy.delays
        if result.ok:
            state, next_at = "delivered", None
        elif result.retry and attempt <= len(delays):
            state, next_at = "pending", now + delays[attempt - 1]
        else:
            state, next_at = "failed", None

        def record(conn: Any) -> None:
            conn.execute(
                "INSERT INTO delivery_attempts (delivery_id, session_id, attempt, at, "
                "duration_ms, http_status, answer, error, ok) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    delivery_id,
                    session_id,
                    attempt,
                    started,
                    result.duration_ms,
                    result.http_status,
                    result.answer,
                    result.error,
                    int(result.ok),
                ),
            )
            conn.execute(
                "UPDATE deliveries SET state = ?, attempts = ?, next_at = ?, lease_until = NULL "
                "WHERE id = ?",
                (state, attempt, next_at, delivery_id),
            )

        self._write(record)
