"""Finding ipywidgets in a page the way a person does: by label, placeholder, button text."""

from __future__ import annotations

import re
from typing import Any

SESSION_ID = re.compile(r"\b[0-9a-f]{32}\b")


def text_field(scope: Any, label: str) -> Any:
    """The input of the Text widget whose description is exactly ``label``."""
    page = scope if hasattr(scope, "goto") else scope.page
    label_locator = page.locator("label.widget-label", has_text=re.compile(f"^{label}$"))
    return scope.locator(".widget-text", has=label_locator).locator("input").first


def button(scope: Any, text: str) -> Any:
    return scope.locator("button.jupyter-button", has_text=re.compile(f"^\\s*{text}\\s*$")).first


def tab(scope: Any, title: str) -> Any:
    return scope.locator(".lm-TabBar-tab", has_text=title).first


def dismiss_notifications(page: Any) -> None:
    """JupyterLab asks about news on first start; answer so it covers nothing."""
    answer = page.locator(".jp-toast-button", has_text="No")
    if answer.count():
        answer.first.click()


def page_text(page: Any) -> str:
    return page.locator("body").inner_text()
