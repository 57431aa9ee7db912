"""``python -m payparts_helpers.sandbox``: run the sandbox in the foreground."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .exchange_delivery import DEFAULT_DELAYS, EXCHANGE_FORMS, DeliveryPolicy
from .merchants import load_merchants
from .server import serve_forever
from .store import default_db_path


def build_parser(prog: str = "python -m payparts_helpers.sandbox") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
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
    parser.add_argument(
        "--ready-file",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the base URL to FILE once every route answers, and remove it on exit "
        "(for scripts: wait for the file instead of sleeping)",
    )
    exchange = parser.add_argument_group("exchange calls")
    exchange.add_argument(
        "--exchange-algorithm",
        choices=("sha256", "sha512"),
        default="sha256",
        help="the HMAC hash of the Signature header (default sha256)",
    )
    exchange.add_argument(
        "--exchange-form",
        choices=EXCHANGE_FORMS,
        default="signed",
        help="signed (default, Pay.nl's signed JSON), unsigned (the legacy form-encoded "
        "call) or status-0 (signed, status code 0): the last two make a shop ask the "
        "order-status API",
    )
    exchange.add_argument(
        "--exchange-allow",
        action="append",
        default=[],
        metavar="HOST",
        help="also deliver to HOST (repeatable); by default only to loopback addresses",
    )
    exchange.add_argument(
        "--exchange-retry-delays",
        type=_delays,
        default=DEFAULT_DELAYS,
        metavar="S,S,...",
        help="seconds before each retry of a failed call "
        f"(default {','.join(f'{d:g}' for d in DEFAULT_DELAYS)}; '' for no retries)",
    )
    exchange.add_argument(
        "--exchange-timeout",
        type=_positive_seconds,
        default=5.0,
        metavar="S",
        help="seconds the shop has to answer (default 5, as Pay.nl)",
    )
    return parser


def _delays(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give seconds separated by commas, such as 60,300,900"
        ) from None
    if any(d < 0 for d in delays):
        raise argparse.ArgumentTypeError("a retry delay cannot be negative")
    return delays


def _positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0")
    return seconds


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    args = (build_parser(prog) if prog else build_parser()).parse_args(argv)
    try:
        merchants = load_merchants(args.merchants) if args.merchants else None
        delivery = DeliveryPolicy(
            delays=args.exchange_retry_delays,
            timeout=args.exchange_timeout,
            algorithm=args.exchange_algorithm,
            form=args.exchange_form,
            allow_hosts=frozenset(args.exchange_allow),
        )
    except ValueError as exc:  # MerchantFileError, or a policy DeliveryPolicy refuses
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        serve_forever(args.host, args.port, args.db, merchants, delivery, args.ready_file)
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
