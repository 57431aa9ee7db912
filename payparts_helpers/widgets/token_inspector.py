"""Paste any ``st_…`` token and see what it says, and what is wrong with it.

Useful when a token comes from elsewhere (a frontend log, a support ticket): the
decoder forgives what copying does (missing padding, URL-safe alphabet, quotes)
and the findings name what the contract's own example gets wrong (``"299.99"``
for 2999 EUR).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from ..checks.lint import Finding
from ..checks.token_checks import token_findings
from ..rules.errors import TokenDecodeError
from ..rules.session_token import TokenPayload, decode_session_token
from ._base import Form, show
from .error_messages import error_html
from .fields import display_amount
from .json_view import json_html
from .notices import findings_html, notice_html
from .tables import table_html

__all__ = ["TokenInspector"]


class TokenInspector(Form):
    """A Textarea for a token, decoded on every edit and on "Inspect".

    ``result`` is the :class:`TokenPayload` (None when the text does not decode),
    ``findings`` the token's findings (``[]`` for a clean token or an undecodable one),
    ``error`` the :class:`TokenDecodeError` (None when it decodes).
    """

    def __init__(self, token: str = "") -> None:
        self.token = widgets.Textarea(
            value=token,
            description="token",
            placeholder="st_eyJTZXNzaW9uSWQiOi…",
            layout=widgets.Layout(width="100%", height="6em"),
        )
        self.inspect_button = widgets.Button(
            description="Inspect", button_style="primary", icon="search"
        )
        self.output = widgets.Output()
        self.result: TokenPayload | None = None
        self.findings: list[Finding] = []
        self.error: BaseException | None = None
        self.inspect_button.on_click(lambda _button: self.submit())
        self.token.observe(self._edited, names="value")
        self.widget = widgets.VBox([self.token, self.inspect_button, self.output])
        if token.strip():
            self.submit()
        else:
            self._hint()

    def _hint(self) -> None:
        self.result, self.findings, self.error = None, [], None
        show(self.output, notice_html("Paste a sessionToken (st_…) above."))

    def _edited(self, change: dict[str, Any]) -> None:
        if str(change["new"]).strip():
            self.submit()
        else:
            self._hint()

    def submit(self) -> TokenPayload | None:
        """Decode the token and show it with its findings. Never raises."""
        self.result, self.findings, self.error = None, [], None
        try:
            payload = decode_session_token(self.token.value)
            findings = token_findings(payload)
        except TokenDecodeError as error:
            self.error = error
            show(self.output, error_html(error))
            return None
        except Exception as error:  # last resort: readable, never a traceback
            self.error = error
            show(self.output, error_html(error))
            return None
        self.result, self.findings = payload, findings
        show(
            self.output,
            table_html(
                ("field", "value"),
                [
                    ("SessionId", payload.session_id),
                    ("merchantName", _shown(payload.merchant_name)),
                    ("amount.value", _shown(payload.amount_value)),
                    ("amount.currency", _shown(payload.amount_currency)),
                    ("amount.formatted (as the token says)", _shown(payload.amount_formatted)),
                    (
                        "amount (from value and currency)",
                        display_amount(payload.amount_value, payload.amount_currency),
                    ),
                ],
            ),
            json_html(payload.raw, summary="Decoded token (JSON)", open_=True),
            findings_html(findings, title="Token findings", empty="The token looks right."),
        )
        return payload


def _shown(value: object) -> str:
    return "(absent or not the documented type)" if value is None else str(value)
