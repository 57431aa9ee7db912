"""The whole explorer on one page: connection, create, get, token and exchange inspectors.

This is what ``notebooks/explorer.ipynb`` shows, and what ``make demo`` serves as a
Voilà app for people who never open a notebook. It only composes the forms; all
behaviour stays in them.
"""

from __future__ import annotations

import ipywidgets as widgets

from ._base import Form
from .connection import ConnectionPanel
from .create_form import CreateSessionForm
from .exchange_inspector import ExchangeInspector
from .get_form import GetSessionForm
from .token_inspector import TokenInspector

__all__ = ["ExplorerApp"]

TAB_TITLES = ("Create session", "Get session", "Token inspector", "Exchange inspector")


class ExplorerApp(Form):
    """One connection shared by the create and get forms, the forms in tabs.

    The exchange inspector follows the same connection to decide whether an empty
    secret field means the sandbox's demo secret.
    """

    def __init__(self) -> None:
        self.connection = ConnectionPanel()
        self.create = CreateSessionForm(connection=self.connection)
        self.get = GetSessionForm(connection=self.connection)
        self.inspector = TokenInspector()
        self.exchange = ExchangeInspector(connection=self.connection)
        self.tabs = widgets.Tab(
            children=[
                self.create.widget,
                self.get.widget,
                self.inspector.widget,
                self.exchange.widget,
            ],
            titles=TAB_TITLES,
        )
        self.connection_box = widgets.Accordion(
            children=[self.connection.widget], titles=("Connection",), selected_index=None
        )
        self.tabs.observe(self._tab_changed, names="selected_index")
        self.widget = widgets.VBox([self.connection_box, self.tabs])

    def _tab_changed(self, change: dict[str, object]) -> None:
        """Opening "Get session" offers the ids just created, the newest first."""
        if change["new"] == 1:
            self.get.refresh_options()
            if self.create.result is not None and not self.get.session_id.value:
                self.get.session_id.value = self.create.result.session_id
