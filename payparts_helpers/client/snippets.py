"""Code that reproduces a call exactly — curl, Python, PHP — without the secret.

The secret is always a reference to the ``PAYPARTS_SECRET`` environment
variable, so a snippet can be pasted into a ticket, a notebook or a chat. The
body is the exact JSON the client sends (``request_to_dict``), and the URL is
the client's own base URL.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any, Protocol

from ..rules.session_request import SessionRequest, request_to_dict

__all__ = ["SECRET_VARIABLE", "to_curl", "to_php", "to_python"]

SECRET_VARIABLE = "PAYPARTS_SECRET"  # noqa: S105 - the variable's name, not its value

Request = SessionRequest | Mapping[str, Any] | str


class _Target(Protocol):
    """What a snippet needs from a client: where, and as whom (never the secret)."""

    base_url: str
    sl_code: str


def _call(request: Request) -> tuple[str, str, dict[str, Any] | None]:
    """(method, path, body): a str is a session id to GET, anything else a body to POST."""
    if isinstance(request, str):
        return "GET", f"/v1/session/{request}", None
    return "POST", "/v1/session/start", request_to_dict(request)


def _json(body: dict[str, Any]) -> str:
    return json.dumps(body, indent=2, ensure_ascii=False)


def _double_quoted(text: str) -> str:
    """Text safe inside shell double quotes (which we need so $PAYPARTS_SECRET expands)."""
    return "".join("\\" + ch if ch in '\\"$`' else ch for ch in text)


def to_curl(request: Request, client: _Target) -> str:
    """A curl command; run it with ``PAYPARTS_SECRET`` set in the shell."""
    method, path, body = _call(request)
    lines = [
        f"curl -X {method} {shlex.quote(client.base_url + path)}",
        f'  -u "{_double_quoted(client.sl_code)}:${{{SECRET_VARIABLE}}}"',
        "  -H 'Accept: application/json'",
    ]
    if body is not None:
        lines.append("  -H 'Content-Type: application/json'")
        lines.append(f"  --data-raw {shlex.quote(_json(body))}")
    return " \\\n".join(lines)


def to_python(request: Request, client: _Target) -> str:
    """A Python script using requests; reads the secret from the environment."""
    method, path, body = _call(request)
    arguments = [
        f"    {client.base_url + path!r},",
        f"    auth=({client.sl_code!r}, os.environ[{SECRET_VARIABLE!r}]),",
        '    headers={"Accept": "application/json"},',
    ]
    if body is not None:
        arguments.append(f"    json={_python_literal(body, 1)},")
    arguments.append("    timeout=10,")
    return "\n".join(
        [
            "import os",
            "",
            "import requests",
            "",
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
    """A PHP script using ext-curl; reads the secret with ``getenv``."""
    method, path, body = _call(request)
    options = [
        f"    CURLOPT_CUSTOMREQUEST => '{method}',",
        f"    CURLOPT_USERPWD => {_php_string(client.sl_code + ':')} . "
        f"getenv('{SECRET_VARIABLE}'),",
        "    CURLOPT_RETURNTRANSFER => true,",
    ]
    head = ["<?php", f"$ch = curl_init({_php_string(client.base_url + path)});"]
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
            "echo curl_getinfo($ch, CURLINFO_HTTP_CODE), PHP_EOL, $response, PHP_EOL;",
        ]
    )
