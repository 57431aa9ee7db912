"""Shared fixtures: a real sandbox on loopback with two merchants, and HTTP sessions for each.

No test touches the user's own sandbox database: PAYPARTS_SANDBOX_DB points at
a temporary file for the whole run (notebook kernels inherit it too).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from payparts_helpers import PayPartsClient
from payparts_helpers.sandbox import (
    DEMO_MERCHANT,
    SECOND_DEMO_MERCHANT,
    Merchant,
    SandboxHandle,
    start_sandbox,
)

OTHER_MERCHANT = SECOND_DEMO_MERCHANT  # a second sales location, for isolation tests


def pytest_configure(config: pytest.Config) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="payparts-tests-"))
    os.environ["PAYPARTS_SANDBOX_DB"] = str(scratch / "default-sandbox.sqlite3")


def http_session(merchant: Merchant | None) -> requests.Session:
    session = requests.Session()
    if merchant is not None:
        session.auth = (merchant.sl_code, merchant.secret)
    session.headers["Accept"] = "application/json"
    return session


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    db = tmp_path_factory.mktemp("sandbox") / "sessions.sqlite3"
    with start_sandbox(db_path=db, merchants=[DEMO_MERCHANT, OTHER_MERCHANT]) as handle:
        yield handle


@pytest.fixture
def client(sandbox: SandboxHandle) -> Iterator[PayPartsClient]:
    """The package's client for the demo sales location, on the module's sandbox."""
    with PayPartsClient(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret, sandbox.url) as demo:
        yield demo


@pytest.fixture
def api(sandbox: SandboxHandle) -> Iterator[requests.Session]:
    """Authenticated as the demo merchant."""
    with http_session(DEMO_MERCHANT) as session:
        yield session


@pytest.fixture
def other_api(sandbox: SandboxHandle) -> Iterator[requests.Session]:
    """Authenticated as a second sales location, for isolation tests."""
    with http_session(OTHER_MERCHANT) as session:
        yield session


def require(tool: str) -> str:
    """The path of a system tool the test runs; in CI a missing one fails the run."""
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} must be installed in CI (.ci/run installs it)")
        pytest.skip(f"{tool} is not installed here; .ci/run installs it for CI")
    return path
