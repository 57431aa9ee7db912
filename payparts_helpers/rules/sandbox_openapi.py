"""The OpenAPI description of the sandbox's payment side: Pay.nl's order-status API,
``/_sandbox/`` and the SDK stand-in.

``GET /v1/orders/{orderId}/status`` is tagged ``orders`` (Pay.nl serves it from
connect.pay.nl); the rest is tagged ``sandbox`` (none of it exists on Pay.nl's
hosts). All of it is merged into the one document :mod:`.contract` serves, so
schemathesis and the tests read one truth.
The ``PaymentOrder`` and ``ExchangeEnvelope`` schemas hold the field types Pay.nl's PHP
SDK requires of an order (docs/reference/known-facts.md): the exchange bodies
and the order answers are validated against them.

Pure module: data only.
"""

from __future__ import annotations

from typing import Any

from .order_model import ORDER_ID_PATTERN
from .order_status import OUTCOME_CODES
from .test_cards import TEST_CARDS, THREE_DS_RESULTS

__all__ = ["ORDERS_TAG", "SANDBOX_TAG", "sandbox_paths", "sandbox_schemas"]

ORDERS_TAG = {
    "name": "orders",
    "description": (
        "Pay.nl's order-status API (https://connect.pay.nl), which Pay.nl's own SDK and "
        "plugins ask before trusting a payment; the sandbox serves it on its own port."
    ),
}

SANDBOX_TAG = {
    "name": "sandbox",
    "description": (
        "Sandbox only (Pay.nl has no such endpoints): the SDK stand-in's calls, a session's "
        "order, timeline, exchange deliveries and order-status reads, the sessions created "
        "since a time, and triggering an outcome."
    ),
}
_SESSION_ID_PATTERN = "^[0-9a-f]{32}$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _problem(description: str) -> dict[str, Any]:
    return _json(description, "Problem")


_AUTH_ERRORS = {
    "401": _problem("Missing, malformed or wrong Basic credentials"),
    "406": _problem("The Accept header excludes application/json"),
    "429": _problem("Rate limited (sandbox scenario)"),
    "500": _problem("Server error (sandbox scenario)"),
    "503": _problem("Unavailable (sandbox scenario)"),
}
_SESSION_PARAMETER = {
    "name": "sessionId",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "The sessionId returned by startSession.",
}


def _owned(
    operation_id: str,
    summary: str,
    ok: dict[str, Any],
    more_responses: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An operation on one of the caller's sessions: Basic auth, 404 for anyone else's."""
    return {
        "tags": ["sandbox"],
        "operationId": operation_id,
        "summary": summary,
        "parameters": [_SESSION_PARAMETER],
        "responses": {
            "200": ok,
            "400": _problem("A Sandbox-Scenario header the sandbox does not know"),
            "404": _problem("No such session for this sales location (or no order yet)"),
            **_AUTH_ERRORS,
            **(more_responses or {}),
        },
        **extra,
    }


def _sdk(operation_id: str, summary: str, request: str, ok: str) -> dict[str, Any]:
    """A call of the SDK stand-in: the session token is the credential, CORS is open."""
    return {
        "tags": ["sandbox"],
        "operationId": operation_id,
        "summary": summary,
        "security": [],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref(request)}},
        },
        "responses": {
            "200": _json("Done", ok),
            "400": _problem("Malformed JSON, a missing field or a malformed session token"),
            "404": _problem("No session has this session token"),
            "409": _problem("The session is over, or no 3-D Secure step waits"),
            "413": _problem("The body is over 64 KiB"),
            "422": _problem("An unknown testCard or result"),
        },
    }


def _order_status_path() -> dict[str, Any]:
    return {
        "get": {
            "tags": ["orders"],
            "operationId": "getOrderStatus",
            "summary": "An order's status: the whole order with credentials, the basics without",
            "security": [{"basicAuth": []}, {}],
            "parameters": [
                {
                    "name": "orderId",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                    "description": "The order's orderId (51234567890X1a2b) or its id (a UUID).",
                }
            ],
            "responses": {
                "200": {
                    "description": "The order (without credentials: status and payment methods)",
                    "content": {
                        "application/json": {
                            "schema": {"oneOf": [_ref("PaymentOrder"), _ref("PaymentOrderBasics")]}
                        }
                    },
                },
                "400": _problem("A Sandbox-Scenario header the sandbox does not know"),
                "404": _problem("No such order for this sales location"),
                **_AUTH_ERRORS,
            },
        }
    }


def sandbox_paths() -> dict[str, Any]:
    sessions = "/_sandbox/sessions/{sessionId}"
    return {
        "/v1/orders/{orderId}/status": _order_status_path(),
        f"{sessions}/order": {
            "get": _owned(
                "getSandboxOrder", "The session's order", _json("The order", "PaymentOrder")
            )
        },
        f"{sessions}/timeline": {
            "get": _owned(
                "getSandboxTimeline",
                "Session created, status changes and exchange attempts, oldest first",
                _json("The timeline", "Timeline"),
            )
        },
        f"{sessions}/deliveries": {
            "get": _owned(
                "listSandboxDeliveries",
                "Every exchange call of the session, with its attempts",
                _json("The deliveries", "Deliveries"),
            )
        },
        f"{sessions}/status-reads": {
            "get": _owned(
                "listSandboxStatusReads",
                "Each GET /v1/orders/{orderId}/status that found the session's order",
                _json("The reads, oldest first", "StatusReads"),
            )
        },
        "/_sandbox/sessions": {"get": _sessions_since()},
        f"{sessions}/outcome": {
            "post": _owned(
                "triggerSandboxOutcome",
                "Move the session's order to an outcome without a browser",
                _json("The order after the change", "PaymentOrder"),
                more_responses={
                    "409": _problem("The order is already final"),
                    "413": _problem("The body is over 64 KiB"),
                    "422": _problem("An unknown outcome"),
                },
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": _ref("OutcomeRequest")}},
                },
            )
        },
        "/_sandbox/sdk/init": {
            "post": _sdk("sdkInit", "PayPartsSDK.init: check the token", "SdkInit", "SdkSession")
        },
        "/_sandbox/sdk/pay": {
            "post": _sdk("sdkPay", "Pay with a test card", "SdkPay", "SdkPayment")
        },
        "/_sandbox/sdk/3ds": {
            "post": _sdk(
                "sdkThreeDSecure", "Finish the 3-D Secure test step", "SdkThreeDS", "SdkPayment"
            )
        },
        "/_sandbox/sdk/cancel": {
            "post": _sdk("sdkCancel", "The customer cancels", "SdkInit", "SdkPayment")
        },
    }


_TEXT_OR_NULL = {"type": ["string", "null"]}
_MONEY = {
    "type": "object",
    "required": ["value", "currency"],
    "properties": {"value": {"type": "integer"}, "currency": {"type": "string"}},
}
_STATUS = {
    "type": "object",
    "required": ["code", "action"],
    "properties": {
        "code": {"type": "integer", "not": {"const": 0}},
        "action": {"type": "string", "pattern": "^[A-Z_]+$"},
    },
}
_TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}


def _order_schema() -> dict[str, Any]:
    # Pay.nl's PHP SDK builds its order model with strict types: these must be strings or null.
    text_fields = [
        "description",
        "reference",
        "manualTransferCode",
        "customerKey",
        "receipt",
        "createdBy",
        "modifiedBy",
    ]
    times = ["createdAt", "modifiedAt", "expiresAt", "completedAt"]
    return {
        "type": "object",
        "description": "An order as Pay.nl's order API and exchange calls show it.",
        "required": [
            "id",
            "uuid",
            "type",
            "serviceId",
            "orderId",
            "status",
            "integration",
            "amount",
            "authorizedAmount",
            "capturedAmount",
            "checkoutData",
            "payments",
            "createdAt",
            "modifiedAt",
        ],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "uuid": {"type": "string", "format": "uuid"},
            "type": {"type": "string"},
            "serviceId": {"type": "string"},
            "orderId": {"type": "string", "pattern": ORDER_ID_PATTERN},
            **{name: _TEXT_OR_NULL for name in text_fields},
            **{name: _TIME_OR_NULL for name in times},
            "status": _ref("OrderStatusValue"),
            "integration": {
                "type": "object",
                "required": ["test"],
                "properties": {"test": {"type": "boolean"}},
            },
            "stats": {"type": "object"},
            "transferData": {"type": "object"},
            "amount": _ref("Money"),
            "authorizedAmount": _ref("Money"),
            "capturedAmount": _ref("Money"),
            "checkoutData": {"type": "object"},
            "payments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "paymentMethod", "status", "amount"],
                    "properties": {
                        "id": {"type": "string"},
                        "paymentMethod": {
                            "type": "object",
                            "required": ["id"],
                            "properties": {"id": {"type": "integer"}},
                        },
                        "status": _ref("OrderStatusValue"),
                        "amount": _ref("Money"),
                        "currencyAmount": _ref("Money"),
                        "authorizedAmount": _ref("Money"),
                        "capturedAmount": _ref("Money"),
                    },
                },
            },
        },
    }


def _timeline_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["sessionId", "events"],
        "properties": {
            "sessionId": {"type": "string", "pattern": _SESSION_ID_PATTERN},
            "events": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["at", "kind", "detail"],
                    "properties": {
                        "at": {"type": "string", "format": "date-time"},
                        "kind": {"enum": ["session-created", "status-changed", "exchange-attempt"]},
                        "detail": {"type": "string"},
                        "status": _ref("OrderStatusValue"),
                        "deliveryId": {"type": "integer"},
                        "attempt": {"type": "integer"},
                        "ok": {"type": "boolean"},
                    },
                },
            },
        },
    }


def _sessions_since() -> dict[str, Any]:
    """``GET /_sandbox/sessions?since=``: the caller's sessions created since a time."""
    return {
        "tags": ["sandbox"],
        "operationId": "listSandboxSessionsSince",
        "summary": "The sales location's sessions created since a time, oldest first (<= 1000)",
        "parameters": [
            {
                "name": "since",
                "in": "query",
                "required": True,
                "schema": {"type": "string"},
                "description": "ISO 8601 (no offset: UTC) or epoch seconds.",
            }
        ],
        "responses": {
            "200": _json("The sessions", "SessionsSince"),
            "400": _problem("since is missing or not a time"),
            **_AUTH_ERRORS,
        },
    }


def _status_reads_schema() -> dict[str, Any]:
    read = {
        "type": "object",
        "required": ["at", "orderId", "status"],
        "properties": {
            "at": {"type": "number", "description": "epoch seconds"},
            "orderId": {"type": "string", "pattern": ORDER_ID_PATTERN},
            "status": {"type": "integer", "description": "the HTTP status answered"},
        },
    }
    return {
        "type": "object",
        "required": ["sessionId", "reads"],
        "properties": {
            "sessionId": {"type": "string", "pattern": _SESSION_ID_PATTERN},
            "reads": {"type": "array", "items": read},
        },
    }


def _sessions_since_schema() -> dict[str, Any]:
    session = {
        "type": "object",
        "required": ["sessionId", "createdAt"],
        "properties": {
            "sessionId": {"type": "string", "pattern": _SESSION_ID_PATTERN},
            "createdAt": {"type": "string", "format": "date-time"},
        },
    }
    return {
        "type": "object",
        "required": ["since", "sessions"],
        "properties": {
            "since": {"type": "string", "format": "date-time"},
            "sessions": {"type": "array", "items": session},
        },
    }


def _deliveries_schema() -> dict[str, Any]:
    attempt = {
        "type": "object",
        "required": ["attempt", "at", "durationMs", "httpStatus", "answer", "error", "ok"],
        "properties": {
            "attempt": {"type": "integer", "minimum": 1},
            "at": {"type": "string", "format": "date-time"},
            "durationMs": {"type": "number"},
            "httpStatus": {"type": ["integer", "null"]},
            "answer": _TEXT_OR_NULL,
            "error": _TEXT_OR_NULL,
            "ok": {"type": "boolean"},
        },
    }
    delivery = {
        "type": "object",
        "required": [
            "deliveryId",
            "orderId",
            "url",
            "status",
            "state",
            "headers",
            "body",
            "nextAttemptAt",
            "attempts",
        ],
        "properties": {
            "deliveryId": {"type": "integer"},
            "orderId": {"type": "string", "pattern": ORDER_ID_PATTERN},
            "url": {"type": "string"},
            "status": _ref("OrderStatusValue"),
            "state": {"enum": ["pending", "delivered", "failed"]},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "body": {"type": "string", "description": "The exact bytes sent, as UTF-8 text"},
            "nextAttemptAt": _TIME_OR_NULL,
            "attempts": {"type": "array", "items": attempt},
        },
    }
    return {
        "type": "object",
        "required": ["sessionId", "deliveries"],
        "properties": {
            "sessionId": {"type": "string", "pattern": _SESSION_ID_PATTERN},
            "deliveries": {"type": "array", "items": delivery},
        },
    }


def _token_body(**extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["sessionToken", *extra],
        "properties": {"sessionToken": {"type": "string"}, **extra},
    }


def sandbox_schemas() -> dict[str, Any]:
    return {
        "Money": _MONEY,
        "OrderStatusValue": _STATUS,
        "PaymentOrder": _order_schema(),
        "ExchangeEnvelope": {
            "type": "object",
            "description": "The body of a signed exchange call (Pay.nl's SIGNED_JSON_POST).",
            "required": ["event", "type", "version", "id", "object"],
            "additionalProperties": False,
            "properties": {
                "event": {"const": "status_changed"},
                "type": {"const": "order"},
                "version": {"const": 1},
                "id": {"type": "string", "format": "uuid"},
                "object": _ref("PaymentOrder"),
            },
        },
        "PaymentOrderBasics": {
            "type": "object",
            "description": "What the order-status API shows without credentials.",
            "required": ["id", "orderId", "status", "payments"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "orderId": {"type": "string", "pattern": ORDER_ID_PATTERN},
                "status": _ref("OrderStatusValue"),
                "payments": {"type": "array", "items": {"type": "object"}},
            },
        },
        "Timeline": _timeline_schema(),
        "Deliveries": _deliveries_schema(),
        "StatusReads": _status_reads_schema(),
        "SessionsSince": _sessions_since_schema(),
        "OutcomeRequest": {
            "type": "object",
            "required": ["outcome"],
            "properties": {"outcome": {"enum": list(OUTCOME_CODES)}},
        },
        "SdkInit": _token_body(),
        "SdkPay": _token_body(testCard={"enum": [card.test_card for card in TEST_CARDS]}),
        "SdkThreeDS": _token_body(result={"enum": list(THREE_DS_RESULTS)}),
        "SdkSession": {
            "type": "object",
            "required": ["sessionId", "merchantName", "amount", "testCards"],
            "properties": {
                "sessionId": {"type": "string", "pattern": _SESSION_ID_PATTERN},
                "merchantName": {"type": "string"},
                "amount": {
                    "type": "object",
                    "required": ["value", "currency", "formatted"],
                    "properties": {
                        "value": {"type": "integer"},
                        "currency": {"type": "string"},
                        "formatted": {"type": "string"},
                    },
                },
                "reference": _TEXT_OR_NULL,
                "description": _TEXT_OR_NULL,
                "testCards": {"type": "array", "items": {"type": "object"}},
            },
        },
        "SdkPayment": {
            "type": "object",
            "required": ["orderId", "status", "next"],
            "properties": {
                "orderId": {"type": "string", "pattern": ORDER_ID_PATTERN},
                "status": _ref("OrderStatusValue"),
                "next": {"enum": ["done", "3ds"]},
            },
        },
    }
