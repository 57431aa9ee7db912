"""The sandbox's own checkout page (what notebook 05 shows in an IFrame) mounts and pays."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from payparts_helpers import PayPartsClient
from payparts_helpers.client.exchange_listener import ExchangeListener
from payparts_helpers.rules.examples import DEMO_SECRET, DEMO_SL_CODE
from payparts_helpers.sandbox import DeliveryPolicy, start_sandbox

pytestmark = pytest.mark.e2e

EXPIRY = f"12/{(date.today().year + 3) % 100:02d}"


def test_the_sandbox_checkout_page_pays_with_the_approved_card(page: Page, tmp_path: Path) -> None:
    policy = DeliveryPolicy(delays=(0.05, 0.1))
    with (
        start_sandbox(port=0, db_path=tmp_path / "s.sqlite3", delivery=policy) as sandbox,
        ExchangeListener(DEMO_SECRET, key_id=DEMO_SL_CODE) as listener,
        PayPartsClient(DEMO_SL_CODE, DEMO_SECRET, base_url=sandbox.url) as client,
    ):
        created = client.create_session(
            {
                "returnUrl": "https://shop.nl/return",
                "exchangeUrl": listener.url,
                "amount": {"value": 2999, "currency": "EUR"},
            }
        )
        page.goto(f"{sandbox.url}/_sandbox/checkout?sessionToken={created.session_token}")
        expect(page.locator("#events")).to_have_text("onReady\n")
        page.get_by_label("Card number").fill("4111 1111 1111 1111")
        page.get_by_label("Expiry (MM/YY)").fill(EXPIRY)
        page.get_by_label("CVC").fill("737")
        page.get_by_role("button", name="Pay", exact=True).click()
        expect(page.locator("#events")).to_contain_text("onSuccess orderId ")
        calls = listener.wait_for_calls(2)
        assert client.get_sandbox_order(created.session_id).status_code == 100
    assert [call.object["status"]["code"] for call in calls] == [20, 100]
    assert all(call.verdict.valid for call in calls)


def test_the_checkout_page_says_what_is_wrong_with_a_missing_token(
    page: Page, tmp_path: Path
) -> None:
    with start_sandbox(port=0, db_path=tmp_path / "s.sqlite3") as sandbox:
        page.goto(f"{sandbox.url}/_sandbox/checkout")
        expect(page.locator("#error")).to_contain_text("sessionToken")
