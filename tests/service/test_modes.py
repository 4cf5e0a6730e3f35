"""Multi-instrument tasks, development mode without keys, and readiness."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient

from music_gen.service import create_app
from tests.service.conftest import Service, make_settings
from tests.service.engines import RATE


def test_multi_instrument_gives_stems_and_mix(service: Service) -> None:
    headers = service.auth()
    response = service.client.post(
        "/api/v1/multi-instrument",
        json={
            "instruments": {"piano": "jazz comping", "bass": "walking bass"},
            "duration": 1.5,
            "mix_preset": "jazz_club",
            "seed": 3,
        },
        headers=headers,
    )
    assert response.status_code == 202, response.text
    done = service.wait(response.json()["task_id"], headers)
    assert done["status"] == "completed", done
    assert set(done["stems"]) == {"piano", "bass"}
    assert done["metadata"]["parts"] == {"piano": "jazz comping", "bass": "walking bass"}
    lengths = set()
    for url in [done["audio_url"], *done["stems"].values()]:
        audio = service.client.get(url, headers=headers)
        assert audio.status_code == 200
        data, rate = sf.read(io.BytesIO(audio.content))
        assert rate == RATE
        assert np.abs(data).max() > 0.01
        lengths.add(len(data))
    assert lengths == {round(1.5 * RATE)}
    bass = service.client.get(done["stems"]["bass"], headers=headers)
    assert bass.headers["content-disposition"].endswith('-bass.wav"')


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"instruments": {"piano": "x"}, "mix_preset": "no-such-preset"}, "INVALID_PARAMETER"),
        ({"instruments": {"-piano": "x"}}, "INVALID_PARAMETER"),
        ({"instruments": {"MIX": "x"}}, "INVALID_PARAMETER"),
        ({"instruments": {"piano": " "}}, "INVALID_PROMPT"),
    ],
)
def test_multi_instrument_rules(service: Service, body: dict[str, Any], code: str) -> None:
    response = service.client.post("/api/v1/multi-instrument", json=body, headers=service.auth())
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == code


def test_no_auth_mode_serves_without_keys(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, no_auth=True))
    with TestClient(app) as client:
        accepted = client.post("/api/v1/generate", json={"prompt": "tone", "duration": 1})
        assert accepted.status_code == 202
        task_id = accepted.json()["task_id"]
        for _ in range(1000):
            body = client.get(f"/api/v1/generate/{task_id}").json()
            if body["status"] == "completed":
                break
            time.sleep(0.01)
        assert body["status"] == "completed"
        assert client.get(body["audio_url"]).status_code == 200


def test_readiness_reports_an_engine_that_cannot_load(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, preload=True, default_model="test-missing"))
    with TestClient(app) as client:
        for _ in range(200):
            ready = client.get("/api/v1/health/ready")
            if ready.json()["engine_error"]:
                break
            time.sleep(0.01)
        assert ready.status_code == 503
        body = ready.json()
        assert body["ready"] is False
        assert body["engine_loaded"] is False
        assert "never runs" in body["engine_error"]
        assert client.get("/api/v1/health").status_code == 200


def test_readiness_once_the_engine_is_loaded(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, preload=True))
    with TestClient(app) as client:
        for _ in range(500):
            ready = client.get("/api/v1/health/ready")
            if ready.status_code == 200:
                break
            time.sleep(0.01)
        assert ready.status_code == 200
        assert ready.json()["engine_loaded"] is True
        assert ready.json()["queue_depth"] == 0
