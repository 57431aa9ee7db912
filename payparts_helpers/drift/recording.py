"""Recording: send the probe set to a host and keep each exchange as one redacted JSON file.

Every request goes through the client (:class:`..client.payparts_client.PayPartsClient`):
its Basic auth, timeouts and refusal of plain http to other machines; POST is never
retried, GET follows the client's own retry of 429/502/503/504. What the answer was
(status, ``Content-Type``, ``WWW-Authenticate``, body) is read from the raw response of
the last attempt. The secret, both base64 forms of ``sl:secret`` (padded or not) and
the wrong-secret probe's forms are masked by :func:`..rules.redaction.redact` as each
exchange is made, before it is kept in memory or written; no request header but the
method and path is kept, so no ``Authorization`` value can reach a file.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from .._version import __version__
from ..checks.drift import Exchange, document_rows
from ..client.environment import DEMO_CREDENTIALS, ClientSettings, resolve_settings
from ..client.payparts_client import PayPartsClient
from ..rules.errors import AuthenticationError, InvalidSessionIdError, PayPartsError
from ..rules.examples import DEMO_SECRET, DEMO_SL_CODE
from ..rules.redaction import redact
from .probes import PROBES, WRONG_SECRET, Probe

__all__ = [
    "ProgressCallback",
    "Recording",
    "RecordingError",
    "default_out_dir",
    "load_recording",
    "record",
    "send_probes",
    "settings_for",
    "terminal_progress",
]

ProgressCallback = Callable[[int, int, str], None]
"""``(done, total, probe name)``, called after each probe."""

_BODY_TEXT = 4000  # characters of an answer that is not JSON (an HTML error page) kept


class RecordingError(ValueError):
    """A recording cannot be made or read here (exit 2): a directory in the way, a file
    that is not a recorded exchange."""


@dataclass(frozen=True)
class Recording:
    """A finished recording: where it was written and its exchanges (redacted)."""

    directory: Path
    exchanges: tuple[Exchange, ...]

    @property
    def environment(self) -> str:
        return str(self.exchanges[0].recording.get("environment", "?")) if self.exchanges else "?"

    @property
    def host(self) -> str:
        return str(self.exchanges[0].recording.get("host", "?")) if self.exchanges else "?"

    def undescribed(self) -> int:
        """How many live answers the sandbox's OpenAPI document does not describe."""
        return len({p for row in document_rows(self.exchanges) for p in row.probes})

    def summary(self) -> str:
        """What ``payparts record`` prints: what was recorded where, and what to run next."""
        undescribed = self.undescribed()
        checked = (
            f"{undescribed} of the answers {'is' if undescribed == 1 else 'are'} not described "
            "by the sandbox's OpenAPI document"
            if undescribed
            else "every answer is described by the sandbox's OpenAPI document"
        )
        return (
            f"recorded {len(self.exchanges)} exchanges from {self.environment} ({self.host}) "
            f"in {self.directory}\n{checked}\n"
            f"compare them with the sandbox: payparts drift {self.directory}\n"
        )


class _CapturingClient(PayPartsClient):
    """The client, keeping the raw answer of its last attempt (``None``: no answer came)."""

    last_response: requests.Response | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, on_response=self._keep, **kwargs)

    def _keep(self, response: requests.Response) -> None:
        self.last_response = response


def settings_for(environment: str | None) -> ClientSettings:
    """The configured settings (``PAYPARTS_*``, ``.env``), with ``environment`` (``beta``,
    ``sandbox``, ``production``) in place of ``PAYPARTS_ENV`` when given."""
    if environment is None:
        return resolve_settings()
    return resolve_settings({**os.environ, "PAYPARTS_ENV": environment})


def default_out_dir(environment: str, now: datetime | None = None) -> Path:
    """``drift-<env>-<UTC timestamp>`` in the working directory."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return Path(f"drift-{environment}-{moment:%Y%m%dT%H%M%SZ}")


def record(
    out_dir: str | Path | None = None,
    settings: ClientSettings | None = None,
    *,
    on_progress: ProgressCallback | None = None,
) -> Recording:
    """Send the probe set with ``settings`` and write one JSON file per exchange.

    ``settings`` defaults to this process's embedded sandbox with the demo credentials;
    ``out_dir`` to :func:`default_out_dir`, and must not exist or be empty. Nothing is
    written when the host refuses the credentials (an :class:`AuthenticationError`) or
    stops answering (a :class:`..rules.errors.TransportError`).
    """
    if settings is None:
        settings = ClientSettings("sandbox", None, DEMO_SL_CODE, DEMO_SECRET, DEMO_CREDENTIALS)
    directory = Path(out_dir) if out_dir is not None else default_out_dir(settings.environment)
    _check_free(directory)
    source = settings.credentials_source
    with (
        _CapturingClient(
            settings.sl_code, settings.secret, settings.base_url, credentials_source=source
        ) as client,
        _CapturingClient(settings.sl_code, WRONG_SECRET, client.base_url) as wrong,
    ):
        meta = {
            "environment": settings.environment,
            "host": client.base_url,
            "tool": f"payparts-helpers {__version__}",
        }
        forms = [*client.secret_forms, *wrong.secret_forms]
        exchanges = send_probes(PROBES, client, wrong, meta, forms, on_progress=on_progress)
    _check_admitted(exchanges, settings)
    write_recording(directory, exchanges, forms)
    return Recording(directory, tuple(exchanges))


def send_probes(
    probes: Sequence[Probe],
    client: PayPartsClient,
    wrong: PayPartsClient,
    meta: Mapping[str, Any],
    secret_forms: Sequence[str],
    *,
    on_progress: ProgressCallback | None = None,
) -> list[Exchange]:
    """Each probe once, in order, as a redacted :class:`Exchange`.

    A GET of a created session uses the id that ``client`` got for the probe it names;
    when that probe created none, the GET is not sent (and not in the list). ``client``
    and ``wrong`` must be :class:`_CapturingClient`\\ s (:func:`capturing_client`).
    """
    created: dict[str, str] = {}
    exchanges: list[Exchange] = []
    for done, probe in enumerate(probes, start=1):
        exchange = _send_probe(probe, client, wrong, created, meta, secret_forms)
        if exchange is not None:
            exchanges.append(exchange)
            if probe.method == "POST" and exchange.succeeded and isinstance(exchange.body, dict):
                session_id = exchange.body.get("sessionId")
                if isinstance(session_id, str):
                    created[probe.name] = session_id
        if on_progress is not None:
            on_progress(done, len(probes), probe.name)
    return exchanges


def capturing_client(sl_code: str, secret: str, base_url: str, **kwargs: Any) -> PayPartsClient:
    """A client whose raw answers :func:`send_probes` can read."""
    return _CapturingClient(sl_code, secret, base_url, **kwargs)


def _send_probe(
    probe: Probe,
    client: PayPartsClient,
    wrong: PayPartsClient,
    created: Mapping[str, str],
    meta: Mapping[str, Any],
    secret_forms: Sequence[str],
) -> Exchange | None:
    session_id = probe.session_id if probe.of is None else created.get(probe.of)
    if probe.method == "GET" and session_id is None:
        return None  # the session to fetch was not created
    path = probe.template if probe.method == "POST" else f"/v1/session/{session_id}"
    sender = wrong if probe.wrong_secret else client
    if not isinstance(sender, _CapturingClient):
        raise TypeError("send_probes needs clients made by capturing_client")
    body = probe.request_body()
    sender.last_response = None
    error: PayPartsError | None = None
    try:
        if probe.method == "POST":
            sender.create_session(body or {})
        else:
            sender.get_session(str(session_id))
    except InvalidSessionIdError as exc:  # an id the host made that is unsafe in a URL
        error = exc
    except PayPartsError as exc:  # a refusal is an answer too: it is what is recorded
        if sender.last_response is None:
            raise  # no answer at all (a transport error): stop, write nothing
        error = exc
    data = {
        **_probe_json(probe, path, body, meta),
        "response": _response_json(sender.last_response),
        "error": None if sender.last_response is not None else str(error),
    }
    return Exchange.from_json(redact(data, secret_forms))


def _probe_json(probe: Probe, path: str, body: Any, meta: Mapping[str, Any]) -> dict[str, Any]:
    template = Exchange(
        probe=probe.name,
        kind=probe.kind,
        assumption=probe.assumption,
        method=probe.method,
        template=probe.template,
        path=path,
        request_body=body,
        of=probe.of,
        wrong_secret=probe.wrong_secret,
        recording=meta,
    )
    return template.to_json()


def _response_json(response: requests.Response | None) -> dict[str, Any] | None:
    if response is None:
        return None
    text = response.text
    try:
        body, is_json = json.loads(text), True
    except (ValueError, RecursionError):
        body, is_json = text[:_BODY_TEXT], False
    return {
        "status": response.status_code,
        "contentType": response.headers.get("Content-Type"),
        "wwwAuthenticate": response.headers.get("WWW-Authenticate"),
        "bodyIsJson": is_json,
        "body": body,
    }


def _check_admitted(exchanges: Sequence[Exchange], settings: ClientSettings) -> None:
    """A host that refuses the credentials themselves makes a useless recording."""
    first = next((e for e in exchanges if not e.wrong_secret), None)
    if first is not None and first.status in (401, 403):
        raise AuthenticationError(
            f"{first.request_line} → {first.status}: the host refused the credentials "
            f"(SL code {settings.sl_code}, {settings.credentials_source}); nothing was recorded"
        )


def _check_free(directory: Path) -> None:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise RecordingError(
            f"{directory} already exists and is not an empty directory: choose another --out"
        )


def write_recording(
    directory: Path, exchanges: Sequence[Exchange], secret_forms: Sequence[str]
) -> None:
    """One file per exchange, ``NN-probe-name.json``; each text is checked once more for
    every secret form before it is written."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RecordingError(f"cannot create {directory}: {exc.strerror}") from None
    for number, exchange in enumerate(exchanges, start=1):
        text = json.dumps(exchange.to_json(), indent=2, ensure_ascii=False) + "\n"
        if any(form in text for form in secret_forms if form):
            raise AssertionError("a secret form survived redaction; nothing more is written")
        name = f"{number:02d}-{_slug(exchange.probe)}.json"
        (directory / name).write_text(text, encoding="utf-8")


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


def load_recording(directory: str | Path) -> list[Exchange]:
    """The exchanges of a recording directory, in file-name order."""
    path = Path(directory)
    if not path.is_dir():
        raise RecordingError(f"{path} is not a directory (payparts record writes one)")
    files = sorted(path.glob("*.json"))
    if not files:
        raise RecordingError(f"{path} holds no recorded exchanges (*.json)")
    exchanges = []
    for file in files:
        try:
            exchanges.append(Exchange.from_json(json.loads(file.read_text(encoding="utf-8"))))
        except OSError as exc:
            raise RecordingError(f"cannot read {file}: {exc.strerror}") from None
        except (ValueError, RecursionError) as exc:
            raise RecordingError(f"{file} is not a recorded exchange: {exc}") from None
    return exchanges


@contextmanager
def terminal_progress(description: str = "probes") -> Iterator[ProgressCallback]:
    """A progress bar on stderr (tqdm when installed, else one counter line per probe)."""
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    if tqdm is None:

        def count(done: int, total: int, name: str) -> None:
            print(f"{description} {done}/{total}: {name}", file=sys.stderr, flush=True)

        yield count
        return
    bar = tqdm(total=len(PROBES), desc=description, unit="probe", file=sys.stderr, leave=True)

    def advance(done: int, total: int, name: str) -> None:
        bar.total = total
        bar.set_postfix_str(name, refresh=False)
        bar.update(done - bar.n)

    try:
        yield advance
    finally:
        bar.close()
