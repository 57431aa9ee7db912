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
from starlette.requests import ClientDisconnect, Request
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
    "http_error",
    "json_response",
    "problem",
    "read_limited",
    "unexpected_error",
]

MAX_BODY_BYTES = 64 * 1024
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
    response = await _apply_scenario(request)
    if response is not None:
        raise Rejection(response)
    header = request.headers.get("authorization")
    merchant = directory.authenticate(header) if header is not None else None
    if header is not None and merchant is None:
        raise Rejection(_unauthorized())
    if not _accepts_json(request.headers.get("accept")):
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
        raise Rejection(problem(400, "Incomplete body", "The client disconnected.")) from None
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
