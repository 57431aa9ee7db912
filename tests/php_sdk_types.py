"""What Pay.nl's PHP SDK requires of an order object's JSON types (known-facts.md).

The SDK builds its order model with strict types: a wrong JSON type crashes the shop.
An oracle for the tests, written from known-facts.md independently of the sandbox's
own order model and OpenAPI schema, so that the two check each other.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from payparts_helpers.rules.order_status import status_for

# The keys Pay.nl's PHP SDK reads into typed string properties: a JSON string, or null/absent.
STRING_KEYS = (
    "id",
    "type",
    "serviceId",
    "description",
    "reference",
    "manualTransferCode",
    "orderId",
    "uuid",
    "customerKey",
    "receipt",
    "createdAt",
    "createdBy",
    "modifiedAt",
    "modifiedBy",
    "expiresAt",
    "completedAt",
)
TIME_KEYS = ("createdAt", "modifiedAt", "expiresAt", "completedAt")
MONEY_KEYS = ("amount", "authorizedAmount", "capturedAmount")


def php_sdk_type_problems(order: dict[str, Any]) -> list[str]:
    """Every way ``order`` breaks the types the PHP SDK reads it with (empty: none)."""
    problems = []
    for key in STRING_KEYS:
        if order.get(key) is not None and not isinstance(order[key], str):
            problems.append(f"{key} is {type(order[key]).__name__}, not a string or null")
    for key in TIME_KEYS:
        if isinstance(order.get(key), str) and datetime.fromisoformat(order[key]).tzinfo is None:
            problems.append(f"{key} {order[key]!r} has no offset")
    for key, kind in (("status", dict), ("integration", dict), ("payments", list)):
        if not isinstance(order.get(key), kind):
            problems.append(f"{key} is {type(order.get(key)).__name__}, not {kind.__name__}")
    for key in ("checkoutData", "links"):
        if key in order and not isinstance(order[key], dict | list):
            problems.append(f"{key} is {type(order[key]).__name__}, not an object or array")
    if "checkoutData" not in order:
        problems.append("checkoutData is missing")
    problems += _status_problems(order.get("status"), "status")
    for key in MONEY_KEYS:
        problems += _money_problems(order.get(key), key)
    for i, payment in enumerate(order.get("payments") or []):
        where = f"payments[{i}]"
        if not isinstance(payment, dict):
            problems.append(f"{where} is not an object")
            continue
        method = payment.get("paymentMethod")
        if not isinstance(method, dict) or "id" not in method:
            problems.append(f"{where}.paymentMethod is not an object with an id")
        problems += _status_problems(payment.get("status"), f"{where}.status")
        for key in (*MONEY_KEYS, "currencyAmount"):
            problems += _money_problems(payment.get(key), f"{where}.{key}")
    return problems


def _status_problems(status: object, where: str) -> list[str]:
    if not isinstance(status, dict):
        return [f"{where} is not an object"]
    code, action = status.get("code"), status.get("action")
    if not isinstance(code, int) or isinstance(code, bool):
        return [f"{where}.code is {type(code).__name__}, not an integer"]
    known = status_for(code)
    if code == 0 or known is None:
        return [f"{where}.code {code} is one Pay.nl's PHP SDK treats as an error"]
    if not isinstance(action, str) or not re.fullmatch(r"[A-Z_]+", action):
        return [f"{where}.action {action!r} is not in capitals"]
    if action != known.action:
        return [f"{where}.action {action} is not {known.action}"]
    return []


def _money_problems(money: object, where: str) -> list[str]:
    if not isinstance(money, dict):
        return [f"{where} is not an object"]
    value = money.get("value")
    problems = []
    if not isinstance(value, int) or isinstance(value, bool):
        problems.append(f"{where}.value is {type(value).__name__}, not an integer")
    if not isinstance(money.get("currency"), str):
        problems.append(f"{where}.currency is not a string")
    return problems
