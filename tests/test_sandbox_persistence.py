"""SQLite persistence: restarts, two sandboxes on one file, concurrent creates, WAL mode."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from payparts_helpers.rules.examples import full_request, minimum_request
from payparts_helpers.sandbox import DEMO_MERCHANT, start_sandbox
from payparts_helpers.sandbox.store import read_recent_ids

from .conftest import http_session


def test_sessions_survive_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "restart.sqlite3"
    sent = full_request()
    with start_sandbox(db_path=db) as first, http_session(DEMO_MERCHANT) as api:
        created = api.post(f"{first.url}/v1/session/start", json=sent, timeout=10).json()
    assert not first.running
    with start_sandbox(db_path=db) as second, http_session(DEMO_MERCHANT) as api:
        got = api.get(f"{second.url}/v1/session/{created['sessionId']}", timeout=10).json()
    assert got["sessionToken"] == created["sessionToken"]
    assert (got["amount"], got["customer"], got["order"]) == (
        sent["amount"],
        sent["customer"],
        sent["order"],
    )


def test_two_sandboxes_share_one_database_file(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    with (
        start_sandbox(db_path=db) as one,
        start_sandbox(db_path=db) as two,
        http_session(DEMO_MERCHANT) as api,
    ):
        assert one.url != two.url
        from_one = api.post(f"{one.url}/v1/session/start", json=minimum_request(), timeout=10)
        from_two = api.post(f"{two.url}/v1/session/start", json=minimum_request(), timeout=10)
        for created in (from_one.json(), from_two.json()):
            for sandbox in (one, two):
                response = api.get(f"{sandbox.url}/v1/session/{created['sessionId']}", timeout=10)
                assert response.status_code == 200


def test_database_is_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "wal.sqlite3"
    with start_sandbox(db_path=db):
        pass
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_eight_threads_by_two_hundred_creates_are_all_retrievable(tmp_path: Path) -> None:
    db = tmp_path / "load.sqlite3"
    threads, per_thread = 8, 200

    def create_many(_: int) -> list[tuple[str, str]]:
        with http_session(DEMO_MERCHANT) as api:
            out = []
            for i in range(per_thread):
                body = minimum_request()
                body["amount"]["value"] = i + 1
                response = api.post(f"{sandbox.url}/v1/session/start", json=body, timeout=30)
                assert response.status_code == 201, response.text
                out.append((response.json()["sessionId"], response.json()["sessionToken"]))
            return out

    with start_sandbox(db_path=db) as sandbox:
        with ThreadPoolExecutor(threads) as pool:
            created = [item for batch in pool.map(create_many, range(threads)) for item in batch]
        assert len({session_id for session_id, _ in created}) == threads * per_thread
        with http_session(DEMO_MERCHANT) as api:
            for session_id, token in created:
                response = api.get(f"{sandbox.url}/v1/session/{session_id}", timeout=10)
                assert response.status_code == 200
                assert response.json()["sessionToken"] == token


def test_recent_ids_lists_a_merchants_sessions_newest_first(tmp_path: Path) -> None:
    db = tmp_path / "recent.sqlite3"
    with start_sandbox(db_path=db) as sandbox, http_session(DEMO_MERCHANT) as api:
        ids = [
            api.post(f"{sandbox.url}/v1/session/start", json=minimum_request(), timeout=10).json()[
                "sessionId"
            ]
            for _ in range(3)
        ]
    assert read_recent_ids(db, DEMO_MERCHANT.sl_code) == ids[::-1]
    assert read_recent_ids(db, "SL-0000-0000") == []
    missing = tmp_path / "missing.sqlite3"
    assert read_recent_ids(missing, DEMO_MERCHANT.sl_code) == []
    assert not missing.exists()  # listing never creates a database


def test_default_database_follows_the_environment(monkeypatch, tmp_path: Path) -> None:
    from payparts_helpers.sandbox import default_db_path

    monkeypatch.setenv("PAYPARTS_SANDBOX_DB", str(tmp_path / "custom.sqlite3"))
    assert default_db_path() == tmp_path / "custom.sqlite3"
    monkeypatch.delenv("PAYPARTS_SANDBOX_DB")
    assert default_db_path().name == "sandbox.sqlite3"
    assert "payparts-explorer" in str(default_db_path())
    assert isinstance(requests.__version__, str)
