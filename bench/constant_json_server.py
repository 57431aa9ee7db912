"""The stack's ceiling: a Starlette app whose one route answers a constant JSON body.

Served exactly as the sandbox is served (``uvicorn_server`` from the sandbox's
server module: the same uvicorn settings, one process, one event loop, a socket
bound by the same ``bind_socket``), so that the throughput benchmark compares the
sandbox's work with the stack's own cost. ``POST /v1/session/start`` answers 201
with a body the size of a real create's answer, without reading the request body.

Run: ``.venv/bin/python bench/constant_json_server.py [--host 127.0.0.1] [--port 0]``;
prints its base URL on the first line; SIGINT or SIGTERM stops it (exit 0).
"""

from __future__ import annotations

import argparse
import json
import signal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from payparts_helpers.rules.session_token import encode_session_token
from payparts_helpers.sandbox.server import bind_socket, uvicorn_server

_SESSION_ID = "0" * 32
BODY = json.dumps(
    {
        "sessionId": _SESSION_ID,
        "sessionToken": encode_session_token(_SESSION_ID, "Demo Shop", 100, "EUR"),
    },
    separators=(",", ":"),
).encode("utf-8")


async def constant(_request: Request) -> Response:
    return Response(BODY, status_code=201, media_type="application/json")


def create_app() -> Starlette:
    return Starlette(routes=[Route("/v1/session/start", constant, methods=["POST"])])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    sock = bind_socket(args.host, args.port)
    server = uvicorn_server(create_app())
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: None)  # as the sandbox: a signal means exit 0
    host, port = sock.getsockname()[:2]
    print(f"http://{host}:{port}", flush=True)
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
