"""One recorded exchange of the drift watch: a probe's request and the answer it got.

The file form (:meth:`Exchange.to_json`, one JSON file per exchange) is what
``payparts record`` writes and ``payparts drift`` reads; :data:`EXCHANGE_FORMAT`
versions it. Everything in it was redacted before it was stored.

Pure module: data only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EXCHANGE_FORMAT", "KINDS", "Exchange"]

EXCHANGE_FORMAT = "payparts-drift-exchange/1"
"""The ``format`` of one recorded exchange file; another value is not read."""

# What a probe is meant to show (stored in each exchange, so a recording explains itself):
# "accepted" a create both sides should accept, "refused" a create breaking one rule,
# "credentials" a wrong secret, "unknown id" a GET of an id nobody has, "fetch" a GET of
# a session an earlier probe created.
KINDS = ("accepted", "refused", "credentials", "unknown id", "fetch")


@dataclass(frozen=True)
class Exchange:
    """One recorded request and its answer (already redacted).

    ``template`` is the contract's path (``/v1/session/{sessionId}``), ``path`` the one
    sent. ``of`` names the probe whose session a GET fetches. ``assumption`` is the
    rule the probe tests (used when one side accepts what the other refuses).
    ``status`` is ``None`` when no answer came; ``error`` says why.
    """

    probe: str
    kind: str
    assumption: int
    method: str
    template: str
    path: str
    request_body: Any = None
    of: str | None = None
    wrong_secret: bool = False
    status: int | None = None
    content_type: str | None = None
    www_authenticate: str | None = None
    body: Any = None
    body_is_json: bool = False
    error: str | None = None
    recording: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The file form: request and response; no header but the ones that matter."""
        return {
            "format": EXCHANGE_FORMAT,
            "recording": dict(self.recording),
            "probe": {
                "name": self.probe,
                "kind": self.kind,
                "assumption": self.assumption,
                "of": self.of,
                "wrongSecret": self.wrong_secret,
            },
            "request": {
                "method": self.method,
                "template": self.template,
                "path": self.path,
                "body": self.request_body,
            },
            "response": None
            if self.status is None
            else {
                "status": self.status,
                "contentType": self.content_type,
                "wwwAuthenticate": self.www_authenticate,
                "bodyIsJson": self.body_is_json,
                "body": self.body,
            },
            "error": self.error,
        }

    @classmethod
    def from_json(cls, data: object) -> Exchange:
        """Read :meth:`to_json`'s form; a :class:`ValueError` says what is wrong."""
        if not isinstance(data, dict) or data.get("format") != EXCHANGE_FORMAT:
            raise ValueError(f"not a recorded exchange (no format {EXCHANGE_FORMAT!r})")
        try:
            probe, request = data["probe"], data["request"]
            response = data.get("response")
            exchange = cls(
                probe=str(probe["name"]),
                kind=str(probe["kind"]),
                assumption=int(probe["assumption"]),
                method=str(request["method"]).upper(),
                template=str(request["template"]),
                path=str(request["path"]),
                request_body=request.get("body"),
                of=probe.get("of"),
                wrong_secret=bool(probe.get("wrongSecret")),
                status=None if response is None else int(response["status"]),
                content_type=None if response is None else response.get("contentType"),
                www_authenticate=None if response is None else response.get("wwwAuthenticate"),
                body=None if response is None else response.get("body"),
                body_is_json=bool(response and response.get("bodyIsJson")),
                error=data.get("error"),
                recording=data.get("recording") or {},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"a recorded exchange lacks or mistypes {exc}") from None
        if exchange.kind not in KINDS:
            raise ValueError(f"unknown probe kind {exchange.kind!r}")
        return exchange

    @property
    def answered(self) -> bool:
        return self.status is not None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def request_line(self) -> str:
        return f"{self.method} {self.template}"
