"""The "exchange handler" group: the reference shop passes it; copies without its checks fail.

The broken copies are made here, by copying examples/shop/ into tmp_path and replacing
one check by text substitution, so each copy is literally the reference shop minus
that check. Run with ``-s`` to see both tables (the closing note quotes them).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import requests

from payparts_helpers.regression import (
    EXCHANGE_GROUP,
    EXCHANGE_SCENARIOS,
    SCENARIOS,
    Target,
    assert_all_passed,
    reference_shop,
    run_matrix,
    sandbox_target,
    summary,
    target_from_parameters,
)
from payparts_helpers.regression.exchange_scenarios import (
    ALTERED_DANGER,
    PAY_NL_TIMEOUT,
    UNSIGNED_DANGER,
)
from payparts_helpers.regression.targets import REFERENCE_SHOP_DIR, ShopEndpoints
from payparts_helpers.rules.errors import ConfigurationError
from payparts_helpers.rules.redaction import basic_credentials_forms

NAMES = [s.name for s in EXCHANGE_SCENARIOS]
WRONG_SECRET = "signed with another secret: refused, nothing booked or cancelled"
WRONG_KEY_ID = "another Signature-KeyID: refused, nothing booked or cancelled"
ALTERED = "a signed call altered to claim paid or cancel: refused, nothing booked"
UNSIGNED = "an unsigned call for a pending order: not booked as paid"
# The rows only a signature check can pass: each sends calls the shop cannot verify.
NEED_THE_SIGNATURE_CHECK = {WRONG_SECRET, WRONG_KEY_ID, ALTERED}

# The substitutions that make the broken copies (each must match exactly once).
VERIFY_IMPORT = "from payparts_helpers.rules.exchange_signing import verify_exchange_signature\n"
ALWAYS_VALID = '''from payparts_helpers.rules.exchange_signing import SignatureVerdict


def verify_exchange_signature(*_args, **_kwargs):
    """Broken on purpose (tests/test_exchange_conformance.py): every call is "valid"."""
    return SignatureVerdict(True, "valid (the check was removed)")
'''
ASK_THE_API = "        return self._from_order_api(order_id, None, legacy=True)\n"
BOOK_UNASKED = """        # Broken on purpose (test_exchange_conformance.py): believes the form.
        reference = (form.get("extra1") or [""])[0]
        code = 100 if (form.get("action") or [""])[0] == "new_ppt" else 20
        change = self._orders.apply_status(reference, order_id, code)
        return _yes(change.description, True)
"""


def table(frame: pd.DataFrame) -> str:
    """The rows as the lead quotes them: scenario, status, answer time, detail."""
    with pd.option_context("display.max_colwidth", None, "display.width", 10_000):
        return frame[["scenario", "status", "elapsed_ms", "detail"]].to_string(index=False)


def show(title: str, frame: pd.DataFrame) -> None:
    print(f"\n=== {title}: {summary(frame)} ===\n{table(frame)}")


def broken_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """examples/shop/ copied to tmp_path/name with ``old`` replaced by ``new`` in exchange.py."""
    directory = tmp_path / name
    shutil.copytree(REFERENCE_SHOP_DIR, directory, ignore=shutil.ignore_patterns("__pycache__"))
    source = directory / "exchange.py"
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"examples/shop/exchange.py no longer holds {old.strip()!r}"
    source.write_text(text.replace(old, new), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Target]:
    with sandbox_target() as target:
        yield target


def run_against_copy(sandbox: Target, directory: Path) -> pd.DataFrame:
    """The group against a shop started from ``directory``, passed as SHOP_URL (your own
    shop's path through the matrix)."""
    assert sandbox.base_url is not None
    with reference_shop(
        sandbox.base_url, sandbox.sl_code, sandbox.secret, directory=directory
    ) as shop:
        target = replace(sandbox, shop_url=shop.url)
        return run_matrix(target, scenarios=EXCHANGE_SCENARIOS)


# --- the reference shop -----------------------------------------------------------------


def test_the_reference_shop_passes_every_row(sandbox: Target) -> None:
    frame = run_matrix(sandbox, scenarios=EXCHANGE_SCENARIOS)  # shop_url None: started here
    show("the reference shop (examples/shop/)", frame)

    assert list(frame["scenario"]) == NAMES
    assert set(frame["group"]) == {EXCHANGE_GROUP}
    assert set(frame["status"]) == {"pass"}, table(frame[frame["status"] != "pass"])
    assert_all_passed(frame)
    assert frame["detail"].str.len().gt(0).all()
    # elapsed_ms is the shop's answer to the call under test: well inside Pay.nl's 5 s.
    assert frame["elapsed_ms"].between(0, PAY_NL_TIMEOUT * 1000, inclusive="neither").all()
    text = frame.to_string()
    for form in basic_credentials_forms(sandbox.sl_code, sandbox.secret):
        assert form not in text
    assert not re.search(r"SHOP-[0-9A-F]{10}|127\.0\.0\.1|\b[0-9a-f]{32}\b|X[0-9a-f]{4}\b", text)


def test_the_reference_shop_is_the_default_of_the_whole_matrix(sandbox: Target) -> None:
    assert [s.name for s in SCENARIOS if s.group == EXCHANGE_GROUP] == NAMES
    assert SCENARIOS[-len(NAMES) :] == EXCHANGE_SCENARIOS
    frame = run_matrix(sandbox, scenarios=EXCHANGE_SCENARIOS[:1])
    assert frame.loc[0, "status"] == "pass", frame.loc[0, "detail"]


def test_the_reference_shop_is_stopped_after_the_run(sandbox: Target) -> None:
    assert sandbox.base_url is not None
    with reference_shop(sandbox.base_url, sandbox.sl_code, sandbox.secret) as shop:
        assert shop.exchange_url == shop.url + "/exchange"
        assert requests.get(shop.url + "/orders/SHOP-0000000000", timeout=5).status_code == 404
    with pytest.raises(requests.ConnectionError):
        requests.get(shop.url + "/", timeout=2)


# --- broken copies ----------------------------------------------------------------------


def test_a_copy_without_the_signature_check_fails_exactly_the_rows_that_need_it(
    sandbox: Target, tmp_path: Path
) -> None:
    copy = broken_copy(tmp_path, "shop-always-valid", VERIFY_IMPORT, ALWAYS_VALID)
    frame = run_against_copy(sandbox, copy)
    show("the reference shop with verify_exchange_signature always valid", frame)

    failed = frame[frame["status"] == "fail"].set_index("scenario")["detail"]
    assert set(failed.index) == NEED_THE_SIGNATURE_CHECK, table(frame)
    assert set(frame.loc[frame["status"] != "fail", "status"]) == {"pass"}
    for name in NEED_THE_SIGNATURE_CHECK:
        assert failed[name].startswith("DANGEROUS: "), failed[name]
        assert "Anyone could cancel your customers' orders" in failed[name]
        assert "Verify the HMAC over the raw body" in failed[name]
    assert "(signed with another secret)" in failed[WRONG_SECRET]
    assert "Signature-KeyID SL-9999-9999" in failed[WRONG_KEY_ID]
    assert "body altered, its original signature kept" in failed[ALTERED]
    with pytest.raises(AssertionError) as raised:
        assert_all_passed(frame)
    assert str(raised.value).startswith("7 passed, 3 failed, 0 skipped:")
    for name in NEED_THE_SIGNATURE_CHECK:
        assert f"[{EXCHANGE_GROUP}] {name}: DANGEROUS" in str(raised.value)


def test_a_copy_that_books_unsigned_calls_unasked_fails_the_unsigned_row(
    sandbox: Target, tmp_path: Path
) -> None:
    copy = broken_copy(tmp_path, "shop-believes-forms", ASK_THE_API, BOOK_UNASKED)
    frame = run_against_copy(sandbox, copy)
    show("the reference shop booking unsigned calls without the order-status API", frame)

    failed = frame[frame["status"] == "fail"].set_index("scenario")["detail"]
    assert list(failed.index) == [UNSIGNED], table(frame)
    expected = UNSIGNED_DANGER.format(status="20 PENDING (pending)")
    assert failed[UNSIGNED] == f"{expected} Afterwards the shop shows paid, bookings 1."
    assert "Anyone can post that form" in failed[UNSIGNED]
    assert "confirm it with the order-status API" in failed[UNSIGNED]
    with pytest.raises(AssertionError, match=r"(?s)1 failed.*Anyone can post that form"):
        assert_all_passed(frame)


def test_a_shop_that_trusts_any_signed_body_is_told_why_booking_it_is_dangerous(
    sandbox: Target, tmp_path: Path
) -> None:
    # Without the signature check AND without the re-check before booking: a shop that
    # believes whatever a "signed" body says, as a PHP-SDK shop with a broken check would.
    copy = broken_copy(tmp_path, "shop-trusts-bodies", VERIFY_IMPORT, ALWAYS_VALID)
    source = copy / "exchange.py"
    text = source.read_text(encoding="utf-8")
    recheck = "        if order.status_code in BOOKING_CODES:\n"
    assert text.count(recheck) == 1
    source.write_text(text.replace(recheck, "        if False:\n"), encoding="utf-8")
    frame = run_against_copy(sandbox, copy)

    failed = frame[frame["status"] == "fail"].set_index("scenario")["detail"]
    assert set(failed.index) == NEED_THE_SIGNATURE_CHECK, table(frame)
    assert failed[ALTERED].startswith(ALTERED_DANGER.format(status="20 PENDING (pending)"))
    assert failed[WRONG_SECRET].startswith("DANGEROUS: the shop booked as paid a call signed")
    assert "Afterwards the shop shows paid, bookings 1." in failed[WRONG_KEY_ID]


# --- where the group cannot run, and SHOP_URL / EXCHANGE_URL ----------------------------


def test_against_pay_nl_the_rows_are_skipped_with_the_reason_and_nothing_is_sent() -> None:
    environ = {"PAYPARTS_SL_CODE": "SL-1111-2222", "PAYPARTS_SECRET": "beta-secret"}
    for shop_url, words in (
        (None, "no reference shop is started"),
        ("https://shop.test", "SHOP_URL is set"),
    ):
        target = target_from_parameters("beta", shop_url=shop_url, environ=environ)
        frame = run_matrix(target, scenarios=EXCHANGE_SCENARIOS)
        assert set(frame["status"]) == {"skipped"}
        assert frame["detail"].str.contains(words).all()
        assert frame["detail"].str.contains("sandbox's /_sandbox/ controls").all()
        assert_all_passed(frame)  # skipped, never a fake pass


def test_an_unreachable_shop_fails_every_row_with_the_reason(sandbox: Target) -> None:
    target = replace(sandbox, shop_url="http://127.0.0.1:9")
    frame = run_matrix(target, scenarios=EXCHANGE_SCENARIOS)
    assert set(frame["status"]) == {"fail"}
    assert frame["detail"].str.startswith("POST /checkout: could not reach the shop").all()


def test_a_missing_reference_shop_fails_every_row_once_started(
    sandbox: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import payparts_helpers.regression.targets as targets

    monkeypatch.setattr(targets, "REFERENCE_SHOP_DIR", tmp_path / "nowhere")
    frame = run_matrix(sandbox, scenarios=EXCHANGE_SCENARIOS)
    assert set(frame["status"]) == {"fail"}
    assert (
        frame["detail"].str.startswith("no shop to check: ConfigurationError: no reference").all()
    )
    assert frame["detail"].str.contains("pass SHOP_URL").all()


def test_shop_and_exchange_urls_from_the_parameters() -> None:
    target = target_from_parameters("sandbox", shop_url=" http://127.0.0.1:8000/ ")
    assert (target.shop_url, target.exchange_url) == ("http://127.0.0.1:8000/", None)
    assert ShopEndpoints.at("http://127.0.0.1:8000/") == ShopEndpoints(
        "http://127.0.0.1:8000", "http://127.0.0.1:8000/exchange"
    )
    assert ShopEndpoints.at(
        "http://127.0.0.1:8000", "http://127.0.0.1:9000/pay/hook"
    ).exchange_url == ("http://127.0.0.1:9000/pay/hook")
    assert target_from_parameters("sandbox", shop_url=None, exchange_url="").shop_url is None
    assert target_from_parameters("sandbox") == target_from_parameters(
        "sandbox", shop_url=None, exchange_url=None
    )
    with pytest.raises(ConfigurationError, match="SHOP_URL must be an absolute http"):
        target_from_parameters("sandbox", shop_url="shop.local:8000")
    with pytest.raises(ConfigurationError, match="EXCHANGE_URL must not carry credentials"):
        target_from_parameters("sandbox", exchange_url="http://user:pw@127.0.0.1/exchange")


def test_exchange_url_sends_the_calls_elsewhere(sandbox: Target, tmp_path: Path) -> None:
    """EXCHANGE_URL wins over SHOP_URL + /exchange: pointed at a dead port, every crafted
    call fails to connect (the sandbox's own call still goes to the session's URL)."""
    target = replace(sandbox, exchange_url="http://127.0.0.1:9/exchange")
    frame = run_matrix(target, scenarios=EXCHANGE_SCENARIOS[1:2])
    assert frame.loc[0, "status"] == "fail"
    assert frame.loc[0, "detail"] == "could not reach the shop's exchange URL (ConnectionError)"
