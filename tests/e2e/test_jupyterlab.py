"""JupyterLab in Chromium: run 01_create_session, fill its form through the page, create."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from .conftest import Server
from .waits import open_notebook, run_all_and_wait
from .widgets_page import SESSION_ID, button, dismiss_notifications, page_text, tab, text_field

NOTEBOOK = "01_create_session.ipynb"


def test_create_session_form_in_jupyterlab(page, lab: Server, shots: Path) -> None:
    open_notebook(page, lab, NOTEBOOK)  # its kernel connected and idle: Run All runs
    run_all_and_wait(page, lab, NOTEBOOK)  # every code cell ran, its widgets drawn, idle
    dismiss_notifications(page)

    # Once every cell has run and the kernel is idle, no cell touches the form any more:
    # it shows what the last cell that set it left there.
    form = page.locator(".jp-CodeCell").first
    expect(button(form, "Create session"), "the form shows its Create button").to_be_visible()
    expect(text_field(form, "amount"), "the cells leave 29.99 in the form").to_have_value("29.99")
    page.screenshot(path=shots / "lab-1-notebook-ran.png")

    text_field(form, "amount").fill("12.34")
    text_field(form, "description").fill("E2E order 42")
    form.get_by_text("sends 1234").wait_for()  # the kernel read the amount typed
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

    expect(form, "the new session id is shown").to_contain_text(SESSION_ID)
    expect(form, "the order table shows the line").to_contain_text("E2E bike bell")
    expect(form, "the order table shows its amount").to_contain_text(re.compile(r"12[,.]34"))
    assert "Traceback" not in page_text(page)
