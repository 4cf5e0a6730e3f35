"""Property-based run of the OpenAPI spec (schemathesis): no input gets a server error."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.service.conftest import Service

OPERATIONS = [
    ("/api/v1/generate", "POST"),
    ("/api/v1/generate/batch", "POST"),
    ("/api/v1/generate/batch/{batch_id}", "GET"),
    ("/api/v1/generate/{task_id}", "GET"),
    ("/api/v1/generate/{task_id}", "DELETE"),
    ("/api/v1/multi-instrument", "POST"),
    ("/api/v1/models", "GET"),
    ("/api/v1/styles", "GET"),
    ("/api/v1/audio/{file_id}", "GET"),
    ("/api/v1/audio/{file_id}", "HEAD"),
    ("/api/v1/health", "GET"),
    ("/api/v1/health/ready", "GET"),
    ("/api/v1/webhooks/secret", "POST"),
    ("/api/v1/webhooks/deliveries", "GET"),
    ("/api/v1/tasks", "GET"),
    ("/api/v1/tasks/{task_id}", "DELETE"),
    ("/api/v1/tasks/{task_id}/midi", "GET"),
    ("/api/v1/mix-presets", "GET"),
]


@pytest.fixture(scope="module")
def api_schema(service: Service) -> Any:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", service.client.app)


@pytest.fixture(scope="module")
def pro_headers(service: Service) -> dict[str, str]:
    return service.auth(tier="pro")


def test_operations_cover_the_spec(service: Service) -> None:
    spec = service.client.get("/api/v1/openapi.json").json()
    listed = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    assert listed == set(OPERATIONS)


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_no_server_errors(
    api_schema: Any, pro_headers: dict[str, str], path: str, method: str
) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
    )
    def check(case: schemathesis.Case) -> None:
        # Every other built-in check runs. Schema-valid data may still be refused with 400:
        # the longest duration depends on the model, which a JSON schema cannot say.
        case.call_and_validate(headers=pro_headers, excluded_checks=[positive_data_acceptance])

    check()
