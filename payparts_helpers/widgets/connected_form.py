"""Forms that call the API through a connection panel, and their "reproduce this call" tab.

Kept apart from ``_base`` (output plumbing every form uses) because it stands on
``ConnectionPanel``, which itself is a plain form: one direction, no cycle.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets

from ..client.payparts_client import PayPartsClient
from ..client.snippets import to_curl, to_php, to_python
from ..rules import examples
from ..rules.redaction import basic_credentials_forms, redact
from ._base import Form
from .connection import ConnectionPanel
from .error_messages import Credentials, error_html
from .notices import notice_html

__all__ = ["ConnectedForm", "snippet_tab"]


class ConnectedForm(Form):
    """A form that calls the API: through a ConnectionPanel, or through a client given in code.

    With neither, the form makes its own panel and shows it, collapsed, above itself.
    """

    connection: ConnectionPanel | None
    snippets_tab: widgets.Tab | None
    _fixed_client: PayPartsClient | None

    def _connect(
        self, connection: ConnectionPanel | None, client: PayPartsClient | None
    ) -> list[widgets.Widget]:
        """Set ``connection``/``_fixed_client``; return the widgets to show above the form."""
        if connection is not None and client is not None:
            raise TypeError("pass a connection or a client, not both")
        self._fixed_client = client
        if client is not None:
            self.connection = None
            return [widgets.HTML(notice_html(f"Using {client!r}"))]
        if connection is not None:
            self.connection = connection
            return []
        self.connection = ConnectionPanel()
        return [
            widgets.Accordion(
                children=[self.connection.widget], titles=("Connection",), selected_index=None
            )
        ]

    def _client(self) -> PayPartsClient:
        if self._fixed_client is not None:
            return self._fixed_client
        return self.connection.client()

    def _credentials(self) -> Credentials:
        """Where the credentials in use came from, for what a refusal says to check."""
        if self._fixed_client is not None:
            return Credentials(getattr(self._fixed_client, "credentials_source", None))
        return self.connection.credentials()

    def _error_html(self, error: BaseException, secrets: list[str]) -> str:
        return error_html(error, secrets, self._credentials())

    def _secrets(self) -> list[str]:
        """Every form of the credentials in use, to mask in what the form shows."""
        if self._fixed_client is not None:
            return self._fixed_client.secret_forms
        return self.connection.secret_forms()

    def _fresh_snippets(self, call: Any, client: Any, secrets: Iterable[str]) -> widgets.Tab:
        """A new "reproduce this call" tab in ``snippets_tab``; the previous one is closed."""
        if self.snippets_tab is not None:
            for page in self.snippets_tab.children:
                page.close()
            self.snippets_tab.close()
        self.snippets_tab = snippet_tab(call, client, secrets)
        return self.snippets_tab


def snippet_tab(call: Any, client: Any, secrets: Iterable[str] = ()) -> widgets.Tab:
    """curl / Python / PHP reproducing ``call`` (a request body, or a session id to GET).

    Every secret form is masked except the sandbox's published demo credentials, which a
    sandbox snippet carries on purpose so that it runs as pasted (see :mod:`snippets`).
    """
    public = set(basic_credentials_forms(examples.DEMO_SL_CODE, examples.DEMO_SECRET))
    forms = [form for form in secrets if form not in public]
    pages = []
    for make in (to_curl, to_python, to_php):
        code = html.escape(str(redact(make(call, client), forms)))
        pages.append(widgets.HTML(f"<pre style='white-space: pre-wrap'>{code}</pre>"))
    return widgets.Tab(children=pages, titles=("curl", "Python", "PHP"))
