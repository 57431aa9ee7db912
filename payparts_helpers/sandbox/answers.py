"""The sandbox's HTTP plumbing shared by its routes: JSON and problem answers, the checks
every authenticated endpoint runs first (scenario, credentials, Accept), bounded body
reads, and the handlers that keep even routing errors and bugs in problem JSON.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Iterable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ..rules.contract import PROBLEM_TYPE
from ..rules.errors import Violation
from .merchants import Merchant, MerchantDirectory
from .scenarios import SCENARIO_HEADER, Scenario, ScenarioError, parse_scenario

__all__ = [
    "MAX_BODY_BYTES",
    "Rejection",
    "admit",
    "admit_optionally",
    "header",
    "http_error",
    "json_response",
    "problem",
    "read_limited",
    "unexpected_error",
]

MAX_BODY_BYTES = 64 * 1024
_ACCEPTABLE = ("*/*", "application/*", "application/json", "application/problem+json")
_SCENARIO = SCENARIO_HEADER.lower().encode("latin-1")
# Where header() keeps a request's headers by name; a key of this module, in the request's
# scope (which lives as long as the request), so that each header is found without a scan.
_HEADERS_KEY = "payparts.headers"


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


def header(request: Request, name: bytes) -> str | None:
    """The value of header ``name`` (lower case), or None: the first one when it is repeated.

    What ``request.headers.get`` answers, but the headers are put in a dict once per
    request: a create reads five of them, and each ``headers.get`` scans the list.
    """
    scope = request.scope
    by_name: dict[bytes, bytes] | None = scope.get(_HEADERS_KEY)
    if by_name is None:
        # Reversed, so that the first of repeated headers is the one kept (as Starlette).
        by_name = scope[_HEADERS_KEY] = dict(reversed(scope["headers"]))
    value = by_name.get(name)
    return None if value is None else value.decode("latin-1")


class Rejection(Exception):  # noqa: N818 - internal control flow, not an error type
    """Carries a finished error response out of a nested check."""

    def __init__(self, response: Response) -> None:
        self.response = response


async def admit(request: Request, directory: MerchantDirectory) -> Merchant:
    """Scenario, credentials and Accept: the checks every authenticated endpoint shares."""
    merchant = await admit_optionally(request, directory)
    if merchant is None:
        raise Rejection(_unauthorized())
    return merchant


async def admit_optionally(request: Request, directory: MerchantDirectory) -> Merchant | None:
    """As :func:`admit`, for an endpoint that also answers without credentials: ``None``
    when no ``Authorization`` header came; wrong credentials are still a 401."""
    scenario = header(request, _SCENARIO)
    if scenario is not None:  # without the header no scenario code runs, not even a coroutine
        response = await _apply_scenario(scenario)
        if response is not None:
            raise Rejection(response)
    credentials = header(request, b"authorization")
    merchant = directory.authenticate(credentials) if credentials is not None else None
    if credentials is not None and merchant is None:
        raise Rejection(_unauthorized())
    if not _accepts_json(header(request, b"accept")):
        raise Rejection(
            problem(
                406, "Not acceptable", "This API answers in JSON: send Accept: application/json."
            )
        )
    return merchant


def _too_large() -> Rejection:
    return Rejection(
        problem(413, "Body too large", f"The body must be at most {MAX_BODY_BYTES} bytes.")
    )


async def read_limited(request: Request) -> bytes:
    """The body, at most ``MAX_BODY_BYTES`` (413 past it), read once from ``receive``.

    Reads the ASGI messages itself, as ``request.stream()`` does but without an async
    generator per request: a create's body is nearly always one message.
    """
    declared = header(request, b"content-length") or ""
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    receive = request.receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "http.disconnect":  # the client hung up mid-body: nobody to answer
            raise Rejection(problem(400, "Incomplete body", "The client disconnected."))
        if kind != "http.request":
            continue
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large()
        if not message.get("more_body", False):
            return chunk if not chunks else b"".join([*chunks, chunk])
        chunks.append(chunk)


def _accepts_json(accept: str | None) -> bool:
    if not accept or accept in _ACCEPTABLE:  # the usual headers, without splitting them
        return True
    if not accept.strip():
        return True
    ranges = (part.split(";")[0].strip().lower() for part in accept.split(","))
    return any(r in _ACCEPTABLE or r.endswith("+json") for r in ranges)


async def _apply_scenario(value: str) -> Response | None:
    """The answer a faulty live service would give, or None to go on normally."""
    try:
        scenario = parse_scenario(value)
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


async def http_error(request: Request, exc: Exception) -> Response:
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


async def unexpected_error(_request: Request, _exc: Exception) -> Response:
    """A sandbox bug still answers in the documented shape (tests assert this never happens)."""
    return problem(500, "Internal server error", "The sandbox failed; please report this.")
