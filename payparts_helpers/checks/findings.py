"""A finding: one thing to look at before sending, with its level, JSON path and what to fix.

Shared by lint and the token checks, so both speak the same way and sort the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Finding", "Level", "by_level_then_path"]

Level = Literal["error", "warning", "info"]
_LEVEL_RANK: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One thing to look at before sending: its level, the dotted JSON path, what to fix.

    ``path`` uses the contract's style (``order.products[0].total``), ``None`` for the
    request as a whole, so findings line up with the sandbox's 422 violations.
    """

    level: Level
    path: str | None
    message: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"{self.level}{where}: {self.message}"


def by_level_then_path(finding: Finding) -> tuple[int, str]:
    """Sort key: errors first, then warnings, then info, each by path."""
    return _LEVEL_RANK[finding.level], finding.path or ""
