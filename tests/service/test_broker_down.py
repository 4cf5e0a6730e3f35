"""With the Celery queue and its broker unreachable, a request is refused with 503 and the
accepted task ends failed with the reason: nothing waits for a message that was never sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from music_gen.service.app import create_app
from tests.service.conftest import Service, make_settings

pytest.importorskip("celery")

# Port 1 on loopback: nothing listens there, so the broker is refused at once.
DEAD_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def service(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, queue="celery", broker_url=DEAD_BROKER)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Service(client=client, state=app.state.service)


def _tasks_of(service: Service, status: str) -> int:
    from sqlalchemy import func, select

    from music_gen.service.models import Task

    with service.state.db.session() as session:
        return int(
            session.scalar(select(func.count()).select_from(Task).where(Task.status == status)) or 0
        )


def test_generate_is_refused_and_the_task_fails_with_the_reason(service: Service) -> None:
    headers = service.auth()
    response = service.client.post(
        "/api/v1/generate", json={"prompt": "piano", "duration": 1}, headers=headers
    )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert int(response.headers["Retry-After"]) >= 1
    assert _tasks_of(service, "queued") == 0
    assert _tasks_of(service, "failed") == 1


def test_batch_fails_every_task_not_only_the_first(service: Service) -> None:
    headers = service.auth()
    response = service.client.post(
        "/api/v1/generate/batch",
        json={"requests": [{"prompt": "a", "duration": 1}, {"prompt": "b", "duration": 1}]},
        headers=headers,
    )
    assert response.status_code == 503
    assert _tasks_of(service, "queued") == 0
    assert _tasks_of(service, "failed") == 2
