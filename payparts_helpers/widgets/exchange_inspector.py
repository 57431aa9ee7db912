"""Paste an exchange call your shop received and see whether its signature holds.

The form; the check behind its button is :mod:`..checks.exchange_check`.

The headers (``Name: value`` lines, or a JSON object) and the raw body are checked
with :func:`verify_exchange_signature` over the body's bytes exactly as pasted
(UTF-8), before the body is read, as a correct shop does. Only a valid call's
``object`` is shown: its status, amounts, reference and orderId. Anything else
gets the verdict in words and what to do about it.

The secret is typed into a Password field. For the sandbox's demo sales location
an empty field means the demo secret, exactly where :class:`ConnectionPanel` uses
it (the embedded sandbox, or the sandbox without configured credentials); for any
other sales location it has to be typed. It never enters a message, a repr or the
widget state: every output is redacted with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from ..checks.exchange_check import (
    ADVICE,
    ExchangeCheck,
    FieldProblem,
    check_exchange_call,
    order_rows,
)
from ..client.exchange_listener import ExchangeCall, ExchangeListener
from ..rules import examples
from ..rules.exchange_signing import (
    HEADER_ALGORITHM,
    HEADER_KEY_ID,
    HEADER_METHOD,
    HEADER_SIGNATURE,
    SignatureVerdict,
)
from ..rules.redaction import basic_credentials_forms
from ._base import Form
from .connection import ConnectionPanel
from .form_message import FormMessage
from .json_view import json_html
from .markup import escape
from .notices import notice_html
from .tables import table_html

__all__ = ["ExchangeInspector"]

IDLE = (
    "Paste the headers and the raw body of an exchange call your shop received, then press Check."
)
CHANGED = "The fields have changed since this check: press Check to check them."
_STYLE = {"description_width": "9em"}
_PASTED = -1  # the calls dropdown's "nothing picked" entry
_SIGNATURE_HEADERS = (HEADER_METHOD, HEADER_KEY_ID, HEADER_ALGORITHM, HEADER_SIGNATURE)


class ExchangeInspector(Form):
    """Headers, raw body, secret and expected key id; "Check" verifies the call.

    With a ``listener`` (:class:`ExchangeListener`), a dropdown offers the calls it
    received: picking one fills headers and body (its raw bytes are checked, not a
    re-encoding) and checks it; the newest is picked at once, unless ``headers`` or
    ``body`` are given. ``connection`` (a :class:`ConnectionPanel`, default: one read
    from the environment, not shown) decides whether an empty secret field means the
    sandbox's demo secret. After ``submit()``: ``result`` is the :class:`ExchangeCheck`,
    ``verdict`` its :class:`SignatureVerdict` (None when the input could not be checked).
    """

    def __init__(
        self,
        listener: ExchangeListener | None = None,
        *,
        connection: ConnectionPanel | None = None,
        headers: str = "",
        body: str = "",
        key_id: str = "",
    ) -> None:
        self.connection = connection if connection is not None else ConnectionPanel()
        self.listener = listener
        self.result: ExchangeCheck | None = None
        self._picked: tuple[str, bytes] | None = None  # the body's text and its raw bytes
        self._refreshing = False
        self.calls = widgets.Dropdown(
            options=[("(paste a call below)", _PASTED)],
            value=_PASTED,
            description="received call",
            style=_STYLE,
            layout=widgets.Layout(width="min(100%, 44em)"),
        )
        self.refresh_button = widgets.Button(
            description="", icon="refresh", tooltip="Read the listener's calls again"
        )
        self.refresh_button.layout.width = "3em"
        self.headers = widgets.Textarea(
            value=headers,
            description="headers",
            placeholder="Signature-Method: HMAC\nSignature-KeyID: SL-1234-4321\n"
            "Signature-Algorithm: sha256\nSignature: 3f5a…   (or a JSON object)",
            style=_STYLE,
            layout=widgets.Layout(width="100%", height="8em"),
        )
        self.body = widgets.Textarea(
            value=body,
            description="raw body",
            placeholder='{"event":"status_changed","type":"order",…}   exactly as received',
            style=_STYLE,
            layout=widgets.Layout(width="100%", height="8em"),
        )
        # Only what the user types: a configured secret never enters widget state.
        self.secret = widgets.Password(value="", description="secret", style=_STYLE)
        self.key_id = widgets.Text(value=key_id, description="expected key id", style=_STYLE)
        self.check_button = widgets.Button(
            description="Check", button_style="primary", icon="check"
        )
        self.output = widgets.Output()
        self.message = FormMessage(self.output)

        picker = widgets.HBox([self.calls, self.refresh_button])
        if listener is None:
            picker.layout.display = "none"
        self.check_button.on_click(lambda _button: self.submit())
        self.refresh_button.on_click(lambda _button: self.refresh_calls())
        self.calls.observe(self._picked_call, names="value")
        for box in (self.headers, self.body, self.secret, self.key_id):
            box.observe(self._fields_changed, names="value")
        for box in (
            self.connection.environment,
            self.connection.sl_code,
            self.connection.secret,
            self.connection.base_url,
        ):
            box.observe(self._describe_secret, names="value")
        self.widget = widgets.VBox(
            [
                picker,
                self.headers,
                self.body,
                widgets.HBox([self.secret, self.key_id]),
                self.check_button,
                self.output,
            ]
        )
        self._describe_secret()
        self.message.hint(notice_html(IDLE))
        if listener is not None:
            self.refresh_calls(pick_newest=not (headers or body))

    # --- the secret -------------------------------------------------------------------

    @property
    def uses_demo_secret(self) -> bool:
        """True when an empty secret field means the sandbox's demo secret: the connection
        is the sandbox with the demo sales location, as ConnectionPanel decides it."""
        connection = self.connection
        return connection.environment.value == "sandbox" and (
            connection.sl_code.value.strip(),
            connection.current_secret(),
        ) == (examples.DEMO_SL_CODE, examples.DEMO_SECRET)

    def current_secret(self) -> str:
        """What was typed, else the demo secret where it applies, else nothing."""
        if self.secret.value:
            return self.secret.value
        return examples.DEMO_SECRET if self.uses_demo_secret else ""

    def _secret_forms(self) -> list[str]:
        secret = self.current_secret()
        key_ids = {
            examples.DEMO_SL_CODE,
            self.key_id.value.strip(),
            self.connection.sl_code.value.strip(),
        }
        if self.result is not None and self.result.verdict is not None:
            key_ids.add(self.result.verdict.key_id or "")
        forms = {secret} if secret else set()
        for key_id in key_ids:
            forms.update(basic_credentials_forms(key_id, secret))
        return sorted(forms, key=len, reverse=True)

    def _describe_secret(self, _change: object = None) -> None:
        if self.uses_demo_secret:
            self.secret.placeholder = "demo secret (published by Pay.nl)"
            self.key_id.placeholder = f"optional, e.g. {examples.DEMO_SL_CODE}"
        else:
            self.secret.placeholder = "type the sales location's secret"
            sl_code = self.connection.sl_code.value.strip()
            self.key_id.placeholder = f"optional, e.g. {sl_code}" if sl_code else "optional"

    # --- the listener's calls ---------------------------------------------------------

    def refresh_calls(self, pick_newest: bool = False) -> list[ExchangeCall]:
        """Offer the listener's calls again (newest last); optionally pick the newest."""
        calls = self.listener.calls if self.listener is not None else []
        options = [("(paste a call below)", _PASTED)]
        options += [(_call_label(number, call), number - 1) for number, call in enumerate(calls, 1)]
        current = self.calls.value
        self._refreshing = True  # re-offering the calls must not overwrite the fields
        try:
            self.calls.options = options
            self.calls.value = current if current in {v for _, v in options} else _PASTED
        finally:
            self._refreshing = False
        if pick_newest and calls:
            self.calls.value = len(calls) - 1
        return calls

    def pick(self, index: int) -> ExchangeCheck:
        """Fill the fields with the listener's call ``index`` (0 the oldest) and check it."""
        calls = self.listener.calls if self.listener is not None else []
        call = calls[index]
        text = call.raw_body.decode("utf-8", errors="replace")
        self._picked = (text, call.raw_body)
        self.headers.value = "\n".join(f"{name}: {value}" for name, value in call.headers.items())
        self.body.value = text
        return self.submit()

    def _picked_call(self, change: dict[str, Any]) -> None:
        if self._refreshing:
            return
        if change["new"] is not None and change["new"] != _PASTED:
            self.pick(int(change["new"]))

    # --- the check --------------------------------------------------------------------

    def body_bytes(self) -> bytes:
        """The body as checked: a picked call's own bytes while its text is unchanged,
        else the pasted text as UTF-8, exactly (no stripping, no re-formatting)."""
        if self._picked is not None and self.body.value == self._picked[0]:
            return self._picked[1]
        return self.body.value.encode("utf-8")

    @property
    def verdict(self) -> SignatureVerdict | None:
        return self.result.verdict if self.result is not None else None

    def submit(self) -> ExchangeCheck:
        """Check the call in the fields and show the outcome. Never raises."""
        secrets: list[str] = []
        try:
            secrets = self._secret_forms()
            check = check_exchange_call(
                self.headers.value, self.body_bytes(), self.current_secret(), self.key_id.value
            )
        except Exception as error:  # last resort: readable, never a traceback
            check = ExchangeCheck(None, (FieldProblem("check", f"could not run: {error}"),))
        self.result = check
        if check.problems:
            self.message.hint(_problems_html(check), secrets=secrets)
        else:
            self.message.answer(self._fields_key(), *_verdict_parts(check), secrets=secrets)
        return check

    def _fields_key(self) -> tuple[str, ...]:
        """What an answer is about; the secret only as a digest, kept in memory."""
        digest = hashlib.sha256(self.current_secret().encode("utf-8")).hexdigest()
        return (self.headers.value, self.body.value, self.key_id.value.strip(), digest)

    def _fields_changed(self, _change: object = None) -> None:
        if self.result is not None and self.result.problems:
            self.result = None
            self.message.hint(notice_html(IDLE))
        else:
            self.message.fields_changed(self._fields_key(), CHANGED)

    def __repr__(self) -> str:
        calls = len(self.listener.calls) if self.listener is not None else None
        verdict = None if self.verdict is None else (self.verdict.problem or "valid")
        return f"ExchangeInspector(listener_calls={calls!r}, verdict={verdict!r})"


def _call_label(number: int, call: ExchangeCall) -> str:
    when = call.received_at.strftime("%H:%M:%S UTC")
    if not call.verdict.valid:
        return f"{number} · {when} · refused: {call.verdict.problem}"
    order = call.object or {}
    status = order.get("status") if isinstance(order.get("status"), dict) else {}
    said = f"{status.get('code')} {status.get('action')}" if status else "no status"
    return f"{number} · {when} · valid · {said} · {order.get('orderId')}"


def _problems_html(check: ExchangeCheck) -> str:
    plural = "s" if len(check.problems) != 1 else ""
    items = "".join(
        f"<li><b>{escape(problem.field)}</b>: {escape(problem.message)}</li>"
        for problem in check.problems
    )
    return (
        notice_html(f"Not checked: {len(check.problems)} field{plural} to fix first.", "error")
        + f"<ul style='margin: 4px 0'>{items}</ul>"
    )


def _signature_rows(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    found = {name.lower(): value for name, value in headers.items()}
    return [(name, found.get(name.lower(), "(absent)")) for name in _SIGNATURE_HEADERS]


def _verdict_parts(check: ExchangeCheck) -> list[str]:
    verdict = check.verdict
    assert verdict is not None
    signature = table_html(("header", "as received"), _signature_rows(check.headers))
    if not verdict.valid:
        advice = ADVICE.get(verdict.problem or "", "")
        parts = [
            notice_html(f"Signature not valid ({verdict.problem}): {verdict.message}.", "error"),
            f"<div><b>What to do</b>: {escape(advice)}</div>",
        ]
        if check.whitespace_hint:
            parts.append(
                notice_html(
                    "The body verifies without the whitespace or newline at its start or end: "
                    "the copy added it. Verify the bytes exactly as your shop received them.",
                    "warning",
                )
            )
        parts += [signature, notice_html("The body was not read: it cannot be trusted.")]
        return parts
    said = verdict.message[:1].upper() + verdict.message[1:]
    parts = [
        notice_html(
            f"{said}: the body is exactly what was signed with the secret, so what it says "
            "can be trusted.",
            "ok",
        )
    ]
    if not check.key_id_given:
        parts.append(
            notice_html(
                f"No expected key id was given: check that {HEADER_KEY_ID} "
                f"({verdict.key_id}) is your SL code, as a shop does.",
                "warning",
            )
        )
    if check.order is None:
        parts.append(
            notice_html(
                f"But {check.body_problem}: a shop answers such a call "
                '{"result": false} (HTTP 400).',
                "error",
            )
        )
        return [*parts, signature]
    status = check.order.get("status")
    if isinstance(status, dict) and status.get("code") == 0:
        parts.append(
            notice_html(
                "Status code 0: Pay.nl's PHP SDK asks the order-status API for the real "
                "status (GET /v1/orders/{orderId}/status); do the same.",
                "warning",
            )
        )
    return [
        *parts,
        "<div><b>What the call says</b></div>",
        table_html(("field", "value"), order_rows(check.order)),
        signature,
        json_html(check.order, summary="The whole object (JSON)"),
    ]
