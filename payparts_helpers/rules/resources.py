"""What the API answers, as small typed objects over the raw JSON (kept in ``.raw``).

Pure data: no HTTP here, so lint and token checks can take these as input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CreatedSession", "SessionDetails"]


@dataclass(frozen=True)
class CreatedSession:
    """The answer to ``POST /v1/session/start``; ``elapsed`` is the round trip in seconds."""

    session_id: str
    session_token: str
    elapsed: float
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class SessionDetails:
    """The answer to ``GET /v1/session/{id}``: what was sent, as the server kept it.

    ``amount``, ``customer`` and ``order`` are ``None`` when the server left them out.
    """

    session_id: str
    session_token: str
    amount: dict[str, Any] | None
    customer: dict[str, Any] | None
    order: dict[str, Any] | None
    raw: dict[str, Any] = field(repr=False, compare=False)
