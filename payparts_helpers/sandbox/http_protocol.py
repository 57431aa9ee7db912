"""uvicorn's HTTP/1.1 protocol, except that a request it cannot parse gets problem JSON too.

uvicorn answers bytes that are not HTTP (a ``Content-Length: v``, a broken request
line) itself, before the app sees them, with a ``text/plain`` 400. The contract's
clients (and schemathesis) expect every error in the problem-details shape, so this
400 is written that way as well; everything else is uvicorn's own h11 protocol.
"""

from __future__ import annotations

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from ..rules.contract import PROBLEM_TYPE

__all__ = ["ProblemH11Protocol"]


class ProblemH11Protocol(H11Protocol):
    """``H11Protocol`` with a problem-JSON body for the 400 of an unparseable request."""

    def send_400_response(self, msg: str) -> None:
        problem = {"type": PROBLEM_TYPE, "title": "Malformed HTTP request", "detail": msg}
        body = json.dumps({**problem, "violations": []}, separators=(",", ":")).encode("utf-8")
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event))
        self.transport.close()
