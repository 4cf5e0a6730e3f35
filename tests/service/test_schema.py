"""Property-based run of the OpenAPI spec (schemathesis): no input gets a server error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from music_gen.service import create_app
from tests.service.conftest import BACKENDS, Service, database, make_settings
from tests.service.schemathesis_hooks import without_context_fields

OPERATIONS = [
    ("/api/v1/generate", "POST"),
    ("/api/v1/generate/batch", "POST"),
    ("/api/v1/generate/batch/{batch_id}", "GET"),
    ("/api/v1/generate/{task_id}", "GET"),
    ("/api/v1/generate/{task_id}", "DELETE"),
    ("/api/v1/generate/{task_id}/cancel", "POST"),
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


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """An app serving only the quick test models (the composer would render long pieces)."""
    with database(request.param) as db_settings:
        settings = make_settings(
            tmp_path_factory.mktemp("fuzzed"),
            models="test-tone,test-fail",
            pro_concurrent_generations=1000,
            **db_settings,
        )
        app = create_app(settings)
        with TestClient(app) as client:
            yield Service(client=client, state=app.state.service)


@pytest.fixture(scope="module")
def api_schema(fuzzed: Service) -> Any:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzzed.client.app)


@pytest.fixture(scope="module")
def pro_headers(fuzzed: Service) -> dict[str, str]:
    return fuzzed.auth(tier="pro")


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
        without_context_fields(case)
        case.call_and_validate(headers=pro_headers)

    check()
