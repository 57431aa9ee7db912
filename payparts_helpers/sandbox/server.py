"""Running the sandbox: in a background thread (notebooks, tests) or in the foreground (CLI)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

from .app import create_app
from .exchange_delivery import DeliveryPolicy
from .http_protocol import ProblemH11Protocol
from .merchants import Merchant
from .store import default_db_path

__all__ = [
    "SandboxHandle",
    "bind_socket",
    "serve_forever",
    "start_sandbox",
    "uvicorn_server",
]

_STARTUP_TIMEOUT = 15.0


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind before uvicorn starts, so port 0 yields a known free port with no race."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the
    # listener says TCP, and without it every keep-alive answer waits ~40 ms (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def uvicorn_server(app: ASGIApp) -> uvicorn.Server:
    """``app`` under the sandbox's uvicorn settings (the benchmarks serve other apps this way).

    Run it with ``server.run(sockets=[bind_socket(host, port)])``.
    """
    return uvicorn.Server(_config(app))


def _config(app: ASGIApp) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        http=ProblemH11Protocol,  # a request uvicorn cannot parse gets problem JSON too
        log_level="warning",
        access_log=False,  # the sandbox logs no requests: nothing that could carry a secret
        lifespan="on",
        server_header=False,
        timeout_graceful_shutdown=3,
    )


def _server(
    db_path: str | Path | None,
    merchants: Iterable[Merchant] | None,
    delivery: DeliveryPolicy | None = None,
) -> uvicorn.Server:
    return uvicorn_server(create_app(db_path=db_path, merchants=merchants, delivery=delivery))


class _AnnouncingServer(uvicorn.Server):
    """Writes the base URL to ``ready_file`` once serving, and removes it on the way out.

    So a script (CI) waits for the file to appear instead of sleeping: it appears after
    the database is open and the lifespan has run, when every route answers.
    """

    def __init__(self, config: uvicorn.Config, ready_file: Path, url: str) -> None:
        super().__init__(config)
        self._ready_file, self._url = ready_file, url

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            write_ready_file(self._ready_file, self._url)


def write_ready_file(path: Path, url: str) -> None:
    """``url`` and a newline in ``path``, all at once: a reader never sees half a URL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(url + "\n")
        os.replace(scratch, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(scratch)
        raise


class SandboxHandle:
    """A sandbox serving from a background thread; ``stop()`` or ``with`` ends it."""

    def __init__(
        self, server: uvicorn.Server, thread: threading.Thread, url: str, db_path: Path
    ) -> None:
        self._server = server
        self._thread = thread
        self.url = url
        self.db_path = db_path

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish open requests, close the database, and join the thread."""
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<SandboxHandle {self.url} {state}>"


def start_sandbox(
    port: int = 0,
    db_path: str | Path | None = None,
    merchants: Iterable[Merchant] | None = None,
    host: str = "127.0.0.1",
    delivery: DeliveryPolicy | None = None,
) -> SandboxHandle:
    """Serve the sandbox from a daemon thread on loopback and return once it accepts requests.

    ``delivery`` says how exchange calls are sent (retry delays, signing algorithm,
    hosts beyond loopback); tests pass short delays.
    """
    resolved = Path(db_path) if db_path is not None else default_db_path()
    sock = bind_socket(host, port)
    url = _url(sock)
    server = _server(resolved, merchants, delivery)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"payparts-sandbox {url}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + _STARTUP_TIMEOUT
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    if not server.started:
        server.should_exit = True
        thread.join(_STARTUP_TIMEOUT)
        sock.close()
        raise RuntimeError(f"the sandbox at {url} did not start")
    return SandboxHandle(server, thread, url, resolved)


def serve_forever(
    host: str,
    port: int,
    db_path: str | Path | None,
    merchants: Iterable[Merchant] | None,
    delivery: DeliveryPolicy | None = None,
    ready_file: Path | None = None,
) -> None:
    """Foreground mode for the CLI: print the URL first, stop cleanly on SIGINT/SIGTERM.

    uvicorn finishes open requests on the first signal, then re-raises it with
    the handlers it found; the no-op handlers below make that re-raise a normal
    return, so the process exits 0 instead of dying by the signal. ``ready_file``
    gets the URL once every route answers (see :class:`_AnnouncingServer`); a stale
    one from an earlier run is removed before anything else.
    """
    if ready_file is not None:
        ready_file.unlink(missing_ok=True)
    sock = bind_socket(host, port)
    app = create_app(db_path=db_path, merchants=merchants, delivery=delivery)
    server = (
        uvicorn_server(app)
        if ready_file is None
        else _AnnouncingServer(_config(app), ready_file, _url(sock))
    )
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: None)
    # Listen before announcing: a client that connects as soon as it reads the URL is
    # queued, not refused (uvicorn's own listen() on the same socket is harmless).
    sock.listen(2048)
    print(_url(sock), flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        if ready_file is not None:
            ready_file.unlink(missing_ok=True)
