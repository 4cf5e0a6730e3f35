"""The REST API's ``loudness_lufs``: the default target, another one, off, and bad values."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from music_gen.mixing.loudness import integrated_loudness
from tests.service.conftest import Service


def _generate(service: Service, headers: dict[str, str], **fields: object) -> dict:
    body = {"prompt": "calm tone", "duration": 3.0, "seed": 3, **fields}
    response = service.client.post("/api/v1/generate", json=body, headers=headers)
    assert response.status_code == 202, response.json()
    done = service.wait(response.json()["task_id"], headers)
    assert done["status"] == "completed", done
    return done


@pytest.mark.parametrize(("fields", "target"), [({}, -14.0), ({"loudness_lufs": -20.0}, -20.0)])
def test_tasks_are_levelled(service: Service, fields: dict, target: float) -> None:
    headers = service.auth()
    done = _generate(service, headers, **fields)
    assert done["metadata"]["loudness_target_lufs"] == target
    audio = service.client.get(done["audio_url"], headers=headers)
    data, rate = sf.read(io.BytesIO(audio.content), always_2d=True)
    assert abs(integrated_loudness(np.asarray(data.T), rate) - target) <= 1.0


def test_null_keeps_the_model_level(service: Service) -> None:
    headers = service.auth()
    done = _generate(service, headers, loudness_lufs=None)
    assert done["metadata"]["loudness_target_lufs"] is None
    assert done["metadata"]["loudness_lufs"] is not None


@pytest.mark.parametrize("value", [3, -100, "loud"])
def test_bad_targets_are_refused(service: Service, value: object) -> None:
    response = service.client.post(
        "/api/v1/generate",
        json={"prompt": "calm tone", "duration": 1.0, "loudness_lufs": value},
        headers=service.auth(),
    )
    assert response.status_code in (400, 422)
    assert "loudness_lufs" in response.text
