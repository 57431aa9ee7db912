"""The "get a session" form: fetch by id, and compare what came back with what was sent.

The contract promises GET returns "the same session token, amount, customer, and
order that were used when creating the session"; its own GET example does not
(one product instead of two). The diff against the kernel's record of the request
shows at a glance whether a session came back as sent.
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as widgets

from ..checks.token_checks import token_findings
from ..client import environment
from ..client.payparts_client import PayPartsClient
from ..rules.errors import ConfigurationError, InvalidSessionIdError, TokenDecodeError
from ..rules.resources import SessionDetails
from ..rules.session_token import decode_session_token
from . import sent_registry
from ._base import next_uid
from .connected_form import ConnectedForm
from .connection import ConnectionPanel
from .diff import DiffRow, diff_json
from .error_messages import error_html
from .fields import display_amount, usable_locale
from .form_message import FormMessage
from .json_view import json_html
from .notices import findings_html, notice_html
from .order_table import order_html
from .tables import diff_html, mapping_rows, table_html

__all__ = ["COMPARED_KEYS", "GetSessionForm", "compared_parts"]

COMPARED_KEYS = ("amount", "customer", "order")
"""What GET returns of the request (the contract lists only these three)."""

IDLE = "Nothing fetched yet: pick or paste a sessionId, then press Get session."


def compared_parts(body: dict[str, Any]) -> dict[str, Any]:
    """The part of a request or GET answer that the diff compares."""
    return {key: body[key] for key in COMPARED_KEYS if key in body}


def _stored_ids(sl_code: str) -> list[str]:
    """Recent ids in the embedded sandbox's database; [] when there is none."""
    from ..sandbox.store import read_recent_ids

    handle = environment.running_embedded_sandbox()
    return read_recent_ids(handle.db_path, sl_code) if handle is not None else []


class GetSessionForm(ConnectedForm):
    """``GET /v1/session/{id}`` from a form, with the token checked and a sent/received diff.

    ``session_id`` is a Combobox offering the ids created in this kernel and, for the
    embedded sandbox, recent ids from its database; a session created later in this
    kernel is offered as soon as it exists. After ``submit()``: ``result`` is the
    :class:`SessionDetails` (None on failure), ``error`` the error (None on success),
    ``diff`` the rows comparing amount/customer/order sent with received (None when
    this kernel did not send the request). Editing the id afterwards clears a local
    refusal and marks an answer as being about the id it fetched.
    """

    def __init__(
        self,
        connection: ConnectionPanel | None = None,
        client: PayPartsClient | None = None,
        session_id: str = "",
    ) -> None:
        head = self._connect(connection, client)
        self.result: SessionDetails | None = None
        self.error: BaseException | None = None
        self.diff: list[DiffRow] | None = None
        self.snippets_tab: widgets.Tab | None = None
        self._uid = next_uid("get")
        self.session_id = widgets.Combobox(
            value=session_id,
            options=(),
            ensure_option=False,
            description="sessionId",
            placeholder="a sessionId, e.g. a3fc44c532784ce1b8ac2f2a003e1239",
            layout=widgets.Layout(width="36em"),
        )
        self.get_button = widgets.Button(
            description="Get session", button_style="primary", icon="download"
        )
        self.output = widgets.Output()
        self.message = FormMessage(self.output)
        self.message.hint(notice_html(IDLE))
        self.get_button.on_click(lambda _button: self.submit())
        self.session_id.observe(self._id_edited, names="value")
        self.widget = widgets.VBox(
            [*head, widgets.HBox([self.session_id, self.get_button]), self.output]
        )
        self.refresh_options()
        sent_registry.subscribe(self._created)

    # --- ids on offer -------------------------------------------------------------------------

    def _embedded_sl_code(self) -> str | None:
        """The SL code when calls go to this process's embedded sandbox, else None."""
        if self._fixed_client is None:
            if self.connection is not None and self.connection.uses_embedded_sandbox:
                return self.connection.sl_code.value.strip() or None
            return None
        handle = environment.running_embedded_sandbox()
        if handle is not None and self._fixed_client.base_url == handle.url.rstrip("/"):
            return self._fixed_client.sl_code
        return None

    def refresh_options(self) -> tuple[str, ...]:
        """Offer this kernel's ids (newest first), then the embedded sandbox's recent ones."""
        ids = sent_registry.known_ids()
        sl_code = self._embedded_sl_code()
        if sl_code:
            ids += [i for i in _stored_ids(sl_code) if i not in ids]
        self.session_id.options = tuple(ids)
        return self.session_id.options

    def _created(self, session_id: str) -> None:
        """A session was created in this kernel: offer it first."""
        others = [i for i in self.session_id.options if i != session_id]
        self.session_id.options = (session_id, *others)

    def _id_edited(self, _change: object = None) -> None:
        """Keep the message true to the id now in the field."""
        if isinstance(self.error, InvalidSessionIdError):  # it named the old text
            self.error = None
            self.message.hint(notice_html(IDLE))
            return
        fetched = self.message.about
        self.message.fields_changed(
            self.session_id.value.strip(),
            f"The sessionId has changed: below is the answer for {fetched!r}. "
            "Press Get session to fetch the one in the field.",
        )

    # --- fetching -----------------------------------------------------------------------------

    def submit(self) -> SessionDetails | None:
        """Fetch the session in ``session_id`` and show it. Never raises."""
        self.result, self.error, self.diff = None, None, None
        secrets = self._secrets()
        self.get_button.disabled = True
        session_id = self.session_id.value.strip()
        self.message.hint(notice_html(f"Fetching session {session_id!r} …"), secrets=secrets)
        try:
            self.refresh_options()
            client = self._client()
            started = time.perf_counter()
            details = client.get_session(session_id)
            elapsed = (time.perf_counter() - started) * 1000
        except Exception as error:  # PayPartsError, or last resort: never a traceback
            self.error = error
            secrets = self._secrets()
            if isinstance(error, ConfigurationError):  # about the connection, not this id
                self.message.hint(self._error_html(error, secrets), secrets=secrets)
            else:
                self.message.answer(session_id, self._error_html(error, secrets), secrets=secrets)
            return None
        finally:
            self.get_button.disabled = False
        self.result = details
        try:
            self.message.answer(session_id, *self._parts(client, details, elapsed), secrets=secrets)
        except Exception as error:  # keep the result, explain the display
            self.error = error
            self.message.answer(session_id, self._error_html(error, secrets), secrets=secrets)
        return details

    def _parts(self, client: PayPartsClient, details: SessionDetails, elapsed: float) -> list[Any]:
        """What the form shows for a fetched session, the snippets tab made afresh."""
        secrets = self._secrets()
        locale = usable_locale(_locale(details.customer))
        amount = details.amount or {}
        shown_amount = (
            display_amount(amount.get("value"), amount.get("currency"), locale)
            if details.amount is not None
            else "(no amount in the answer)"
        )
        parts: list[Any] = [
            notice_html(f"HTTP 200: session fetched in {elapsed:.0f} ms", "ok"),
            table_html(
                ("field", "value"),
                [
                    ("sessionId", details.session_id),
                    ("amount", shown_amount),
                    ("sessionToken", details.session_token),
                ],
                secrets,
            ),
            "<h4>Customer</h4>",
            table_html(("field", "value"), mapping_rows(details.customer, "customer"), secrets)
            if details.customer
            else notice_html("no customer in the answer (none was sent, or it was dropped)"),
        ]
        if details.order is not None:
            parts.append(order_html(details.order, details.amount, locale=locale, uuid=self._uid))
        parts += _token_parts(details, secrets)
        parts += self._diff_parts(details, secrets)
        parts.append(json_html(details.raw, summary="Answer (JSON)", secrets=secrets))
        tab = self._fresh_snippets(details.session_id, client, secrets)
        return [*parts, "<h4>Reproduce this call</h4>", tab]

    def _diff_parts(self, details: SessionDetails, secrets: list[str]) -> list[str]:
        sent = sent_registry.sent_request(details.session_id)
        if sent is None:
            return [
                "<h4>Sent against received</h4>",
                notice_html(
                    "sent request unknown in this kernel: it was created elsewhere (another "
                    "kernel, the CLI, curl), so there is nothing to compare with"
                ),
            ]
        self.diff = diff_json(compared_parts(sent), compared_parts(details.raw))
        return ["<h4>Sent against received</h4>", diff_html(self.diff, secrets)]


def _locale(customer: dict[str, Any] | None) -> str | None:
    locale = customer.get("locale") if isinstance(customer, dict) else None
    return locale if isinstance(locale, str) else None


def _token_parts(details: SessionDetails, secrets: list[str]) -> list[str]:
    try:
        payload = decode_session_token(details.session_token)
    except TokenDecodeError as error:
        return ["<h4>Token</h4>", error_html(error, secrets)]
    return [
        "<h4>Token</h4>",
        json_html(payload.raw, summary="Decoded token (JSON)", secrets=secrets),
        findings_html(
            token_findings(payload, details),
            title="Token findings",
            empty="The token agrees with the session (id and amount).",
            secrets=secrets,
        ),
    ]
