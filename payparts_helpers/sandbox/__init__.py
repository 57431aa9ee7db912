"""A faithful local stand-in for Pay.Parts' session API (see the README's assumptions)."""

from .exchange_delivery import DeliveryPolicy
from .merchants import (
    DEMO_MERCHANT,
    SECOND_DEMO_MERCHANT,
    Merchant,
    MerchantFileError,
    load_merchants,
)
from .server import SandboxHandle, start_sandbox
from .store import default_db_path

__all__ = [
    "DEMO_MERCHANT",
    "SECOND_DEMO_MERCHANT",
    "DeliveryPolicy",
    "Merchant",
    "MerchantFileError",
    "SandboxHandle",
    "default_db_path",
    "load_merchants",
    "start_sandbox",
]
