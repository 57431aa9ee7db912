"""``python -m payparts_helpers.sandbox``: run the sandbox in the foreground."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .merchants import MerchantFileError, load_merchants
from .server import serve_forever
from .store import default_db_path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m payparts_helpers.sandbox",
        description="Serve the local Pay.Parts sandbox. Prints its base URL on the first line.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free)")
    parser.add_argument(
        "--db", default=None, help=f"SQLite database file (default {default_db_path()})"
    )
    parser.add_argument(
        "--merchants",
        default=None,
        help='JSON file: a list of {"slCode", "secret", "merchantName"} (default: the demo one)',
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        merchants = load_merchants(args.merchants) if args.merchants else None
        serve_forever(args.host, args.port, args.db, merchants)
    except MerchantFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
