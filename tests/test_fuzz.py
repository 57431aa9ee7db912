"""Hypothesis on what people and scripts type: the forms' submit path and the CLI's main().

Invariants, whatever the input:

* a form's ``submit()`` (and typing into a field) never raises; ``.error`` is None
  or a :class:`PayPartsError` (the forms' ``NotSentError`` is one); against a running
  sandbox it is never a 5xx or a transport error; no Output shows a traceback;
* ``payparts_helpers.cli.main(argv)`` returns 0, 1 or 2 (argparse's ``SystemExit(2)``
  counts as 2, ``--help``'s ``SystemExit(0)`` as 0), raises nothing else, and writes
  no traceback. stdout is strict UTF-8 and stderr ``backslashreplace``, as in a real
  process, so text that a real terminal cannot take fails here too.

``decode_session_token`` and ``lint_session_request`` themselves are fuzzed in
``test_session_token.py`` and ``test_lint.py``. Inputs that broke something once are
pinned as ``@example``s and in the plain tests at the end, so they fail the same way
on every run.
"""

from __future__ import annotations

import base64
import io
import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st

from payparts_helpers.cli import main as cli_main
from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.rules import money
from payparts_helpers.rules.errors import PayPartsError, TransportError
from payparts_helpers.sandbox import DEMO_MERCHANT, SandboxHandle
from payparts_helpers.widgets import (
    CreateSessionForm,
    GetSessionForm,
    TokenInspector,
    sent_registry,
)

# No shrink phase: shrinking a form or CLI failure replays slow examples for minutes;
# the smallest known breaking inputs are pinned below instead.
FUZZ = settings(
    max_examples=300,  # ~5 ms each: about 1.5 s per test
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
FORM_FUZZ = settings(FUZZ, max_examples=150)  # a form is ~30 ms to build, lint and send

BIG_INT = "1" * 5000  # past Python's 4300-digit limit for int <-> str
LONE_SURROGATES = ["\ud800", "\udfff", "x\udc80y"]

# --- strategies -------------------------------------------------------------------------------

# Numbers as people (and pastes) write them, and the ones that break arithmetic.
MONEY_TEXT = st.one_of(
    st.text(max_size=24),
    st.from_regex(r"\A[-+]?[0-9]{0,22}(\.[0-9]{0,5})?([eE][-+]?[0-9]{1,9})?\Z"),
    st.sampled_from(
        ["1e999999", "-1e999999999", "1e-999999", "1e5000", BIG_INT, "NaN", "-Infinity", "sNaN"]
    ),
    st.sampled_from(["29,99", " 29.99 ", "1_000", "٣", "0x10", "-0", "+1", "1e2", "."]),
)

SURROGATE_TEXT = st.text(st.characters(exclude_categories=()), max_size=8) | st.sampled_from(
    LONE_SURROGATES
)

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and ±Infinity included: json.dumps writes them as bare words
    | st.text(max_size=12)
    | SURROGATE_TEXT,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=10) | SURROGATE_TEXT, children, max_size=3)
    ),
    max_leaves=8,
)
REQUEST_KEYS = st.sampled_from(
    ["amount", "customer", "order", "description", "reference", "expire", "returnUrl", "x"]
)
EXTRA_JSON = st.one_of(
    st.text(max_size=40),
    st.dictionaries(REQUEST_KEYS, JSON_VALUES, max_size=3).map(json.dumps),
    JSON_VALUES.map(json.dumps),
    st.sampled_from(
        [
            "[" * 5000,
            '{"reference": ' + BIG_INT + "}",
            '{"customer": {"x": NaN}}',
            '{"description": "\\ud800"}',
        ]
    ),
)


def _token_of(document: Any) -> str:
    text = document if isinstance(document, str) else json.dumps(document)
    return "st_" + base64.b64encode(text.encode("utf-8", "surrogatepass")).decode()


TOKEN_DOCUMENTS = st.fixed_dictionaries(
    {
        "SessionId": st.text(max_size=40) | JSON_VALUES,
        "Config": st.fixed_dictionaries(
            {
                "merchantName": st.text(max_size=20) | SURROGATE_TEXT | JSON_VALUES,
                "amount": st.fixed_dictionaries(
                    {
                        "value": st.integers() | JSON_VALUES,
                        "currency": st.sampled_from(money.currency_codes()) | st.text(max_size=4),
                        "formatted": st.text(max_size=10) | JSON_VALUES,
                    }
                )
                | JSON_VALUES,
            }
        ),
    }
)
TOKENS = st.one_of(
    st.text(max_size=80),
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_", max_size=80).map(
        lambda body: "st_" + body
    ),
    TOKEN_DOCUMENTS.map(_token_of),
    JSON_VALUES.map(_token_of),
)
BIG_INT_TOKEN = _token_of(
    '{"SessionId":"0","Config":{"merchantName":"x","amount":{"value":'
    + BIG_INT
    + ',"currency":"EUR","formatted":"1"}}}'
)
SURROGATE_TOKEN = _token_of(
    {
        "SessionId": "0" * 32,
        "Config": {
            "merchantName": "\ud800",
            "amount": {"value": 1, "currency": "EUR", "formatted": "0.01"},
        },
    }
)

# --- the forms --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(sandbox: SandboxHandle) -> Iterator[PayPartsClient]:
    with PayPartsClient(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, sandbox.url) as c:
        yield c


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    sent_registry.clear()
    yield
    sent_registry.clear()


def _outputs_text(*outputs: Any) -> str:
    return json.dumps([o.outputs for o in outputs], ensure_ascii=False, default=str)


def assert_handled(form: Any, *shown: str) -> None:
    """The form's outcome is a result or a PayPartsError, and nothing shows a traceback."""
    error = form.error
    assert error is None or isinstance(error, PayPartsError), f"{type(error).__name__}: {error}"
    if error is None:
        assert form.result is not None
    else:
        assert not isinstance(error, TransportError), f"the sandbox is up, yet: {error}"
        assert error.status_code is None or error.status_code < 500, f"a sandbox 5xx: {error}"
    for text in (_outputs_text(form.output), *shown):
        assert "Traceback" not in text


FORM_FIELDS = {
    "amount": "amount",
    "shipping": "shipping_costs",
    "total_vat": "total_vat",
    "description": "description",
    "email": "email",
    "phone": "phone",
    "expire": "expire",
    "extra": "extra_json",
}


def fill(form: CreateSessionForm, values: dict[str, str]) -> None:
    """Type each value into its field, the way a person does (each edit re-lints the form)."""
    for key, attribute in FORM_FIELDS.items():
        if key in values:
            getattr(form, attribute).value = values[key]


def _or_empty(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Mostly empty (the field is then not sent), so that a fair share of requests is sent."""
    return st.one_of(st.just(""), st.just(""), st.just(""), strategy)


@FORM_FUZZ
@given(
    amount=st.from_regex(r"\A[0-9]{1,6}(\.[0-9]{1,3})?\Z") | MONEY_TEXT,
    shipping=_or_empty(MONEY_TEXT),
    total_vat=_or_empty(MONEY_TEXT),
    description=_or_empty(st.text(max_size=40)),
    email=_or_empty(st.text(max_size=30) | st.emails().map(str)),
    phone=_or_empty(st.text(max_size=20) | st.from_regex(r"\A\+[0-9]{6,16}\Z")),
    expire=_or_empty(st.text(max_size=30) | st.datetimes().map(lambda d: d.isoformat() + "Z")),
    extra=_or_empty(EXTRA_JSON),
    currency=st.sampled_from(["EUR", "JPY", "KWD"]) | st.sampled_from(money.currency_codes()),
)
@example(  # what a person types, sent and created
    amount="29.99",
    shipping="0.00",
    total_vat="",
    description="Order #1",
    email="john.doe@example.com",
    phone="+31612345678",
    expire="2030-01-01T00:00:00Z",
    extra="",
    currency="EUR",
)
def test_create_form_submit_never_raises(client: PayPartsClient, currency: str, **values) -> None:
    form = CreateSessionForm(client=client)
    form.currency.value = currency
    fill(form, values)
    form.submit()
    event(type(form.error).__name__)  # --hypothesis-show-statistics: how many were sent
    assert_handled(form, form.findings_area.value)


@FUZZ
@given(token=TOKENS)
@example(token=BIG_INT_TOKEN)
@example(token=SURROGATE_TOKEN)
def test_token_inspector_never_raises(token: str) -> None:
    inspector = TokenInspector()
    inspector.token.value = token  # decoded on every edit
    inspector.submit()
    error = inspector.error
    assert error is None or isinstance(error, PayPartsError), f"{type(error).__name__}: {error}"
    assert (inspector.result is None) == (error is not None) or not token.strip()
    assert "Traceback" not in _outputs_text(inspector.output)


@FUZZ
@given(session_id=st.text(max_size=140) | st.from_regex(r"\A[0-9a-f]{30,34}\Z"))
def test_get_form_submit_never_raises(client: PayPartsClient, session_id: str) -> None:
    form = GetSessionForm(client=client, session_id=session_id)
    form.session_id.value = session_id
    form.submit()
    assert_handled(form)


# --- the CLI, in-process ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_env(sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """PAYPARTS_* for the test sandbox, and a working directory without a .env file."""
    workdir = tmp_path_factory.mktemp("cli-fuzz")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PAYPARTS_ENV", "sandbox")
        patch.setenv("PAYPARTS_BASE_URL", sandbox.url)
        patch.setenv("PAYPARTS_SL_CODE", DEMO_MERCHANT.sl_code)
        patch.setenv("PAYPARTS_SECRET", DEMO_MERCHANT.secret)
        patch.chdir(workdir)
        yield workdir


def run_cli(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    """main(argv) with a real process's stream encodings; (exit code, stdout, stderr)."""
    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", errors="strict", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", write_through=True)
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(sys, "stdin", io.StringIO(stdin)))
        stack.enter_context(mock.patch.object(sys, "stdout", stdout))
        stack.enter_context(mock.patch.object(sys, "stderr", stderr))
        try:
            code = cli_main(argv)
        except SystemExit as exc:  # argparse: 2 for a usage error, 0 for --help
            code = exc.code
    text = err.getvalue().decode("utf-8")
    assert code in (0, 1, 2), f"exit code {code!r} for {argv!r}: {text[-500:]}"
    assert "Traceback" not in text
    return code, out.getvalue().decode("utf-8"), text


WORDS = st.sampled_from(
    [
        "create",
        "get",
        "decode",
        "lint",
        "bogus",
        "-h",
        "--help",
        "--format",
        "json",
        "table",
        "--strict",
        "--json",
        "--amount",
        "--currency",
        "EUR",
        "JPY",
        "--return-url",
        "--exchange-url",
        "https://shop.nl/r",
        "--description",
        "--reference",
        "--no-lint",
        "--form",
        "--amo",
        "-",
        "--",
        "2999",
        "0" * 32,
        "29.99",
        "",
    ]
)
ARGV = st.lists(WORDS | st.text(max_size=16), max_size=10).filter(lambda a: "sandbox" not in a)


@FUZZ
@given(argv=ARGV, stdin=st.text(max_size=60) | EXTRA_JSON)
@example(argv=["lint", "a\x00b"], stdin="")
@example(argv=["create", "--json", "-", "--no-lint"], stdin='{"description": "\\ud800"}')
def test_cli_main_exits_0_1_or_2(cli_env: Path, argv: list[str], stdin: str) -> None:
    run_cli(argv, stdin)  # never "sandbox": that one serves in the foreground until stopped


FORMAT_FLAGS = st.lists(st.sampled_from(["--format", "json", "table", "--strict"]), max_size=3)


@FUZZ
@given(
    content=st.binary(max_size=200)
    | st.text(max_size=200).map(str.encode)
    | EXTRA_JSON.map(lambda text: text.encode("utf-8", "surrogatepass")),
    flags=FORMAT_FLAGS,
)
@example(content=b'{"amount": {"value": ' + BIG_INT.encode() + b"}}", flags=[])
@example(content=b'{"description": "\\ud800"}', flags=["--format", "json"])
def test_cli_lint_of_any_file_exits_0_1_or_2(cli_env: Path, content: bytes, flags: list) -> None:
    path = cli_env / "request.json"
    path.write_bytes(content)
    run_cli(["lint", str(path), *flags])


@FUZZ
@given(token=TOKENS, flags=FORMAT_FLAGS)
@example(token=BIG_INT_TOKEN, flags=[])
@example(token=SURROGATE_TOKEN, flags=[])
@example(token=SURROGATE_TOKEN, flags=["--format", "json"])
def test_cli_decode_of_any_token_exits_0_1_or_2(cli_env: Path, token: str, flags: list) -> None:
    run_cli(["decode", token, *flags])


# --- inputs that broke something once, pinned -------------------------------------------------


@pytest.mark.parametrize(
    ("field", "text"),
    [
        pytest.param("amount", "1e999999", id="amount-1e999999"),  # decimal.Overflow in to_minor
        pytest.param("amount", "1e5000", id="amount-1e5000"),  # a 5003-digit int str() refuses
        pytest.param("total_vat", "1e999999", id="totalVat-1e999999"),
        pytest.param("shipping", BIG_INT, id="shipping-5000-digits"),
        # json.loads' ValueError for a 5000-digit integer is not a JSONDecodeError
        pytest.param("extra", '{"reference": ' + BIG_INT + "}", id="extra-5000-digits"),
        # NaN passes lint, requests refuses to encode it: reported as a transport error "sent once"
        pytest.param("extra", '{"customer": {"x": NaN}}', id="extra-NaN"),
        # a lone surrogate: the sandbox answers 500
        pytest.param("extra", '{"description": "\\ud800"}', id="extra-lone-surrogate"),
    ],
)
def test_create_form_handles_inputs_that_broke_it(
    client: PayPartsClient, field: str, text: str
) -> None:
    form = CreateSessionForm(client=client)
    fill(form, {field: text})
    form.submit()
    assert_handled(form, form.findings_area.value)


def test_token_inspector_handles_an_over_long_integer() -> None:
    inspector = TokenInspector(BIG_INT_TOKEN)
    assert inspector.result is None
    assert isinstance(inspector.error, PayPartsError), repr(inspector.error)


@pytest.mark.parametrize(
    "argv",
    [
        ["decode", BIG_INT_TOKEN],
        ["decode", SURROGATE_TOKEN],
        ["decode", SURROGATE_TOKEN, "--format", "json"],
        ["lint", "a\x00b"],
    ],
    ids=["decode-big-int", "decode-surrogate-table", "decode-surrogate-json", "lint-nul-path"],
)
def test_cli_handles_inputs_that_broke_it(cli_env: Path, argv: list[str]) -> None:
    run_cli(argv)


def test_cli_lint_of_an_over_long_integer(cli_env: Path) -> None:
    path = cli_env / "big.json"
    path.write_text('{"amount": {"value": ' + BIG_INT + "}}")
    code, _, stderr = run_cli(["lint", str(path)])
    assert code == 2
    assert "payparts:" in stderr
