"""The fixed, safe probe set that ``payparts record`` sends and ``payparts drift`` replays.

The contract's two examples, five validation failures (taken by name from
:mod:`..rules.validation_cases`, where the rules are data), a wrong secret, two
ids nobody has, and a GET of each session the examples created. Against a live
host the accepted probes create three sessions without payment; nothing else
changes there. Each probe names the sandbox assumption (docs/sandbox.md) it tests.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ..rules import examples
from ..rules.validation_cases import ACCEPTED_CASES, REJECTED_CASES, ValidationCase

__all__ = ["CREATE_PATH", "GET_TEMPLATE", "PROBES", "UNKNOWN_SESSION_ID", "WRONG_SECRET", "Probe"]

CREATE_PATH = "/v1/session/start"
GET_TEMPLATE = "/v1/session/{sessionId}"
UNKNOWN_SESSION_ID = "0" * 32  # the right shape, and nobody's
MALFORMED_SESSION_ID = "not-a-session-id"  # safe in a URL path, but not 32 lowercase hex
# Sent with the user's SL code by the "wrong secret" probe. Not a credential of anyone;
# masked in recordings all the same, like every secret form.
WRONG_SECRET = "payparts-drift-wrong-secret"  # noqa: S105


@dataclass(frozen=True)
class Probe:
    """One request of the probe set.

    ``kind`` is one of :data:`..checks.drift.KINDS`; ``assumption`` the number of the
    sandbox assumption it tests; a GET has a fixed ``session_id`` or fetches the
    session the probe named ``of`` created.
    """

    name: str
    kind: str
    assumption: int
    method: str
    body: dict[str, Any] | None = field(default=None, repr=False)
    session_id: str | None = None
    of: str | None = None
    wrong_secret: bool = False

    @property
    def template(self) -> str:
        return CREATE_PATH if self.method == "POST" else GET_TEMPLATE

    def request_body(self) -> dict[str, Any] | None:
        """A fresh copy of the body to send (``None`` for a GET)."""
        return copy.deepcopy(self.body)


def _case(name: str) -> ValidationCase:
    """A validation case by its name: renaming one there fails here, loudly."""
    for case in (*REJECTED_CASES, *ACCEPTED_CASES):
        if case.name == name:
            return case
    raise KeyError(f"rules.validation_cases has no case named {name!r}")


def _create(name: str, kind: str, assumption: int, body: dict[str, Any], **extra: Any) -> Probe:
    return Probe(name, kind, assumption, "POST", body=body, **extra)


PROBES: tuple[Probe, ...] = (
    _create("minimum example", "accepted", 11, examples.minimum_request()),
    _create("full example", "accepted", 20, examples.full_request()),
    _create("float amount", "refused", 13, _case("amount.value as a float (29.99)").request()),
    _create("unknown currency", "refused", 15, _case("currency ABC (unknown code)").request()),
    _create("missing returnUrl", "refused", 11, _case("returnUrl missing").request()),
    _create("bad e-mail", "refused", 18, _case("email without a domain (john.doe@)").request()),
    _create("past expire", "accepted", 16, _case("expire in the past (2020)").request()),
    _create("wrong secret", "credentials", 4, examples.minimum_request(), wrong_secret=True),
    Probe("unknown session id", "unknown id", 5, "GET", session_id=UNKNOWN_SESSION_ID),
    Probe("malformed session id", "unknown id", 5, "GET", session_id=MALFORMED_SESSION_ID),
    Probe("GET minimum example", "fetch", 1, "GET", of="minimum example"),
    Probe("GET full example", "fetch", 1, "GET", of="full example"),
    Probe("GET past expire", "fetch", 1, "GET", of="past expire"),
)
