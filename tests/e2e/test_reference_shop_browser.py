"""The reference shop (examples/shop) in Chromium: a customer pays, the shop hears it.

A real sandbox and the reference shop run on loopback (the shop served as
tests/test_reference_shop.py serves it). Chromium opens the shop's checkout, presses
its Pay button, which creates the order and the session and mounts the sandbox's
card component, and pays with a test card. The approved card ends on the return page
with the order paid, booked once by the signed exchange call the shop verified; the
declined card leaves the customer on the checkout with the decline shown, and the
order not paid. Every wait is for a state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from payparts_helpers import PayPartsClient
from payparts_helpers.rules.examples import DEMO_SECRET, DEMO_SL_CODE
from payparts_helpers.rules.exchange_signing import verify_exchange_signature
from payparts_helpers.rules.sandbox_resources import Delivery
from payparts_helpers.sandbox import DeliveryPolicy, SandboxHandle, start_sandbox

from ..test_reference_shop import running_shop
from .test_sdk_component import APPROVED, CVC, DECLINED, EXPIRY
from .waits import Seen, wait_for_state

pytestmark = pytest.mark.e2e


@dataclass
class Storefront:
    page: Page
    url: str
    sandbox: SandboxHandle
    client: PayPartsClient  # the test's own: reads the sandbox's deliveries
    links: list[tuple[int, Any]]  # the shop's answers to the page's link calls: status, JSON
    problems: list[str]  # console errors and uncaught exceptions (a CSP refusal is one)

    def start_checkout(self) -> dict[str, Any]:
        """Open the checkout, press its Pay button; the component mounts. The shop's answer."""
        self.page.goto(self.url + "/")
        with self.page.expect_response(f"{self.url}/checkout") as answer:
            self.page.get_by_role("button", name="Pay with card").click()
        expect(self.page.locator("#paynl-card-payments .ppsdk-root")).to_be_visible()
        expect(self.page.get_by_role("button", name="Pay with card")).to_be_hidden()
        expect(self.page.locator("#error")).to_be_empty()
        return answer.value.json()

    def pay_with(self, number: str) -> None:
        self.page.get_by_label("Card number").fill(number)
        self.page.get_by_label("Expiry (MM/YY)").fill(EXPIRY)
        self.page.get_by_label("CVC").fill(CVC)
        self.page.get_by_role("button", name="Pay", exact=True).click()

    def deliveries(self, session_id: str, codes: list[int]) -> list[Delivery]:
        """The session's exchange calls, once they are ``codes`` and each is answered."""

        def observe() -> Seen:
            found = self.client.list_deliveries(session_id)
            seen = [(d.status_code, d.state) for d in found]
            done = [d.status_code for d in found] == codes and all(
                d.state != "pending" for d in found
            )
            return Seen(done, f"(code, state) {seen}", found)

        return wait_for_state(f"the exchange calls {codes} were never all answered", observe)

    def order(self, reference: str) -> dict[str, Any]:
        return self.page.request.get(f"{self.url}/orders/{reference}").json()


@pytest.fixture
def storefront(page: Page, tmp_path: Path) -> Iterator[Storefront]:
    policy = DeliveryPolicy(delays=(0.05, 0.1))
    with (
        start_sandbox(port=0, db_path=tmp_path / "sandbox.sqlite3", delivery=policy) as sandbox,
        PayPartsClient(DEMO_SL_CODE, DEMO_SECRET, base_url=sandbox.url) as shop_client,
        PayPartsClient(DEMO_SL_CODE, DEMO_SECRET, base_url=sandbox.url) as client,
        running_shop(shop_client, tmp_path / "shop.sqlite3") as url,
    ):
        links: list[tuple[int, Any]] = []

        def keep_link(route: Route) -> None:
            """Pass POST /orders/{reference}/link on to the shop and keep its answer: the
            page navigates away right after it, and its body with it."""
            answer = route.fetch()
            links.append((answer.status, answer.json()))
            route.fulfill(response=answer)

        page.route(re.compile(re.escape(url) + r"/orders/[^/]+/link$"), keep_link)
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        yield Storefront(page, url, sandbox, client, links, problems)


def assert_verified_and_answered_true(deliveries: list[Delivery]) -> None:
    """Each call was signed as Pay.nl signs (checked here again) and the shop said true."""
    for delivery in deliveries:
        verdict = verify_exchange_signature(
            delivery.headers, delivery.body.encode(), DEMO_SECRET, key_id=DEMO_SL_CODE
        )
        assert verdict, verdict.message
        assert delivery.state == "delivered"
        assert json.loads(delivery.attempts[-1].answer or "{}")["result"] is True


def test_the_approved_card_pays_and_the_return_page_shows_it_paid(
    storefront: Storefront,
) -> None:
    started = storefront.start_checkout()
    reference = started["reference"]
    storefront.pay_with(APPROVED)

    page = storefront.page
    page.wait_for_url(f"{storefront.url}/return/{reference}")
    expect(page.locator("#state")).to_have_text("paid")  # the page reloads once it is
    expect(page.locator("#explanation")).to_contain_text("the payment is booked")

    deliveries = storefront.deliveries(started["sessionId"], [20, 100])
    assert_verified_and_answered_true(deliveries)
    order_id = deliveries[-1].order_id
    expect(page.locator("#order-id")).to_have_text(order_id)
    order = storefront.order(reference)
    assert order == {
        "reference": reference,
        "state": "paid",
        "orderId": order_id,
        "amount": {"value": 2999, "currency": "EUR"},
        "bookings": 1,
    }
    # onSuccess linked the SDK's orderId once the order-status API had vouched for it.
    assert storefront.links == [
        (
            200,
            {
                "linked": True,
                "description": f"order {reference} is linked to Pay.nl order {order_id}",
                "status": "100 PAID (paid)",
            },
        )
    ]
    assert storefront.problems == []


def test_the_declined_card_shows_the_decline_and_the_order_is_not_paid(
    storefront: Storefront,
) -> None:
    started = storefront.start_checkout()
    reference = started["reference"]
    storefront.pay_with(DECLINED)

    page = storefront.page
    component_message = page.locator("#paynl-card-payments [role=alert]")
    expect(component_message).to_contain_text("declined")
    expect(page.locator("#error")).to_contain_text("The payment did not go through")
    expect(page.locator("#error")).to_contain_text("declined by the bank")
    assert page.url == storefront.url + "/"  # no redirect: the customer stays at the checkout

    deliveries = storefront.deliveries(started["sessionId"], [20, -63])
    assert_verified_and_answered_true(deliveries)
    order = storefront.order(reference)
    assert (order["state"], order["bookings"]) == ("denied", 0)
    assert storefront.links == []  # onError links nothing
    assert storefront.problems == []

    page.get_by_role("link", name=f"See order {reference}").click()
    page.wait_for_url(f"{storefront.url}/return/{reference}")
    expect(page.locator("#state")).to_have_text("denied")
    expect(page.locator("#explanation")).to_contain_text(re.compile("declined"))
