"""The Voilà demo app in Chromium: create, get with the diff, and the error paths."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from .conftest import Server
from .waits import open_voila
from .widgets_page import SESSION_ID, button, page_text, tab, text_field


def open_app(page, voila: Server):
    """The app after its first render: spinner gone, widgets drawn, kernel connected, idle."""
    open_voila(page, voila)
    expect(button(page, "Create session"), "the app shows its Create button").to_be_visible()
    return page


def test_create_then_get_shows_no_difference(page, voila: Server, shots: Path) -> None:
    open_app(page, voila)
    page.screenshot(path=shots / "voila-1-app.png")
    text_field(page, "amount").fill("42.00")
    text_field(page, "description").fill("Voila order 7")
    page.get_by_text("sends 4200").first.wait_for()  # the kernel read the amount typed
    tab(page, "Order lines").click()
    page.locator("input[placeholder='description']").first.fill("Voila tandem")
    page.locator("input[placeholder='unit price']").first.fill("42.00")
    button(page, "Create session").click()
    page.get_by_text("session created", exact=False).wait_for()
    page.screenshot(path=shots / "voila-2-created.png")
    created = SESSION_ID.search(page.locator(".widget-tab").first.inner_text())
    assert created, "the new session id is shown"

    tab(page, "Get session").click()
    # Opening the tab offers the session just created; typing over it while the kernel
    # fills it in would race, so wait for it, as a person would see it appear.
    session_field = page.locator("input[placeholder^='a sessionId']").first
    expect(session_field, "the Get tab offers the new session").to_have_value(created.group(0))
    button(page, "Get session").click()
    page.get_by_text("no differences", exact=False).wait_for()
    page.screenshot(path=shots / "voila-3-get-no-differences.png", full_page=True)
    text = page_text(page)
    assert "Voila tandem" in text
    assert "Traceback" not in text


def test_too_many_decimals_are_named_and_nothing_is_sent(page, voila: Server, shots: Path) -> None:
    open_app(page, voila)
    text_field(page, "amount").fill("29.999")
    # The finding and the disabled button are two updates from the kernel: wait for both.
    message = page.get_by_text("29.999 has more than 2 decimals", exact=False).first
    message.wait_for()
    expect(button(page, "Create session"), "29.999 disables Create").to_be_disabled()
    expect(page.locator("body"), "the finding names the field").to_contain_text("amount.value")
    page.screenshot(path=shots / "voila-4-too-many-decimals.png")
    assert "Traceback" not in page_text(page)


def test_wrong_secret_is_a_readable_401(page, voila: Server, shots: Path) -> None:
    open_app(page, voila)
    page.get_by_text("Connection", exact=True).first.click()
    page.locator("input[type='password']").first.fill("not-the-demo-secret")
    button(page, "Test connection").click()
    page.get_by_text("the SL code or secret was refused", exact=False).first.wait_for()
    page.screenshot(path=shots / "voila-5-wrong-secret.png")
    text = page_text(page)
    assert "401" in text
    assert "not-the-demo-secret" not in text
    assert "Traceback" not in text
