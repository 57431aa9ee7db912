"""The Pay.Parts session contract as an OpenAPI 3.1 document, and the validator driven by it.

This module is the single source of truth for what a valid request looks like:
the sandbox validates every body with :func:`validate_session_request`, serves
:func:`openapi_document` at ``/openapi.json``, and the tests (schemathesis
among them) read the same document. Like stripe-mock, the rules are data in the
document; the code only turns JSON Schema errors into readable violations.

Each field schema carries an ``x-hint`` (an OpenAPI extension, ignored by
JSON Schema) saying in plain words what the field must be; violation messages
are built from it so every message names the field and what to fix.

Where the vendor's page is silent, the document encodes the sandbox's choice
and says so in its description; the README lists those assumptions.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urlsplit

from .errors import Violation
from .money import currency_codes
from .sandbox_openapi import ORDERS_TAG, SANDBOX_TAG, sandbox_paths, sandbox_schemas

__all__ = [
    "MAX_MONEY",
    "PROBLEM_TYPE",
    "SESSION_ID_PATTERN",
    "InvalidJSONError",
    "json_path_join",
    "openapi_document",
    "openapi_json",
    "parse_json_body",
    "read_session_request",
    "schema_validator",
    "validate_session_request",
]

# JavaScript's safe-integer bound: the browser SDK reads amounts as JS numbers.
MAX_MONEY = 2**53 - 1
SESSION_ID_PATTERN = r"^[0-9a-f]{32}$"
# The contract's deepest field is 4 levels down (order.products[i].total); the validator
# recurses, so requests nested absurdly deep are refused before it sees them.
MAX_DEPTH = 32
# Schema extension keyword (see _StrictInteger): an integer field refuses 29.0 as well as 29.9.
_STRICT_INTEGER = "x-strict-integer"
PROBLEM_TYPE = "https://developer.pay.nl/docs/error-codes"

_URL = {
    "type": "string",
    "format": "uri",
    "pattern": "^https?://",
    "maxLength": 2048,
    "x-hint": "an absolute http(s) URL such as https://shop.nl/return",
}


def _text(hint: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "x-hint": hint, **extra}


def _money(hint: str, minimum: int) -> dict[str, Any]:
    return {
        "type": "integer",
        _STRICT_INTEGER: True,
        "minimum": minimum,
        "maximum": MAX_MONEY,
        "x-hint": f"{hint}, a whole number of minor units (for EUR, 2999 means 29.99)",
    }


def _schemas() -> dict[str, Any]:
    """Component schemas: request fields exactly as the contract lists them."""
    return {
        "Amount": {
            "type": "object",
            "required": ["value", "currency"],
            "x-hint": 'an object {"value": 2999, "currency": "EUR"}',
            "properties": {
                "value": _money("an integer ≥ 1", 1),
                "currency": {
                    "type": "string",
                    "enum": list(currency_codes()),
                    "x-hint": "an ISO 4217 currency code in capitals, such as EUR",
                },
            },
        },
        "Address": {
            "type": "object",
            "x-hint": "an object with street, houseNumber, postalCode, city, country",
            "properties": {
                "street": _text("text, the street name"),
                "houseNumber": _text('text, the number with any suffix, such as "126" or "12A"'),
                "postalCode": _text('text, such as "1015CW"'),
                "city": _text("text, the city"),
                "country": {
                    "type": "string",
                    "enum": _country_codes(),
                    "x-hint": "an ISO 3166-1 alpha-2 country code in capitals, such as NL",
                },
            },
        },
        "Customer": {
            "type": "object",
            "x-hint": "an object with the customer's locale, name, e-mail, phone, address",
            "properties": {
                "locale": _text(
                    'a locale such as "nl-NL" or a bare language such as "nl"',
                    pattern="^[a-z]{2}(-[A-Z]{2})?$",
                ),
                "firstName": _text("text, the first name"),
                "lastName": _text("text, the last name"),
                "email": _text(
                    "an e-mail address such as john.doe@example.com",
                    format="email",
                    pattern=r"^[^@\s]+@[^@\s]+\.[^@\s.]+$",
                    maxLength=254,
                ),
                "phone": _text(
                    "a phone number in E.164 form such as +31612345678 (no spaces)",
                    pattern=r"^\+[1-9][0-9]{6,14}$",
                ),
                "address": {"$ref": "#/components/schemas/Address"},
            },
        },
        "Product": {
            "type": "object",
            "x-hint": "an object with description, quantity, unitPrice, total, …",
            "properties": {
                "description": _text("text, the product's name"),
                "quantity": {
                    "type": "integer",
                    _STRICT_INTEGER: True,
                    "minimum": 1,
                    "maximum": MAX_MONEY,
                    "x-hint": "a whole number ≥ 1",
                },
                "unitPrice": _money("an integer (negative for a discount line)", -MAX_MONEY),
                "total": _money("an integer (negative for a discount line)", -MAX_MONEY),
                "productId": _text("text, your product id"),
                "vatPercentage": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 100,
                    "x-hint": "a number from 0 to 100, such as 21",
                },
            },
        },
        "Order": {
            "type": "object",
            "x-hint": "an object with products, shippingCosts, totalVat",
            "properties": {
                "products": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Product"},
                    "x-hint": "a list of product objects",
                },
                "shippingCosts": _money("an integer ≥ 0", 0),
                "totalVat": _money("an integer ≥ 0", 0),
            },
        },
        "SessionStartRequest": {
            "type": "object",
            "required": ["returnUrl", "exchangeUrl", "amount"],
            "x-hint": "a JSON object with returnUrl, exchangeUrl and amount",
            "description": "Unknown fields are ignored (sandbox assumption).",
            "properties": {
                "returnUrl": _URL,
                "exchangeUrl": {**_URL, "x-hint": _URL["x-hint"].replace("return", "exchange")},
                "amount": {"$ref": "#/components/schemas/Amount"},
                "description": _text("text, such as Order #12345"),
                "reference": _text("text, such as REF-12345"),
                "expire": _text(
                    "an ISO 8601 date-time such as 2026-12-31T23:59:59Z",
                    format="date-time",
                ),
                "customer": {"$ref": "#/components/schemas/Customer"},
                "order": {"$ref": "#/components/schemas/Order"},
            },
        },
        "SessionStartResponse": {
            "type": "object",
            "required": ["sessionId", "sessionToken"],
            "properties": {
                "sessionId": {"type": "string", "pattern": SESSION_ID_PATTERN},
                "sessionToken": {"type": "string", "pattern": "^st_[A-Za-z0-9+/]+={0,2}$"},
            },
        },
        "SessionDetails": {
            "type": "object",
            "required": ["sessionId", "sessionToken", "amount"],
            "description": "amount, customer and order as they were sent; absent when not sent.",
            "properties": {
                "sessionId": {"type": "string", "pattern": SESSION_ID_PATTERN},
                "sessionToken": {"type": "string", "pattern": "^st_[A-Za-z0-9+/]+={0,2}$"},
                "amount": {"$ref": "#/components/schemas/Amount"},
                "customer": {"$ref": "#/components/schemas/Customer"},
                "order": {"$ref": "#/components/schemas/Order"},
            },
        },
        "Problem": {
            "type": "object",
            "description": "Problem details as in Pay.nl's other REST APIs (sandbox assumption).",
            "required": ["type", "title", "detail", "violations"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "detail": {"type": "string"},
                "violations": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["propertyPath", "message", "code"],
                        "properties": {
                            "propertyPath": {"type": ["string", "null"]},
                            "message": {"type": "string"},
                            "code": {"type": ["string", "null"]},
                        },
                    },
                },
            },
        },
    }


def _problem(description: str, *headers: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if headers:
        response["headers"] = {name: {"schema": {"type": "integer"}} for name in headers}
    return response


def _common_errors() -> dict[str, Any]:
    return {
        "401": _problem("Missing, malformed or wrong Basic credentials"),
        "406": _problem("The Accept header excludes application/json"),
        "429": _problem("Rate limited (sandbox scenario)", "Retry-After"),
        "500": _problem("Server error (sandbox scenario)"),
        "503": _problem("Unavailable (sandbox scenario)", "Retry-After"),
    }


@cache
def _document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pay.Parts session API",
            "version": "1",
            "description": (
                "The two endpoints of Pay.nl's published Pay.Parts session contract. "
                "Status codes, the error shape and field limits the vendor does not "
                "document are choices of the Pay.Parts Explorer sandbox."
            ),
        },
        "servers": [
            {"url": "https://zero-parts.pay.nl", "description": "Beta"},
            {"url": "https://parts.pay.nl", "description": "Production (not available yet)"},
        ],
        "security": [{"basicAuth": []}],
        "tags": [
            {"name": "session", "description": "Pay.nl's published Pay.Parts session contract"},
            ORDERS_TAG,
            SANDBOX_TAG,
        ],
        "paths": {
            "/v1/session/start": {
                "post": {
                    "tags": ["session"],
                    "operationId": "startSession",
                    "summary": "Create a session",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/SessionStartRequest"}
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Session created",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/SessionStartResponse"}
                                }
                            },
                        },
                        "400": _problem("The body is not JSON"),
                        "413": _problem("The body is over 64 KiB"),
                        "415": _problem("The Content-Type is not application/json"),
                        "422": _problem("The body breaks the contract; violations name each field"),
                        **_common_errors(),
                    },
                }
            },
            "/v1/session/{sessionId}": {
                "get": {
                    "tags": ["session"],
                    "operationId": "getSession",
                    "summary": "Get a session",
                    "parameters": [
                        {
                            "name": "sessionId",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "description": "The sessionId returned by startSession.",
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The session as it was created",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/SessionDetails"}
                                }
                            },
                        },
                        "400": _problem("A Sandbox-Scenario header the sandbox does not know"),
                        "404": _problem("No such session for this sales location"),
                        **_common_errors(),
                    },
                }
            },
            **sandbox_paths(),
        },
        "components": {
            "schemas": _merged(_schemas(), sandbox_schemas()),
            "securitySchemes": {"basicAuth": {"type": "http", "scheme": "basic"}},
        },
    }


def _merged(session: dict[str, Any], sandbox: dict[str, Any]) -> dict[str, Any]:
    """The two sets of schemas in one namespace: a name used twice would silently replace one."""
    clash = sorted(set(session) & set(sandbox))
    if clash:
        raise ValueError(f"schema names used twice in the OpenAPI document: {clash}")
    return {**session, **sandbox}


def openapi_document() -> dict[str, Any]:
    """A fresh copy of the OpenAPI document (callers may mutate it)."""
    return json.loads(openapi_json())


@cache
def openapi_json() -> bytes:
    """The document serialised once, as the sandbox serves it."""
    return json.dumps(_document(), ensure_ascii=False).encode("utf-8")


def _country_codes() -> list[str]:
    import pycountry

    return sorted(country.alpha_2 for country in pycountry.countries)


# --- request validation -------------------------------------------------------------


class InvalidJSONError(ValueError):
    """The body is not a JSON document (or uses NaN/Infinity, which JSON forbids)."""


def _reject_constant(name: str) -> Any:
    raise InvalidJSONError(f"{name} is not valid JSON")


# One decoder for every body: json.loads with an option builds a new decoder per call.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def parse_json_body(raw: bytes) -> Any:
    """Parse a request body strictly: UTF-8, no NaN/Infinity, no absurd numbers.

    Raises :class:`InvalidJSONError` with a short reason (line and column).
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidJSONError("the body is not UTF-8 text") from None
    try:
        if text.startswith("\ufeff"):  # a second BOM: refused as json.loads refuses it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise InvalidJSONError(f"{exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except (ValueError, RecursionError) as exc:
        # Over-long integers (Python's digit limit) and absurd nesting.
        reason = str(exc) if isinstance(exc, InvalidJSONError) else "the JSON is too deep or large"
        raise InvalidJSONError(reason) from None
    # Nesting deeper than MAX_DEPTH takes more than MAX_DEPTH opening brackets: a body with
    # fewer (nearly every one) cannot be too deep, and the walk is skipped.
    if text.count("{") + text.count("[") > MAX_DEPTH and _too_deep(value):
        raise InvalidJSONError(f"the JSON is nested deeper than {MAX_DEPTH} levels")
    if "\\u" in text and _SURROGATE_ESCAPE.search(text) and _holds_lone_surrogate(value):
        raise InvalidJSONError(
            "a string holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), "
            "which is not text"
        )
    return value


# Escapes of UTF-16 surrogates; paired ones (emoji written as two escapes) are fine.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _holds_lone_surrogate(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _too_deep(value: Any) -> bool:
    """True past MAX_DEPTH levels of arrays/objects (checked without recursion)."""
    if not isinstance(value, dict | list):
        return False
    stack = [(value, 1)]  # containers only: scalars are never pushed
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


def schema_validator(schema: dict[str, Any]) -> Any:
    """A jsonschema-rs validator for ``schema``, its ``$ref``\\ s resolved in this document's
    components (``{"$ref": "#/components/schemas/Problem"}``). Formats are not asserted:
    the patterns say enough. For checking answers (the drift report, the tests)."""
    return _schema_validator(json.dumps(schema, sort_keys=True))


@lru_cache(maxsize=64)
def _schema_validator(schema_json: str) -> Any:
    import jsonschema_rs

    root = {**json.loads(schema_json), "components": _document()["components"]}
    return jsonschema_rs.Draft202012Validator(root, validate_formats=False)


@cache
def _validator() -> Any:
    """A compiled validator for the request schema, formats asserted (jsonschema-rs: fast to
    import and to run, which keeps notebook start-up and the sandbox's create path quick)."""
    import jsonschema_rs

    schema = {
        "$ref": "#/components/schemas/SessionStartRequest",
        "components": _document()["components"],
    }
    return jsonschema_rs.Draft202012Validator(
        schema,
        formats={"uri": _is_http_url, "date-time": _is_iso8601_datetime},
        validate_formats=True,
        keywords={_STRICT_INTEGER: _StrictInteger},
    )


class _StrictInteger:
    """``x-strict-integer``: JSON Schema counts 29.0 as an integer; money in minor units
    must be written as one, so a number with a fraction part or a decimal point is refused."""

    def __init__(self, _parent_schema: Any, value: Any, _schema_path: Any) -> None:
        self.enabled = bool(value)

    def validate(self, instance: Any) -> None:
        if self.enabled and isinstance(instance, float):
            raise ValueError("a decimal number where an integer is required")


def _is_http_url(value: object) -> bool:
    return _is_http_url_text(value) if isinstance(value, str) else True


@lru_cache(maxsize=1024)
def _is_http_url_text(value: str) -> bool:
    """Cached: a shop sends the same few return/exchange URLs with every session."""
    if any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$"
)


def _is_iso8601_datetime(value: object) -> bool:
    """ISO 8601 date and time; the offset may be absent (the helpers' lint warns then)."""
    if not isinstance(value, str):
        return True
    if not _ISO_DATETIME.match(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


_CODES = {
    "required": "REQUIRED",
    "type": "INVALID_TYPE",
    _STRICT_INTEGER: "INVALID_TYPE",
    "minimum": "OUT_OF_RANGE",
    "maximum": "OUT_OF_RANGE",
    "enum": "UNKNOWN_VALUE",
}


def validate_session_request(body: object) -> list[Violation]:
    """Every way ``body`` breaks the contract, one violation per field, in path order.

    An empty list means the sandbox accepts the request. Never raises: data that is
    not JSON (a set, bytes keys) or is nested too deep is one violation with no path.
    """
    if _too_deep(body):
        return [
            Violation(
                None, f"The request is nested deeper than {MAX_DEPTH} levels.", "INVALID_FORMAT"
            )
        ]
    return _violations_of(body)


def read_session_request(raw: bytes) -> tuple[Any, list[Violation]]:
    """Parse a request body and validate it: what the sandbox does with every create.

    Raises :class:`InvalidJSONError` when the body is not JSON (a 400); the list of
    violations is empty when the contract accepts the request (else a 422).
    """
    body = parse_json_body(raw)  # already refuses nesting past MAX_DEPTH
    return body, _violations_of(body)


def _violations_of(body: object) -> list[Violation]:
    found: dict[tuple[str | None, str], Violation] = {}
    try:
        if _validator().is_valid(body):  # the common case, without building error objects
            return []
        errors = list(_validator().iter_errors(body))
    except ValueError as exc:  # Python data JSON cannot carry: sets, bytes, non-text keys
        return [Violation(None, f"The request is not JSON data: {exc}", "INVALID_TYPE")]
    for error in errors:
        violation = _violation(error)
        found.setdefault((violation.path, violation.code or ""), violation)
    return sorted(found.values(), key=lambda v: (v.path or "", v.code or ""))


def _violation(error: Any) -> Violation:
    path = _json_path(error.instance_path)
    keyword = error.kind.name
    # schema_path is relative to the schema the failing keyword sits in, $refs resolved.
    schema = _schema_at(list(error.schema_path)[:-1])
    if keyword == "required":
        name = error.kind.property
        hint = _hint(schema.get("properties", {}).get(name, {}))
        return Violation(json_path_join(path, name), f"is required: {hint}", "REQUIRED")
    code = _CODES.get(keyword, "INVALID_FORMAT")
    got = _describe(error.instance)
    if path is None:
        return Violation(None, f"The request body must be {_hint(schema)}; got {got}.", code)
    return Violation(path, f"must be {_hint(schema)}; got {got}", code)


def _schema_at(schema_path: list[str | int]) -> dict[str, Any]:
    node: Any = {"components": _document()["components"]}
    if not schema_path:
        return _document()["components"]["schemas"]["SessionStartRequest"]
    for part in schema_path:
        node = node[part]
    return node


def _hint(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = _document()["components"]["schemas"][name]
    return schema.get("x-hint", "a value the contract allows")


def _json_path(parts: Any) -> str | None:
    path: str | None = None
    for part in parts:
        path = json_path_join(path, part)
    return path


def json_path_join(path: str | None, part: str | int) -> str:
    """The contract's path style: ``order.products[0].total``; the root is ``None``."""
    if isinstance(part, int):
        return f"{path or ''}[{part}]"
    return f"{path}.{part}" if path else str(part)


def _describe(value: object) -> str:
    """A short, safe rendering of what was sent, for the message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if len(str(value)) <= 24 else "a number too large"
    if isinstance(value, float):
        return f"{value!r} (a decimal number)"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "…"
        return json.dumps(shown, ensure_ascii=False) if value else "an empty text"
    if isinstance(value, list):
        return "a list"
    return "an object"
