"""``payparts``: the helpers from a shell, for scripts and CI checks.

Exit codes: 0 success; 1 the command ran and the answer is no (the API refused,
lint or token checks found errors); 2 the command could not run (bad arguments,
unreadable file, missing configuration).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .rules.errors import ConfigurationError, PayPartsError
from .rules.sandbox_resources import OUTCOMES

__all__ = ["main"]

EXIT_OK, EXIT_NO, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """The command cannot run as given (exit 2)."""


def main(argv: Sequence[str] | None = None) -> int:
    # Tokens and files may hold text the terminal cannot encode (a lone surrogate):
    # print it escaped rather than crash.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["sandbox"]:  # the sandbox's own parser owns its options
        from .sandbox.__main__ import main as sandbox_main

        return sandbox_main(arguments[1:], prog="payparts sandbox")
    args = _parser().parse_args(arguments)
    try:
        return args.run(args)
    except (UsageError, ConfigurationError) as exc:
        print(f"payparts: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PayPartsError as exc:
        print(f"payparts: {exc}", file=sys.stderr)
        return EXIT_NO
    except BrokenPipeError:  # `payparts … | head` closed the pipe: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="payparts",
        description="Pay.Parts session API from the shell (sandbox by default; see PAYPARTS_ENV).",
    )
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument(
        "--format", choices=("table", "json"), default="table", help="output (default: table)"
    )
    strict = argparse.ArgumentParser(add_help=False)
    strict.add_argument("--strict", action="store_true", help="fail (exit 1) on warnings too")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    # Listed for --help only: main() hands "payparts sandbox …" to the sandbox's own parser,
    # which owns its options (--port, --exchange-…): one list of them, not two.
    commands.add_parser(
        "sandbox", help="run the local sandbox in the foreground (see: payparts sandbox --help)"
    )

    create = commands.add_parser("create", parents=[output], help="create a session")
    create.add_argument("--json", metavar="FILE", help="request body from a JSON file ('-': stdin)")
    create.add_argument("--amount", type=int, metavar="MINOR_UNITS", help="e.g. 2999 for 29.99")
    create.add_argument("--currency", default=None, help="ISO 4217 code (default EUR)")
    create.add_argument("--return-url")
    create.add_argument("--exchange-url")
    create.add_argument("--description")
    create.add_argument("--reference")
    create.add_argument("--no-lint", action="store_true", help="send even if lint finds errors")
    create.set_defaults(run=_run_create)

    get = commands.add_parser("get", parents=[output], help="fetch a session by id")
    get.add_argument("session_id")
    get.set_defaults(run=_run_get)

    decode = commands.add_parser("decode", parents=[output, strict], help="decode an st_ token")
    decode.add_argument("token")
    decode.set_defaults(run=_run_decode)

    listen = commands.add_parser(
        "listen", help="receive exchange calls on this machine and print each with its verdict"
    )
    listen.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    listen.add_argument("--path", default="/exchange", help="URL path (default /exchange)")
    listen.set_defaults(run=_run_listen)

    order = commands.add_parser(
        "order",
        parents=[output],
        help="an order's status from Pay.nl's order API (the sandbox serves it too)",
    )
    order.add_argument("order_id", help="the orderId (51234567890X1a2b) or the order's id")
    order.set_defaults(run=_run_order)

    pay = commands.add_parser(
        "pay", parents=[output], help="sandbox only: set a session's payment outcome"
    )
    pay.add_argument("session_id")
    pay.add_argument("--outcome", required=True, choices=OUTCOMES, help="the order's new status")
    pay.set_defaults(run=_run_pay)

    deliveries = commands.add_parser(
        "deliveries",
        parents=[output],
        help="sandbox only: a session's exchange calls and every attempt",
    )
    deliveries.add_argument("session_id")
    deliveries.set_defaults(run=_run_deliveries)

    lint = commands.add_parser("lint", parents=[output, strict], help="check a request file")
    lint.add_argument("file", help="JSON request body ('-': stdin)")
    lint.set_defaults(run=_run_lint)

    record = commands.add_parser(
        "record", help="record a host's answers to the drift probes (see docs/drift.md)"
    )
    record.add_argument(
        "--env", choices=("beta", "sandbox", "production"), help="default: PAYPARTS_ENV"
    )
    record.add_argument("--out", metavar="DIR", help="default: drift-<env>-<UTC time>")
    record.set_defaults(run=_run_record)

    drift = commands.add_parser(
        "drift", parents=[output], help="replay a recording against a fresh sandbox; list drift"
    )
    drift.add_argument("directory", help="what payparts record wrote")
    drift.set_defaults(run=_run_drift)

    check = commands.add_parser(
        "check",
        help="the regression matrix, without Jupyter: the API and your shop's exchange handler",
    )
    check.add_argument(
        "--env",
        choices=("sandbox", "beta", "production"),
        default="sandbox",
        help="sandbox (default: one started for the run), beta or production (credentials "
        "from PAYPARTS_SL_CODE / PAYPARTS_SECRET)",
    )
    check.add_argument("--base-url", default="", help="a running sandbox (or host) to check")
    check.add_argument("--shop-url", help="your shop (default: the reference shop, started)")
    check.add_argument("--exchange-url", help="where the shop takes exchange calls")
    check.add_argument(
        "--group", action="append", metavar="GROUP", help="only this group (repeatable)"
    )
    check.add_argument(
        "--session",
        action="append",
        metavar="SESSION_ID",
        help="a shop with only its exchange endpoint: check it on this session, which the shop "
        "created at the --base-url sandbox itself (repeatable); runs only the group "
        "'exchange handler (your session)'",
    )
    check.add_argument(
        "--since",
        metavar="TIME",
        help="as --session, for every session of the sales location created since TIME "
        "(ISO 8601, no offset meaning UTC, or epoch seconds), paid or not: rows that must "
        "come before the payment are skipped for a paid one",
    )
    check.add_argument(
        "--status-url",
        metavar="TEMPLATE",
        help="with --session/--since: the shop's order state, {reference} replaced by the "
        "session's reference, e.g. 'https://shop.test/orders/{reference}' (JSON as the "
        "reference shop's GET /orders/{reference}); without it those rows are skipped",
    )
    check.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")
    check.add_argument(
        "--format", choices=("table", "json"), default="table", help="output (default: table)"
    )
    check.set_defaults(run=_run_check)
    return parser


# --- commands ---------------------------------------------------------------------------


def _run_create(args: argparse.Namespace) -> int:
    body = _read_json(args.json) if args.json else {}
    if not isinstance(body, dict):
        raise UsageError(f"{args.json} must hold a JSON object, the request body")
    flags = {
        "returnUrl": args.return_url,
        "exchangeUrl": args.exchange_url,
        "description": args.description,
        "reference": args.reference,
    }
    body.update({key: value for key, value in flags.items() if value is not None})
    if args.amount is not None or args.currency is not None:
        amount = body.get("amount") if isinstance(body.get("amount"), dict) else {}
        if args.amount is not None:
            amount["value"] = args.amount
        amount["currency"] = args.currency or amount.get("currency") or "EUR"
        body["amount"] = amount
    if not args.no_lint:
        from .checks.lint import lint_session_request

        findings = lint_session_request(body)
        errors = [f for f in findings if f.level == "error"]
        if errors:
            _print_findings(errors, sys.stderr)
            print("payparts: not sent: fix the errors above (or pass --no-lint)", file=sys.stderr)
            return EXIT_NO
    with _client() as client:
        created = client.create_session(body)
    _emit(args, created.raw, lambda: _created_table(created))
    return EXIT_OK


def _run_get(args: argparse.Namespace) -> int:
    with _client() as client:
        details = client.get_session(args.session_id)
    _emit(args, details.raw, lambda: _details_table(details))
    return EXIT_OK


def _run_decode(args: argparse.Namespace) -> int:
    from .checks.token_checks import token_findings
    from .rules.session_token import decode_session_token

    payload = decode_session_token(args.token)
    findings = token_findings(payload)
    document = {"payload": payload.raw, "findings": [_finding_json(f) for f in findings]}
    _emit(args, document, lambda: _payload_table(payload) + _findings_text(findings))
    return _verdict(findings, args.strict)


def _run_lint(args: argparse.Namespace) -> int:
    from .checks.lint import lint_session_request

    findings = lint_session_request(_read_json(args.file))
    document = {"findings": [_finding_json(f) for f in findings]}
    _emit(args, document, lambda: _findings_text(findings) or "no findings\n")
    return _verdict(findings, args.strict)


def _run_order(args: argparse.Namespace) -> int:
    with _client() as client:
        order = client.get_order_status(args.order_id)
    _emit(args, order.raw, lambda: _order_table(order))
    return EXIT_OK


def _run_pay(args: argparse.Namespace) -> int:
    with _client() as client:
        order = client.trigger_outcome(args.session_id, args.outcome)
    _emit(args, order.raw, lambda: _order_table(order))
    return EXIT_OK


def _run_deliveries(args: argparse.Namespace) -> int:
    with _client() as client:
        deliveries = client.list_deliveries(args.session_id)
    document = {"sessionId": args.session_id, "deliveries": [d.raw for d in deliveries]}
    _emit(args, document, lambda: _deliveries_text(args.session_id, deliveries))
    return EXIT_OK


def _run_record(args: argparse.Namespace) -> int:
    from .drift import RecordingError, record, settings_for, terminal_progress

    settings = settings_for(args.env)
    try:
        with terminal_progress() as progress:
            recording = record(args.out, settings, on_progress=progress)
    except RecordingError as exc:
        raise UsageError(str(exc)) from None
    sys.stdout.write(recording.summary())
    return EXIT_OK


def _run_drift(args: argparse.Namespace) -> int:
    from .drift import RecordingError, replay

    try:
        report = replay(args.directory)
    except (RecordingError, OSError) as exc:
        raise UsageError(str(exc)) from None
    _emit(args, report.to_json(), report.text)
    return EXIT_OK if report.agrees else EXIT_NO


def _run_check(args: argparse.Namespace) -> int:
    """Exit 0: every scenario passed or was skipped; 1: one failed; 2: it could not run."""
    from .regression.exchange_scenarios import EXCHANGE_GROUP
    from .regression.runner import GROUPS, SCENARIOS, run_rows
    from .regression.targets import has_reference_shop, target_from_parameters

    if args.session or args.since:
        return _run_check_sessions(args)
    if args.status_url:
        raise UsageError("--status-url goes with --session or --since")
    unknown = sorted(set(args.group or ()) - set(GROUPS))
    if unknown:
        raise UsageError(
            f"no group {', '.join(map(repr, unknown))}: choose from {', '.join(GROUPS)}"
        )
    chosen = [s for s in SCENARIOS if not args.group or s.group in args.group]
    target = target_from_parameters(
        args.env, base_url=args.base_url, shop_url=args.shop_url, exchange_url=args.exchange_url
    )
    wants_shop = any(s.group == EXCHANGE_GROUP for s in chosen)
    if wants_shop and args.env == "sandbox" and not target.shop_url and not has_reference_shop():
        raise UsageError(
            "no shop to check: pass --shop-url (your shop) or leave the exchange handler out "
            "with --group; the reference shop ships with the source checkout (examples/shop/), "
            "not with the installed package"
        )
    for name, url in (("--base-url", target.base_url), ("--shop-url", target.shop_url)):
        if url and not _answers(url):
            raise UsageError(f"{name} {url} does not accept connections: start it first")

    return _report(args, run_rows(target, on_progress=_progress, scenarios=chosen))


def _progress(done: int, total: int, name: str) -> None:
    print(f"[{done}/{total}] {name}", file=sys.stderr, flush=True)


def _report(args: argparse.Namespace, rows: Sequence[Any]) -> int:
    """Write --junit, print the rows in --format; exit 1 when one failed."""
    from .regression.reports import junit_xml, rows_json, rows_table

    if args.junit:
        Path(args.junit).write_text(junit_xml(rows), encoding="utf-8")
    print(rows_json(rows) if args.format == "json" else rows_table(rows))
    return EXIT_NO if any(row.status == "fail" for row in rows) else EXIT_OK


def _run_check_sessions(args: argparse.Namespace) -> int:
    """``check --session/--since``: the session-mode group on sessions the shop made itself."""
    from .client.payparts_client import PayPartsClient
    from .regression.runner import run_rows
    from .regression.session_mode import session_mode_scenarios
    from .regression.targets import target_from_parameters
    from .rules.errors import InvalidSessionIdError, NotFoundError

    if args.env != "sandbox" or not args.base_url:
        raise UsageError(
            "--session and --since need --base-url: the sandbox the shop talks to (Pay.nl's "
            "hosts have no /_sandbox/ controls to move a payment)"
        )
    for flag in ("shop_url", "exchange_url", "group"):
        if getattr(args, flag):
            name = "--" + flag.replace("_", "-")
            raise UsageError(f"{name} does not go with --session/--since (the session says it)")
    template = args.status_url
    if template is not None and "{reference}" not in template:
        raise UsageError(
            "--status-url must hold {reference}, e.g. 'https://shop.test/orders/{reference}'"
        )
    target = target_from_parameters("sandbox", base_url=args.base_url)
    if not _answers(args.base_url):
        raise UsageError(f"--base-url {args.base_url} does not accept connections: start it first")
    sessions = list(dict.fromkeys(args.session or ()))
    with PayPartsClient(target.sl_code, target.secret, args.base_url, timeout=15.0) as client:
        for session_id in sessions:
            try:
                client.list_status_reads(session_id)
            except (NotFoundError, InvalidSessionIdError):
                raise UsageError(
                    f"unknown session {session_id[:64]!r}: the sandbox at {args.base_url} has no "
                    f"such session for {target.sl_code}"
                ) from None
        if args.since:
            try:
                found = client.list_sessions_since(args.since)
            except PayPartsError as error:
                raise UsageError(f"--since {args.since[:64]!r}: {error}") from None
            sessions += [s.session_id for s in found if s.session_id not in sessions]
    if not sessions:
        raise UsageError(f"no session of {target.sl_code} was created since {args.since}")
    scenarios = session_mode_scenarios(sessions, template)
    return _report(args, run_rows(target, on_progress=_progress, scenarios=scenarios))


def _answers(url: str) -> bool:
    """Whether something accepts TCP connections at ``url``'s host and port."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=5):
            return True
    except OSError:
        return False


def _run_listen(args: argparse.Namespace) -> int:
    """Listen until Ctrl-C or SIGTERM: the exchange URL first, then one line per call."""
    import signal
    import threading

    from .client.environment import resolve_settings
    from .client.exchange_listener import ExchangeListener

    settings = resolve_settings()  # the secret that signs this environment's calls
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    try:
        listener = ExchangeListener(
            settings.secret,
            key_id=settings.sl_code,
            port=args.port,
            path=args.path,
            on_call=lambda call: print(_call_line(call), flush=True),
            # A correct shop asks the order-status API about unsigned and status-0 calls.
            confirm_with=_client().get_order_status,
        )
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror}") from None
    with listener:
        print(listener.url, flush=True)
        print(
            f"verifying with the secret of {settings.sl_code} ({settings.credentials_source}); "
            "Ctrl-C stops",
            file=sys.stderr,
            flush=True,
        )
        stop.wait()
    return EXIT_OK


def _call_line(call: Any) -> str:
    """One printed line per exchange call: when, verdict, the order's status, the answer."""
    from .rules.order_status import describe_status

    when = call.received_at.strftime("%H:%M:%S")
    said = call.answer if isinstance(call.answer, str) else call.answer.get("result")
    answer = f"→ {call.status} " + (
        said if isinstance(said, str) else f"result {str(said).lower()}"
    )
    if call.confirmed is not None:  # unsigned or status 0: the order-status API was asked
        order = call.confirmed
        how = "unsigned" if not call.verdict.valid else f"valid {call.verdict.algorithm}, status 0"
        return (
            f"{when}  {how}, confirmed by the order API  order {order.order_id}  "
            f"{order.status_text}  {order.amount_text}  {answer}"
        )
    if not call.verdict.valid:
        return f"{when}  REFUSED  {call.verdict.message}  {answer}"
    order = call.object or {}
    status = order.get("status") if isinstance(order.get("status"), dict) else {}
    amount = order.get("amount")
    return (
        f"{when}  valid {call.verdict.algorithm}  order {order.get('orderId')}  "
        f"{describe_status(status.get('code'), status.get('action'))}  "
        f"{_amount_text(amount) or 'no amount'}  {answer}"
    )


# --- helpers ----------------------------------------------------------------------------


def _client():  # -> PayPartsClient, imported lazily to keep start-up fast
    from .client.payparts_client import PayPartsClient

    return PayPartsClient.from_env()


def _read_json(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{source} is not UTF-8 text") from None
    except ValueError:  # a path with a NUL byte
        raise UsageError(f"cannot read {source!r}: not a valid path") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{source} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except (ValueError, RecursionError):  # integers over Python's digit limit, absurd depth
        raise UsageError(f"{source} is not JSON this tool can read (a number too long?)") from None


def _emit(args: argparse.Namespace, document: Any, table: Callable[[], str]) -> None:
    if args.format == "json":
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(table())


def _verdict(findings: Sequence[Any], strict: bool) -> int:
    failing = {"error", "warning"} if strict else {"error"}
    return EXIT_NO if any(f.level in failing for f in findings) else EXIT_OK


def _finding_json(finding: Any) -> dict[str, Any]:
    return {"level": finding.level, "path": finding.path, "message": finding.message}


def _findings_text(findings: Sequence[Any]) -> str:
    return "".join(f"{f.level:<8} {f.path or '(request)'}: {f.message}\n" for f in findings)


def _print_findings(findings: Sequence[Any], stream: Any) -> None:
    stream.write(_findings_text(findings))


def _rows(pairs: Sequence[tuple[str, Any]]) -> str:
    width = max(len(key) for key, _ in pairs)
    return "".join(f"{key:<{width}}  {value}\n" for key, value in pairs if value is not None)


def _amount_text(amount: Any) -> str | None:
    """``2999 (29.99 EUR)``: money.with_unit, the one spelling of an amount in messages."""
    from .rules.money import with_unit

    if not isinstance(amount, dict):
        return None
    value, currency = amount.get("value"), amount.get("currency")
    if isinstance(value, int) and not isinstance(value, bool) and isinstance(currency, str):
        return with_unit(value, currency)
    return json.dumps(amount)


def _created_table(created: Any) -> str:
    from .rules.session_token import decode_session_token

    payload = decode_session_token(created.session_token)
    return _rows(
        [
            ("sessionId", created.session_id),
            ("sessionToken", created.session_token),
            ("merchant", payload.merchant_name),
            ("amount", _amount_text(payload.raw.get("Config", {}).get("amount"))),
            ("elapsed", f"{created.elapsed * 1000:.0f} ms"),
        ]
    )


def _details_table(details: Any) -> str:
    text = _rows(
        [
            ("sessionId", details.session_id),
            ("sessionToken", details.session_token),
            ("amount", _amount_text(details.amount)),
            (
                "customer",
                json.dumps(details.customer, ensure_ascii=False) if details.customer else None,
            ),
        ]
    )
    if details.order and details.order.get("products"):
        try:
            from .checks.order_frames import order_lines_frame
        except ImportError:  # the core install has no pandas: the lines as they came
            lines = json.dumps(details.order["products"], indent=2, ensure_ascii=False)
            return f"{text}\norder lines (the table needs payparts-helpers[lab]):\n{lines}\n"
        text += "\n" + order_lines_frame(details.order).to_string(index=False) + "\n"
    return text


def _order_table(order: Any) -> str:
    return _rows(
        [
            ("orderId", order.order_id),
            ("id", order.id),
            ("status", order.status_text),
            ("amount", order.amount_text),
            ("authorised", order.money_text(order.authorized_value)),
            ("captured", order.money_text(order.captured_value)),
            ("reference", order.reference),
        ]
    )


_ANSWER_EXCERPT = 48


def _deliveries_text(session_id: str, deliveries: Sequence[Any]) -> str:
    """Each delivery as a heading line, then its attempts as a table."""
    if not deliveries:
        return f"no exchange calls for session {session_id} yet\n"
    blocks = []
    for delivery in deliveries:
        head = (
            f"delivery {delivery.delivery_id}  order {delivery.order_id}  "
            f"{delivery.status_text}  {delivery.state}\n"
            f"  to {delivery.url}\n"
        )
        if delivery.next_attempt_at:
            head += f"  next attempt at {delivery.next_attempt_at}\n"
        rows = [("#", "when", "HTTP", "ok", "ms", "answer", "error")]
        rows += [
            (
                str(a.attempt),
                a.at,
                str(a.http_status) if a.http_status is not None else "-",
                "yes" if a.ok else "no",
                f"{a.duration_ms:.0f}",
                _excerpt(a.answer),
                a.error or "",
            )
            for a in delivery.attempts
        ]
        if len(rows) == 1:
            head += "  no attempt yet\n"
        else:
            widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
            for row in rows:
                cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
                head += ("  " + "  ".join(cells)).rstrip() + "\n"
        blocks.append(head)
    return "\n".join(blocks)


def _excerpt(text: str | None) -> str:
    """The start of an answer on one line: whitespace collapsed, cut with an ellipsis."""
    if not text:
        return "-" if text is None else '""'
    flat = " ".join(text.split())
    return flat if len(flat) <= _ANSWER_EXCERPT else flat[: _ANSWER_EXCERPT - 1] + "…"


def _payload_table(payload: Any) -> str:
    amount = payload.raw.get("Config", {}).get("amount")
    return _rows(
        [
            ("SessionId", payload.session_id),
            ("merchantName", payload.merchant_name),
            ("amount", json.dumps(amount, ensure_ascii=False) if amount is not None else None),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
