"""Smaller edges: readiness sees storage, conversions on a broken disk, malformed JSON."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from music_gen.service import create_app
from tests.service.conftest import Service, make_settings


@pytest.fixture
def own(tmp_path: Path) -> Iterator[Service]:
    """A server of its own (these tests break its storage)."""
    app = create_app(make_settings(tmp_path / "data"))
    with TestClient(app) as client:
        yield Service(client=client, state=app.state.service)


def test_readiness_fails_while_storage_is_not_writable(own: Service) -> None:
    assert own.client.get("/api/v1/health/ready").status_code == 200
    root = own.state.storage.root
    shutil.rmtree(root)
    root.write_text("not a folder")
    ready = own.client.get("/api/v1/health/ready")
    assert ready.status_code == 503
    assert ready.json()["storage"] is False
    root.unlink()
    root.mkdir()
    assert own.client.get("/api/v1/health/ready").json()["storage"] is True


def test_a_conversion_that_cannot_be_stored_is_503(own: Service) -> None:
    headers = own.auth()
    task_id = own.client.post(
        "/api/v1/generate", json={"prompt": "x", "duration": 0.5}, headers=headers
    ).json()["task_id"]
    url = own.wait(task_id, headers)["audio_url"]
    file_id = url.rsplit("/", 1)[1]
    (own.state.storage.root / f"{file_id}.flac").mkdir()  # the converted file cannot be written
    response = own.client.get(url, params={"format": "flac"}, headers=headers)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert int(response.headers["Retry-After"]) >= 1
    assert str(own.state.storage.root) not in response.text
    assert own.client.get(url, headers=headers).status_code == 200  # the original still is


def test_malformed_json_names_line_and_column(service: Service) -> None:
    response = service.client.post(
        "/api/v1/generate",
        content=b'{"prompt": "x",\n  "duration": }',
        headers={**service.auth(), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "INVALID_PARAMETER"
    assert "not valid JSON at line 2 column 15" in error["message"], error
    assert error["details"]["errors"][0]["field"] == "body"
