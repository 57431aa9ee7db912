"""Contract drift watch: record a host's answers to the probe set, replay them on a sandbox.

Pay.nl is unreachable from here, so the live side is a deliberately different
stand-in (tests/drift_standin.py: the sandbox answering 200 to a create, another
error shape, the contract example's ``formatted``, no ``order`` on GET). The report
against it must name exactly those differences, each with its assumption number;
against the real sandbox it must be empty. No recorded file holds the marker secret,
base64("sl:secret") padded or not, or an Authorization header.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from payparts_helpers.checks.drift import (
    ASPECTS,
    DriftRow,
    Exchange,
    compare_recordings,
    document_rows,
    drift_table,
)
from payparts_helpers.client.environment import ClientSettings
from payparts_helpers.drift import (
    PROBES,
    WRONG_SECRET,
    DriftReport,
    Recording,
    RecordingError,
    load_recording,
    record,
    replay,
)
from payparts_helpers.rules.contract import validate_session_request
from payparts_helpers.rules.session_token import decode_session_token
from payparts_helpers.sandbox import Merchant, start_sandbox

from .drift_standin import contract_formatted, running_standin

MARKER = Merchant("SL-7777-0003", "drift-marker-3b9e1f07", "Drift Shop")
ERROR_PROBES = (
    "float amount",
    "unknown currency",
    "missing returnUrl",
    "bad e-mail",
    "wrong secret",
    "unknown session id",
    "malformed session id",
)
CREATES = ("minimum example", "full example", "past expire")

# The stand-in's four differences, as the report must show them, and nothing else. The
# two "OpenAPI" rows are differences 1 and 2 again, seen from the sandbox's OpenAPI
# document: a 200 it does not list, and error bodies that are not its Problem schema.
EXPECTED_STANDIN_ROWS = [
    ("status", "200", "201", 1, CREATES),
    (
        "top-level keys",
        "amount, customer, sessionId, sessionToken",
        "amount, customer, order, sessionId, sessionToken",
        9,
        ("GET full example", "GET past expire"),
    ),
    ("error shape", "error", "detail, title, type, violations", 2, ERROR_PROBES),
    (
        "token formatted",
        '"10.00" for 100 EUR',
        '"1.00" for 100 EUR',
        8,
        ("minimum example", "GET minimum example"),
    ),
    (
        "token formatted",
        '"299.99" for 2999 EUR',
        '"29.99" for 2999 EUR',
        8,
        ("full example", "past expire", "GET full example", "GET past expire"),
    ),
    ("OpenAPI: status", "200", "not listed; 2xx listed: 201", 1, CREATES),
    (
        "OpenAPI: body",
        "detail missing; title missing; type missing; violations missing",
        "the document's Problem schema",
        2,
        ERROR_PROBES,
    ),
]


def forms(sl_code: str, secret: str) -> list[str]:
    encoded = base64.b64encode(f"{sl_code}:{secret}".encode()).decode()
    return [secret, encoded, encoded.rstrip("=")]


FORBIDDEN = forms(MARKER.sl_code, MARKER.secret) + forms(MARKER.sl_code, WRONG_SECRET)
_BASIC_VALUE = re.compile(rb"Basic\s+[A-Za-z0-9+/]{12,}={0,2}")


def settings(url: str) -> ClientSettings:
    return ClientSettings("beta", url, MARKER.sl_code, MARKER.secret)


@pytest.fixture(scope="module")
def standin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("standin") / "standin.sqlite3"
    with running_standin(db, [MARKER]) as url:
        yield url


@pytest.fixture(scope="module")
def marker_sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("marker") / "marker.sqlite3"
    with start_sandbox(db_path=db, merchants=[MARKER]) as sandbox:
        yield sandbox.url


@pytest.fixture(scope="module")
def standin_recording(standin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Recording:
    return record(tmp_path_factory.mktemp("rec") / "standin", settings(standin_url))


@pytest.fixture(scope="module")
def sandbox_recording(
    marker_sandbox_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Recording:
    return record(tmp_path_factory.mktemp("rec") / "sandbox", settings(marker_sandbox_url))


@pytest.fixture(scope="module")
def standin_report(standin_recording: Recording) -> DriftReport:
    return replay(standin_recording.directory)


def as_tuples(rows: list[DriftRow] | tuple[DriftRow, ...]) -> list[tuple[Any, ...]]:
    return [(r.aspect, r.live, r.sandbox, r.assumption, r.probes) for r in rows]


# --- the report against the stand-in, and against the sandbox itself ---------------------------


def test_the_standin_differs_exactly_as_its_docstring_says() -> None:
    assert contract_formatted(2999) == "299.99"  # the contract's example token
    example = decode_session_token(
        "st_eyJTZXNzaW9uSWQiOiJhM2ZjNDRjNTMyNzg0Y2UxYjhhYzJmMmEwMDNlMTIzOSIsIkNvbmZpZyI6eyJtZXJj"
        "aGFudE5hbWUiOiJDYW55b24gQmlrZXMiLCJhbW91bnQiOnsidmFsdWUiOjI5OTksImN1cnJlbmN5IjoiRVVSIiwi"
        "Zm9ybWF0dGVkIjoiMjk5Ljk5In19fQ=="
    )
    assert example.amount_formatted == contract_formatted(example.amount_value or 0)


def test_the_report_against_the_standin_names_exactly_its_differences(
    standin_report: DriftReport,
) -> None:
    assert as_tuples(standin_report.rows) == EXPECTED_STANDIN_ROWS, drift_table(standin_report.rows)
    assert not standin_report.agrees
    assert {row.assumption for row in standin_report.rows} == {1, 2, 8, 9}


def test_docs_drift_md_shows_the_report_against_the_standin(standin_report: DriftReport) -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "drift.md").read_text("utf-8")
    shown = re.search(r"```text\n(.*?)```", text, re.DOTALL)
    assert shown is not None, "docs/drift.md has no ```text block with the report"
    assert shown.group(1) == drift_table(standin_report.rows)


def test_every_probe_was_recorded_and_replayed(standin_report: DriftReport) -> None:
    assert [e.probe for e in standin_report.live] == [p.name for p in PROBES]
    assert [e.probe for e in standin_report.sandbox] == [p.name for p in PROBES]
    statuses = standin_report.probes_frame().set_index("probe")
    assert statuses.loc["minimum example"].tolist()[1:] == ["200", "201"]
    assert statuses.loc["wrong secret"].tolist()[1:] == ["401", "401"]


def test_recording_against_the_sandbox_reports_no_drift(sandbox_recording: Recording) -> None:
    report = replay(sandbox_recording.directory)
    assert report.rows == (), drift_table(report.rows)
    assert report.agrees
    assert report.verdict() == (
        "no drift: the sandbox answered all 13 probes as the recorded host (beta) did"
    )
    assert sandbox_recording.undescribed() == 0


def test_the_recording_checks_live_answers_against_the_openapi_document(
    standin_recording: Recording,
) -> None:
    # 3 creates answered 200 (not listed) and 7 error bodies that are not problem details.
    assert standin_recording.undescribed() == 10
    rows = document_rows(standin_recording.exchanges)
    assert [r.aspect for r in rows] == ["OpenAPI: status", "OpenAPI: body"]
    assert "10 of the answers are not described" in standin_recording.summary()


def test_the_report_is_the_same_on_every_replay(standin_recording: Recording) -> None:
    first, second = replay(standin_recording.directory), replay(standin_recording.exchanges)
    assert first.to_json() == second.to_json()
    assert first.text() == second.text()


# --- no secret on disk ---------------------------------------------------------------------------


def authorization_keys(value: object) -> list[str]:
    if isinstance(value, dict):
        return [
            *(k for k in value if str(k).lower() == "authorization"),
            *(k for v in value.values() for k in authorization_keys(v)),
        ]
    if isinstance(value, list):
        return [k for v in value for k in authorization_keys(v)]
    return []


@pytest.mark.parametrize("which", ["standin_recording", "sandbox_recording"])
def test_recorded_files_hold_no_secret_and_no_authorization_header(
    which: str, request: pytest.FixtureRequest
) -> None:
    recording: Recording = request.getfixturevalue(which)
    files = sorted(recording.directory.iterdir())
    assert len(files) == len(PROBES)
    for file in files:
        raw = file.read_bytes()
        for form in FORBIDDEN:
            assert form.encode() not in raw, f"{file.name} holds {form[:6]}…"
        assert not _BASIC_VALUE.search(raw), f"{file.name} holds a Basic credential"
        assert authorization_keys(json.loads(raw)) == [], f"{file.name} keeps Authorization"
    assert all(f.suffix == ".json" for f in files)


def test_a_secret_in_an_answer_is_masked_before_it_is_written(
    marker_sandbox_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host that echoes the credentials (here: every answer) still leaves no trace."""
    from payparts_helpers.drift import recording as recording_module

    echoed = base64.b64encode(f"{MARKER.sl_code}:{MARKER.secret}".encode()).decode()
    original = recording_module._response_json

    def echoing(response: Any) -> dict[str, Any] | None:
        data = original(response)
        if data is not None:
            data["body"] = {"echo": f"Basic {echoed}", "secret": MARKER.secret, "was": data["body"]}
        return data

    monkeypatch.setattr(recording_module, "_response_json", echoing)
    made = record(tmp_path / "echo", settings(marker_sandbox_url))
    for file in made.directory.iterdir():
        raw = file.read_bytes()
        assert all(form.encode() not in raw for form in FORBIDDEN), file.name
        assert b'"echo": "Basic ***"' in raw


# --- the probe set ------------------------------------------------------------------------------


def test_each_validation_probe_breaks_the_one_rule_it_names() -> None:
    expected = {
        "float amount": "amount.value",
        "unknown currency": "amount.currency",
        "missing returnUrl": "returnUrl",
        "bad e-mail": "customer.email",
    }
    for probe in PROBES:
        if probe.method != "POST":
            continue
        paths = [v.path for v in validate_session_request(probe.request_body())]
        assert paths == ([expected[probe.name]] if probe.kind == "refused" else []), probe.name
    names = [p.name for p in PROBES]
    assert len(set(names)) == len(names)
    fetched = {p.of for p in PROBES if p.of}
    assert fetched == {p.name for p in PROBES if p.kind == "accepted"}


# --- the comparison on its own (pure) --------------------------------------------------------


def edited(exchanges: tuple[Exchange, ...], probe: str, **changes: Any) -> list[Exchange]:
    return [dataclasses.replace(e, **changes) if e.probe == probe else e for e in exchanges]


def body_of(exchanges: tuple[Exchange, ...], probe: str) -> dict[str, Any]:
    return json.loads(json.dumps(next(e for e in exchanges if e.probe == probe).body))


def only_row(live: list[Exchange], sandbox: tuple[Exchange, ...]) -> tuple[Any, ...]:
    rows = [r for r in compare_recordings(live, sandbox) if not r.aspect.startswith("OpenAPI")]
    assert len(rows) == 1, drift_table(rows)
    row = rows[0]
    return row.aspect, row.assumption, row.probes


def test_identical_recordings_do_not_differ(sandbox_recording: Recording) -> None:
    exchanges = sandbox_recording.exchanges
    assert compare_recordings(exchanges, exchanges) == []
    assert document_rows(exchanges) == []


@pytest.mark.parametrize(
    ("probe", "status", "assumption"),
    [
        ("float amount", 201, 13),  # the live host accepts a float amount
        ("unknown currency", 201, 15),
        ("missing returnUrl", 201, 11),
        ("bad e-mail", 201, 18),
        ("past expire", 422, 16),  # the live host refuses a past expire
        ("full example", 422, 20),
        ("float amount", 400, 4),  # refused, with another status
        ("wrong secret", 403, 4),
        ("unknown session id", 400, 5),
        ("GET full example", 404, 1),
    ],
)
def test_a_status_difference_names_the_rule_of_its_probe(
    sandbox_recording: Recording, probe: str, status: int, assumption: int
) -> None:
    exchanges = sandbox_recording.exchanges
    live = edited(exchanges, probe, status=status, body={}, body_is_json=True)
    rows = compare_recordings(live, exchanges)
    assert (rows[0].aspect, rows[0].assumption, rows[0].probes) == (
        "status",
        assumption,
        (probe,),
    )


def _token(session_id: str, *, config: dict[str, Any], spaced: bool = False) -> str:
    separators = (", ", ": ") if spaced else (",", ":")
    text = json.dumps({"SessionId": session_id, "Config": config}, separators=separators)
    return "st_" + base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("change", "aspect", "assumption"),
    [
        ("url-safe unpadded", "token base64", 8),
        ("no prefix", "token prefix", 8),
        ("spaced JSON", "token JSON", 8),
        ("key order", "token key order", 8),
        ("uuid id", "sessionId shape", 7),
        ("extra key", "top-level keys", None),
    ],
)
def test_token_and_id_layouts_are_compared(
    sandbox_recording: Recording, change: str, aspect: str, assumption: int | None
) -> None:
    exchanges = sandbox_recording.exchanges
    body = body_of(exchanges, "minimum example")
    fetched = body_of(exchanges, "GET minimum example")
    payload = decode_session_token(body["sessionToken"]).raw
    session_id, config = payload["SessionId"], payload["Config"]
    token = body["sessionToken"]
    if change == "url-safe unpadded":
        token = url_safe_unpadded_token(session_id, config)
    elif change == "no prefix":
        token = token.removeprefix("st_")
    elif change == "spaced JSON":
        token = _token(session_id, config=config, spaced=True)
    elif change == "key order":
        token = _token(session_id, config=dict(reversed(config.items())))
    elif change == "uuid id":
        body["sessionId"] = fetched["sessionId"] = "0b9c6d2e-6a44-4d7c-9a43-1b2c3d4e5f60"
        token = _token(body["sessionId"], config=config)
    elif change == "extra key":
        body["expiresAt"] = "2026-12-31T23:59:59Z"
    body["sessionToken"] = fetched["sessionToken"] = token  # GET returns the created token
    live = edited(exchanges, "minimum example", body=body)
    live = edited(tuple(live), "GET minimum example", body=fetched)
    token_aspect = aspect.startswith("token")
    probes = ("minimum example", "GET minimum example") if token_aspect else ("minimum example",)
    assert only_row(live, exchanges) == (aspect, assumption, probes)


def url_safe_unpadded_token(session_id: str, config: dict[str, Any]) -> str:
    """A token in the URL-safe alphabet without its padding (a merchant name that needs both)."""
    for extra in range(12):
        named = {**config, "merchantName": "Demo Shop " + "?" * extra + ">"}
        standard = _token(session_id, config=named)
        if any(c in standard for c in "+/") and standard.endswith("="):
            return standard.replace("+", "-").replace("/", "_").rstrip("=")
    raise AssertionError("no merchant name gives a token with + or / and padding")


def test_error_bodies_are_compared_field_by_field(sandbox_recording: Recording) -> None:
    exchanges = sandbox_recording.exchanges
    body = body_of(exchanges, "float amount")
    body["violations"][0]["propertyPath"] = "amount"
    assert only_row(edited(exchanges, "float amount", body=body), exchanges) == (
        "violation paths",
        3,
        ("float amount",),
    )
    body = body_of(exchanges, "wrong secret")
    body["type"] = "about:blank"
    assert only_row(edited(exchanges, "wrong secret", body=body), exchanges) == (
        "error type",
        2,
        ("wrong secret",),
    )
    live = edited(exchanges, "wrong secret", www_authenticate=None)
    assert only_row(live, exchanges) == ("WWW-Authenticate", 4, ("wrong secret",))
    html = edited(
        exchanges,
        "unknown session id",
        content_type="text/html",
        body="<html>404</html>",
        body_is_json=False,
    )
    rows = compare_recordings(html, exchanges)
    assert [(r.aspect, r.assumption) for r in rows] == [
        ("content type", 2),
        ("error shape", 2),
        ("OpenAPI: content type", 2),
    ]


def test_what_get_returns_is_compared_with_what_was_sent(sandbox_recording: Recording) -> None:
    exchanges = sandbox_recording.exchanges
    body = body_of(exchanges, "GET full example")
    body["order"]["totalVat"] = 210
    assert only_row(edited(exchanges, "GET full example", body=body), exchanges) == (
        "GET order",
        9,
        ("GET full example",),
    )
    row = compare_recordings(edited(exchanges, "GET full example", body=body), exchanges)[0]
    assert (row.live, row.sandbox) == ("order.totalVat = 210", "order.totalVat = 629")
    other = body_of(exchanges, "GET minimum example")["sessionToken"]
    body = body_of(exchanges, "GET full example")
    body["sessionToken"] = other
    rows = compare_recordings(edited(exchanges, "GET full example", body=body), exchanges)
    assert "GET sessionToken" in [r.aspect for r in rows]


def test_rows_come_in_the_order_of_their_aspects(standin_report: DriftReport) -> None:
    ranks = [ASPECTS.index(r.aspect) for r in standin_report.rows]
    assert ranks == sorted(ranks)


def test_a_directory_that_is_not_a_recording_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="not a directory"):
        load_recording(tmp_path / "missing")
    with pytest.raises(RecordingError, match="no recorded exchanges"):
        load_recording(tmp_path)
    (tmp_path / "01-x.json").write_text('{"format": "something else"}')
    with pytest.raises(RecordingError, match="is not a recorded exchange"):
        load_recording(tmp_path)


# --- the CLI ---------------------------------------------------------------------------------


def payparts(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PAYPARTS_")}
    environ.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "payparts_helpers.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environ,
        cwd=cwd,
    )
    for form in FORBIDDEN:
        assert form not in result.stdout + result.stderr, f"payparts {args[0]} shows {form[:6]}…"
    return result


def beta_env(url: str, secret: str = MARKER.secret) -> dict[str, str]:
    return {
        "PAYPARTS_BASE_URL": url,
        "PAYPARTS_SL_CODE": MARKER.sl_code,
        "PAYPARTS_SECRET": secret,
    }


@pytest.mark.slow
def test_cli_record_then_drift_against_the_standin(standin_url: str, tmp_path: Path) -> None:
    out = tmp_path / "recorded"
    recorded = payparts("record", "--env", "beta", "--out", str(out), env=beta_env(standin_url))
    assert recorded.returncode == 0, recorded.stderr
    assert f"recorded 13 exchanges from beta ({standin_url}) in {out}" in recorded.stdout
    assert f"payparts drift {out}" in recorded.stdout
    assert "13/13" in recorded.stderr  # the progress bar (or counter) on stderr
    assert len(list(out.glob("*.json"))) == 13

    table = payparts("drift", str(out))
    assert table.returncode == 1, table.stderr
    assert "token formatted" in table.stdout
    assert "drift: 7 differences in 13 of 13 probes" in table.stdout

    as_json = payparts("drift", str(out), "--format", "json")
    assert as_json.returncode == 1
    document = json.loads(as_json.stdout)
    assert document["differences"] == 7
    assert document["recording"]["environment"] == "beta"
    got = [
        (r["aspect"], r["live"], r["sandbox"], r["assumption"], tuple(r["probe"].split(", ")))
        for r in document["rows"]
    ]
    assert got == EXPECTED_STANDIN_ROWS
    assert set(document["rows"][0]) == {"probe", "aspect", "live", "sandbox", "assumption", "note"}


@pytest.mark.slow
def test_cli_drift_exits_0_without_drift(marker_sandbox_url: str, tmp_path: Path) -> None:
    out = tmp_path / "sandbox"
    recorded = payparts(
        "record", "--env", "sandbox", "--out", str(out), env=beta_env(marker_sandbox_url)
    )
    assert recorded.returncode == 0, recorded.stderr
    assert "every answer is described by the sandbox's OpenAPI document" in recorded.stdout
    result = payparts("drift", str(out), "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["rows"] == []
    assert "no drift" in payparts("drift", str(out)).stdout


@pytest.mark.slow
def test_cli_record_writes_to_a_default_directory(standin_url: str, tmp_path: Path) -> None:
    result = payparts("record", "--env", "beta", env=beta_env(standin_url), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (made,) = tmp_path.iterdir()
    assert re.fullmatch(r"drift-beta-\d{8}T\d{6}Z", made.name)
    assert len(list(made.glob("*.json"))) == 13


def test_cli_exit_codes_when_it_cannot_run(standin_url: str, tmp_path: Path) -> None:
    missing = payparts("drift", str(tmp_path / "nothing"))
    assert missing.returncode == 2
    assert "is not a directory" in missing.stderr
    (tmp_path / "junk.json").write_text("[]")
    junk = payparts("drift", str(tmp_path))
    assert junk.returncode == 2
    assert "is not a recorded exchange" in junk.stderr
    occupied = payparts(
        "record", "--env", "beta", "--out", str(tmp_path), env=beta_env(standin_url)
    )
    assert occupied.returncode == 2
    assert "already exists" in occupied.stderr
    unconfigured = payparts("record", "--env", "beta", "--out", str(tmp_path / "new"))
    assert unconfigured.returncode == 2
    assert "PAYPARTS_SL_CODE" in unconfigured.stderr
    assert not (tmp_path / "new").exists()


def test_cli_record_with_refused_credentials_writes_nothing(
    standin_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "refused"
    result = payparts(
        "record", "--env", "beta", "--out", str(out), env=beta_env(standin_url, "not-it")
    )
    assert result.returncode == 1, result.stderr
    assert "refused the credentials" in result.stderr
    assert not out.exists()
    assert "not-it" not in result.stderr
