"""Lint a session request before sending it: errors the sandbox would refuse, and likely mistakes.

Errors are exactly the contract's violations (:func:`contract.validate_session_request`):
the rules live once, in the OpenAPI document, and lint only rewords a few messages
(decimal amounts get a "did you mean 2999?"). Warnings and info findings cover what
the contract accepts but a real integration probably gets wrong: totals that do not
add up, a ``totalVat`` that matches no reading of the prices, an ``expire`` in the
past, unknown (ignored) keys, limits documented only for Pay.nl's transaction API.

Pure module: no HTTP, no widgets, no sandbox import. The rules live in the
``lint_*`` modules beside this one; this module runs them in order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from ..rules import contract
from ..rules.errors import Violation
from ..rules.session_request import SessionRequest, request_to_dict
from .findings import Finding, Level, by_level_then_path
from .lint_context import LintContext
from .lint_errors import error_finding
from .lint_fields import (
    DESCRIPTION_LIMIT,
    REFERENCE_LIMIT,
    check_expire,
    check_locale,
    check_text_limits,
    check_urls,
)
from .lint_money import check_line_totals, check_major_units, check_order_sum, check_total_vat
from .lint_unknown_keys import check_unknown_keys

__all__ = [
    "DESCRIPTION_LIMIT",
    "REFERENCE_LIMIT",
    "Finding",
    "Level",
    "lint_session_request",
]

_CHECKS: tuple[Callable[[LintContext], Iterator[Finding]], ...] = (
    check_line_totals,
    check_order_sum,
    check_major_units,
    check_total_vat,
    check_expire,
    check_unknown_keys,
    check_text_limits,
    check_urls,
    check_locale,
)


def lint_session_request(
    request: SessionRequest | Mapping[str, Any] | object, *, now: datetime | None = None
) -> list[Finding]:
    """Every finding for ``request``, errors first, then warnings, then info, each by path.

    Accepts anything (a dict, a :class:`SessionRequest`, or a wrong value such as a list)
    and never raises: a request that is not an object is itself a finding. ``now``
    (default: the current UTC time) decides whether ``expire`` lies in the past.
    """
    body = _normalise(request)
    violations = _violations(body)
    if violations is None:
        return [_not_json_finding()]
    findings = [error_finding(v, body) for v in violations]
    if isinstance(body, dict):
        ctx = LintContext(body, {v.path for v in violations}, _now(now))
        for check in _CHECKS:
            findings.extend(check(ctx))
    return sorted(findings, key=by_level_then_path)


def _normalise(request: object) -> object:
    """The wire-form dict when ``request`` is one; otherwise the value as it is, to be judged."""
    if isinstance(request, SessionRequest | Mapping):
        try:
            return request_to_dict(request)
        except RecursionError:  # absurdly deep data: read it without copying
            return dict(request) if isinstance(request, Mapping) else request
    return request


def _violations(body: object) -> list[Violation] | None:
    """The contract's violations, or ``None`` when the data is not JSON-shaped at all.

    For an object, a violation without a path means the contract could not read it:
    Python values JSON cannot carry (sets, bytes, non-text keys) or absurd nesting.
    """
    violations = contract.validate_session_request(body)
    if isinstance(body, Mapping) and any(v.path is None for v in violations):
        return None
    return violations


def _not_json_finding() -> Finding:
    return Finding(
        "error",
        None,
        "The request cannot be read as JSON: it holds a value JSON cannot carry (a set, "
        "bytes, a non-text key, a Python object) or is nested far too deeply; build it from "
        "dicts, lists, text, integers, true/false and null only.",
    )


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)
