"""The REST API end to end in process: submit, poll, download, cancel, batch, models, health."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf

from tests.service.conftest import TERMINAL, Service
from tests.service.engines import RATE


def test_generate_poll_and_download(service: Service) -> None:
    headers = service.auth()
    response = service.client.post(
        "/api/v1/generate",
        json={"prompt": "calm tone", "duration": 1.5, "seed": 3},
        headers=headers,
    )
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] == "queued"
    assert accepted["eta"] > 0

    done = service.wait(accepted["task_id"], headers)
    assert done["status"] == "completed", done
    assert done["progress"] == 1.0
    assert done["duration"] == 1.5
    assert done["metadata"]["seed"] == 3
    audio = service.client.get(done["audio_url"], headers=headers)
    assert audio.status_code == 200
    assert audio.headers["content-type"] == "audio/wav"
    assert int(audio.headers["content-length"]) == len(audio.content)
    assert "attachment" in audio.headers["content-disposition"]
    data, rate = sf.read(io.BytesIO(audio.content))
    assert rate == RATE
    assert len(data) == round(1.5 * RATE)
    assert np.abs(data).max() > 0.2


def test_task_is_not_visible_to_another_account(service: Service) -> None:
    mine, theirs = service.auth(), service.auth()
    task_id = service.client.post(
        "/api/v1/generate", json={"prompt": "tone", "duration": 1}, headers=mine
    ).json()["task_id"]
    done = service.wait(task_id, mine)
    other = service.client.get(f"/api/v1/generate/{task_id}", headers=theirs)
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "NOT_FOUND"
    assert service.client.get(done["audio_url"], headers=theirs).status_code == 404
    assert service.client.delete(f"/api/v1/generate/{task_id}", headers=theirs).status_code == 404


def test_failed_generation_reports_reason(service: Service) -> None:
    headers = service.auth()
    task_id = service.client.post(
        "/api/v1/generate",
        json={"prompt": "x", "duration": 1, "model": "test-fail"},
        headers=headers,
    ).json()["task_id"]
    done = service.wait(task_id, headers)
    assert done["status"] == "failed"
    assert done["error"]["code"] == "GENERATION_FAILED"
    assert "always fails" in done["error"]["message"]
    assert done["audio_url"] is None


def test_cancel_running_task(service: Service, release: None) -> None:
    headers = service.auth()
    task_id = service.client.post(
        "/api/v1/generate",
        json={"prompt": "x", "duration": 1, "model": "test-slow"},
        headers=headers,
    ).json()["task_id"]
    body = service.wait(task_id, headers, until=("processing", *TERMINAL))
    assert body["status"] == "processing"
    response = service.client.post(f"/api/v1/generate/{task_id}/cancel", headers=headers)
    assert response.status_code == 200
    done = service.wait(task_id, headers)
    assert done["status"] == "cancelled"
    assert done["audio_url"] is None
    # Nothing about the finished task stays in the worker's memory.
    assert not service.state.runner.is_cancelled(task_id)
    service.state.runner.request_cancel(task_id)  # a late cancel is a no-op
    assert not service.state.runner.is_cancelled(task_id)


def test_batch(service: Service) -> None:
    headers = service.auth()
    response = service.client.post(
        "/api/v1/generate/batch",
        json={
            "requests": [{"prompt": "a", "duration": 1, "seed": 1}, {"prompt": "b", "duration": 2}]
        },
        headers=headers,
    )
    assert response.status_code == 202
    batch = response.json()
    assert len(batch["task_ids"]) == 2
    for task_id in batch["task_ids"]:
        assert service.wait(task_id, headers)["status"] == "completed"
    view = service.client.get(f"/api/v1/generate/batch/{batch['batch_id']}", headers=headers).json()
    assert view["status"] == "completed"
    assert view["counts"]["completed"] == 2
    assert [t["duration"] for t in view["tasks"]] == [1.0, 2.0]


def test_batch_over_maximum_is_rejected(service: Service) -> None:
    response = service.client.post(
        "/api/v1/generate/batch",
        json={"requests": [{"prompt": "a", "duration": 1}] * 17},
        headers=service.auth(),
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_PARAMETER"
    assert response.json()["error"]["details"]["max"] == 16


def test_styles_list_the_words_that_select_each(service: Service) -> None:
    response = service.client.get("/api/v1/styles", headers=service.auth())
    assert response.status_code == 200
    data = response.json()
    genres = {g["name"]: g for g in data["genres"]}
    assert "drum and bass" in genres["drum and bass"]["words"]
    assert genres["punk"]["family"] == "rock"
    assert {"string quartet", "big band", "orchestra"} <= {e["name"] for e in data["ensembles"]}
    instruments = {i["name"]: i for i in data["instruments"]}
    assert instruments["clavinet"]["program"] == 7 and "clav" in instruments["clavinet"]["words"]
    assert "one drop" in {g["name"] for g in data["grooves"]}
    assert data["mix_presets"] and data["moods"]
    eras = {word: d for d in data["descriptors"] if d["kind"] == "era" for word in d["words"]}
    assert eras["80s"]["genre"] == "synthwave"


def test_models_and_health(service: Service) -> None:
    models = service.client.get("/api/v1/models", headers=service.auth()).json()["models"]
    by_name = {m["name"]: m for m in models}
    assert by_name["test-tone"]["available"] is True
    assert by_name["test-missing"]["available"] is False
    assert "composer" in by_name
    assert service.client.get("/api/v1/health").json()["status"] == "ok"
    ready = service.client.get("/api/v1/health/ready")
    assert ready.status_code == 200, ready.json()
    assert ready.json()["workers_alive"] == 2
