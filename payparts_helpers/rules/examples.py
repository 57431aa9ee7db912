"""The published contract's examples, verbatim, for notebooks, tests and demos.

Kept as data so that the regression notebook and the test suite send exactly
what the vendor's page shows, inconsistencies included (see the contract's
"Inconsistencies" section: they stay visible, never silently fixed).
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = [
    "DEMO_SECRET",
    "DEMO_SL_CODE",
    "EXAMPLE_SESSION_ID",
    "EXAMPLE_TOKEN",
    "full_request",
    "is_demo_credentials",
    "minimum_request",
]

# The contract's own example credentials (its curl examples use them). They are
# published, so they are no secret: the sandbox's demo merchant has them, and a
# snippet for the sandbox may show them. Every other secret is masked everywhere.
DEMO_SL_CODE = "SL-1234-4321"
DEMO_SECRET = "your-secret-key"  # noqa: S105 - published by the vendor for examples

EXAMPLE_SESSION_ID = "a3fc44c532784ce1b8ac2f2a003e1239"
# Decodes to merchant "Canyon Bikes", 2999 EUR formatted "299.99" (sic: should be 29.99).
EXAMPLE_TOKEN = (
    "st_eyJTZXNzaW9uSWQiOiJhM2ZjNDRjNTMyNzg0Y2UxYjhhYzJmMmEwMDNlMTIzOSIsIkNvbmZpZyI6eyJtZXJj"  # noqa: S105
    "aGFudE5hbWUiOiJDYW55b24gQmlrZXMiLCJhbW91bnQiOnsidmFsdWUiOjI5OTksImN1cnJlbmN5IjoiRVVSIiwi"
    "Zm9ybWF0dGVkIjoiMjk5Ljk5In19fQ=="
)

_MINIMUM: dict[str, Any] = {
    "returnUrl": "https://shop.nl/return",
    "exchangeUrl": "https://shop.nl/exchange",
    "amount": {"value": 100, "currency": "EUR"},
}

_FULL: dict[str, Any] = {
    "returnUrl": "https://shop.nl/return",
    "exchangeUrl": "https://shop.nl/exchange",
    "amount": {"value": 2999, "currency": "EUR"},
    "description": "Order #12345",
    "reference": "REF-12345",
    "expire": "2025-12-31T23:59:59Z",
    "customer": {
        "locale": "nl-NL",
        "firstName": "John",
        "lastName": "Doe",
        "email": "john.doe@example.com",
        "phone": "+31612345678",
        "address": {
            "street": "Keizersgracht",
            "houseNumber": "126",
            "postalCode": "1015CW",
            "city": "Amsterdam",
            "country": "NL",
        },
    },
    "order": {
        "products": [
            {
                "description": "Product A",
                "quantity": 1,
                "unitPrice": 1000,
                "total": 1000,
                "productId": "PROD-001",
                "vatPercentage": 21,
            },
            {
                "description": "Product B",
                "quantity": 2,
                "unitPrice": 999,
                "total": 1998,
                "productId": "PROD-002",
                "vatPercentage": 21,
            },
        ],
        "shippingCosts": 0,
        "totalVat": 629,
    },
}


def minimum_request() -> dict[str, Any]:
    """The contract's minimum request (a fresh copy: callers may edit it)."""
    return copy.deepcopy(_MINIMUM)


def full_request() -> dict[str, Any]:
    """The contract's full request with every optional field (a fresh copy)."""
    return copy.deepcopy(_FULL)


def is_demo_credentials(sl_code: str, secret: str) -> bool:
    """True for the contract's published example credentials, which hide nothing."""
    return (sl_code, secret) == (DEMO_SL_CODE, DEMO_SECRET)
