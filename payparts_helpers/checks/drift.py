"""Contract drift: compare what a live host answered with what the sandbox answers.

A *recording* is a list of :class:`.drift_records.Exchange` (one request and its
answer, redacted before it was stored). :func:`compare_recordings` takes the live recording and the
sandbox's replay of the same requests and returns one :class:`DriftRow` per
difference, each naming the sandbox assumption it contradicts by its number in
docs/sandbox.md's "Sandbox assumptions" list (``None``: the published contract
itself). It compares status codes, content types, top-level keys, the error body's
shape (``type``/``title``/``detail``/``violations`` and their ``propertyPath``\\ s),
the token's layout (prefix, alphabet, padding, compact JSON, key order, the
``formatted`` rule, decoded with :mod:`..rules.session_token`), id shapes and what
GET returns. It also checks every live answer against the sandbox's OpenAPI
document (:func:`document_rows`): an answer the document does not describe is drift
too. Equal differences of several probes are one row naming all of them; rows come
in the fixed order of :data:`ASPECTS`, then in the order of their first probe.
Nothing differs: ``[]``.

Pure module: no HTTP; it reads recorded data only.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..rules.contract import (
    PROBLEM_TYPE,
    SESSION_ID_PATTERN,
    openapi_document,
    schema_validator,
)
from ..rules.errors import TokenDecodeError
from ..rules.session_token import TOKEN_PREFIX, decode_session_token
from .drift_records import EXCHANGE_FORMAT, KINDS, Exchange

__all__ = [
    "ASPECTS",
    "EXCHANGE_FORMAT",
    "KINDS",
    "DriftRow",
    "Exchange",
    "compare_recordings",
    "document_rows",
    "drift_table",
]


# Rows are ordered by probe, then by these aspects (also their order in the table).
ASPECTS = (
    "answer",
    "status",
    "content type",
    "WWW-Authenticate",
    "top-level keys",
    "error shape",
    "error type",
    "violation paths",
    "sessionId shape",
    "token prefix",
    "token base64",
    "token JSON",
    "token key order",
    "token SessionId",
    "token amount",
    "token formatted",
    "GET amount",
    "GET customer",
    "GET order",
    "GET sessionToken",
    "OpenAPI: status",
    "OpenAPI: content type",
    "OpenAPI: body",
)
_RANK = {aspect: rank for rank, aspect in enumerate(ASPECTS)}

_SESSION_ID = re.compile(SESSION_ID_PATTERN)
_UUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_CELL = 90  # longest text of one table cell before it is cut with "…"

_NOTES = {
    ("status", 1): "the sandbox answers a create with 201 Created and a GET with 200",
    ("status", 4): "the sandbox's status for this failure (assumption 4's order of checks)",
    ("status", 5): "an unknown or malformed id, or another's session, is the same 404",
    "status": "the two disagree on whether this request is valid",
    "answer": "one side has no answer to compare",
    "content type": "the sandbox answers application/json",
    ("top-level keys", 9): "GET returns amount, customer and order as sent, and nothing else",
    "top-level keys": "the contract's create answer holds sessionId and sessionToken",
    "WWW-Authenticate": "a 401 carries WWW-Authenticate: Basic",
    "error shape": "errors are problem details: type, title, detail, violations",
    "error type": f"type is {PROBLEM_TYPE}",
    ("violation paths", 2): "violations is empty for errors that concern no field",
    "violation paths": "violations name every offending field, dotted with indexes",
    "sessionId shape": "sessionId is 32 random lowercase hex characters",
    "token formatted": "formatted uses the currency's ISO 4217 exponent (2999 EUR is 29.99)",
    "token amount": "the token holds the amount as sent",
    "token SessionId": "the token's SessionId is the session's id",
    "GET sessionToken": "the contract: GET returns the same session token as the create",
    "OpenAPI": "the sandbox's OpenAPI document (/openapi.json) does not describe this answer",
}
_LAYOUT_NOTE = "st_ + padded standard base64 of compact UTF-8 JSON, keys in the contract's order"


@dataclass(frozen=True)
class DriftRow:
    """One difference: the probes that show it, what differs, each side's value, the
    sandbox assumption it contradicts (``None``: the contract itself) and a note."""

    probes: tuple[str, ...]
    aspect: str
    live: str
    sandbox: str
    assumption: int | None
    note: str

    @property
    def probe(self) -> str:
        return ", ".join(self.probes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "probe": self.probe,
            "aspect": self.aspect,
            "live": self.live,
            "sandbox": self.sandbox,
            "assumption": self.assumption,
            "note": self.note,
        }


@dataclass(frozen=True)
class _Difference:
    aspect: str
    live: str
    sandbox: str
    assumption: int | None

    @property
    def note(self) -> str:
        key = "OpenAPI" if self.aspect.startswith("OpenAPI") else self.aspect
        if key.startswith("token") and key not in _NOTES:
            return _LAYOUT_NOTE
        return _NOTES.get((key, self.assumption)) or _NOTES.get(key, "")


def compare_recordings(live: Sequence[Exchange], sandbox: Sequence[Exchange]) -> list[DriftRow]:
    """Every difference between ``live`` and ``sandbox`` (paired by probe name), plus
    every live answer the OpenAPI document does not describe; ``[]`` when they agree."""
    live_by_probe = {e.probe: e for e in live}
    sandbox_by_probe = {e.probe: e for e in sandbox}
    found: list[tuple[int, _Difference, str]] = []
    for index, exchange in enumerate(live):
        other = sandbox_by_probe.get(exchange.probe)
        if other is None:
            differences = [_Difference("answer", _answer_text(exchange), "not replayed", None)]
        else:
            differences = [
                *_pair(exchange, other, live_by_probe, sandbox_by_probe),
                *_document_differences(exchange),
            ]
        found.extend((index, d, exchange.probe) for d in differences)
    return _grouped(found)


def document_rows(live: Iterable[Exchange]) -> list[DriftRow]:
    """The live answers the sandbox's OpenAPI document does not describe (as rows)."""
    found = [
        (index, difference, exchange.probe)
        for index, exchange in enumerate(live)
        for difference in _document_differences(exchange)
    ]
    return _grouped(found)


def _grouped(found: Iterable[tuple[int, _Difference, str]]) -> list[DriftRow]:
    """Equal differences of several probes as one row; ordered by aspect, then first probe."""
    groups: dict[_Difference, tuple[int, list[str]]] = {}
    for index, difference, probe in found:
        _first, probes = groups.setdefault(difference, (index, []))
        if probe not in probes:
            probes.append(probe)
    ordered = sorted(groups.items(), key=lambda item: (_RANK[item[0].aspect], item[1][0]))
    return [
        DriftRow(tuple(probes), d.aspect, d.live, d.sandbox, d.assumption, d.note)
        for d, (_first, probes) in ordered
    ]


# --- one pair of answers --------------------------------------------------------------------


def _pair(
    live: Exchange,
    sandbox: Exchange,
    live_by_probe: Mapping[str, Exchange],
    sandbox_by_probe: Mapping[str, Exchange],
) -> Iterator[_Difference]:
    if not (live.answered and sandbox.answered):
        if live.answered != sandbox.answered or live.error != sandbox.error:
            yield _Difference("answer", _answer_text(live), _answer_text(sandbox), None)
        return
    if live.status != sandbox.status:
        yield _Difference(
            "status", str(live.status), str(sandbox.status), _status_rule(live, sandbox)
        )
    error_side = not (live.succeeded and sandbox.succeeded)
    live_type, sandbox_type = _media_type(live.content_type), _media_type(sandbox.content_type)
    if live_type != sandbox_type:
        yield _Difference(
            "content type", live_type or "none", sandbox_type or "none", 2 if error_side else None
        )
    if live.succeeded and sandbox.succeeded:
        yield from _success_pair(live, sandbox, live_by_probe, sandbox_by_probe)
    elif not live.succeeded and not sandbox.succeeded:
        yield from _error_pair(live, sandbox)


def _status_rule(live: Exchange, sandbox: Exchange) -> int:
    """Which assumption a status difference contradicts."""
    if live.succeeded and sandbox.succeeded:
        return 1
    if live.succeeded or sandbox.succeeded:  # one accepts what the other refuses
        return live.assumption
    return 5 if live.kind == "unknown id" else 4


def _success_pair(
    live: Exchange,
    sandbox: Exchange,
    live_by_probe: Mapping[str, Exchange],
    sandbox_by_probe: Mapping[str, Exchange],
) -> Iterator[_Difference]:
    fetch = live.method == "GET"
    if not (isinstance(live.body, dict) and isinstance(sandbox.body, dict)):
        if _keys_text(live) != _keys_text(sandbox):
            yield _Difference(
                "top-level keys", _keys_text(live), _keys_text(sandbox), 9 if fetch else None
            )
        return
    if set(live.body) != set(sandbox.body):
        yield _Difference(
            "top-level keys", _keys_text(live), _keys_text(sandbox), 9 if fetch else None
        )
    live_id, sandbox_id = live.body.get("sessionId"), sandbox.body.get("sessionId")
    if not fetch and isinstance(live_id, str) and isinstance(sandbox_id, str):
        shapes = _id_shape(live_id), _id_shape(sandbox_id)
        if shapes[0] != shapes[1]:
            yield _Difference("sessionId shape", *shapes, 7)
    live_token, sandbox_token = live.body.get("sessionToken"), sandbox.body.get("sessionToken")
    if isinstance(live_token, str) and isinstance(sandbox_token, str):
        sent = _sent_amount(live, live_by_probe)
        yield from _token_differences(live_token, live_id, sandbox_token, sandbox_id, sent)
    if fetch:
        yield from _fetched_differences(live, sandbox, live_by_probe, sandbox_by_probe)


def _fetched_differences(
    live: Exchange,
    sandbox: Exchange,
    live_by_probe: Mapping[str, Exchange],
    sandbox_by_probe: Mapping[str, Exchange],
) -> Iterator[_Difference]:
    for key in ("amount", "customer", "order"):
        if key in live.body and key in sandbox.body and live.body[key] != sandbox.body[key]:
            where, mine, theirs = _first_difference(live.body[key], sandbox.body[key], key)
            yield _Difference(f"GET {key}", f"{where} = {mine}", f"{where} = {theirs}", 9)
    if live.of is None:
        return
    same = []
    for exchange, created in ((live, live_by_probe), (sandbox, sandbox_by_probe)):
        origin = created.get(live.of)
        token = (
            origin.body.get("sessionToken") if origin and isinstance(origin.body, dict) else None
        )
        same.append(token is not None and exchange.body.get("sessionToken") == token)
    if same[0] != same[1]:
        said = ("the created token" if s else "another token" for s in same)
        yield _Difference("GET sessionToken", *said, None)


def _error_pair(live: Exchange, sandbox: Exchange) -> Iterator[_Difference]:
    live_body = live.body if live.body_is_json else None
    sandbox_body = sandbox.body if sandbox.body_is_json else None
    if _shape_text(live) != _shape_text(sandbox):
        yield _Difference("error shape", _shape_text(live), _shape_text(sandbox), 2)
    if isinstance(live_body, dict) and isinstance(sandbox_body, dict):
        live_type, sandbox_type = live_body.get("type"), sandbox_body.get("type")
        if (
            isinstance(live_type, str)
            and isinstance(sandbox_type, str)
            and live_type != sandbox_type
        ):
            yield _Difference("error type", live_type, sandbox_type, 2)
        live_paths, sandbox_paths = _violation_paths(live_body), _violation_paths(sandbox_body)
        if live_paths is not None and sandbox_paths is not None and live_paths != sandbox_paths:
            rule = 3 if live_paths and sandbox_paths else 2
            yield _Difference(
                "violation paths", _paths_text(live_paths), _paths_text(sandbox_paths), rule
            )
    if live.status == sandbox.status == 401:
        schemes = _auth_scheme(live.www_authenticate), _auth_scheme(sandbox.www_authenticate)
        if schemes[0] != schemes[1]:
            yield _Difference("WWW-Authenticate", *schemes, 4)


# --- the token ------------------------------------------------------------------------------


def _token_differences(
    live: str,
    live_id: object,
    sandbox: str,
    sandbox_id: object,
    sent: Mapping[str, Any] | None,
) -> Iterator[_Difference]:
    prefixes = _prefix(live), _prefix(sandbox)
    if prefixes[0] != prefixes[1]:
        yield _Difference("token prefix", *prefixes, 8)
    try:
        live_payload = decode_session_token(live)
    except TokenDecodeError as exc:
        yield _Difference("token JSON", f"does not decode: {exc.message}", "decodes", 8)
        return
    sandbox_payload = decode_session_token(sandbox)  # the sandbox's own: it decodes
    for aspect, describe in (("token base64", _base64_form), ("token JSON", _json_form)):
        forms = describe(live, live_payload.raw), describe(sandbox, sandbox_payload.raw)
        if forms[0] != forms[1]:
            yield _Difference(aspect, *forms, 8)
    orders = _key_order(live_payload.raw), _key_order(sandbox_payload.raw)
    if orders[0] != orders[1]:
        yield _Difference("token key order", *orders, 8)
    names = (
        _same_text(live_payload.session_id, live_id, "the sessionId", "another id"),
        _same_text(sandbox_payload.session_id, sandbox_id, "the sessionId", "another id"),
    )
    if names[0] != names[1]:
        yield _Difference("token SessionId", *names, 8)
    if sent is not None:
        amounts = (
            _token_amount_text(live_payload.amount_value, live_payload.amount_currency, sent),
            _token_amount_text(sandbox_payload.amount_value, sandbox_payload.amount_currency, sent),
        )
        if amounts[0] != amounts[1]:
            yield _Difference("token amount", *amounts, 8)
    formatted = live_payload.amount_formatted, sandbox_payload.amount_formatted
    if formatted[0] != formatted[1]:
        amount = _amount_words(sandbox_payload.amount_value, sandbox_payload.amount_currency)
        live_text, sandbox_text = (_quoted(f) for f in formatted)
        yield _Difference(
            "token formatted", f"{live_text} for {amount}", f"{sandbox_text} for {amount}", 8
        )


def _prefix(token: str) -> str:
    return TOKEN_PREFIX if token.startswith(TOKEN_PREFIX) else f"none ({token[:3]!r}…)"


def _base64_form(token: str, _raw: object) -> str:
    body = token.removeprefix(TOKEN_PREFIX)
    alphabet = "URL-safe" if any(c in "-_" for c in body) else "standard"
    padding = "padded" if len(body) % 4 == 0 else "unpadded"
    return f"{alphabet} base64, {padding}"


def _json_form(token: str, raw: object) -> str:
    """Compact UTF-8 JSON re-encodes to the very same base64 (padding and alphabet aside)."""
    body = token.removeprefix(TOKEN_PREFIX).replace("-", "+").replace("_", "/").rstrip("=")
    compact = json.dumps(raw, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if base64.b64encode(compact).decode("ascii").rstrip("=") == body:
        return "compact UTF-8 JSON"
    return "not compact UTF-8 JSON (spaces, \\u escapes or other number forms)"


def _key_order(raw: Mapping[str, Any]) -> str:
    parts = [", ".join(raw)]
    config = raw.get("Config")
    if isinstance(config, dict):
        parts.append("Config: " + ", ".join(config))
        amount = config.get("amount")
        if isinstance(amount, dict):
            parts.append("amount: " + ", ".join(amount))
    return "; ".join(parts)


def _sent_amount(exchange: Exchange, by_probe: Mapping[str, Exchange]) -> Mapping[str, Any] | None:
    """The amount the request that made this session sent (the create's, for a GET)."""
    request = exchange if exchange.of is None else by_probe.get(exchange.of)
    body = request.request_body if request is not None else None
    amount = body.get("amount") if isinstance(body, dict) else None
    return amount if isinstance(amount, dict) else None


def _token_amount_text(value: int | None, currency: str | None, sent: Mapping[str, Any]) -> str:
    if (value, currency) == (sent.get("value"), sent.get("currency")):
        return "the amount sent"
    sent_words = _amount_words(sent.get("value"), sent.get("currency"))
    return f"{_amount_words(value, currency)} (sent {sent_words})"


def _amount_words(value: object, currency: object) -> str:
    return f"{value} {currency}"


def _same_text(value: object, expected: object, same: str, other: str) -> str:
    return same if value == expected else other


# --- the OpenAPI document ---------------------------------------------------------------------


def _document_differences(exchange: Exchange) -> Iterator[_Difference]:
    """How the live answer breaks the document: an unlisted status, media type or body."""
    if not exchange.answered:
        return
    operation = _operation(exchange.template, exchange.method)
    if operation is None:
        return
    responses: dict[str, Any] = operation.get("responses", {})
    status = str(exchange.status)
    response = responses.get(status)
    if response is None:
        listed = ", ".join(s for s in sorted(responses) if s[:1] == status[:1]) or "none"
        rule = 1 if exchange.succeeded else 4
        yield _Difference(
            "OpenAPI: status", status, f"not listed; {status[0]}xx listed: {listed}", rule
        )
        response = _same_class(responses, status)
        if response is None:
            return
    content = response.get("content") or {}
    if "application/json" not in content:
        return
    media = _media_type(exchange.content_type)
    if not exchange.body_is_json or not _is_json_media(media):
        rule = None if exchange.succeeded else 2
        yield _Difference("OpenAPI: content type", media or "none", "application/json", rule)
        return
    schema = content["application/json"]["schema"]
    name = schema.get("$ref", "").rsplit("/", 1)[-1] or "its schema"
    errors = _schema_errors(json.dumps(schema, sort_keys=True), exchange.body)
    if errors:
        yield _Difference(
            "OpenAPI: body",
            _cut("; ".join(text for text, _ in errors)),
            f"the document's {name} schema",
            _schema_rule(name, [where for _, where in errors]),
        )


@cache
def _document() -> dict[str, Any]:
    return openapi_document()


def _operation(template: str, method: str) -> dict[str, Any] | None:
    return _document()["paths"].get(template, {}).get(method.lower())


def _same_class(responses: Mapping[str, Any], status: str) -> dict[str, Any] | None:
    """A listed answer of the same class (2xx, 4xx, 5xx), to check an unlisted one's body."""
    for listed in sorted(responses):
        if listed[:1] == status[:1]:
            return responses[listed]
    return None


def _schema_errors(schema_json: str, body: object) -> list[tuple[str, str]]:
    """``(text, top-level key)`` per way ``body`` breaks the schema, sorted, deduplicated."""
    found: set[tuple[str, str]] = set()
    for error in schema_validator(json.loads(schema_json)).iter_errors(body):
        path = [str(part) for part in error.instance_path]
        where = ".".join(path)
        if error.kind.name == "required":
            name = str(error.kind.property)
            found.add((f"{where + '.' if where else ''}{name} missing", path[0] if path else name))
        else:
            found.add((f"{where or 'body'}: {_cut(error.message, 60)}", path[0] if path else ""))
    return sorted(found)


def _schema_rule(schema: str, keys: Sequence[str]) -> int | None:
    if schema == "Problem":
        return 2
    if "sessionId" in keys:
        return 7
    if "sessionToken" in keys:
        return 8
    return 9 if schema == "SessionDetails" else None


# --- small descriptions -----------------------------------------------------------------------


def _media_type(content_type: str | None) -> str | None:
    """``application/json`` of ``Application/JSON; charset=utf-8``; ``None`` when absent."""
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def _is_json_media(media: str | None) -> bool:
    return media is not None and (media == "application/json" or media.endswith("+json"))


def _answer_text(exchange: Exchange) -> str:
    if exchange.answered:
        return f"answered {exchange.status}"
    return f"no answer: {exchange.error or 'not sent'}"


def _keys_text(exchange: Exchange) -> str:
    if not exchange.body_is_json:
        return f"not JSON ({_media_type(exchange.content_type) or 'no content type'})"
    if not isinstance(exchange.body, dict):
        return f"a JSON {type(exchange.body).__name__}, not an object"
    return ", ".join(sorted(map(str, exchange.body))) or "no keys"


def _shape_text(exchange: Exchange) -> str:
    """An error body's top-level keys, and whether violations is a list of objects."""
    text = _keys_text(exchange)
    body = exchange.body
    if isinstance(body, dict) and "violations" in body and _violation_paths(body) is None:
        text += " (violations is not a list of objects)"
    return text


def _violation_paths(body: Mapping[str, Any]) -> list[str] | None:
    """The sorted ``propertyPath``\\ s; ``None`` when there is no list of objects to read."""
    violations = body.get("violations")
    if not isinstance(violations, list) or not all(isinstance(v, dict) for v in violations):
        return None
    return sorted(json.dumps(v.get("propertyPath")) for v in violations)


def _paths_text(paths: Sequence[str]) -> str:
    return ", ".join(paths) if paths else "none"


def _auth_scheme(header: str | None) -> str:
    if not header or not header.strip():
        return "none"
    return header.strip().split()[0].rstrip(",").capitalize()


def _id_shape(value: str) -> str:
    if _SESSION_ID.fullmatch(value):
        return "32 lowercase hex"
    if _UUID.fullmatch(value):
        return "a UUID (36 characters)"
    kinds = [
        label
        for label, test in (
            ("lowercase", str.islower),
            ("capitals", str.isupper),
            ("digits", str.isdigit),
        )
        if any(test(c) for c in value)
    ]
    others = sorted({c for c in value if not c.isalnum()})
    if others:
        kinds.append("and " + "".join(others))
    return f"{len(value)} characters: {' '.join(kinds) or 'none'}"


def _first_difference(live: Any, sandbox: Any, path: str) -> tuple[str, str, str]:
    """Where two JSON values first differ, and each side's value there."""
    if isinstance(live, dict) and isinstance(sandbox, dict):
        for key in [*sandbox, *(k for k in live if k not in sandbox)]:
            if live.get(key, _ABSENT) != sandbox.get(key, _ABSENT):
                return _first_difference(
                    live.get(key, _ABSENT), sandbox.get(key, _ABSENT), f"{path}.{key}"
                )
    if isinstance(live, list) and isinstance(sandbox, list):
        if len(live) != len(sandbox):
            return f"{path} length", str(len(live)), str(len(sandbox))
        for index, (mine, theirs) in enumerate(zip(live, sandbox, strict=True)):
            if mine != theirs:
                return _first_difference(mine, theirs, f"{path}[{index}]")
    return path, _json_text(live), _json_text(sandbox)


_ABSENT = object()


def _json_text(value: Any) -> str:
    if value is _ABSENT:
        return "absent"
    return _cut(json.dumps(value, ensure_ascii=False, sort_keys=True), 60)


def _quoted(value: str | None) -> str:
    return "absent" if value is None else json.dumps(value, ensure_ascii=False)


def _cut(text: str, limit: int = _CELL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the table --------------------------------------------------------------------------------


def drift_table(rows: Sequence[DriftRow]) -> str:
    """Rows as an aligned text table: assumption, aspect, live, sandbox, probes."""
    header = ("#", "aspect", "live", "sandbox", "probes")
    cells = [header] + [
        (
            "-" if row.assumption is None else str(row.assumption),
            row.aspect,
            row.live,
            row.sandbox,
            row.probe,
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header) - 1)]
    lines = []
    for line in cells:
        padded = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        lines.append("  ".join([*padded, line[-1]]).rstrip())
    return "\n".join(lines) + "\n"
