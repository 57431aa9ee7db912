"""A real HTTP forwarder for tests: a forward proxy (with CONNECT tunnels) or a TLS front.

``Forwarder()`` is a forward proxy as ``HTTP_PROXY``/``HTTPS_PROXY`` name one: it
relays absolute-URI requests (``GET http://host:port/path``) and tunnels
``CONNECT host:port`` byte for byte. ``Forwarder(upstream=url, tls=context)`` is a
TLS-terminating front for a plain-http server (the sandbox behind ``https://``).
Each request line it received is kept in ``seen``, so a test can tell whether a
call went through it. It binds 127.0.0.1 on a free port and stops on ``close()``.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "transfer-encoding"}
)


class Forwarder:
    def __init__(self, upstream: str | None = None, tls: ssl.SSLContext | None = None) -> None:
        self.upstream = upstream
        self.seen: list[str] = []
        forwarder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:  # quiet
                pass

            def do_CONNECT(self) -> None:
                forwarder.seen.append(self.requestline)
                host, _, port = self.path.rpartition(":")
                try:
                    remote = socket.create_connection((host, int(port)), timeout=5)
                except OSError:
                    self.send_error(502, "cannot reach the tunnel's target")
                    return
                self.send_response(200, "Connection established")
                self.end_headers()
                _relay(self.connection, remote)
                self.close_connection = True

            def _forward(self) -> None:
                forwarder.seen.append(self.requestline)
                target = urlsplit(self.path if "://" in self.path else forwarder.upstream or "")
                path = self.path
                if "://" in self.path:
                    parts = urlsplit(self.path)
                    path = parts.path + (f"?{parts.query}" if parts.query else "")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
                try:
                    upstream.request(self.command, path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    content = answer.read()
                finally:
                    upstream.close()
                self.send_response(answer.status, answer.reason)
                for name, value in answer.getheaders():
                    if name.lower() not in _HOP_BY_HOP | {"content-length"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_DELETE = _forward  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> Forwarder:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _relay(client: socket.socket, remote: socket.socket) -> None:
    """Copy bytes both ways until either side closes (a CONNECT tunnel)."""
    with remote:
        sockets = [client, remote]
        while True:
            readable, _, _ = select.select(sockets, [], [], 10)
            if not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                (remote if sock is client else client).sendall(data)
