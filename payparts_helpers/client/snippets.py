"""Code that reproduces a call exactly — curl, Python, PHP — and runs as pasted.

The body is the exact JSON the client sends (``request_to_dict``) and the URL is
the client's own base URL. A secret never appears in a snippet: the snippet
reads it from the ``PAYPARTS_SECRET`` environment variable and stops with a
clear message when it is unset. The one exception is the sandbox's demo
credentials (the contract's own published example, :mod:`rules.examples`): they
hide nothing, so a snippet for them carries them, says what they are, and runs
in a terminal with nothing set. A snippet for this process's embedded sandbox
says that its URL ends with the kernel, and where ``make sandbox`` serves one
that stays up.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any, Protocol

from ..rules.examples import DEMO_SECRET
from ..rules.session_request import SessionRequest, request_to_dict
from .environment import FOREGROUND_SANDBOX_URL, running_embedded_sandbox

__all__ = ["MISSING_SECRET_HINT", "SECRET_VARIABLE", "to_curl", "to_php", "to_python"]

SECRET_VARIABLE = "PAYPARTS_SECRET"  # noqa: S105 - the variable's name, not its value
MISSING_SECRET_HINT = "set it to the secret of your sales location"  # noqa: S105 - a message
"""What a snippet says when ``PAYPARTS_SECRET`` is unset (no apostrophe: it sits in ``${…}``)."""

Request = SessionRequest | Mapping[str, Any] | str


class _Target(Protocol):
    """What a snippet needs from a client: where, and as whom (never the secret).

    ``uses_demo_credentials`` (optional, False when absent) says the credentials are
    the sandbox's published demo ones.
    """

    base_url: str
    sl_code: str


def _call(request: Request) -> tuple[str, str, dict[str, Any] | None]:
    """(method, path, body): a str is a session id to GET, anything else a body to POST."""
    if isinstance(request, str):
        return "GET", f"/v1/session/{request}", None
    return "POST", "/v1/session/start", request_to_dict(request)


def _json(body: dict[str, Any]) -> str:
    return json.dumps(body, indent=2, ensure_ascii=False)


def _demo(client: _Target) -> bool:
    return bool(getattr(client, "uses_demo_credentials", False))


def _notes(client: _Target) -> list[str]:
    """The comment lines above a snippet: whose credentials, and how long its URL lives."""
    notes = []
    if _demo(client):
        notes += [
            f"{client.sl_code} / {DEMO_SECRET} are the sandbox's public demo credentials",
            "(the contract's own example): they work against a sandbox only.",
        ]
    else:
        notes += [
            f"The secret is read from the environment: set {SECRET_VARIABLE} to the secret",
            f"of sales location {client.sl_code} first; it is never written here.",
        ]
    embedded = running_embedded_sandbox()
    if embedded is not None and embedded.url.rstrip("/") == client.base_url:
        notes += [
            f"{client.base_url} is the notebook kernel's own sandbox: it stops with the kernel.",
            f"`make sandbox` serves one that stays up on {FOREGROUND_SANDBOX_URL} (by default",
            "on the same sessions database): put that URL here instead.",
        ]
    return notes


def _commented(prefix: str, notes: list[str]) -> list[str]:
    """Comment lines; a line break or PHP's ``?>`` in a note (an odd SL code) cannot end one."""
    return [f"{prefix} {' '.join(note.split()).replace('?>', '? >')}" for note in notes]


def _double_quoted(text: str) -> str:
    """Text safe inside shell double quotes (which we need so $PAYPARTS_SECRET expands)."""
    return "".join("\\" + ch if ch in '\\"$`' else ch for ch in text)


def _curl_user(client: _Target) -> str:
    if _demo(client):
        return shlex.quote(f"{client.sl_code}:{DEMO_SECRET}")
    secret = f"${{{SECRET_VARIABLE}:?{MISSING_SECRET_HINT}}}"
    return f'"{_double_quoted(client.sl_code)}:{secret}"'


def to_curl(request: Request, client: _Target) -> str:
    """A curl command that prints the answer and its HTTP status."""
    method, path, body = _call(request)
    lines = [
        f"curl -sS -X {method} {shlex.quote(client.base_url + path)}",
        f"  -u {_curl_user(client)}",
        "  -H 'Accept: application/json'",
    ]
    if body is not None:
        lines.append("  -H 'Content-Type: application/json'")
        lines.append(f"  --data-raw {shlex.quote(_json(body))}")
    lines.append("  --write-out '\\nHTTP %{http_code}\\n'")
    return "\n".join([*_commented("#", _notes(client)), " \\\n".join(lines)])


def to_python(request: Request, client: _Target) -> str:
    """A Python script using requests that prints the HTTP status and the answer."""
    method, path, body = _call(request)
    if _demo(client):
        head = ["import requests", ""]
        secret = repr(DEMO_SECRET)
    else:
        head = [
            "import os",
            "import sys",
            "",
            "import requests",
            "",
            f"secret = os.environ.get({SECRET_VARIABLE!r})",
            "if not secret:",
            f'    sys.exit("{SECRET_VARIABLE} is not set: {MISSING_SECRET_HINT}")',
            "",
        ]
        secret = "secret"  # noqa: S105 - the script's variable that holds it
    arguments = [
        f"    {client.base_url + path!r},",
        f"    auth=({client.sl_code!r}, {secret}),",
        '    headers={"Accept": "application/json"},',
    ]
    if body is not None:
        arguments.append(f"    json={_python_literal(body, 1)},")
    arguments.append("    timeout=10,")
    return "\n".join(
        [
            *_commented("#", _notes(client)),
            *head,
            f"response = requests.{method.lower()}(",
            *arguments,
            ")",
            "print(response.status_code)",
            "print(response.json())",
        ]
    )


def _python_literal(value: Any, level: int) -> str:
    """JSON data as a readable Python literal (True/None, not true/null), 4-space indents."""
    pad, inner = "    " * level, "    " * (level + 1)
    if isinstance(value, dict) and value:
        items = [f"{inner}{k!r}: {_python_literal(v, level + 1)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value:
        items = [f"{inner}{_python_literal(v, level + 1)}," for v in value]
        return "[\n" + "\n".join(items) + f"\n{pad}]"
    return repr(value)


def _php_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def to_php(request: Request, client: _Target) -> str:
    """A PHP script using ext-curl that prints the HTTP status and the answer."""
    method, path, body = _call(request)
    head = ["<?php", *_commented("//", _notes(client))]
    if _demo(client):
        userpwd = _php_string(f"{client.sl_code}:{DEMO_SECRET}")
    else:
        head += [
            f"$secret = getenv('{SECRET_VARIABLE}');",
            "if ($secret === false || $secret === '') {",
            f'    fwrite(STDERR, "{SECRET_VARIABLE} is not set: {MISSING_SECRET_HINT}\\n");',
            "    exit(1);",
            "}",
        ]
        userpwd = f"{_php_string(client.sl_code + ':')} . $secret"
    head.append(f"$ch = curl_init({_php_string(client.base_url + path)});")
    options = [
        f"    CURLOPT_CUSTOMREQUEST => '{method}',",
        f"    CURLOPT_USERPWD => {userpwd},",
        "    CURLOPT_RETURNTRANSFER => true,",
    ]
    if body is not None:
        # A nowdoc keeps the JSON byte for byte: no escaping, no interpolation.
        head += ["$body = <<<'JSON'", _json(body), "JSON;"]
        options += [
            "    CURLOPT_HTTPHEADER => ['Accept: application/json', "
            "'Content-Type: application/json'],",
            "    CURLOPT_POSTFIELDS => $body,",
        ]
    else:
        options.append("    CURLOPT_HTTPHEADER => ['Accept: application/json'],")
    return "\n".join(
        [
            *head,
            "curl_setopt_array($ch, [",
            *options,
            "]);",
            "$response = curl_exec($ch);",
            "if ($response === false) {",
            "    fwrite(STDERR, curl_error($ch) . PHP_EOL);",
            "    exit(1);",
            "}",
            "echo curl_getinfo($ch, CURLINFO_HTTP_CODE), PHP_EOL, $response, PHP_EOL;",
        ]
    )
