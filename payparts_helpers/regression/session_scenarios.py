"""The session API's scenarios: contract examples, validation, auth, isolation, tokens, lint.

Each is a plain function of a :class:`MatrixContext` that raises ``AssertionError``
with a readable message when the API misbehaves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..checks.lint import lint_session_request
from ..checks.token_checks import token_findings
from ..rules import examples, money
from ..rules.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidSessionIdError,
    NotFoundError,
    PayPartsError,
    RequestRejectedError,
)
from ..rules.resources import CreatedSession, SessionDetails
from ..rules.session_token import decode_session_token
from ..rules.validation_cases import ACCEPTED_CASES, REJECTED_CASES, ValidationCase
from .scenario_types import MatrixContext, Scenario, ScenarioOutcome, passed, skipped

__all__ = ["SCENARIOS"]

_UNKNOWN_SESSION_ID = "0" * 32
_UNKNOWN_SL_CODE = "SL-0000-0000"
_UNSAFE_SESSION_IDS = ("../start", "a/b", "abc?x=1", "a b", "%2e%2e", "x" * 129, "", "€")


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
    calls = client.calls_made
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
