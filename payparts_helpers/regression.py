"""The regression matrix: every documented behaviour of the session API, checked in one run.

A notebook (or a test) picks a :class:`Target`, calls :func:`run_matrix`, and gets a
pandas DataFrame with one row per scenario::

    group | scenario | status (pass / fail / skipped) | detail | elapsed_ms

Scenarios are plain functions of a :class:`MatrixContext`: they raise
``AssertionError`` with a readable message when the API misbehaves, and return a
:class:`ScenarioOutcome` saying what was checked (or why they were skipped). Every
column but ``elapsed_ms`` is the same from run to run when everything passes: no
session id, port, timing or secret ever goes into ``detail``.

Where the credentials come from:

- ``sandbox`` (default): a dedicated sandbox, started for the run on a temporary
  database with two demo merchants (:data:`DEMO_MERCHANT` and
  :data:`SECOND_DEMO_MERCHANT`), so isolation and a restart can be checked and the
  user's own sandbox database is never touched.
- ``beta`` / ``production``: from the environment variables ``PAYPARTS_SL_CODE``,
  ``PAYPARTS_SECRET`` and, for the isolation scenarios, ``PAYPARTS_OTHER_SL_CODE``,
  ``PAYPARTS_OTHER_SECRET`` (or a ``.env`` file in the working directory). Never pass
  a real secret as a notebook parameter: papermill writes parameters into the
  executed notebook.

Against beta or production every ``validation: accepted`` scenario and every
"created" check makes a real session on that sales location.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from .checks.lint import lint_session_request
from .checks.token_checks import token_findings
from .client.environment import BASE_URLS, is_loopback_url
from .client.payparts_client import PayPartsClient
from .rules import examples, money
from .rules.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidSessionIdError,
    NotFoundError,
    PayPartsError,
    RequestRejectedError,
)
from .rules.redaction import basic_credentials_forms, redact
from .rules.resources import CreatedSession, SessionDetails
from .rules.session_token import decode_session_token
from .rules.validation_cases import ACCEPTED_CASES, REJECTED_CASES, ValidationCase
from .sandbox.merchants import DEMO_MERCHANT, SECOND_DEMO_MERCHANT, Merchant

if TYPE_CHECKING:
    import pandas

__all__ = [
    "COLUMNS",
    "SCENARIOS",
    "SECOND_DEMO_MERCHANT",
    "MatrixContext",
    "Scenario",
    "ScenarioOutcome",
    "Target",
    "assert_all_passed",
    "run_matrix",
    "sandbox_target",
    "summary",
    "target_from_parameters",
]

COLUMNS = ("group", "scenario", "status", "detail", "elapsed_ms")
Status = Literal["pass", "fail", "skipped"]

_UNKNOWN_SESSION_ID = "0" * 32
_UNKNOWN_SL_CODE = "SL-0000-0000"
_UNSAFE_SESSION_IDS = ("../start", "a/b", "abc?x=1", "a b", "%2e%2e", "x" * 129, "", "€")
_DETAIL_LIMIT = 300


# --- what to test against --------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where the matrix runs and with which credentials.

    ``base_url=None`` means a dedicated sandbox that :func:`run_matrix` starts (and
    stops) itself, with the two demo merchants; the credentials below are still the
    ones used, so a deliberately wrong secret shows what failures look like.
    ``other_sl_code``/``other_secret`` are a second sales location for the isolation
    scenarios (skipped without them). ``restart`` restarts the sandbox on the same
    database and returns its URL; only :func:`sandbox_target` can offer it.
    """

    base_url: str | None
    sl_code: str
    secret: str = field(repr=False)
    other_sl_code: str = ""
    other_secret: str = field(default="", repr=False)
    restart: Callable[[], str] | None = field(default=None, repr=False, compare=False)

    @property
    def has_other(self) -> bool:
        return bool(self.other_sl_code and self.other_secret)

    def secret_forms(self) -> list[str]:
        """Every text that would reveal one of the secrets (for redaction)."""
        return [
            *basic_credentials_forms(self.sl_code, self.secret),
            *basic_credentials_forms(self.other_sl_code, self.other_secret),
        ]


class _RestartableSandbox:
    """A sandbox on a fixed database that can be stopped and started again."""

    def __init__(self, db_path: Path, merchants: list[Merchant]) -> None:
        from .sandbox import start_sandbox

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
    """
    name = (env or "").strip().lower()
    if name == "sandbox":
        dedicated = not base_url.strip()
        default_other = SECOND_DEMO_MERCHANT if dedicated else None
        return Target(
            base_url=None if dedicated else base_url.strip(),
            sl_code=sl_code or DEMO_MERCHANT.sl_code,
            secret=secret or DEMO_MERCHANT.secret,
            other_sl_code=other_sl_code or (default_other.sl_code if default_other else ""),
            other_secret=other_secret or (default_other.secret if default_other else ""),
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


# --- scenarios ------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioOutcome:
    """What a scenario returns: ``pass`` with what it checked, or ``skipped`` with why."""

    status: Status
    detail: str = ""

    def __post_init__(self) -> None:
        if self.status not in ("pass", "fail", "skipped"):
            raise ValueError(f"status must be pass, fail or skipped, not {self.status!r}")


def passed(detail: str) -> ScenarioOutcome:
    return ScenarioOutcome("pass", detail)


def skipped(reason: str) -> ScenarioOutcome:
    return ScenarioOutcome("skipped", reason)


class MatrixContext:
    """What a scenario works with: the target, clients for it, and a restart.

    Clients are built on first use, so a target the client refuses (an empty secret, a
    plain-http remote host) makes the scenarios that need one fail, each with the
    reason, instead of stopping the run.
    """

    def __init__(self, target: Target) -> None:
        if target.base_url is None:
            raise ValueError("MatrixContext needs a started target (base_url set)")
        self.target = target
        self.base_url: str = target.base_url
        self._clients: list[PayPartsClient] = []
        self._main: PayPartsClient | None = None
        self._other: PayPartsClient | None = None

    @property
    def local_sandbox(self) -> bool:
        """True for a sandbox on this machine: its own violation codes can be compared."""
        return is_loopback_url(self.base_url)

    def new_client(self, sl_code: str, secret: str) -> PayPartsClient:
        """A client for the current URL, closed when the run ends."""
        client = PayPartsClient(sl_code, secret, self.base_url, timeout=15.0)
        self._clients.append(client)
        return client

    @property
    def client(self) -> PayPartsClient:
        if self._main is None:
            self._main = self.new_client(self.target.sl_code, self.target.secret)
        return self._main

    @property
    def other_client(self) -> PayPartsClient:
        if not self.target.has_other:
            raise ConfigurationError("the target has no second sales location")
        if self._other is None:
            self._other = self.new_client(self.target.other_sl_code, self.target.other_secret)
        return self._other

    def restart(self) -> None:
        """Restart the target's sandbox; clients built afterwards use its new URL."""
        if self.target.restart is None:
            raise ConfigurationError("the target cannot be restarted")
        self.base_url = self.target.restart()
        self._main = self._other = None

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()


@dataclass(frozen=True)
class Scenario:
    """One row of the matrix: its group, its name, and the check to run."""

    group: str
    name: str
    check: Callable[[MatrixContext], ScenarioOutcome | None] = field(repr=False)


def _expect_error(
    error_type: type[PayPartsError], call: Callable[[], Any], doing: str
) -> PayPartsError:
    """Run ``call`` and return the ``error_type`` it raises; anything else is a failure."""
    try:
        result = call()
    except error_type as error:
        return error
    except PayPartsError as error:
        raise AssertionError(
            f"{doing}: expected {error_type.__name__}, got {type(error).__name__}: {error}"
        ) from None
    what = "a session was created" if isinstance(result, CreatedSession) else "it succeeded"
    raise AssertionError(f"{doing}: expected {error_type.__name__}, but {what}")


def _not_sent(value: dict[str, Any] | None) -> bool:
    return value is None or value == {}


def _check_fetched(details: SessionDetails, sent: dict[str, Any], label: str) -> None:
    for key in ("amount", "customer", "order"):
        got = getattr(details, key)
        if key in sent:
            assert got == sent[key], f"{label}: GET returned {key} {got!r}, sent {sent[key]!r}"
        else:
            assert _not_sent(got), f"{label}: GET returned {key} {got!r}, but none was sent"


def _check_token(token: str, session_id: str, amount: dict[str, Any], label: str) -> None:
    payload = decode_session_token(token)
    assert payload.session_id == session_id, (
        f"{label}: the token's SessionId is not the session's id"
    )
    assert (payload.amount_value, payload.amount_currency) == (
        amount["value"],
        amount["currency"],
    ), (
        f"{label}: the token's amount is {payload.amount_value} {payload.amount_currency}, "
        f"sent {amount['value']} {amount['currency']}"
    )
    expected = money.format_plain(amount["value"], amount["currency"])
    assert payload.amount_formatted == expected, (
        f"{label}: the token's formatted is {payload.amount_formatted!r}, expected {expected!r} "
        f"by the {amount['currency']} exponent"
    )


def _round_trip(body_of: Callable[[], dict[str, Any]], label: str) -> Callable[..., Any]:
    def check(ctx: MatrixContext) -> ScenarioOutcome:
        sent = body_of()
        created = ctx.client.create_session(sent)
        details = ctx.client.get_session(created.session_id)
        assert details.session_id == created.session_id, f"{label}: GET answered another id"
        assert details.session_token == created.session_token, (
            f"{label}: GET returned another sessionToken than POST"
        )
        _check_fetched(details, sent, label)
        _check_token(created.session_token, created.session_id, sent["amount"], label)
        shown = money.format_plain(sent["amount"]["value"], sent["amount"]["currency"])
        fetched = ", ".join(k for k in ("amount", "customer", "order") if k in sent)
        absent = ", ".join(k for k in ("customer", "order") if k not in sent)
        absent = f" ({absent}: not sent, not returned)" if absent else ""
        return passed(
            f"created; GET returned {fetched} as sent{absent} and the same token; "
            f"token SessionId matches, amount {shown} {sent['amount']['currency']}"
        )

    return check


def _rejected_check(case: ValidationCase) -> Callable[[MatrixContext], ScenarioOutcome]:
    def check(ctx: MatrixContext) -> ScenarioOutcome:
        expected = f"{case.expected_path} {case.expected_code}"
        error = _expect_error(
            RequestRejectedError,
            lambda: ctx.client.create_session(case.request()),
            f"{case.name}: expected a rejection naming {expected}",
        )
        found = [(v.path, v.code) for v in error.violations]
        named = [code for path, code in found if path == case.expected_path]
        listed = "; ".join(f"{p} {c}" for p, c in found) or "no violations"
        assert named, f"no violation at {case.expected_path}; the answer named: {listed}"
        if ctx.local_sandbox:
            assert found == [(case.expected_path, case.expected_code)], (
                f"expected exactly {expected}; the sandbox named: {listed}"
            )
            return passed(f"{error.status_code}: {expected}")
        return passed(
            f"{error.status_code}: {case.expected_path} {'/'.join(map(str, named))} "
            f"(the sandbox's code {case.expected_code} is not compared off the sandbox)"
        )

    return check


def _accepted_check(case: ValidationCase) -> Callable[[MatrixContext], ScenarioOutcome]:
    def check(ctx: MatrixContext) -> ScenarioOutcome:
        try:
            ctx.client.create_session(case.request())
        except RequestRejectedError as error:
            listed = "; ".join(str(v) for v in error.violations) or error.message
            raise AssertionError(f"rejected, expected a session: {listed}") from None
        return passed("created")

    return check


def _wrong_secret(ctx: MatrixContext) -> ScenarioOutcome:
    client = ctx.new_client(ctx.target.sl_code, ctx.target.secret + "-not-the-secret")
    for doing, call in (
        ("POST", lambda: client.create_session(examples.minimum_request())),
        ("GET", lambda: client.get_session(_UNKNOWN_SESSION_ID)),
    ):
        error = _expect_error(AuthenticationError, call, f"{doing} with a wrong secret")
        assert error.status_code == 401, f"{doing}: status {error.status_code}, expected 401"
    return passed("POST and GET: 401 AuthenticationError")


def _unknown_sl_code(ctx: MatrixContext) -> ScenarioOutcome:
    client = ctx.new_client(_UNKNOWN_SL_CODE, ctx.target.secret)
    for doing, call in (
        ("POST", lambda: client.create_session(examples.minimum_request())),
        ("GET", lambda: client.get_session(_UNKNOWN_SESSION_ID)),
    ):
        error = _expect_error(AuthenticationError, call, f"{doing} with SL code {_UNKNOWN_SL_CODE}")
        assert error.status_code == 401, f"{doing}: status {error.status_code}, expected 401"
    return passed(f"{_UNKNOWN_SL_CODE}: POST and GET: 401 AuthenticationError")


def _empty_credentials(ctx: MatrixContext) -> ScenarioOutcome:
    for what, sl_code, secret in (
        ("an empty secret", ctx.target.sl_code, ""),
        ("an empty SL code", "", ctx.target.secret or "x"),
    ):
        _expect_error(
            ConfigurationError,
            lambda sl_code=sl_code, secret=secret: ctx.new_client(sl_code, secret),
            f"a client with {what}",
        )
    return passed("empty secret and empty SL code: ConfigurationError before any request")


def _unknown_session(ctx: MatrixContext) -> ScenarioOutcome:
    error = _expect_error(
        NotFoundError,
        lambda: ctx.client.get_session(_UNKNOWN_SESSION_ID),
        "GET of an id no one created",
    )
    assert error.status_code == 404, f"status {error.status_code}, expected 404"
    return passed(f"GET {_UNKNOWN_SESSION_ID}: 404 NotFoundError")


def _unsafe_ids(ctx: MatrixContext) -> ScenarioOutcome:
    client = ctx.new_client(ctx.target.sl_code, ctx.target.secret)
    for session_id in _UNSAFE_SESSION_IDS:
        _expect_error(
            InvalidSessionIdError,
            lambda session_id=session_id: client.get_session(session_id),
            f"GET of {session_id[:20]!r}",
        )
    calls = len(client.history_frame())
    assert calls == 0, f"the client sent {calls} request(s) for unsafe ids"
    return passed(f"{len(_UNSAFE_SESSION_IDS)} unsafe ids: InvalidSessionIdError, nothing sent")


def _isolation(reader_is_other: bool) -> Callable[[MatrixContext], ScenarioOutcome]:
    def check(ctx: MatrixContext) -> ScenarioOutcome:
        if not ctx.target.has_other:
            return skipped("no second sales location (PAYPARTS_OTHER_SL_CODE/_SECRET)")
        owner, reader = (
            (ctx.client, ctx.other_client) if reader_is_other else (ctx.other_client, ctx.client)
        )
        created = owner.create_session(examples.minimum_request())
        owner.get_session(created.session_id)  # the owner can read it
        error = _expect_error(
            NotFoundError,
            lambda: reader.get_session(created.session_id),
            "GET of another sales location's session",
        )
        assert error.status_code == 404, f"status {error.status_code}, expected 404"
        return passed("the owner reads it; the non-owner gets 404 NotFoundError")

    return check


def _created_token_is_clean(ctx: MatrixContext) -> ScenarioOutcome:
    created = ctx.client.create_session(examples.full_request())
    details = ctx.client.get_session(created.session_id)
    findings = token_findings(decode_session_token(created.session_token), details)
    serious = [f for f in findings if f.level in ("error", "warning")]
    assert not serious, "; ".join(str(f) for f in serious)
    info = len(findings)
    return passed(f"no error or warning findings against the GET answer ({info} info)")


def _example_token_finding(_ctx: MatrixContext) -> ScenarioOutcome:
    findings = token_findings(examples.EXAMPLE_TOKEN)
    hits = [
        f
        for f in findings
        if f.level == "warning"
        and f.path == "Config.amount.formatted"
        and '"299.99"' in f.message
        and '"29.99"' in f.message
    ]
    assert hits, "no 299.99-vs-29.99 warning; findings: " + (
        "; ".join(str(f) for f in findings) or "none"
    )
    return passed('warning Config.amount.formatted: "299.99" where 2999 EUR is "29.99"')


def _full_example_lint(_ctx: MatrixContext) -> ScenarioOutcome:
    findings = lint_session_request(examples.full_request())
    hits = [
        f
        for f in findings
        if f.level == "warning"
        and f.path == "amount.value"
        and "29.98" in f.message
        and "29.99" in f.message
    ]
    assert hits, "no lines-29.98-vs-amount-29.99 warning; findings: " + (
        "; ".join(str(f) for f in findings) or "none"
    )
    errors = [f for f in findings if f.level == "error"]
    assert not errors, "errors in the contract's own example: " + "; ".join(map(str, errors))
    return passed("warning amount.value: lines 29.98 + shipping 0.00 vs amount 29.99 EUR")


def _minimum_example_lint(_ctx: MatrixContext) -> ScenarioOutcome:
    findings = lint_session_request(examples.minimum_request())
    serious = [f for f in findings if f.level in ("error", "warning")]
    assert not serious, "; ".join(map(str, serious))
    return passed("no error or warning")


def _persistence(ctx: MatrixContext) -> ScenarioOutcome:
    if ctx.target.restart is None:
        return skipped("the target cannot be restarted (only a sandbox the matrix started)")
    sent = examples.full_request()
    created = ctx.client.create_session(sent)
    ctx.restart()
    details = ctx.client.get_session(created.session_id)
    assert details.session_token == created.session_token, "another token after the restart"
    _check_fetched(details, sent, "after the restart")
    return passed("created, restarted on the same database, fetched back as sent")


def _scenarios() -> list[Scenario]:
    contract_examples = "contract examples"
    return [
        Scenario(
            contract_examples,
            "minimum example: created and fetched back as sent",
            _round_trip(examples.minimum_request, "minimum example"),
        ),
        Scenario(
            contract_examples,
            "full example: created and fetched back as sent",
            _round_trip(examples.full_request, "full example"),
        ),
        *(
            Scenario("validation", f"rejected: {c.name}", _rejected_check(c))
            for c in REJECTED_CASES
        ),
        *(
            Scenario("validation", f"accepted: {c.name}", _accepted_check(c))
            for c in ACCEPTED_CASES
        ),
        Scenario("authentication", "wrong secret: 401", _wrong_secret),
        Scenario("authentication", "unknown SL code: 401", _unknown_sl_code),
        Scenario(
            "authentication", "empty secret or SL code: refused by the client", _empty_credentials
        ),
        Scenario("unknown session", "unknown session id: 404", _unknown_session),
        Scenario("unsafe id refused locally", "unsafe session ids: nothing sent", _unsafe_ids),
        Scenario(
            "cross-merchant isolation",
            "the other sales location cannot read our session",
            _isolation(reader_is_other=True),
        ),
        Scenario(
            "cross-merchant isolation",
            "we cannot read the other sales location's session",
            _isolation(reader_is_other=False),
        ),
        Scenario(
            "token checks",
            "token of a created session: no error or warning",
            _created_token_is_clean,
        ),
        Scenario(
            "token checks", 'contract example token: the "299.99" finding', _example_token_finding
        ),
        Scenario("lint", "full example: the 29.98-vs-29.99 warning", _full_example_lint),
        Scenario("lint", "minimum example: no error or warning", _minimum_example_lint),
        Scenario(
            "persistence across a sandbox restart",
            "a session survives a restart",
            _persistence,
        ),
    ]


SCENARIOS: tuple[Scenario, ...] = tuple(_scenarios())


# --- running --------------------------------------------------------------------------


def run_matrix(
    target: Target | None = None,
    *,
    on_progress: Callable[[int, int, str], None] | None = None,
    scenarios: tuple[Scenario, ...] | list[Scenario] | None = None,
) -> pandas.DataFrame:
    """Run every scenario against ``target``; one row each, in order (see :data:`COLUMNS`).

    ``target=None`` is :func:`target_from_parameters` ``("sandbox")``: a dedicated
    sandbox with both demo merchants. A target with ``base_url=None`` gets a dedicated
    sandbox (with a restart) and keeps its own credentials. Each scenario's exceptions
    are caught: a failure is a ``fail`` row with the message, never a traceback.
    ``on_progress(done, total, name)`` is called after each scenario.
    """
    target = target if target is not None else target_from_parameters("sandbox")
    chosen = tuple(SCENARIOS if scenarios is None else scenarios)
    if target.base_url is None:
        with sandbox_target() as started:
            run_on = replace(target, base_url=started.base_url, restart=started.restart)
            return _run(run_on, chosen, on_progress)
    return _run(target, chosen, on_progress)


def _run(
    target: Target,
    scenarios: tuple[Scenario, ...],
    on_progress: Callable[[int, int, str], None] | None,
) -> pandas.DataFrame:
    import pandas

    forms = target.secret_forms()
    rows = []
    ctx = MatrixContext(target)
    try:
        for done, scenario in enumerate(scenarios, start=1):
            started = time.perf_counter()
            status, detail = _outcome(scenario, ctx)
            elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
            rows.append((scenario.group, scenario.name, status, _clean(detail, forms), elapsed_ms))
            if on_progress is not None:
                on_progress(done, len(scenarios), scenario.name)
    finally:
        ctx.close()
    frame = pandas.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype({"elapsed_ms": "float64"})


def _outcome(scenario: Scenario, ctx: MatrixContext) -> tuple[Status, str]:
    try:
        outcome = scenario.check(ctx)
    except AssertionError as error:
        return "fail", str(error) or "assertion failed"
    except Exception as error:  # a crash is a failure of that row, never of the run
        return "fail", f"{type(error).__name__}: {error}"
    if outcome is None:
        return "pass", ""
    return outcome.status, outcome.detail


def _clean(detail: str, forms: list[str]) -> str:
    """One line, short, with every secret form masked."""
    text = " ".join(str(redact(detail, forms)).split())
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 1] + "…"


def summary(frame: pandas.DataFrame) -> str:
    """``"82 passed, 0 failed, 0 skipped"``."""
    counts = frame["status"].value_counts()
    return ", ".join(
        f"{int(counts.get(status, 0))} {word}"
        for status, word in (("pass", "passed"), ("fail", "failed"), ("skipped", "skipped"))
    )


def assert_all_passed(frame: pandas.DataFrame) -> None:
    """Raise ``AssertionError`` listing every failed scenario; skipped ones are fine."""
    failed = frame[frame["status"] == "fail"]
    if failed.empty:
        return
    lines = [f"- [{row.group}] {row.scenario}: {row.detail}" for row in failed.itertuples()]
    raise AssertionError(f"{summary(frame)}:\n" + "\n".join(lines))
