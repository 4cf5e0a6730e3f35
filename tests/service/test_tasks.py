"""``/tasks``: an account's history (own tasks only, paged), a piece's MIDI, deletion.

Keys are of the pro tier: polling for results would soon exceed the free tier's request rate.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pretty_midi
import pytest
from fastapi.testclient import TestClient

from music_gen.service import create_app
from tests.service.conftest import BACKENDS, TERMINAL, Service, database, make_settings


def _submit(service: Service, headers: dict[str, str], prompt: str, **extra: object) -> str:
    body: dict[str, object] = {"prompt": prompt, "duration": 0.5, **extra}
    response = service.client.post("/api/v1/generate", json=body, headers=headers)
    assert response.status_code == 202, response.text
    task_id: str = response.json()["task_id"]
    return task_id


def _all_pages(service: Service, headers: dict[str, str], limit: int) -> list[list[dict]]:
    pages, cursor = [], None
    while True:
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = service.client.get("/api/v1/tasks", params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["tasks"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def test_history_lists_only_the_callers_tasks_newest_first(service: Service) -> None:
    mine, theirs = service.auth("pro"), service.auth("pro")
    my_ids = [_submit(service, mine, f"tone {k}", seed=k) for k in range(5)]
    their_id = _submit(service, theirs, "their tone")
    for task_id in my_ids:
        service.wait(task_id, mine)

    pages = _all_pages(service, mine, limit=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    listed = [task for page in pages for task in page]
    assert [t["task_id"] for t in listed] == list(reversed(my_ids))
    assert their_id not in {t["task_id"] for t in listed}
    newest = listed[0]
    assert newest["prompt"] == "tone 4"
    assert newest["seed"] == 4
    assert newest["kind"] == "generate"
    assert newest["status"] in TERMINAL
    assert newest["audio_url"]
    # UTC with its zone, so that a browser shows the right local time.
    assert datetime.fromisoformat(newest["created_at"]).utcoffset() == timedelta(0)

    theirs_listed = service.client.get("/api/v1/tasks", headers=theirs).json()["tasks"]
    assert [t["task_id"] for t in theirs_listed] == [their_id]


def test_history_pages_stay_stable_when_new_tasks_arrive(service: Service) -> None:
    headers = service.auth("pro")
    old = [_submit(service, headers, f"tone {k}") for k in range(3)]
    first = service.client.get("/api/v1/tasks", params={"limit": 2}, headers=headers).json()
    _submit(service, headers, "newer tone")
    rest = service.client.get(
        "/api/v1/tasks", params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
    ).json()
    seen = [t["task_id"] for t in first["tasks"] + rest["tasks"]]
    assert seen == list(reversed(old))
    assert rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [({"cursor": "not a cursor!"}, "cursor"), ({"limit": 0}, "limit"), ({"limit": 101}, "limit")],
)
def test_bad_paging_is_a_clear_400(service: Service, params: dict, field: str) -> None:
    response = service.client.get("/api/v1/tasks", params=params, headers=service.auth("pro"))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "INVALID_PARAMETER"
    assert field in error["message"]


def test_history_needs_a_key(service: Service) -> None:
    response = service.client.get("/api/v1/tasks")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


def test_delete_removes_the_task_and_its_audio(service: Service) -> None:
    mine, theirs = service.auth("pro"), service.auth("pro")
    task_id = _submit(service, mine, "tone")
    done = service.wait(task_id, mine)
    assert service.client.get(done["audio_url"], headers=mine).status_code == 200

    assert service.client.delete(f"/api/v1/tasks/{task_id}", headers=theirs).status_code == 404
    response = service.client.delete(f"/api/v1/tasks/{task_id}", headers=mine)
    assert response.status_code == 204
    assert service.client.get(f"/api/v1/generate/{task_id}", headers=mine).status_code == 404
    assert service.client.get(done["audio_url"], headers=mine).status_code == 404
    listed = service.client.get("/api/v1/tasks", headers=mine).json()["tasks"]
    assert task_id not in {t["task_id"] for t in listed}
    assert service.client.delete(f"/api/v1/tasks/{task_id}", headers=mine).status_code == 404


def test_delete_a_running_task_cancels_it(service: Service, release: None) -> None:
    headers = service.auth("pro")
    task_id = _submit(service, headers, "x", model="test-slow")
    body = service.wait(task_id, headers, until=("processing", *TERMINAL))
    assert body["status"] == "processing"
    assert service.client.delete(f"/api/v1/tasks/{task_id}", headers=headers).status_code == 204
    assert service.client.get(f"/api/v1/generate/{task_id}", headers=headers).status_code == 404


def test_composer_piece_has_its_notes_as_midi(service: Service) -> None:
    headers = service.auth("pro")
    task_id = _submit(service, headers, "calm piano and bass", model="composer", seed=5)
    done = service.wait(task_id, headers, timeout_s=120)
    assert done["status"] == "completed", done
    assert done["midi_url"].endswith(f"/api/v1/tasks/{task_id}/midi")
    response = service.client.get(done["midi_url"], headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/midi"
    midi = pretty_midi.PrettyMIDI(io.BytesIO(response.content))
    plan = done["metadata"]["plan"]
    assert [i.name for i in midi.instruments] == [p["name"] for p in plan["parts"]]
    assert sum(len(i.notes) for i in midi.instruments) > 0
    assert midi.get_end_time() <= done["duration"] + 0.5
    other = service.client.get(done["midi_url"], headers=service.auth("pro"))
    assert other.status_code == 404


def test_audio_only_engine_has_no_midi(service: Service) -> None:
    headers = service.auth("pro")
    task_id = _submit(service, headers, "tone")
    done = service.wait(task_id, headers)
    assert done["midi_url"] is None
    response = service.client.get(f"/api/v1/tasks/{task_id}/midi", headers=headers)
    assert response.status_code == 404
    assert "no MIDI" in response.json()["error"]["message"]


def test_mix_presets_are_listed(service: Service) -> None:
    response = service.client.get("/api/v1/mix-presets", headers=service.auth("pro"))
    assert response.status_code == 200
    names = {p["name"] for p in response.json()["presets"]}
    assert "jazz_club" in names


@pytest.mark.parametrize("backend", BACKENDS)
def test_local_mode_first_requests_in_parallel_all_succeed(tmp_path: Path, backend: str) -> None:
    # A page's first visit asks for models, presets and history at once; the local account
    # is created by whichever request comes first, and the others must not fail on it.
    with database(backend) as db_settings:
        app = create_app(make_settings(tmp_path, no_auth=True, **db_settings))
        with TestClient(app) as client, ThreadPoolExecutor(8) as pool:
            paths = ["/api/v1/models", "/api/v1/mix-presets", "/api/v1/tasks"] * 4
            statuses = list(pool.map(lambda path: client.get(path).status_code, paths))
    assert statuses == [200] * len(paths)


def test_multi_instrument_piece_has_every_part_in_its_midi(service: Service) -> None:
    headers = service.auth("pro")
    body = {
        "instruments": {"piano": "jazz comping", "bass": "walking bass"},
        "duration": 2,
        "model": "composer",
        "seed": 3,
    }
    accepted = service.client.post("/api/v1/multi-instrument", json=body, headers=headers)
    assert accepted.status_code == 202, accepted.text
    done = service.wait(accepted.json()["task_id"], headers, timeout_s=120)
    assert done["status"] == "completed", done
    assert set(done["stems"]) == {"piano", "bass"}
    response = service.client.get(done["midi_url"], headers=headers)
    midi = pretty_midi.PrettyMIDI(io.BytesIO(response.content))
    assert sorted(i.name for i in midi.instruments) == ["bass", "piano"]
    assert all(len(i.notes) > 0 for i in midi.instruments)


def test_a_streamed_composer_piece_has_the_same_notes_and_plan(service: Service) -> None:
    headers = service.auth("pro")
    asked = {"prompt": "bossa nova guitar and bass", "duration": 2, "seed": 9, "model": "composer"}
    with service.client.websocket_connect("/api/v1/ws/stream", headers=headers) as ws:
        ws.send_json({"type": "generate", "stream": False, **asked})
        messages = [ws.receive_json() for _ in range(2)]
    assert [m["type"] for m in messages] == ["started", "completed"]
    streamed = service.client.get(f"/api/v1/generate/{messages[0]['task_id']}", headers=headers)
    streamed_view = streamed.json()
    queued_view = service.wait(_submit(service, headers, **asked), headers, timeout_s=120)
    assert streamed_view["metadata"]["plan"] == queued_view["metadata"]["plan"]
    streamed_midi = service.client.get(streamed_view["midi_url"], headers=headers).content
    queued_midi = service.client.get(queued_view["midi_url"], headers=headers).content
    assert streamed_midi == queued_midi
    assert len(pretty_midi.PrettyMIDI(io.BytesIO(streamed_midi)).instruments) >= 2
