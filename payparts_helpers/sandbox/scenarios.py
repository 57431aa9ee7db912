"""Fault scenarios chosen per request with the ``Sandbox-Scenario`` header.

They let integrators test their own error handling against answers a live
service gives under load or failure. Without the header nothing here runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["MAX_SLOW_SECONDS", "SCENARIO_HEADER", "Scenario", "ScenarioError", "parse_scenario"]

SCENARIO_HEADER = "Sandbox-Scenario"
MAX_SLOW_SECONDS = 60.0
_KINDS = ("rate-limited", "server-error", "unavailable", "bad-gateway", "slow")
_USAGE = (
    "use rate-limited[=SECONDS], server-error, unavailable[=SECONDS], bad-gateway "
    f"or slow=SECONDS (0 to {MAX_SLOW_SECONDS:g})"
)


class ScenarioError(ValueError):
    """An unknown scenario or a bad number in the header."""


@dataclass(frozen=True)
class Scenario:
    """``kind`` is one of the documented names; ``seconds`` is the delay or Retry-After."""

    kind: str
    seconds: float


def parse_scenario(header: str | None) -> Scenario | None:
    """``None`` without the header; a :class:`ScenarioError` naming the choices when it is wrong."""
    if header is None:
        return None
    kind, has_value, value = header.strip().lower().partition("=")
    kind = kind.strip()
    if kind not in _KINDS:
        raise ScenarioError(f"unknown scenario {header.strip()[:40]!r}: {_USAGE}")
    if kind in ("server-error", "bad-gateway"):
        if has_value:
            raise ScenarioError(f"{kind} takes no value: {_USAGE}")
        return Scenario(kind, 0.0)
    if not has_value:
        if kind == "slow":
            raise ScenarioError(f"slow needs a number of seconds: {_USAGE}")
        return Scenario(kind, 1.0)
    try:
        seconds = float(value.strip())
    except ValueError:
        raise ScenarioError(
            f"{value.strip()[:20]!r} is not a number of seconds: {_USAGE}"
        ) from None
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_SLOW_SECONDS:
        raise ScenarioError(f"seconds must be from 0 to {MAX_SLOW_SECONDS:g}: {_USAGE}")
    return Scenario(kind, seconds)
