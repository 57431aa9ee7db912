"""The sandbox's HTTP application (Starlette): the contract's two endpoints and /openapi.json.

Every answer is JSON; errors use the problem-details shape of Pay.nl's other
APIs. Checks run in the order a client can act on: fault scenario, method,
credentials, Accept, Content-Type, size, JSON syntax, then the contract.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import secrets
from collections.abc import Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from .._version import __version__
from ..rules.contract import (
    PROBLEM_TYPE,
    InvalidJSONError,
    openapi_json,
    read_session_request,
)
from ..rules.errors import Violation
from ..rules.session_token import encode_session_token
from .merchants import DEMO_MERCHANT, Merchant, MerchantDirectory
from .scenarios import SCENARIO_HEADER, Scenario, ScenarioError, parse_scenario
from .store import SessionStore, StoredSession, default_db_path, utc_now

__all__ = ["MAX_BODY_BYTES", "create_app"]

MAX_BODY_BYTES = 64 * 1024
_SESSION_ID = re.compile(r"[0-9a-f]{32}")
_JSON_TYPES = ("application/json",)
_ACCEPTABLE = ("*/*", "application/*", "application/json", "application/problem+json")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(content, status_code=status, headers=headers, media_type="application/json")


def problem(
    status: int,
    title: str,
    detail: str,
    violations: Iterable[Violation] = (),
    headers: dict[str, str] | None = None,
) -> Response:
    """An error answer: ``{type, title, detail, violations}`` as in known-facts.md."""
    body = {
        "type": PROBLEM_TYPE,
        "title": title,
        "detail": detail,
        "violations": [v.as_problem() for v in violations],
    }
    return json_response(body, status, headers)


def _unauthorized() -> Response:
    return problem(
        401,
        "Unauthorized",
        "Invalid SL code or secret: send Authorization: Basic base64(slCode:secret).",
        headers={"WWW-Authenticate": 'Basic realm="Pay.Parts sandbox", charset="UTF-8"'},
    )


class _Rejection(Exception):  # noqa: N818 - internal control flow, not an error type
    """Carries a finished error response out of a nested check."""

    def __init__(self, response: Response) -> None:
        self.response = response


def create_app(
    db_path: str | Path | None = None,
    merchants: Iterable[Merchant] | None = None,
) -> Starlette:
    """The ASGI app. ``db_path`` defaults to the per-user database; merchants to the demo one."""
    directory = MerchantDirectory(merchants if merchants is not None else [DEMO_MERCHANT])
    store = SessionStore(db_path if db_path is not None else default_db_path())

    async def start_session(request: Request) -> Response:
        try:
            merchant = await _admit(request, directory)
            body, violations = await _json_body(request)
        except _Rejection as rejection:
            return rejection.response
        if violations:
            return problem(
                422,
                "The request breaks the contract",
                "; ".join(str(v) for v in violations),
                violations,
            )
        session_id = secrets.token_hex(16)
        amount = body["amount"]
        token = encode_session_token(
            session_id, merchant.merchant_name, amount["value"], amount["currency"]
        )
        await store.add(StoredSession(session_id, merchant.sl_code, token, body, utc_now()))
        # Both values are ASCII (hex, base64): no JSON escaping can be needed.
        created = f'{{"sessionId":"{session_id}","sessionToken":"{token}"}}'
        return Response(created, status_code=201, media_type="application/json")

    async def get_session(request: Request) -> Response:
        try:
            merchant = await _admit(request, directory)
        except _Rejection as rejection:
            return rejection.response
        session_id = request.path_params["session_id"]
        stored = (
            await store.get(session_id, merchant.sl_code)
            if _SESSION_ID.fullmatch(session_id)
            else None
        )
        if stored is None:
            return problem(
                404,
                "Not found",
                "No session with this id exists for your sales location.",
                [Violation("sessionId", "unknown session id", "NOT_FOUND")],
            )
        details: dict[str, Any] = {
            "sessionId": stored.session_id,
            "sessionToken": stored.session_token,
        }
        for key in ("amount", "customer", "order"):
            if key in stored.request:
                details[key] = stored.request[key]
        return json_response(details)

    async def openapi(_request: Request) -> Response:
        return Response(openapi_json(), media_type="application/json")

    async def index(_request: Request) -> Response:
        return json_response(
            {
                "service": "Pay.Parts sandbox",
                "version": __version__,
                "openapi": "/openapi.json",
                "endpoints": ["POST /v1/session/start", "GET /v1/session/{sessionId}"],
            }
        )

    @asynccontextmanager
    async def lifespan(_app: Starlette):
        try:
            yield
        finally:
            # On the loop, on purpose: uvicorn has finished or cancelled every request by
            # now, so nobody waits behind it; a thread pool would be refused when an atexit
            # hook stops an embedded sandbox after concurrent.futures has shut down.
            store.close()

    app = Starlette(
        routes=[  # the API first: the router tries routes in order
            Route("/v1/session/start", start_session, methods=["POST"]),
            Route("/v1/session/{session_id}", get_session, methods=["GET"]),
            Route("/", index, methods=["GET"]),
            Route("/openapi.json", openapi, methods=["GET"]),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _unexpected_error},
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.merchants = directory
    return app


async def _admit(request: Request, directory: MerchantDirectory) -> Merchant:
    """Scenario, credentials and Accept: the checks both endpoints share."""
    response = await _apply_scenario(request)
    if response is not None:
        raise _Rejection(response)
    merchant = directory.authenticate(request.headers.get("authorization"))
    if merchant is None:
        raise _Rejection(_unauthorized())
    if not _accepts_json(request.headers.get("accept")):
        raise _Rejection(
            problem(
                406, "Not acceptable", "This API answers in JSON: send Accept: application/json."
            )
        )
    return merchant


async def _json_body(request: Request) -> tuple[Any, list[Violation]]:
    """Content-Type, size and JSON syntax, each with its own status; then the violations."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in _JSON_TYPES and not media_type.endswith("+json"):
        shown = media_type or "none"
        raise _Rejection(
            problem(
                415,
                "Unsupported media type",
                f"Send the body as JSON with Content-Type: application/json (got {shown}).",
            )
        )
    raw = await _read_limited(request)
    try:
        return read_session_request(raw)
    except InvalidJSONError as exc:
        raise _Rejection(
            problem(400, "Malformed JSON", f"The body is not valid JSON: {exc}.")
        ) from None


def _too_large() -> _Rejection:
    return _Rejection(
        problem(413, "Body too large", f"The body must be at most {MAX_BODY_BYTES} bytes.")
    )


async def _read_limited(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise _too_large()
            chunks.append(chunk)
    except ClientDisconnect:  # the client hung up mid-body: nobody to answer, nothing to log
        raise _Rejection(problem(400, "Incomplete body", "The client disconnected.")) from None
    return b"".join(chunks)


def _accepts_json(accept: str | None) -> bool:
    if not accept or not accept.strip():
        return True
    ranges = (part.split(";")[0].strip().lower() for part in accept.split(","))
    return any(r in _ACCEPTABLE or r.endswith("+json") for r in ranges)


async def _apply_scenario(request: Request) -> Response | None:
    """The answer a faulty live service would give, or None to go on normally."""
    try:
        scenario = parse_scenario(request.headers.get(SCENARIO_HEADER))
    except ScenarioError as exc:
        return problem(
            400,
            "Unknown sandbox scenario",
            str(exc),
            [Violation(SCENARIO_HEADER, str(exc), "INVALID_SCENARIO")],
        )
    if scenario is None:
        return None
    return await _scenario_response(scenario)


async def _scenario_response(scenario: Scenario) -> Response | None:
    retry_after = {"Retry-After": str(math.ceil(scenario.seconds))}
    if scenario.kind == "slow":
        await asyncio.sleep(scenario.seconds)
        return None
    if scenario.kind == "rate-limited":
        return problem(
            429, "Too many requests", "Rate limit reached; retry later.", headers=retry_after
        )
    if scenario.kind == "unavailable":
        return problem(
            503, "Service unavailable", "The service is temporarily down.", headers=retry_after
        )
    if scenario.kind == "bad-gateway":
        # What a proxy in front of a live service sends: HTML, not the API's JSON.
        html = (
            "<html><head><title>502 Bad Gateway</title></head><body>"
            "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>"
            "</body></html>"
        )
        return Response(html, status_code=502, media_type="text/html")
    return problem(500, "Internal server error", "An unexpected error occurred (sandbox scenario).")


async def _http_error(request: Request, exc: Exception) -> Response:
    """Routing errors (404 unknown path, 405 wrong method) as problem JSON, never HTML."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return problem(
            405,
            "Method not allowed",
            f"{request.method} is not allowed on {request.url.path}; use {allowed}.",
            headers={"Allow": allowed},
        )
    if exc.status_code == 404:
        return problem(404, "Not found", f"There is no endpoint at {request.url.path}.")
    return problem(exc.status_code, "Error", str(exc.detail))


async def _unexpected_error(_request: Request, _exc: Exception) -> Response:
    """A sandbox bug still answers in the documented shape (tests assert this never happens)."""
    return problem(500, "Internal server error", "The sandbox failed; please report this.")
