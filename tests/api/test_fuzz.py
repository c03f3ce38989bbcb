"""Property-based fuzz of every operation in the app's own OpenAPI document: no 5xx, ever.

Schemathesis generates valid inputs and invalid ones (query, path, body) from the schema the
server publishes; each must get a documented answer, never a server error.
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Server

# Not `negative_data_rejection`: in a query string a "wrong type" (symbol=123) is a valid string,
# so that check reports requests any API must accept.
CHECKS = [status_code_conformance, response_schema_conformance]


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_answers_fuzzed_requests_of_every_operation_without_a_server_error(
    server: Server, mode: GenerationMode
):
    schema = schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    fuzzed = []
    try:
        for operation in operations:
            try:
                fuzz(operation, mode, server)
            except Unsatisfiable:
                # No invalid input exists for an operation without parameters (GET /).
                assert mode is GenerationMode.NEGATIVE, operation.label
                continue
            fuzzed.append(operation.label)
    finally:
        # A fuzzed halt must not leave the engine halted for the tests that follow.
        httpx.post(f"{server.base_url}/api/system/resume", headers=server.auth, timeout=30)
    assert {
        "GET /api/trades", "GET /api/metrics", "POST /api/signals/generate", "GET /api/runs",
        "GET /api/equity", "GET /api/candles", "GET /api/positions", "GET /api/signals",
        "GET /api/trades/{trade_id}",
    } <= set(fuzzed)  # fmt: skip


def fuzz(operation, mode: GenerationMode, server: Server) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    def one_case(case) -> None:
        response = case.call_and_validate(
            base_url=server.base_url, headers=server.auth, checks=CHECKS
        )
        assert response.status_code < 500, (operation.label, case.as_curl_command())

    one_case()
