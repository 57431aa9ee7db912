"""Assertions on the sandbox's error answers, shared by the sandbox test modules."""

from __future__ import annotations

from typing import Any

import requests


def assert_problem(response: requests.Response, status: int) -> dict[str, Any]:
    """The answer has ``status`` and the documented problem-details JSON, never HTML."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"type", "title", "detail", "violations"}
    assert body["title"]
    assert body["detail"]
    for violation in body["violations"]:
        assert set(violation) == {"propertyPath", "message", "code"}
    return body


def violation_paths(body: dict[str, Any]) -> dict[str | None, str]:
    """propertyPath → code for every violation in a problem body."""
    return {v["propertyPath"]: v["code"] for v in body["violations"]}
