"""Where the forms send their calls: environment, credentials, and a connection test.

The panel is the widget face of :mod:`environment`: the same variables fill it
(``PAYPARTS_ENV``, ``PAYPARTS_SL_CODE``, ``PAYPARTS_SECRET``, ``PAYPARTS_BASE_URL``,
from the process environment or a ``.env`` file), and the sandbox without a base
URL is this kernel's embedded sandbox with the demo credentials. Production is
used only after an explicit tick, because sessions there are real.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from ..client.environment import (
    BASE_URLS,
    DEMO_CREDENTIALS,
    ENVIRONMENT_CREDENTIALS,
    ENVIRONMENTS,
    read_configuration,
)
from ..client.payparts_client import PayPartsClient
from ..rules import examples
from ..rules.errors import ConfigurationError, NotFoundError
from ..rules.redaction import basic_credentials_forms
from ._base import Form
from .error_messages import TYPED_CREDENTIALS, Credentials, error_html
from .form_message import FormMessage
from .notices import notice_html

__all__ = ["PRODUCTION_CONFIRMATION", "ConnectionPanel"]

PRODUCTION_CONFIRMATION = "I understand this talks to production"
# Well-formed (32 lowercase hex), and never issued: the answer says whether the
# credentials were accepted without creating anything.
_PROBE_ID = "0" * 32
_LABELS = {
    "sandbox": "sandbox (local)",
    "beta": "beta · zero-parts.pay.nl",
    "production": "production · parts.pay.nl",
}
_STYLE = {"description_width": "7em"}
_CHANGED = (
    "The connection settings have changed since this test: press Test connection to test them."
)


def _demo() -> tuple[str, str]:
    return examples.DEMO_SL_CODE, examples.DEMO_SECRET


class ConnectionPanel(Form):
    """Environment, SL code, secret and base URL, a production guard, and "Test connection".

    ``client()`` builds a :class:`PayPartsClient` from the current values (cached
    while they are unchanged). ``submit()`` (the button) tests the connection with a
    GET of an id that cannot exist: a 404 means the credentials were accepted.
    ``result`` is True after a successful test, False after a failed one, None before
    any; ``error`` is the error of the last test, or None.
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        values = read_configuration(environ) if environ is None else dict(environ)
        notes: list[str] = []
        environment = (values.get("PAYPARTS_ENV") or "sandbox").strip().lower()
        if environment not in ENVIRONMENTS:
            notes.append(
                f"PAYPARTS_ENV={environment!r} is not one of {', '.join(ENVIRONMENTS)}: "
                "the sandbox is selected instead"
            )
            environment = "sandbox"
        # Credentials from the configuration stay in Python: the Password widget holds
        # only what the user types, because widget state can be saved into the .ipynb.
        self._configured = (
            (values.get("PAYPARTS_SL_CODE") or "").strip(),
            values.get("PAYPARTS_SECRET") or "",
        )
        self._preset = self._configured

        self.environment = widgets.Dropdown(
            options=[(_LABELS[name], name) for name in ENVIRONMENTS],
            value=environment,
            description="environment",
            style=_STYLE,
        )
        self.sl_code = widgets.Text(
            value="", description="SL code", placeholder="SL-1234-4321", style=_STYLE
        )
        self.secret = widgets.Password(value="", description="secret", style=_STYLE)
        self.base_url = widgets.Text(
            value=(values.get("PAYPARTS_BASE_URL") or "").strip(),
            description="base URL",
            placeholder="empty: the environment's own",
            style=_STYLE,
        )
        self.confirm_production = widgets.Checkbox(
            value=False, description=PRODUCTION_CONFIRMATION, indent=False
        )
        self.target = widgets.HTML()
        self.test_button = widgets.Button(
            description="Test connection", button_style="primary", icon="plug"
        )
        self.output = widgets.Output()
        self.message = FormMessage(self.output)
        self.result: bool | None = None
        self.error: BaseException | None = None
        self._client: PayPartsClient | None = None
        self._client_key: tuple[str, str, str, str, str | None] | None = None

        self._apply_preset()
        self.environment.observe(self._environment_changed, names="value")
        self.base_url.observe(lambda _change: self._apply_preset(), names="value")
        for field in self._settings_fields():
            field.observe(self._describe_target, names="value")
        for field in self._settings_fields():
            field.observe(self._settings_changed, names="value")
        self.test_button.on_click(lambda _button: self.submit())
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.environment, self.base_url]),
                widgets.HBox([self.sl_code, self.secret]),
                self.confirm_production,
                self.target,
                self.test_button,
                self.output,
            ]
        )
        self._show_confirmation()
        self._describe_target()
        if notes:
            self.message.hint(*(notice_html(note, "warning") for note in notes))

    # --- the client ---------------------------------------------------------------------

    @property
    def uses_embedded_sandbox(self) -> bool:
        """True when calls go to this kernel's embedded sandbox (sandbox, no base URL)."""
        return self.environment.value == "sandbox" and not self.base_url.value.strip()

    def client(self) -> PayPartsClient:
        """A client for the current values; raises ConfigurationError when they cannot work
        (production not confirmed, missing credentials, plain http to another host)."""
        environment = self.environment.value
        if environment == "production" and not self.confirm_production.value:
            raise ConfigurationError(
                f'production is selected: tick "{PRODUCTION_CONFIRMATION}" first '
                "(sessions there are real). Nothing was sent."
            )
        sl_code, secret = self.sl_code.value.strip(), self.current_secret()
        base = self.base_url.value
        source = self.credentials().source
        key = (environment, sl_code, secret, base.strip(), source)
        if self._client is not None and key == self._client_key:
            return self._client
        base_url: str | None = base.strip() or None
        if base_url is None and environment != "sandbox":
            base_url = BASE_URLS[environment]
        client = PayPartsClient(sl_code, secret, base_url, credentials_source=source)
        client.environment = environment
        previous, self._client, self._client_key = self._client, client, key
        if previous is not None:
            previous.close()
        return client

    def current_secret(self) -> str:
        """What the user typed, else the configured (or demo) secret for the preset SL code."""
        if self.secret.value:
            return self.secret.value
        preset_sl_code, preset_secret = self._preset
        return preset_secret if self.sl_code.value.strip() == preset_sl_code else ""

    def credentials(self) -> Credentials:
        """Where the secret in use comes from, and what an empty secret field falls back to."""
        preset = self._preset_source()
        if self.secret.value:
            fallback = {
                DEMO_CREDENTIALS: "the sandbox's demo secret",
                ENVIRONMENT_CREDENTIALS: "PAYPARTS_SECRET from the environment",
            }.get(preset or "")
            return Credentials(TYPED_CREDENTIALS, fallback)
        return Credentials(preset if self.current_secret() else None)

    def _preset_source(self) -> str | None:
        if not self._preset[1]:
            return None
        return DEMO_CREDENTIALS if self._preset == _demo() else ENVIRONMENT_CREDENTIALS

    def secret_forms(self) -> list[str]:
        """Every text that would reveal the secret, now or as last used: for redaction."""
        forms = basic_credentials_forms(self.sl_code.value.strip(), self.current_secret())
        forms += basic_credentials_forms(*self._preset)
        if self._client_key is not None:
            forms += basic_credentials_forms(self._client_key[1], self._client_key[2])
        return sorted(set(forms), key=len, reverse=True)

    # --- the test -----------------------------------------------------------------------

    def submit(self) -> bool:
        """Test the connection without creating anything; True when the credentials work."""
        self.result, self.error = False, None
        self.test_button.disabled = True
        tested = self._settings()
        self.message.hint(notice_html("Testing the connection…"))
        try:
            client = self.client()
            started = time.perf_counter()
            with contextlib.suppress(NotFoundError):  # the expected answer: no such session
                client.get_session(_PROBE_ID)
            elapsed = (time.perf_counter() - started) * 1000
        except Exception as error:  # PayPartsError, or last resort: never a traceback
            self.error = error
            secrets = self.secret_forms()
            shown = error_html(error, secrets, self.credentials())
            if isinstance(error, ConfigurationError):  # refused here: about the fields
                self.message.hint(shown, secrets=secrets)
            else:
                self.message.answer(tested, shown, secrets=secrets)
        else:
            self.result = True
            self.message.answer(
                tested,
                notice_html(
                    f"Connected to {self._where(client)} as {client.sl_code} "
                    f"({client.environment}) with {client.credentials_source} in "
                    f"{elapsed:.0f} ms: the credentials were accepted (a probe for a session "
                    "that cannot exist answered 404, as expected). Nothing was created.",
                    "ok",
                ),
                secrets=self.secret_forms(),
            )
        finally:
            self.test_button.disabled = False
        return bool(self.result)

    def _where(self, client: PayPartsClient) -> str:
        if self.uses_embedded_sandbox:
            return f"the embedded local sandbox at {client.base_url}"
        return client.base_url

    # --- reacting to edits ----------------------------------------------------------------

    def _settings_fields(self) -> tuple[widgets.ValueWidget, ...]:
        return (
            self.environment,
            self.sl_code,
            self.secret,
            self.base_url,
            self.confirm_production,
        )

    def _settings(self) -> tuple[Any, ...]:
        """The values a test answers for (kept in memory only, like the client's cache key)."""
        return (
            self.environment.value,
            self.sl_code.value.strip(),
            self.current_secret(),
            self.base_url.value.strip(),
            self.confirm_production.value,
        )

    def _settings_changed(self, _change: object = None) -> None:
        """Keep the message true: a refusal of the old settings goes, a test result is
        marked as being about the settings it tested."""
        if isinstance(self.error, ConfigurationError):
            self.error = None
            self.message.hint()
        else:
            self.message.fields_changed(self._settings(), _CHANGED)

    def _environment_changed(self, change: dict[str, Any]) -> None:
        if change["new"] != "production":
            self.confirm_production.value = False
        self._apply_preset()
        self._show_confirmation()

    def _apply_preset(self) -> None:
        """Demo credentials for the embedded sandbox; the configured ones elsewhere.

        The demo credentials belong to the sandbox: they are never carried to beta or
        production. The SL code field follows the preset unless the user changed it.
        """
        previous = self._preset
        if self.uses_embedded_sandbox or (
            self.environment.value == "sandbox" and not all(self._configured)
        ):
            self._preset = _demo()
        else:
            self._preset = self._configured
        if self.sl_code.value.strip() in ("", previous[0]):
            self.sl_code.value = self._preset[0]
        if self.secret.value and self.secret.value == previous[1] != self._preset[1]:
            self.secret.value = ""
        self.secret.placeholder = self._secret_hint()

    def _secret_hint(self) -> str:
        source = self._preset_source()
        if source is None:
            return "type the secret"
        if source == DEMO_CREDENTIALS:
            return "demo secret (published by Pay.nl)"
        return "from PAYPARTS_SECRET"

    def _show_confirmation(self) -> None:
        production = self.environment.value == "production"
        self.confirm_production.layout.display = "" if production else "none"

    def _describe_target(self, _change: object = None) -> None:
        environment = self.environment.value
        base = self.base_url.value.strip()
        if self.uses_embedded_sandbox:
            where = "the embedded local sandbox (started on first use)"
        else:
            where = base or BASE_URLS.get(environment, "")
        text = f"Requests go to {where}{self._as_whom()}."
        level = "info"
        if environment == "production":
            level = "warning"
            if not self.confirm_production.value:
                text += f' Production: tick "{PRODUCTION_CONFIRMATION}" to use it.'
            else:
                text += " Production: sessions there are real."
        self.target.value = notice_html(text, level)

    def _as_whom(self) -> str:
        """``" as SL-1234-4321 with the secret typed into the form"``: what a call will send."""
        sl_code = self.sl_code.value.strip()
        if not sl_code:
            return ", with no SL code yet: type it"
        source = self.credentials().source
        if source is None:
            return f" as {sl_code}, with no secret yet: type it"
        return f" as {sl_code} with {source}"

    def __repr__(self) -> str:
        base = self.base_url.value.strip() or "default"
        return (
            f"ConnectionPanel(environment={self.environment.value!r}, "
            f"sl_code={self.sl_code.value.strip()!r}, base_url={base!r})"
        )
