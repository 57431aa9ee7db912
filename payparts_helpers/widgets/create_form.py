"""The "create a session" form: every field of the contract, linted as you type.

People type amounts in major units (``29.99``); the form shows and sends minor
units (``2999``) through :func:`money.to_minor`, so an amount with too many
decimals is a named field error before anything is sent. Lint runs on every edit
and the Create button stays disabled while there are errors, exactly the ones the
sandbox would refuse, plus the fields the form could not read.

The message under the button always describes the fields as they are: a refusal
("not sent") is redone on every edit and goes once the problems are fixed; an
answer of the API stays, under a note, once the fields differ from what was sent.
The inputs are :class:`CreateSessionFields`; reading them is :mod:`request_assembly`.
"""

from __future__ import annotations

import copy
from typing import Any

import ipywidgets as widgets

from ..checks.lint import Finding
from ..client.payparts_client import PayPartsClient
from ..rules import money, order_math
from ..rules.errors import Violation
from ..rules.resources import CreatedSession
from . import sent_registry
from ._base import next_uid
from .connected_form import ConnectedForm
from .connection import ConnectionPanel
from .create_fields import CreateSessionFields
from .created_view import created_parts
from .error_messages import NOT_SENT_ERRORS, NotSentError
from .fields import parse_major
from .form_message import FormMessage
from .notices import findings_html, notice_html
from .request_assembly import AssembledRequest, assemble_request, request_findings

__all__ = ["CreateSessionForm"]

IDLE = "Nothing was sent yet: fill in the form, then press Create session."
FIXED = "The problems are fixed: press Create session to send the request."
CHANGED = (
    "The fields have changed since this answer, which is about the request as it was "
    "sent. Press Create session to send the current values."
)


def _not_sent(errors: list[Finding]) -> NotSentError:
    plural = "s" if len(errors) != 1 else ""
    return NotSentError(
        f"The request was not sent: {len(errors)} problem{plural} to fix first.",
        violations=[Violation(f.path, f.message, "FORM") for f in errors],
    )


class CreateSessionForm(ConnectedForm, CreateSessionFields):
    """``POST /v1/session/start`` from a form: edit, read the findings, press Create session.

    Pass a ``connection`` (a :class:`ConnectionPanel` shown elsewhere) or a ``client``;
    with neither, the form makes its own panel and shows it in a "Connection" section.
    After ``submit()``: ``result`` is the :class:`CreatedSession` (None on failure),
    ``error`` the error (None on success), ``sent`` the request body that was sent.
    ``findings`` always holds the current findings (form problems + lint); ``error``
    is a :class:`NotSentError` only while the fields still have the errors it names.
    """

    def __init__(
        self, connection: ConnectionPanel | None = None, client: PayPartsClient | None = None
    ) -> None:
        head = self._connect(connection, client)
        CreateSessionFields.__init__(self)
        self.result: CreatedSession | None = None
        self.error: BaseException | None = None
        self.sent: dict[str, Any] | None = None
        self.findings: list[Finding] = []
        self.snippets_tab: widgets.Tab | None = None
        self._request: dict[str, Any] = {}
        self._busy = False
        self._ready = False
        self._uid = next_uid("create")
        self.findings_area = widgets.HTML()
        self.create_button = widgets.Button(
            description="Create session", button_style="primary", icon="paper-plane"
        )
        self.output = widgets.Output()
        self.message = FormMessage(self.output)
        self.message.hint(notice_html(IDLE))

        self.lines.on_change = self._edited
        self.lines.add_row("Product A", "PROD-001", 1, "29.99", "21")
        self.compute_total_vat()
        self._ready = True
        for field in self.inputs():
            field.observe(self._edited, names="value")
        self.compute_vat_button.on_click(lambda _button: self.compute_total_vat())
        self.amount_from_lines_button.on_click(lambda _button: self.amount_from_lines())
        self.create_button.on_click(lambda _button: self.submit())
        self.widget = widgets.VBox(
            [*head, self.sections, self.findings_area, self.create_button, self.output]
        )
        self.check()

    # --- reading the fields -----------------------------------------------------------------

    def _read(self) -> AssembledRequest:
        """Read every field (the lines in the chosen currency) and refresh the previews."""
        self.lines.currency = self.currency.value
        assembled = assemble_request(self.values(), self.lines.read())
        self.show_previews(assembled)
        return assembled

    def request(self) -> dict[str, Any]:
        """The request body the form would send now (fields it cannot read are left out)."""
        return self._read().request

    def check(self) -> list[Finding]:
        """Re-read the form and lint it: problems reading fields, then lint's findings."""
        assembled = self._read()
        self.findings = request_findings(assembled)
        self._request = assembled.request
        self.findings_area.value = findings_html(
            self.findings,
            title="Before sending",
            empty="No findings: ready to send.",
            secrets=self._secrets(),
        )
        self.create_button.disabled = self._busy or self._has_errors()
        return self.findings

    def _errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    def _has_errors(self) -> bool:
        return bool(self._errors())

    def _edited(self, _change: object = None) -> None:
        if self._ready:
            self.check()
            self._keep_message_true()

    def _keep_message_true(self) -> None:
        """After an edit: redo a refusal for the errors left (or clear it), mark an answer."""
        if not isinstance(self.error, NotSentError):
            self.message.fields_changed(self._request, CHANGED)
            return
        secrets = self._secrets()
        errors = self._errors()
        if errors:
            self.error = _not_sent(errors)
            self.message.hint(self._error_html(self.error, secrets), secrets=secrets)
        else:
            self.error = None
            self.message.hint(notice_html(FIXED, "ok"))

    # --- order helpers ----------------------------------------------------------------------

    def compute_total_vat(self) -> int | None:
        """Fill totalVat from the lines under the chosen reading (exact sum, rounded once)."""
        include = self.prices_include_vat.value
        exact, why = self.lines.exact_vat(include)
        if exact is None:
            self.order_status.value = notice_html(f"totalVat not computed: {why}", "warning")
            return None
        minor = int(order_math.round_half_up(exact))
        currency = self.currency.value
        self.total_vat.value = money.format_plain(minor, currency)
        reading = "including" if include else "excluding"
        self.order_status.value = notice_html(
            f"totalVat = {money.with_unit(minor, currency)}: the exact VAT for prices "
            f"{reading} VAT is {float(exact):.2f} minor units, rounded half up once",
            "ok",
        )
        return minor

    def amount_from_lines(self) -> int | None:
        """Set amount to the sum of the line totals plus shippingCosts."""
        currency = self.currency.value
        self.lines.currency = currency
        lines = self.lines.lines_total()
        shipping, problem = parse_major(self.shipping_costs.value, currency, "order.shippingCosts")
        if lines is None or problem is not None:
            self.order_status.value = notice_html(
                "amount not set: every line needs a readable unit price or total, and "
                "shippingCosts must be readable",
                "warning",
            )
            return None
        value = lines + (shipping or 0)
        self.amount.value = money.format_plain(value, currency)
        self.order_status.value = notice_html(
            f"amount = lines {money.with_unit(lines, currency)} + shipping "
            f"{money.with_unit(shipping or 0, currency)} = {money.with_unit(value, currency)}",
            "ok",
        )
        return value

    # --- sending ----------------------------------------------------------------------------

    def submit(self) -> CreatedSession | None:
        """Send the request when there are no errors; show the outcome. Never raises."""
        self.result, self.error = None, None
        secrets = self._secrets()
        try:
            self.check()
        except Exception as error:  # last resort: readable, never a traceback
            self.error = error
            self.message.hint(self._error_html(error, secrets), secrets=secrets)
            return None
        errors = self._errors()
        if errors:
            self.error = _not_sent(errors)
            self.message.hint(self._error_html(self.error, secrets), secrets=secrets)
            return None
        request = copy.deepcopy(self._request)
        self._busy = True
        self.create_button.disabled = True
        self.message.hint(notice_html("Sending POST /v1/session/start …"), secrets=secrets)
        try:
            client = self._client()
            created = client.create_session(request)
        except Exception as error:  # PayPartsError, or last resort: never a traceback
            self.error = error
            secrets = self._secrets()
            if isinstance(error, NOT_SENT_ERRORS):  # refused here: about the connection
                self.message.hint(self._error_html(error, secrets), secrets=secrets)
            else:
                self.message.answer(request, self._error_html(error, secrets), secrets=secrets)
            return None
        finally:
            self._busy = False
            self.create_button.disabled = self._has_errors()
        sent_registry.remember(created.session_id, request)
        self.result, self.sent = created, request
        secrets = self._secrets()
        try:
            parts = created_parts(client, created, request, secrets=secrets, uid=self._uid)
            tab = self._fresh_snippets(request, client, secrets)
            self.message.answer(
                request, *parts, "<h4>Reproduce this call</h4>", tab, secrets=secrets
            )
        except Exception as error:  # the session exists: keep the result, explain the display
            self.error = error
            self.message.answer(
                request,
                notice_html(f"Session {created.session_id} was created.", "ok"),
                self._error_html(error, secrets),
                secrets=secrets,
            )
        return created
