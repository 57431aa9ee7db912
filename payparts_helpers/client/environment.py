"""Which Pay.Parts to talk to: sandbox, beta or production, chosen by configuration alone.

Reads ``PAYPARTS_ENV`` (``sandbox`` default, ``beta``, ``production``),
``PAYPARTS_SL_CODE``, ``PAYPARTS_SECRET``, ``PAYPARTS_BASE_URL`` and
``PAYPARTS_ORDERS_URL`` (where Pay.nl's order-status API lives) from the
process environment, falling back to a ``.env`` file (the environment wins).
In the sandbox, with no base URL, one embedded sandbox per process is started
on a free loopback port with the demo credentials; it shares the per-user
database, so every kernel sees the same sessions.
"""

from __future__ import annotations

import atexit
import ipaddress
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..rules.errors import ConfigurationError
from ..rules.examples import DEMO_SECRET, DEMO_SL_CODE

if TYPE_CHECKING:
    from ..sandbox import SandboxHandle

__all__ = [
    "BASE_URLS",
    "DEMO_CREDENTIALS",
    "ENVIRONMENT_CREDENTIALS",
    "FOREGROUND_SANDBOX_URL",
    "ORDERS_URL",
    "ClientSettings",
    "embedded_sandbox_url",
    "is_loopback_url",
    "orders_url_for",
    "read_configuration",
    "resolve_settings",
    "running_embedded_sandbox",
]

BASE_URLS = {
    "beta": "https://zero-parts.pay.nl",
    "production": "https://parts.pay.nl",
}
ENVIRONMENTS = ("sandbox", *BASE_URLS)
# Pay.nl's order-status API is on another host than Pay.Parts; the sandbox serves both.
ORDERS_URL = "https://connect.pay.nl"

# Where a client's credentials came from, in the words a refusal tells the user.
DEMO_CREDENTIALS = "the sandbox's demo credentials"
ENVIRONMENT_CREDENTIALS = "PAYPARTS_SL_CODE / PAYPARTS_SECRET from the environment"

FOREGROUND_SANDBOX_URL = "http://127.0.0.1:8765"
"""Where ``make sandbox`` serves the sandbox; it shares the embedded one's database."""


@dataclass(frozen=True)
class ClientSettings:
    """Resolved configuration. ``base_url`` is None for the embedded sandbox;
    ``orders_url`` None means "where ``base_url`` points" (see :func:`orders_url_for`)."""

    environment: str
    base_url: str | None
    sl_code: str
    secret: str = field(repr=False)
    credentials_source: str = ENVIRONMENT_CREDENTIALS
    orders_url: str | None = None


def orders_url_for(base_url: str) -> str:
    """Where the order-status API is for a client of ``base_url``: Pay.nl's own host for
    Pay.nl's Pay.Parts hosts, else ``base_url`` itself (a sandbox serves both APIs)."""
    return ORDERS_URL if base_url.rstrip("/") in BASE_URLS.values() else base_url


def resolve_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = ".env"
) -> ClientSettings:
    """Settings from the environment and ``.env``; a :class:`ConfigurationError` names what
    is missing (never the secret)."""
    values = read_configuration(environ, dotenv_path)
    environment = (values.get("PAYPARTS_ENV") or "sandbox").strip().lower()
    if environment not in ENVIRONMENTS:
        raise ConfigurationError(
            f"PAYPARTS_ENV={environment!r} is not one of {', '.join(ENVIRONMENTS)}"
        )
    base_url = (values.get("PAYPARTS_BASE_URL") or "").strip().rstrip("/") or None
    orders_url = (values.get("PAYPARTS_ORDERS_URL") or "").strip().rstrip("/") or None
    sl_code = (values.get("PAYPARTS_SL_CODE") or "").strip()
    secret = values.get("PAYPARTS_SECRET") or ""
    if environment == "sandbox":
        # The embedded sandbox knows only the demo merchant, so credentials from the
        # environment (perhaps beta's) are used only for a sandbox at PAYPARTS_BASE_URL.
        if base_url is None or not (sl_code and secret):
            return ClientSettings(
                environment, base_url, DEMO_SL_CODE, DEMO_SECRET, DEMO_CREDENTIALS, orders_url
            )
        return ClientSettings(environment, base_url, sl_code, secret, orders_url=orders_url)
    missing = [
        name
        for name, value in (("PAYPARTS_SL_CODE", sl_code), ("PAYPARTS_SECRET", secret))
        if not value
    ]
    if missing:
        raise ConfigurationError(
            f"PAYPARTS_ENV={environment} needs {' and '.join(missing)} "
            "(set them in the environment or in a .env file)"
        )
    return ClientSettings(
        environment,
        base_url or BASE_URLS[environment],
        sl_code,
        secret,
        orders_url=orders_url or ORDERS_URL,
    )


def read_configuration(
    environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = ".env"
) -> dict[str, str]:
    """The raw settings: ``.env`` values overlaid by the environment (``environ`` if given)."""
    values: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        from dotenv import dotenv_values

        values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return values


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs whose host is this machine (127.0.0.0/8, ::1, localhost)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_embedded_lock = threading.Lock()
_embedded: SandboxHandle | None = None


def running_embedded_sandbox() -> SandboxHandle | None:
    """This process's embedded sandbox if it is running; never starts one."""
    with _embedded_lock:
        return _embedded if _embedded is not None and _embedded.running else None


def embedded_sandbox_url() -> str:
    """The URL of this process's embedded sandbox, started on first use."""
    global _embedded
    with _embedded_lock:
        if _embedded is None or not _embedded.running:
            from ..sandbox import start_sandbox

            _embedded = start_sandbox(port=0)
            # Stop it with the interpreter, so the database is closed cleanly.
            atexit.register(_embedded.stop)
        return _embedded.url
