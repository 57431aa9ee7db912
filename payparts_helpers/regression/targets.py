"""What the matrix runs against: a dedicated sandbox, or beta/production from the environment."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

from ..client.environment import BASE_URLS
from ..rules.errors import ConfigurationError
from ..rules.redaction import basic_credentials_forms
from ..sandbox.merchants import DEMO_MERCHANT, SECOND_DEMO_MERCHANT, Merchant

__all__ = [
    "ShopEndpoints",
    "Target",
    "reference_shop",
    "sandbox_target",
    "target_from_parameters",
]


@dataclass(frozen=True)
class Target:
    """Where the matrix runs and with which credentials.

    ``base_url=None`` means a dedicated sandbox that :func:`run_matrix` starts (and
    stops) itself, with the two demo merchants; the credentials below are still the
    ones used, so a deliberately wrong secret shows what failures look like.
    ``other_sl_code``/``other_secret`` are a second sales location for the isolation
    scenarios (skipped without them). ``restart`` restarts the sandbox on the same
    database and returns its URL; only :func:`sandbox_target` can offer it.

    ``shop_url`` is the shop whose exchange handler the "exchange handler" group checks
    (``POST {shop_url}/checkout``, ``GET {shop_url}/orders/{reference}``, see
    docs/reference-shop.md); ``None`` means the reference shop, started for the run
    against the run's sandbox. ``exchange_url`` is where that shop takes exchange calls
    (default ``{shop_url}/exchange``).
    """

    base_url: str | None
    sl_code: str
    secret: str = field(repr=False)
    other_sl_code: str = ""
    other_secret: str = field(default="", repr=False)
    restart: Callable[[], str] | None = field(default=None, repr=False, compare=False)
    shop_url: str | None = None
    exchange_url: str | None = None

    @property
    def has_other(self) -> bool:
        return bool(self.other_sl_code and self.other_secret)

    def secret_forms(self) -> list[str]:
        """Every text that would reveal one of the secrets (for redaction)."""
        return [
            *basic_credentials_forms(self.sl_code, self.secret),
            *basic_credentials_forms(self.other_sl_code, self.other_secret),
        ]


@dataclass(frozen=True)
class ShopEndpoints:
    """A shop under test: its base URL (``/checkout``, ``/orders/{reference}``) and its
    exchange URL."""

    url: str
    exchange_url: str

    @classmethod
    def at(cls, shop_url: str, exchange_url: str | None = None) -> ShopEndpoints:
        """``exchange_url`` defaults to ``{shop_url}/exchange``; both must be http(s) URLs."""
        base = _checked_shop_url(shop_url, "SHOP_URL")
        exchange = _checked_shop_url(exchange_url, "EXCHANGE_URL") if exchange_url else ""
        return cls(base, exchange or base + "/exchange")


def _checked_shop_url(url: str, name: str) -> str:
    text = str(url).strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"{name} must be an absolute http(s) URL, got {text[:80]!r}")
    if parts.username or parts.password:
        raise ConfigurationError(f"{name} must not carry credentials")
    return text


REFERENCE_SHOP_DIR = Path(__file__).resolve().parents[2] / "examples" / "shop"
"""Where the reference shop lives: examples/shop/ beside the package, in this checkout."""
_SHOP_STARTUP_TIMEOUT = 15.0


def has_reference_shop() -> bool:
    """Whether this installation has the reference shop (a source checkout does; a wheel not)."""
    return (REFERENCE_SHOP_DIR / "__init__.py").is_file()


def _shop_package(directory: Path) -> ModuleType:
    """Import the shop package in ``directory`` under a name of its own (one per directory),
    so a copy of the shop never shares modules with the original."""
    init = directory / "__init__.py"
    if not init.is_file():
        raise ConfigurationError(
            f"no reference shop at {directory} (examples/shop/ is part of the source checkout, "
            "not of the installed package): pass SHOP_URL to check a running shop instead"
        )
    digest = hashlib.sha256(str(directory.resolve()).encode("utf-8")).hexdigest()[:12]
    name = f"_payparts_reference_shop_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, init, submodule_search_locations=[str(directory)]
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[loaded]
        raise
    return module


@contextmanager
def reference_shop(
    base_url: str, sl_code: str, secret: str, *, directory: str | Path | None = None
) -> Iterator[ShopEndpoints]:
    """The reference shop (examples/shop/, or a copy of it in ``directory``), serving from a
    thread on a free loopback port, against the sandbox at ``base_url`` as ``sl_code``.

    Its orders live in a temporary database; shop and database are gone when the ``with``
    block ends. The shop's ``create_app(client, secret=, db_path=, public_url=)`` is the
    one documented in docs/reference-shop.md.
    """
    import uvicorn

    from ..client.payparts_client import PayPartsClient
    from ..sandbox.server import bind_socket

    package = _shop_package(Path(directory) if directory is not None else REFERENCE_SHOP_DIR)
    sock = bind_socket("127.0.0.1", 0)
    host, port = sock.getsockname()[:2]
    url = f"http://{host}:{port}"
    with (
        tempfile.TemporaryDirectory(prefix="payparts-shop-", ignore_cleanup_errors=True) as scratch,
        PayPartsClient(sl_code, secret, base_url) as client,
    ):
        try:
            app = package.create_app(
                client, secret=secret, db_path=Path(scratch) / "shop.sqlite3", public_url=url
            )
            config = uvicorn.Config(
                app, log_level="warning", access_log=False, lifespan="on", server_header=False
            )
            server = uvicorn.Server(config)
        except BaseException:
            sock.close()
            raise
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"reference shop {url}", daemon=True
        )
        thread.start()
        try:
            deadline = time.monotonic() + _SHOP_STARTUP_TIMEOUT
            while not server.started and thread.is_alive() and time.monotonic() < deadline:
                time.sleep(0.005)
            if not server.started:
                raise RuntimeError("the reference shop did not start")
            yield ShopEndpoints.at(url)
        finally:
            server.should_exit = True
            thread.join(10)
            if thread.is_alive():
                server.force_exit = True
                thread.join(10)
            sock.close()


class _RestartableSandbox:
    """A sandbox on a fixed database that can be stopped and started again."""

    def __init__(self, db_path: Path, merchants: list[Merchant]) -> None:
        from ..sandbox import start_sandbox

        self._start = start_sandbox
        self._db_path = db_path
        self._merchants = merchants
        self._handle = start_sandbox(port=0, db_path=db_path, merchants=merchants)

    @property
    def url(self) -> str:
        return self._handle.url

    def restart(self) -> str:
        """Stop, then start on the same database; the same port when it is still free."""
        port = urlsplit(self._handle.url).port or 0
        self._handle.stop()
        try:
            self._handle = self._start(port=port, db_path=self._db_path, merchants=self._merchants)
        except OSError:  # someone took the port in between: any free one will do
            self._handle = self._start(port=0, db_path=self._db_path, merchants=self._merchants)
        return self._handle.url

    def stop(self) -> None:
        self._handle.stop()


@contextmanager
def sandbox_target() -> Iterator[Target]:
    """A dedicated sandbox with both demo merchants on a temporary database, as a Target.

    Its ``restart`` stops the sandbox and starts it again on the same database file,
    normally on the same port, and returns the URL (use that one afterwards). The
    sandbox and its database are gone when the ``with`` block ends.
    """
    merchants = [DEMO_MERCHANT, SECOND_DEMO_MERCHANT]
    with tempfile.TemporaryDirectory(
        prefix="payparts-regression-", ignore_cleanup_errors=True
    ) as scratch:
        sandbox = _RestartableSandbox(Path(scratch) / "sessions.sqlite3", merchants)
        try:
            yield Target(
                base_url=sandbox.url,
                sl_code=DEMO_MERCHANT.sl_code,
                secret=DEMO_MERCHANT.secret,
                other_sl_code=SECOND_DEMO_MERCHANT.sl_code,
                other_secret=SECOND_DEMO_MERCHANT.secret,
                restart=sandbox.restart,
            )
        finally:
            sandbox.stop()


def target_from_parameters(
    env: str,
    sl_code: str = "",
    secret: str = "",
    base_url: str = "",
    other_sl_code: str = "",
    other_secret: str = "",
    shop_url: str | None = None,
    exchange_url: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Target:
    """The Target for a notebook's papermill parameters.

    ``env="sandbox"``: without ``base_url`` a dedicated sandbox (``base_url=None``:
    :func:`run_matrix` starts it, with a restart and both demo merchants); with one
    (say ``make sandbox``'s ``http://127.0.0.1:8765``) that sandbox, without restart.
    Empty credentials mean the demo ones (and, for the dedicated sandbox, the second
    demo merchant as the other sales location). Environment variables are not read:
    a beta secret in the shell never goes to a sandbox.

    ``env="beta"`` / ``"production"``: every empty parameter is read from
    ``PAYPARTS_SL_CODE``, ``PAYPARTS_SECRET``, ``PAYPARTS_OTHER_SL_CODE``,
    ``PAYPARTS_OTHER_SECRET`` and ``PAYPARTS_BASE_URL`` (``environ``, default the
    process environment plus a ``.env`` file); the host defaults to the environment's.
    Leave the secrets empty in notebook parameters: papermill records parameters in
    the executed notebook. A missing SL code or secret is a :class:`ConfigurationError`
    naming the variable, never a value.

    ``shop_url`` / ``exchange_url`` (``SHOP_URL`` / ``EXCHANGE_URL``): the shop whose
    exchange handler is checked; empty or ``None`` means the reference shop, started for
    the run. Against beta or production the exchange-handler rows are skipped (they move
    payments with the sandbox's own controls).
    """
    name = (env or "").strip().lower()
    shop = (shop_url or "").strip() or None
    exchange = (exchange_url or "").strip() or None
    if shop is not None:
        ShopEndpoints.at(shop, exchange)  # a malformed URL is refused here, by name
    elif exchange is not None:
        _checked_shop_url(exchange, "EXCHANGE_URL")
    if name == "sandbox":
        dedicated = not base_url.strip()
        default_other = SECOND_DEMO_MERCHANT if dedicated else None
        return Target(
            base_url=None if dedicated else base_url.strip(),
            sl_code=sl_code or DEMO_MERCHANT.sl_code,
            secret=secret or DEMO_MERCHANT.secret,
            other_sl_code=other_sl_code or (default_other.sl_code if default_other else ""),
            other_secret=other_secret or (default_other.secret if default_other else ""),
            shop_url=shop,
            exchange_url=exchange,
        )
    if name not in BASE_URLS:
        raise ConfigurationError(f"env={env!r} is not one of sandbox, {', '.join(BASE_URLS)}")
    values = _settings(environ)

    def pick(given: str, variable: str) -> str:
        return given.strip() if given.strip() else (values.get(variable) or "").strip()

    target = Target(
        base_url=pick(base_url, "PAYPARTS_BASE_URL") or BASE_URLS[name],
        sl_code=pick(sl_code, "PAYPARTS_SL_CODE"),
        secret=secret or values.get("PAYPARTS_SECRET") or "",
        other_sl_code=pick(other_sl_code, "PAYPARTS_OTHER_SL_CODE"),
        other_secret=other_secret or values.get("PAYPARTS_OTHER_SECRET") or "",
        shop_url=shop,
        exchange_url=exchange,
    )
    missing = [
        variable
        for variable, value in (
            ("PAYPARTS_SL_CODE", target.sl_code),
            ("PAYPARTS_SECRET", target.secret),
        )
        if not value
    ]
    if missing:
        raise ConfigurationError(
            f"env={name} needs {' and '.join(missing)} in the environment or a .env file "
            "(not as notebook parameters: papermill writes those into the notebook)"
        )
    return target


def _settings(environ: Mapping[str, str] | None) -> dict[str, str]:
    """``environ`` as given, or the process environment over a ``.env`` file."""
    if environ is not None:
        return dict(environ)
    values: dict[str, str] = {}
    if Path(".env").is_file():
        from dotenv import dotenv_values

        values.update({k: v for k, v in dotenv_values(".env").items() if v is not None})
    values.update(os.environ)
    return values
