"""ipywidgets forms over the helpers: connection, create, get, a token and an exchange inspector.

Each form builds its widgets, wires its buttons to ``submit()``, and shows the outcome
in an ``Output`` widget as readable text, never a traceback. That message always
describes the fields as they are (:mod:`.form_message`): a refusal goes once its
problems are fixed, and an answer is marked once the fields differ from what it
answered. A notebook cell ending with a form displays it; code can set the widgets'
values, call ``submit()`` and read ``result`` / ``error``. Nothing else in the
package imports this sub-package.
"""

from __future__ import annotations

from .connection import ConnectionPanel
from .create_form import CreateSessionForm
from .error_messages import NotSentError
from .exchange_inspector import ExchangeInspector
from .explorer import ExplorerApp
from .get_form import GetSessionForm
from .token_inspector import TokenInspector

__all__ = [
    "ConnectionPanel",
    "CreateSessionForm",
    "ExchangeInspector",
    "ExplorerApp",
    "GetSessionForm",
    "NotSentError",
    "TokenInspector",
]
