"""The client side: the HTTP client, the environment it talks to, and snippets.

``PayPartsClient`` is the one chokepoint for HTTP to Pay.Parts. The environment
module chooses sandbox, beta or production by configuration alone (and starts
the embedded sandbox, the default every notebook runs against).
"""

from .payparts_client import PayPartsClient

__all__ = ["PayPartsClient"]
