"""The reference shop: the smallest correct Pay.Parts integration (docs/reference-shop.md).

``python -m examples.shop --port 8770`` serves it; ``create_app`` builds it.
"""

from .app import create_app

__all__ = ["create_app"]
