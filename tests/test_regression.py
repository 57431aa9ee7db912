"""The regression matrix and the validation cases it shares with the sandbox tests."""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from typing import Any

import pandas as pd
import pytest
import requests

from payparts_helpers.regression import (
    COLUMNS,
    EXCHANGE_GROUP,
    EXCHANGE_SCENARIOS,
    SCENARIOS,
    SECOND_DEMO_MERCHANT,
    Scenario,
    ScenarioOutcome,
    Target,
    assert_all_passed,
    run_matrix,
    sandbox_target,
    summary,
    target_from_parameters,
)
from payparts_helpers.regression.runner import DETAIL_LIMIT, results_html
from payparts_helpers.rules.contract import validate_session_request
from payparts_helpers.rules.errors import ConfigurationError
from payparts_helpers.rules.examples import full_request
from payparts_helpers.rules.redaction import basic_credentials_forms
from payparts_helpers.rules.validation_cases import (
    ACCEPTED_CASES,
    REJECTED_CASES,
    ValidationCase,
    apply_edit,
)
from payparts_helpers.sandbox import DEMO_MERCHANT

# Scenarios besides one per validation case: 2 contract examples, 3 authentication,
# 1 unknown session, 1 unsafe ids, 2 isolation, 2 token checks, 2 lint, 1 persistence,
# and the exchange handler's 10 (tests/test_exchange_conformance.py tests those in depth).
EXCHANGE_COUNT = 10
OTHER_SCENARIOS = 14 + EXCHANGE_COUNT
EXPECTED_COUNT = len(REJECTED_CASES) + len(ACCEPTED_CASES) + OTHER_SCENARIOS
EXCHANGE_NAMES = {s.name for s in EXCHANGE_SCENARIOS}

# What needs no valid credentials: refusals of wrong credentials, local checks, pure rules.
NEEDS_NO_VALID_CREDENTIALS = {
    "wrong secret: 401",
    "unknown SL code: 401",
    "empty secret or SL code: refused by the client",
    "unsafe session ids: nothing sent",
    'contract example token: the "299.99" finding',
    "full example: the 29.98-vs-29.99 warning",
    "minimum example: no error or warning",
}
SKIPPED_WITHOUT_EXTRAS = {
    "the other sales location cannot read our session",
    "we cannot read the other sales location's session",
    "a session survives a restart",
}
SESSION_ID = re.compile(r"\b[0-9a-f]{32}\b")


def stable_text(frame: pd.DataFrame) -> str:
    """The frame as a notebook shows it for comparison: everything but elapsed_ms."""
    with pd.option_context("display.max_colwidth", None, "display.width", 10_000):
        return frame.drop(columns="elapsed_ms").to_string()


def all_secret_forms() -> list[str]:
    return [
        *basic_credentials_forms(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret),
        *basic_credentials_forms(SECOND_DEMO_MERCHANT.sl_code, SECOND_DEMO_MERCHANT.secret),
    ]


# --- the matrix against a dedicated sandbox ---------------------------------------------


def test_every_scenario_passes_against_a_dedicated_sandbox() -> None:
    calls: list[tuple[int, int, str]] = []
    with sandbox_target() as target:
        frame = run_matrix(target, on_progress=lambda *call: calls.append(call))

    assert len(SCENARIOS) == EXPECTED_COUNT
    assert tuple(frame.columns) == COLUMNS
    assert list(frame["scenario"]) == [s.name for s in SCENARIOS]
    assert list(frame["group"]) == [s.group for s in SCENARIOS]
    assert frame["scenario"].is_unique
    assert frame["elapsed_ms"].dtype == "float64"
    assert (frame["elapsed_ms"] >= 0).all()
    assert_all_passed(frame)
    assert set(frame["status"]) == {"pass"}, frame[frame["status"] != "pass"].to_string()
    assert summary(frame) == f"{EXPECTED_COUNT} passed, 0 failed, 0 skipped"
    assert frame["detail"].str.len().gt(0).all()
    assert calls == [(i, EXPECTED_COUNT, s.name) for i, s in enumerate(SCENARIOS, start=1)]


def test_groups_come_in_the_documented_order() -> None:
    groups = list(dict.fromkeys(s.group for s in SCENARIOS))
    assert groups == [
        "contract examples",
        "validation",
        "authentication",
        "unknown session",
        "unsafe id refused locally",
        "cross-merchant isolation",
        "token checks",
        "lint",
        "persistence across a sandbox restart",
        EXCHANGE_GROUP,
    ]
    assert len(EXCHANGE_SCENARIOS) == EXCHANGE_COUNT
    validation = [s.name for s in SCENARIOS if s.group == "validation"]
    assert validation == [f"rejected: {c.name}" for c in REJECTED_CASES] + [
        f"accepted: {c.name}" for c in ACCEPTED_CASES
    ]


def test_a_run_without_a_target_is_repeatable_and_holds_no_secret_id_or_url() -> None:
    first, second = run_matrix(), run_matrix()

    assert summary(first) == f"{EXPECTED_COUNT} passed, 0 failed, 0 skipped"
    assert stable_text(first) == stable_text(second)
    text = stable_text(first) + first.to_string()
    for form in all_secret_forms():
        assert form not in text
    assert not re.search(r"127\.0\.0\.1|https?://[^\s/]*:\d", text)  # no sandbox URL or port
    # The only 32-hex text is the fixed id the unknown-session scenario asks for.
    assert set(SESSION_ID.findall(text)) == {"0" * 32}


# --- broken and limited targets ---------------------------------------------------------


def test_a_wrong_secret_fails_the_scenarios_that_need_it_with_readable_messages() -> None:
    with sandbox_target() as target:
        broken = replace(target, secret="wrong-secret-for-the-test")
        frame = run_matrix(broken)

    assert len(frame) == EXPECTED_COUNT
    passed = set(frame.loc[frame["status"] == "pass", "scenario"])
    assert passed == NEEDS_NO_VALID_CREDENTIALS
    failed = frame[frame["status"] == "fail"]
    assert len(failed) == EXPECTED_COUNT - len(NEEDS_NO_VALID_CREDENTIALS)
    for row in failed.itertuples():
        if row.group == EXCHANGE_GROUP:  # the shop's own checkout is refused: it says so
            assert row.detail.startswith("POST /checkout answered HTTP 502"), row
        else:
            assert "401" in row.detail or "AuthenticationError" in row.detail, row
        assert "Traceback" not in row.detail
        assert "\n" not in row.detail
    rejected = frame.set_index("scenario").loc["rejected: amount.value as a float (29.99)"]
    assert rejected["detail"].startswith(
        "amount.value as a float (29.99): expected a rejection naming amount.value "
        "INVALID_TYPE: expected RequestRejectedError, got AuthenticationError"
    )
    with pytest.raises(AssertionError) as raised:
        assert_all_passed(frame)
    message = str(raised.value)
    assert message.startswith(f"7 passed, {len(failed)} failed, 0 skipped:")
    for name in failed["scenario"]:
        assert f"] {name}: " in message
    for name in NEEDS_NO_VALID_CREDENTIALS:
        assert f"] {name}: " not in message
    assert "wrong-secret-for-the-test" not in message
    assert "wrong-secret-for-the-test" not in frame.to_string()


def test_without_a_second_merchant_or_restart_those_scenarios_are_skipped() -> None:
    with sandbox_target() as target:
        bare = Target(target.base_url, target.sl_code, target.secret)
        frame = run_matrix(bare)

    skipped = frame[frame["status"] == "skipped"]
    assert set(skipped["scenario"]) == SKIPPED_WITHOUT_EXTRAS
    assert skipped["detail"].str.len().gt(0).all()
    assert set(frame.loc[frame["status"] != "skipped", "status"]) == {"pass"}
    assert_all_passed(frame)  # skipped is not failed
    assert summary(frame) == f"{EXPECTED_COUNT - 3} passed, 0 failed, 3 skipped"


def test_a_target_the_client_refuses_fails_per_scenario_without_sending() -> None:
    # Plain http to a remote host: the client refuses to build, so nothing is ever sent.
    frame = run_matrix(Target("http://payparts.invalid", "SL-1234-4321", "irrelevant"))

    passed = set(frame.loc[frame["status"] == "pass", "scenario"])
    assert passed == {
        "empty secret or SL code: refused by the client",
        'contract example token: the "299.99" finding',
        "full example: the 29.98-vs-29.99 warning",
        "minimum example: no error or warning",
    }
    failed = frame[frame["status"] == "fail"]
    assert failed["detail"].str.contains("ConfigurationError: refusing to send credentials").all()
    # Not a sandbox: the exchange handler's rows are skipped (no shop is started, nothing sent).
    skipped = set(frame.loc[frame["status"] == "skipped", "scenario"])
    assert skipped == SKIPPED_WITHOUT_EXTRAS | EXCHANGE_NAMES


def test_a_crashing_or_silent_scenario_is_one_row_and_the_run_goes_on() -> None:
    def crash(_ctx: Any) -> ScenarioOutcome:
        raise KeyError("boom")

    def silent(_ctx: Any) -> None:
        return None

    def skips(_ctx: Any) -> ScenarioOutcome:
        return ScenarioOutcome("skipped", "not here")

    scenarios = [
        Scenario("g", "crash", crash),
        Scenario("g", "silent", silent),
        Scenario("g", "skips", skips),
    ]
    seen: list[tuple[int, int, str]] = []
    frame = run_matrix(
        Target("http://127.0.0.1:9", "SL", "secret-x"),
        scenarios=scenarios,
        on_progress=lambda *call: seen.append(call),
    )
    assert frame[["scenario", "status", "detail"]].to_dict("records") == [
        {"scenario": "crash", "status": "fail", "detail": "KeyError: 'boom'"},
        {"scenario": "silent", "status": "pass", "detail": ""},
        {"scenario": "skips", "status": "skipped", "detail": "not here"},
    ]
    assert seen == [(1, 3, "crash"), (2, 3, "silent"), (3, 3, "skips")]
    assert summary(frame) == "1 passed, 1 failed, 1 skipped"


def test_a_secret_in_a_failure_message_is_masked() -> None:
    def leaks(ctx: Any) -> None:
        raise AssertionError(f"oops {ctx.target.secret} and {ctx.target.other_secret}")

    target = Target("http://127.0.0.1:9", "SL", "s3cr3t-value", "SL-2", "other-s3cr3t")
    frame = run_matrix(target, scenarios=[Scenario("g", "leaks", leaks)])
    assert frame.loc[0, "detail"] == "oops *** and ***"
    assert "s3cr3t" not in repr(target)


def test_assert_all_passed_and_summary_on_a_handmade_frame() -> None:
    rows = [
        ("a", "one", "pass", "", 1.0),
        ("a", "two", "skipped", "why", 1.0),
        ("b", "three", "fail", "it broke", 1.0),
    ]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    assert summary(frame) == "1 passed, 1 failed, 1 skipped"
    with pytest.raises(AssertionError, match=r"- \[b\] three: it broke"):
        assert_all_passed(frame)
    assert_all_passed(frame.iloc[:2])


def test_a_long_detail_stays_whole_on_one_line_and_the_table_shows_it_left_aligned() -> None:
    long = "why: " + " ".join(f"part {i}" for i in range(60))  # ~400 characters

    def explains(_ctx: Any) -> ScenarioOutcome:
        return ScenarioOutcome("skipped", long.replace(" part 30", "\n  part 30"))

    frame = run_matrix(
        Target("http://127.0.0.1:9", "SL", "s"),
        scenarios=[Scenario("g", "<b>bold</b> name", explains)],
    )
    assert frame.loc[0, "detail"] == long  # in full, one line
    assert len(long) < DETAIL_LIMIT
    shown = results_html(frame)
    assert long in shown
    assert "elapsed_ms" not in shown
    assert "&lt;b&gt;bold&lt;/b&gt; name" in shown  # text, never markup
    assert re.search(r"td \{[^}]*text-align: left;[^}]*white-space: normal;", shown)
    assert re.search(r"th \{[^}]*text-align: left;", shown)


# --- the dedicated sandbox --------------------------------------------------------------


def test_sandbox_target_restarts_on_the_same_database_and_cleans_up() -> None:
    from payparts_helpers.client.payparts_client import PayPartsClient

    with sandbox_target() as target:
        assert target.base_url is not None
        assert target.restart is not None
        assert "secret" not in repr(target)
        with PayPartsClient(target.sl_code, target.secret, target.base_url) as client:
            created = client.create_session(full_request())
        url = target.restart()
        with PayPartsClient(target.sl_code, target.secret, url) as client:
            assert client.get_session(created.session_id).order == full_request()["order"]
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)


# --- target_from_parameters -------------------------------------------------------------


def test_sandbox_parameters_mean_a_dedicated_sandbox_with_both_demo_merchants() -> None:
    target = target_from_parameters("sandbox")
    assert target == Target(
        None,
        DEMO_MERCHANT.sl_code,
        DEMO_MERCHANT.secret,
        SECOND_DEMO_MERCHANT.sl_code,
        SECOND_DEMO_MERCHANT.secret,
    )
    external = target_from_parameters(" Sandbox ", base_url="http://127.0.0.1:8765")
    assert (external.base_url, external.sl_code, external.has_other) == (
        "http://127.0.0.1:8765",
        DEMO_MERCHANT.sl_code,
        False,
    )


def test_sandbox_parameters_never_read_credentials_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PAYPARTS_SL_CODE", "SL-REAL-0001")
    monkeypatch.setenv("PAYPARTS_SECRET", "a-real-beta-secret")
    target = target_from_parameters("sandbox")
    assert (target.sl_code, target.secret) == (DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret)


def test_beta_credentials_come_from_the_environment() -> None:
    environ = {
        "PAYPARTS_SL_CODE": "SL-1111-2222",
        "PAYPARTS_SECRET": "beta-secret",
        "PAYPARTS_OTHER_SL_CODE": "SL-3333-4444",
        "PAYPARTS_OTHER_SECRET": "other-beta-secret",
    }
    target = target_from_parameters("beta", environ=environ)
    assert target == Target(
        "https://zero-parts.pay.nl",
        "SL-1111-2222",
        "beta-secret",
        "SL-3333-4444",
        "other-beta-secret",
    )
    assert target.restart is None
    assert "beta-secret" not in repr(target)
    production = target_from_parameters(
        "production", sl_code="SL-5555-6666", base_url="https://example.test", environ=environ
    )
    assert (production.base_url, production.sl_code, production.secret) == (
        "https://example.test",
        "SL-5555-6666",
        "beta-secret",
    )


def test_beta_without_credentials_names_the_missing_variables() -> None:
    with pytest.raises(ConfigurationError, match="needs PAYPARTS_SECRET in the environment"):
        target_from_parameters("beta", environ={"PAYPARTS_SL_CODE": "SL-1111-2222"})
    with pytest.raises(ConfigurationError, match="PAYPARTS_SL_CODE and PAYPARTS_SECRET"):
        target_from_parameters("production", environ={})
    with pytest.raises(ConfigurationError, match="not one of sandbox, beta, production"):
        target_from_parameters("staging", environ={})


# --- the validation cases, one source for the notebook and the tests --------------------


def _at(body: Any, path: str) -> Any:
    for part in path.split("."):
        body = body[int(part)] if isinstance(body, list) else body[part]
    return body


def _has(body: Any, path: str) -> bool:
    try:
        _at(body, path)
    except (KeyError, IndexError):
        return False
    return True


@pytest.mark.parametrize("case", REJECTED_CASES + ACCEPTED_CASES, ids=lambda c: c.name)
def test_apply_edit_changes_only_a_copy(case: ValidationCase) -> None:
    body = full_request()
    before = copy.deepcopy(body)
    edit_before = copy.deepcopy(case.edit)
    edited = apply_edit(body, case.edit)

    assert body == before
    assert edited != before
    kind, path = case.edit[0], case.edit[1]
    if kind == "set":
        assert _at(edited, path) == case.edit[2]
        if isinstance(case.edit[2], dict | list):
            assert _at(edited, path) is not case.edit[2]
    else:
        assert _has(before, path)
        assert not _has(edited, path)
    assert case.edit == edit_before
    assert case.request() == edited


def test_apply_edit_refuses_malformed_edits_and_missing_parents() -> None:
    with pytest.raises(ValueError, match="an edit is"):
        apply_edit(full_request(), ("replace", "returnUrl", 1))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="an edit is"):
        apply_edit(full_request(), ("set", "returnUrl"))  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        apply_edit(full_request(), ("set", "nothing.here", 1))
    with pytest.raises(IndexError):
        apply_edit(full_request(), ("remove", "order.products.5.total"))
    assert apply_edit({"a": [{"b": 1}]}, ("set", "a.0.b", 2)) == {"a": [{"b": 2}]}
    assert apply_edit({"a": [{"b": 1}]}, ("remove", "a.0")) == {"a": []}


@pytest.mark.parametrize("case", REJECTED_CASES, ids=lambda c: c.name)
def test_each_rejected_case_breaks_exactly_its_rule_in_the_contract(case: ValidationCase) -> None:
    found = [(v.path, v.code) for v in validate_session_request(case.request())]
    assert found == [(case.expected_path, case.expected_code)]


@pytest.mark.parametrize("case", ACCEPTED_CASES, ids=lambda c: c.name)
def test_each_accepted_case_passes_the_contract(case: ValidationCase) -> None:
    assert (case.expected_path, case.expected_code) == (None, None)
    assert not case.rejected
    assert validate_session_request(case.request()) == []


def test_cases_are_named_once_and_cover_every_rule() -> None:
    names = [c.name for c in REJECTED_CASES + ACCEPTED_CASES]
    assert len(names) == len(set(names))
    assert all(name and name == name.strip() and "\n" not in name for name in names)
    # One rejected case per rule of the sandbox: every code and every validated field.
    assert {c.expected_code for c in REJECTED_CASES} == {
        "REQUIRED",
        "INVALID_TYPE",
        "INVALID_FORMAT",
        "OUT_OF_RANGE",
        "UNKNOWN_VALUE",
    }
    paths = {re.sub(r"\[\d+\]", "[]", c.expected_path or "") for c in REJECTED_CASES}
    assert {
        "returnUrl",
        "exchangeUrl",
        "amount",
        "amount.value",
        "amount.currency",
        "expire",
        "description",
        "reference",
        "customer",
        "customer.locale",
        "customer.email",
        "customer.phone",
        "customer.address.country",
        "customer.address.houseNumber",
        "order.products",
        "order.products[].quantity",
        "order.products[].unitPrice",
        "order.products[].total",
        "order.products[].vatPercentage",
        "order.shippingCosts",
        "order.totalVat",
    } == paths
