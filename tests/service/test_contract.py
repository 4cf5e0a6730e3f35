"""The HTTP contract: cancel and delete, Allow on 405, UTC timestamps, limits in the schema."""

from __future__ import annotations

from datetime import datetime

from tests.service.conftest import Service


def _done_task(service: Service, headers: dict[str, str]) -> dict:
    task_id = service.client.post(
        "/api/v1/generate", json={"prompt": "x", "duration": 0.5}, headers=headers
    ).json()["task_id"]
    return dict(service.wait(task_id, headers))


def test_post_cancel_stops_a_task_and_answers_its_status(service: Service, release: None) -> None:
    headers = service.auth()
    task_id = service.client.post(
        "/api/v1/generate",
        json={"prompt": "x", "duration": 1, "model": "test-slow"},
        headers=headers,
    ).json()["task_id"]
    response = service.client.post(f"/api/v1/generate/{task_id}/cancel", headers=headers)
    assert response.status_code == 200
    assert response.json()["task_id"] == task_id
    assert service.wait(task_id, headers)["status"] == "cancelled"
    missing = service.client.post(
        f"/api/v1/generate/{'0' * 8}-0000-0000-0000-{'0' * 12}/cancel", headers=headers
    )
    assert missing.status_code == 404


def test_delete_removes_the_task_and_its_files(service: Service) -> None:
    headers = service.auth()
    task = _done_task(service, headers)
    url = task["audio_url"]
    file_id = url.rsplit("/", 1)[1]
    assert list(service.state.storage.root.glob(f"{file_id}.*"))
    deleted = service.client.delete(f"/api/v1/generate/{task['task_id']}", headers=headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert (
        service.client.get(f"/api/v1/generate/{task['task_id']}", headers=headers).status_code
        == 404
    )
    assert service.client.get(url, headers=headers).status_code == 404
    assert not list(service.state.storage.root.glob(f"{file_id}.*"))
    again = service.client.delete(f"/api/v1/generate/{task['task_id']}", headers=headers)
    assert again.status_code == 404


def test_delete_of_a_running_task_stops_it(service: Service, release: None) -> None:
    headers = service.auth()
    task_id = service.client.post(
        "/api/v1/generate",
        json={"prompt": "x", "duration": 1, "model": "test-slow"},
        headers=headers,
    ).json()["task_id"]
    service.wait(task_id, headers, until=("processing",))
    assert service.client.delete(f"/api/v1/generate/{task_id}", headers=headers).status_code == 204
    assert service.client.get(f"/api/v1/generate/{task_id}", headers=headers).status_code == 404


def test_405_lists_every_allowed_method(service: Service) -> None:
    headers = service.auth()
    task = _done_task(service, headers)
    wrong = service.client.put(f"/api/v1/generate/{task['task_id']}", headers=headers)
    assert wrong.status_code == 405
    assert {m.strip() for m in wrong.headers["Allow"].split(",")} == {"GET", "DELETE"}
    assert wrong.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    audio = service.client.post(task["audio_url"], headers=headers)
    assert {m.strip() for m in audio.headers["Allow"].split(",")} == {"GET", "HEAD"}


def test_timestamps_are_utc_with_an_offset(service: Service) -> None:
    headers = service.auth()
    task = _done_task(service, headers)
    for field in ("created_at", "finished_at"):
        stamp = datetime.fromisoformat(task[field])
        assert stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0, task[field]


def test_limits_are_in_the_schema(service: Service) -> None:
    spec = service.client.get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]
    generate = schemas["GenerateRequest"]
    assert generate["properties"]["temperature"]["minimum"] == 0.01
    assert "pattern" in generate["properties"]["prompt"]
    served = {
        m["name"]
        for m in service.client.get("/api/v1/models", headers=service.auth()).json()["models"]
    }
    assert served <= set(generate["properties"]["model"]["anyOf"][0]["enum"])
    maxima = {}
    for clause in generate["allOf"]:
        condition = clause["if"].get("anyOf", [clause["if"]])[0]
        model = condition["properties"]["model"]["enum"][0]
        maxima[model] = clause["then"]["properties"]["duration"]["maximum"]
    assert maxima["test-tone"] == 30.0 and maxima["composer"] == 900.0
    names = schemas["MultiInstrumentRequest"]["properties"]["instruments"]["propertyNames"]
    assert names["pattern"].endswith("$") and names["maxLength"] == 64
    accepted = spec["paths"]["/api/v1/generate"]["post"]["responses"]["202"]["content"]
    eta = accepted["application/json"]["schema"]
    assert eta
