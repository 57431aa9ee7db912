"""The sandbox's SDK stand-in in Chromium, mounted by a shop page written like Pay.nl's plugin.

A real sandbox (its own origin) serves ``/sdk/payparts-sdk.js`` and ``/_sandbox/sdk/*``;
the shop page (tests/e2e/shop_page.py, another origin) mounts the card component
with a session created through ``PayPartsClient``, whose ``exchangeUrl`` is an
``ExchangeListener``. Each test pays (or fails to) the way a customer does, and
checks the shop's events in order, the component's message, the signed exchange
calls, and that nothing typed into the card form left the page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from payparts_helpers import PayPartsClient
from payparts_helpers.client.exchange_listener import ExchangeCall, ExchangeListener
from payparts_helpers.rules import examples
from payparts_helpers.rules.examples import DEMO_SECRET, DEMO_SL_CODE
from payparts_helpers.sandbox import DeliveryPolicy, SandboxHandle, start_sandbox

from .lab_setup import free_port
from .shop_page import SHOP_REJECTION, ShopPage
from .waits import Seen, wait_for_state

pytestmark = pytest.mark.e2e

APPROVED = "4111 1111 1111 1111"
DECLINED = "4000 0000 0000 0002"
THREE_DS = "4000 0000 0000 3220"
CANCELLED = "4000 0000 0000 0101"
AUTHORISED = "4000 0000 0000 0095"
NOT_A_TEST_CARD = "4242 4242 4242 4242"
EXPIRY = f"12/{(date.today().year + 3) % 100:02d}"
CVC = "737"
WAITING = "Waiting for the shop: its onSubmit handler has not called"
SDK_BODY_KEYS = {  # what each SDK call may send: the token, and which test card or result
    "/_sandbox/sdk/init": {"sessionToken"},
    "/_sandbox/sdk/pay": {"sessionToken", "testCard"},
    "/_sandbox/sdk/3ds": {"sessionToken", "result"},
    "/_sandbox/sdk/cancel": {"sessionToken"},
}


@dataclass
class Sent:
    """Every request the page sent, and every console message it wrote."""

    requests: list[tuple[str, str, str]] = field(default_factory=list)  # method, url, body
    console: list[str] = field(default_factory=list)

    def to(self, path: str) -> list[dict[str, Any]]:
        return [
            json.loads(body)
            for method, url, body in self.requests
            if method == "POST" and url.endswith(path)
        ]


@dataclass
class Checkout:
    page: Page
    sandbox: SandboxHandle
    shop: ShopPage
    listener: ExchangeListener
    session_id: str
    token: str
    sent: Sent

    def open(self, token: str | None = None, **options: Any) -> None:
        self.page.goto(self.shop.checkout_url(token or self.token, **options))

    def open_mounted(self, **options: Any) -> None:
        self.open(**options)
        expect(self.page.locator(".ppsdk-root")).to_be_visible()
        self.wait_for_event("onReady")

    @property
    def message(self) -> Any:
        return self.page.locator("#paynl-card-payments [role=alert]")

    @property
    def error_box(self) -> Any:
        return self.page.locator("#error")

    def button(self, name: str) -> Any:
        return self.page.get_by_role("button", name=name, exact=True)

    def pay_with(self, number: str, expiry: str = EXPIRY, cvc: str = CVC) -> None:
        self.page.get_by_label("Card number").fill(number)
        self.page.get_by_label("Expiry (MM/YY)").fill(expiry)
        self.page.get_by_label("CVC").fill(cvc)
        self.button("Pay").click()

    def events(self) -> list[dict[str, Any]]:
        return self.page.evaluate("window.__events")

    def names(self) -> list[str]:
        return [event["name"] for event in self.events()]

    def wait_for_event(self, name: str) -> dict[str, Any]:
        self.page.wait_for_function(
            "(name) => (window.__events || []).some((e) => e.name === name)", arg=name
        )
        return next(event for event in self.events() if event["name"] == name)

    def exchange_calls_until(self, final_code: int) -> list[ExchangeCall]:
        def observe() -> Seen:
            calls = self.listener.calls
            codes = [(call.object or {}).get("status", {}).get("code") for call in calls]
            return Seen(final_code in codes, f"status codes {codes}", calls)

        return wait_for_state(f"no exchange call with status {final_code} arrived", observe)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxHandle]:
    policy = DeliveryPolicy(delays=(0, 0.05, 0.1))
    with start_sandbox(port=0, db_path=tmp_path / "s.sqlite3", delivery=policy) as running:
        yield running


@pytest.fixture
def checkout(page: Page, sandbox: SandboxHandle) -> Iterator[Checkout]:
    sent = Sent()
    page.on("request", lambda r: sent.requests.append((r.method, r.url, r.post_data or "")))
    page.on("console", lambda message: sent.console.append(message.text))
    with (
        ExchangeListener(DEMO_SECRET, key_id=DEMO_SL_CODE) as listener,
        ShopPage(sandbox.url) as shop,
        PayPartsClient(DEMO_SL_CODE, DEMO_SECRET, base_url=sandbox.url) as client,
    ):
        request = examples.minimum_request()
        request.update(exchangeUrl=listener.url, description="Order #12345", reference="REF-1")
        created = client.create_session(request)
        yield Checkout(
            page, sandbox, shop, listener, created.session_id, created.session_token, sent
        )


def assert_nothing_typed_left_the_page(checkout: Checkout, number: str) -> None:
    """No request carried the card number; each SDK call sent only its documented keys;
    the sandbox's database files hold no trace of the number."""
    digits = number.replace(" ", "")
    for method, url, body in checkout.sent.requests:
        for form in (digits, number):
            assert form not in url, f"{method} {url} carried the card number in its URL"
            assert form not in body, f"{method} {url} carried the card number in its body"
        path = url.split("?")[0].removeprefix(checkout.sandbox.url)
        if method == "POST" and path in SDK_BODY_KEYS:
            assert set(json.loads(body)) == SDK_BODY_KEYS[path], f"{path} sent {body}"
    stored = list(checkout.sandbox.db_path.parent.glob(checkout.sandbox.db_path.name + "*"))
    assert stored, "the sandbox's SQLite file is missing"
    for path in stored:
        content = path.read_bytes()
        for form in (digits, number):
            assert form.encode() not in content, f"{path.name} holds the card number"


# --- every test card, through the component ------------------------------------------------

OUTCOMES = [
    # card, 3-D Secure button, final status, event, message
    pytest.param(APPROVED, None, 100, "onSuccess", "Payment approved (test)", id="approved"),
    pytest.param(DECLINED, None, -63, "onError", "declined", id="declined"),
    pytest.param(THREE_DS, "Complete", 100, "onSuccess", "Payment approved (test)", id="3ds-ok"),
    pytest.param(THREE_DS, "Fail", -63, "onError", "declined", id="3ds-fail"),
    pytest.param(THREE_DS, "Cancel", -90, "onError", "cancelled", id="3ds-cancel"),
    pytest.param(CANCELLED, None, -90, "onError", "cancelled", id="cancelled"),
    pytest.param(AUTHORISED, None, 95, "onSuccess", "Payment approved (test)", id="authorised"),
]


@pytest.mark.parametrize(("number", "secure_step", "final_code", "event", "message"), OUTCOMES)
def test_a_test_card_pays_or_fails_and_the_shop_hears_it(
    checkout: Checkout,
    number: str,
    secure_step: str | None,
    final_code: int,
    event: str,
    message: str,
) -> None:
    checkout.open_mounted()
    component = checkout.page.locator(".ppsdk-root")
    expect(component).to_contain_text("TEST payment, no money moves")
    expect(component).to_contain_text(APPROVED)  # the table of test cards

    checkout.pay_with(number)
    if secure_step:
        panel = checkout.page.get_by_role("group", name="3-D Secure test step")
        expect(panel).to_be_visible()
        expect(checkout.button("Pay")).to_be_disabled()
        panel.get_by_role("button", name=secure_step, exact=True).click()
    expect(checkout.message).to_contain_text(message)
    fired = checkout.wait_for_event(event)

    assert checkout.names() == ["onReady", "onSubmit", event]
    assert re.fullmatch(r"\S+", str(fired["orderId"])), f"{event} carried no orderId: {fired}"
    assert fired["status"] == final_code
    if event == "onError":
        assert message in fired["message"]
    expect(checkout.button("Pay")).to_be_disabled()  # the session is over
    for field_label in ("Card number", "Expiry (MM/YY)", "CVC"):
        expect(checkout.page.get_by_label(field_label)).to_have_value("")

    calls = checkout.exchange_calls_until(final_code)
    assert all(call.verdict for call in calls), [call.verdict.message for call in calls]
    codes = [call.object["status"]["code"] for call in calls]
    assert codes[-1] == final_code
    assert set(codes) <= {20, final_code}, codes
    assert {call.object["orderId"] for call in calls} == {fired["orderId"]}
    assert_nothing_typed_left_the_page(checkout, number)


def test_cancel_payment_cancels_the_order_and_fires_on_error(checkout: Checkout) -> None:
    checkout.open_mounted()
    checkout.button("Cancel payment").click()
    expect(checkout.message).to_contain_text("cancelled")
    fired = checkout.wait_for_event("onError")
    assert checkout.names() == ["onReady", "onError"]
    assert fired["status"] == -90
    assert fired["orderId"]
    expect(checkout.button("Pay")).to_be_disabled()
    calls = checkout.exchange_calls_until(-90)
    assert all(call.verdict for call in calls)
    assert calls[-1].object["status"]["code"] == -90


def test_a_paid_session_cannot_be_mounted_again(checkout: Checkout) -> None:
    checkout.open_mounted()
    checkout.pay_with(APPROVED)
    expect(checkout.message).to_contain_text("Payment approved (test)")
    checkout.open()
    expect(checkout.error_box).to_contain_text("is already PAID")
    assert checkout.page.locator(".ppsdk-root").count() == 0


# --- the form refuses what it cannot pay with -----------------------------------------------


def test_a_number_that_is_no_test_card_is_refused_without_any_event(checkout: Checkout) -> None:
    checkout.open_mounted()
    checkout.pay_with(NOT_A_TEST_CARD)
    expect(checkout.message).to_contain_text("Card number: use a test card")
    expect(checkout.message).to_contain_text(APPROVED)
    assert checkout.names() == ["onReady"]
    assert checkout.sent.to("/_sandbox/sdk/pay") == []
    expect(checkout.button("Pay")).to_be_enabled()
    assert_nothing_typed_left_the_page(checkout, NOT_A_TEST_CARD)


@pytest.mark.parametrize(
    ("expiry", "cvc", "expected"),
    [
        pytest.param("13/30", CVC, "Expiry: enter the month and year as MM/YY", id="month-13"),
        pytest.param("01/20", CVC, "Expiry: that month has passed", id="past"),
        pytest.param(EXPIRY, "12", "CVC: enter the three digits", id="short-cvc"),
    ],
)
def test_an_invalid_expiry_or_cvc_is_named(
    checkout: Checkout, expiry: str, cvc: str, expected: str
) -> None:
    checkout.open_mounted()
    checkout.pay_with(APPROVED, expiry=expiry, cvc=cvc)
    expect(checkout.message).to_contain_text(expected)
    assert checkout.names() == ["onReady"]
    assert checkout.sent.to("/_sandbox/sdk/pay") == []


# --- init rejects what it cannot mount ------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        pytest.param("not-a-session-token", 'does not start with "st_"', id="no-prefix"),
        pytest.param("st_", 'is only "st_"', id="prefix-only"),
    ],
)
def test_a_malformed_token_is_refused_before_anything_is_sent(
    checkout: Checkout, token: str, problem: str
) -> None:
    checkout.open(token=token)
    expect(checkout.error_box).to_contain_text(f"init: sessionToken {problem}")
    expect(checkout.error_box).to_contain_text("POST /v1/session/start")
    assert checkout.sent.to("/_sandbox/sdk/init") == []
    assert checkout.page.locator(".ppsdk-root").count() == 0


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        pytest.param(examples.EXAMPLE_TOKEN, "No session has this sessionToken", id="unknown"),
        pytest.param("st_garbage!!", "sessionToken: ", id="not-base64"),
    ],
)
def test_a_token_the_sandbox_refuses_shows_its_reason(
    checkout: Checkout, token: str, reason: str
) -> None:
    checkout.open(token=token)
    expect(checkout.error_box).to_contain_text(reason)  # the problem's detail
    assert checkout.sent.to("/_sandbox/sdk/init") == [{"sessionToken": token}]
    assert checkout.page.locator(".ppsdk-root").count() == 0


def test_an_unreachable_sandbox_is_named(checkout: Checkout) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    checkout.open(api_url=nowhere)
    expect(checkout.error_box).to_have_text(
        f"could not reach the Pay.Parts sandbox at {nowhere}: is it running?"
    )


def test_api_url_defaults_to_the_scripts_origin_and_may_end_in_a_slash(
    checkout: Checkout,
) -> None:
    checkout.open_mounted()
    prepares = checkout.page.evaluate(
        """async ([token, apiUrl]) => {
          const bare = await window.PayPartsSDK.init({sessionToken: token});
          const slashed = await window.PayPartsSDK.init({sessionToken: token, apiUrl});
          return [bare, slashed].map((c) => typeof c.prepare);
        }""",
        [checkout.token, checkout.sandbox.url + "/"],
    )
    assert prepares == ["function", "function"]
    init_urls = [url for method, url, _ in checkout.sent.requests if method == "POST"]
    assert init_urls == [f"{checkout.sandbox.url}/_sandbox/sdk/init"] * 3  # shop page's + 2


def test_prepare_and_bind_name_what_to_fix(checkout: Checkout) -> None:
    checkout.open_mounted()
    problems = checkout.page.evaluate(
        """async () => {
          const problems = [];
          try { window.__checkout.prepare('ideal'); } catch (e) { problems.push(e.message); }
          const component = window.__checkout.prepare('card-payments');
          await component.bind('#nothing-here').catch((e) => problems.push(e.message));
          return problems;
        }"""
    )
    assert "card-payments" in problems[0]
    assert "#nothing-here" in problems[1]
    assert "no element matches" in problems[1]


# --- the shop's answer to onSubmit ----------------------------------------------------------


def test_a_shop_that_never_answers_on_submit_is_waited_for_visibly(checkout: Checkout) -> None:
    checkout.open_mounted(submit="never", submit_notice_ms=200)
    checkout.pay_with(APPROVED)
    expect(checkout.message).to_contain_text(WAITING)
    assert checkout.names() == ["onReady", "onSubmit"]
    expect(checkout.button("Pay")).to_be_disabled()
    assert checkout.sent.to("/_sandbox/sdk/pay") == []


def test_a_shop_that_rejects_on_submit_stops_the_payment(checkout: Checkout) -> None:
    checkout.open_mounted(submit="reject")
    checkout.pay_with(APPROVED)
    expect(checkout.message).to_have_text(SHOP_REJECTION)
    expect(checkout.button("Pay")).to_be_enabled()
    assert checkout.names() == ["onReady", "onSubmit"]
    assert checkout.sent.to("/_sandbox/sdk/pay") == []


def test_a_handler_that_throws_counts_as_a_rejection(checkout: Checkout) -> None:
    checkout.open_mounted()
    checkout.page.evaluate(
        "() => { window.__checkout.events.onSubmit = () => { throw new Error('shop broke'); }; }"
    )
    checkout.pay_with(APPROVED)
    expect(checkout.message).to_have_text("shop broke")
    expect(checkout.button("Pay")).to_be_enabled()
    assert checkout.sent.to("/_sandbox/sdk/pay") == []


def test_debug_mode_logs_event_names_and_order_ids_only(checkout: Checkout) -> None:
    checkout.open_mounted(debug=True)
    checkout.pay_with(APPROVED)
    fired = checkout.wait_for_event("onSuccess")
    logged = [text for text in checkout.sent.console if "[PayPartsSDK]" in text]
    assert logged == [
        "[PayPartsSDK] init",
        "[PayPartsSDK] onReady",
        "[PayPartsSDK] onSubmit",
        f"[PayPartsSDK] onSuccess order {fired['orderId']}",
    ]
    for text in checkout.sent.console:
        assert APPROVED.replace(" ", "") not in text.replace(" ", "")
        assert EXPIRY not in text
    assert_nothing_typed_left_the_page(checkout, APPROVED)
