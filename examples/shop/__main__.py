"""``python -m examples.shop [--port 8770] [--db PATH] [--public-url URL]``: serve the shop.

Pay.Parts settings come from the environment (or a ``.env`` file), exactly as for the
rest of payparts_helpers: ``PAYPARTS_ENV`` (sandbox, beta, production),
``PAYPARTS_BASE_URL``, ``PAYPARTS_SL_CODE``, ``PAYPARTS_SECRET`` (and
``PAYPARTS_ORDERS_URL``). The SL code is also the key id the shop expects on
exchange calls, and the secret the key that verifies them. The first line printed
is the shop's URL (as the sandbox prints its own).
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from payparts_helpers import PayPartsClient
from payparts_helpers.client.environment import resolve_settings
from payparts_helpers.rules.errors import ConfigurationError

from .app import create_app


def default_db_path() -> Path:
    """Beside the sandbox's own file, in the per-user data directory."""
    from platformdirs import user_data_path

    return user_data_path("payparts-explorer", appauthor=False) / "reference-shop.sqlite3"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m examples.shop", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8770, help="port (default 8770; 0 = any)")
    parser.add_argument("--db", type=Path, default=None, help="the shop's SQLite file")
    parser.add_argument(
        "--public-url",
        default=None,
        help="where Pay.nl and browsers reach the shop, e.g. https://shop.example "
        "(default: taken from each request; set it in production)",
    )
    args = parser.parse_args(argv)
    try:
        settings = resolve_settings()  # the same settings from_env reads: SL code and secret
        client = PayPartsClient.from_env()
    except ConfigurationError as error:
        print(f"python -m examples.shop: {error}", file=sys.stderr)
        return 2
    db_path = args.db or default_db_path()
    public_url = args.public_url.rstrip("/") if args.public_url else None
    app = create_app(client, secret=settings.secret, db_path=db_path, public_url=public_url)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.create_server((args.host, args.port), family=family)  # bound: port 0 known
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"{public_url or f'http://{shown}:{port}'}/", flush=True)  # first line: the URL
    print(f"Pay.Parts: {client.base_url} ({client.environment}); orders in {db_path}", flush=True)
    # No access log: the shop's own log line per exchange call says what matters.
    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
