"""Task errors shown to users carry a code and a safe message; the detail goes to the log."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from music_gen.service import create_app
from tests.service.conftest import Service, make_settings
from tests.service.test_stream import WS, _drip_engines  # noqa: F401


@pytest.fixture
def broken_storage(tmp_path: Path) -> Iterator[tuple[Service, Path]]:
    """A server whose audio folder is replaced by a file once it runs (writes fail)."""
    app = create_app(make_settings(tmp_path / "data"))
    with TestClient(app) as client:
        service = Service(client=client, state=app.state.service)
        audio = service.state.storage.root
        shutil.rmtree(audio)
        audio.write_text("not a folder")
        yield service, audio


def _leaks(text: str, audio: Path) -> bool:
    return str(audio) in text or ".partial" in text or "Errno" in text


def test_a_storage_failure_shows_no_path(
    broken_storage: tuple[Service, Path], caplog: pytest.LogCaptureFixture
) -> None:
    service, audio = broken_storage
    headers = service.auth()
    with caplog.at_level(logging.ERROR, logger="music_gen"):
        task_id = service.client.post(
            "/api/v1/generate", json={"prompt": "x", "duration": 0.5}, headers=headers
        ).json()["task_id"]
        task = service.wait(task_id, headers)
    assert task["status"] == "failed"
    assert task["error"]["code"] == "INTERNAL"
    assert task_id in task["error"]["message"]
    assert not _leaks(str(task["error"]), audio), task["error"]
    logged = [r for r in caplog.records if task_id in r.getMessage()]
    assert logged and any(_leaks(r.getMessage() + str(r.exc_info), audio) for r in logged)


def test_a_storage_failure_in_a_stream_shows_no_path(
    broken_storage: tuple[Service, Path],
) -> None:
    service, audio = broken_storage
    with service.client.websocket_connect(WS, headers=service.auth()) as ws:
        ws.send_json({"type": "generate", "prompt": "x", "duration": 0.2, "model": "test-drip"})
        while (message := ws.receive_json())["type"] in ("started", "audio_chunk"):
            pass
    assert message["type"] == "error"
    assert message["error"]["code"] == "INTERNAL"
    assert not _leaks(str(message["error"]), audio), message["error"]


def test_library_errors_keep_their_code_and_lose_their_paths() -> None:
    from music_gen.errors import ModelUnavailableError
    from music_gen.service.safe_errors import public_error

    error = ModelUnavailableError(
        "Could not load the MusicGen checkpoint at /srv/models/mine: no weights",
        details={"checkpoint": "/srv/models/mine", "model": "facebook/musicgen-small"},
    )
    body = public_error(error, "task-1")
    assert body["code"] == "MODEL_UNAVAILABLE"
    assert "/srv" not in str(body)
    assert body["message"].endswith("at <path>: no weights")
    assert body["details"]["model"] == "facebook/musicgen-small"
