"""Schemathesis drives the sandbox from its own /openapi.json: no 5xx, no off-schema answer."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from payparts_helpers.rules.contract import openapi_document
from payparts_helpers.sandbox import DEMO_MERCHANT, SandboxHandle

# The package's document is the one the sandbox serves (test_sandbox_http checks that).
schema = schemathesis.openapi.from_dict(openapi_document())

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@schema.parametrize()
@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_sandbox_conforms_to_its_contract(case, sandbox: SandboxHandle) -> None:
    case.call_and_validate(
        base_url=sandbox.url,
        auth=(DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret),
        checks=CHECKS,
        timeout=10,
    )
