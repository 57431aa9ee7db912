"""PayPartsClient.from_env: sandbox by default, beta/production by configuration alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from payparts_helpers.client.environment import resolve_settings
from payparts_helpers.client.payparts_client import PayPartsClient
from payparts_helpers.rules import examples
from payparts_helpers.rules.errors import ConfigurationError
from payparts_helpers.sandbox import DEMO_MERCHANT, SandboxHandle

from .conftest import OTHER_MERCHANT


def test_default_is_the_embedded_sandbox_with_demo_credentials(tmp_path: Path) -> None:
    settings = resolve_settings({}, dotenv_path=tmp_path / "missing.env")
    assert (settings.environment, settings.base_url) == ("sandbox", None)
    assert (settings.sl_code, settings.secret) == (DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret)
    client = PayPartsClient.from_env({})
    assert client.environment == "sandbox"
    assert client.base_url.startswith("http://127.0.0.1:")
    created = client.create_session(examples.minimum_request())
    # The same embedded sandbox serves every client of this process.
    assert PayPartsClient.from_env({}).get_session(created.session_id).session_id == (
        created.session_id
    )


@pytest.mark.parametrize(
    ("environment", "url"),
    [
        ("beta", "https://zero-parts.pay.nl"),
        ("production", "https://parts.pay.nl"),
        ("BETA", "https://zero-parts.pay.nl"),
    ],
)
def test_beta_and_production_hosts(environment: str, url: str) -> None:
    settings = resolve_settings(
        {"PAYPARTS_ENV": environment, "PAYPARTS_SL_CODE": "SL-1", "PAYPARTS_SECRET": "marker-42"},
        dotenv_path=None,
    )
    assert settings.base_url == url
    assert settings.environment == environment.lower()
    assert "marker-42" not in repr(settings)


def test_beta_without_credentials_names_the_missing_variables() -> None:
    with pytest.raises(ConfigurationError, match="PAYPARTS_SL_CODE and PAYPARTS_SECRET"):
        resolve_settings({"PAYPARTS_ENV": "beta"}, dotenv_path=None)
    with pytest.raises(ConfigurationError, match="needs PAYPARTS_SECRET"):
        resolve_settings({"PAYPARTS_ENV": "beta", "PAYPARTS_SL_CODE": "SL-1"}, dotenv_path=None)


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="sandbox, beta, production"):
        resolve_settings({"PAYPARTS_ENV": "staging"}, dotenv_path=None)


def test_base_url_override_and_credentials_from_the_environment(sandbox: SandboxHandle) -> None:
    environ = {
        "PAYPARTS_BASE_URL": sandbox.url + "/",
        "PAYPARTS_SL_CODE": OTHER_MERCHANT.sl_code,
        "PAYPARTS_SECRET": OTHER_MERCHANT.secret,
    }
    client = PayPartsClient.from_env(environ)
    assert client.base_url == sandbox.url
    token = client.create_session(examples.minimum_request()).session_token
    from payparts_helpers.rules.session_token import decode_session_token

    assert decode_session_token(token).merchant_name == OTHER_MERCHANT.merchant_name
    assert OTHER_MERCHANT.secret not in repr(client)


def test_dotenv_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "PAYPARTS_ENV=beta\nPAYPARTS_SL_CODE=SL-FROM-FILE\nPAYPARTS_SECRET=file-secret\n"
    )
    settings = resolve_settings({}, dotenv_path=dotenv)
    assert (settings.environment, settings.sl_code) == ("beta", "SL-FROM-FILE")
    settings = resolve_settings({"PAYPARTS_SL_CODE": "SL-FROM-ENV"}, dotenv_path=dotenv)
    assert settings.sl_code == "SL-FROM-ENV"
    assert settings.secret == "file-secret"
    assert "file-secret" not in repr(settings)


def test_production_over_plain_http_is_refused() -> None:
    environ = {
        "PAYPARTS_ENV": "production",
        "PAYPARTS_BASE_URL": "http://parts.pay.nl",
        "PAYPARTS_SL_CODE": "SL-1",
        "PAYPARTS_SECRET": "s",
    }
    with pytest.raises(ConfigurationError, match="plain http"):
        PayPartsClient.from_env(environ)


def test_embedded_sandbox_ignores_credentials_meant_for_another_environment() -> None:
    environ = {"PAYPARTS_SL_CODE": "SL-BETA-1", "PAYPARTS_SECRET": "beta-secret"}
    settings = resolve_settings(environ, dotenv_path=None)
    assert (settings.base_url, settings.sl_code) == (None, DEMO_MERCHANT.sl_code)
    client = PayPartsClient.from_env(environ)
    assert client.create_session(examples.minimum_request()).session_id
