"""JupyterLab in Chromium: run 01_create_session, fill its form through the page, create."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from .conftest import Server
from .widgets_page import SESSION_ID, button, dismiss_notifications, page_text, tab, text_field


def test_create_session_form_in_jupyterlab(page, jupyterlab: Server, shots: Path) -> None:
    page.goto(jupyterlab.url.format(notebook="01_create_session.ipynb"))
    page.locator(".jp-Notebook").wait_for()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
    dismiss_notifications(page)

    form = page.locator(".jp-CodeCell").first
    button(form, "Create session").wait_for()
    # Cell 3 submits 29.999 (refused: "nothing was sent") and then sets 29.99 back:
    # once both are on the page, no cell touches the form any more.
    form.get_by_text("nothing was sent", exact=False).first.wait_for()
    expect(text_field(form, "amount")).to_have_value("29.99")
    page.screenshot(path=shots / "lab-1-notebook-ran.png")

    text_field(form, "amount").fill("12.34")
    text_field(form, "description").fill("E2E order 42")
    form.get_by_text("sends 1234").wait_for()  # the minor units the form will send
    tab(form, "Order lines").click()
    form.locator("input[placeholder='description']").first.fill("E2E bike bell")
    form.locator("input[placeholder='unit price']").first.fill("12.34")
    page.screenshot(path=shots / "lab-2-form-filled.png")

    button(form, "Create session").click()
    form.get_by_text("session created", exact=False).wait_for()
    form.get_by_text("Decoded token (JSON)").click()
    form.get_by_text('"merchantName": "Demo Shop"', exact=False).wait_for()
    form.get_by_text("Reproduce this call").scroll_into_view_if_needed()
    page.screenshot(path=shots / "lab-3-session-created.png")

    text = form.inner_text()
    assert SESSION_ID.search(text), "the new session id is shown"
    assert "E2E bike bell" in text  # the order table
    assert "12,34" in text or "12.34" in text
    assert "Traceback" not in page_text(page)
