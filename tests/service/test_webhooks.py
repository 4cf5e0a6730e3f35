"""Webhooks: signed per Standard Webhooks, stored, retried on 5xx/timeouts, SSRF-safe."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from music_gen.client import verify_webhook
from music_gen.client.errors import AuthenticationError
from music_gen.errors import InvalidParameterError
from music_gen.service import create_app
from music_gen.service.webhooks import check_webhook_url
from tests.service.conftest import BACKENDS, Service, database, make_settings
from tests.service.webhook_receiver import Receiver

TONE = {"prompt": "calm piano", "duration": 0.5, "model": "test-tone", "seed": 5}


@pytest.fixture(scope="module", params=BACKENDS)
def hooks(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """An app whose webhook retries come fast: 8 tries, 50 ms apart; 1 s timeout."""
    with database(request.param) as db_settings:
        settings = make_settings(
            tmp_path_factory.mktemp("hooks"),
            webhook_retry_schedule_s=(0.05,) * 7,
            webhook_timeout_s=1.0,
            webhook_poll_interval_s=0.05,
            **db_settings,
        )
        app = create_app(settings)
        with TestClient(app) as client:
            yield Service(client=client, state=app.state.service)


@pytest.fixture
def account(hooks: Service) -> tuple[dict[str, str], str]:
    """Headers of a fresh account and its new signing secret."""
    headers = hooks.auth()
    answer = hooks.client.post("/api/v1/webhooks/secret", headers=headers)
    assert answer.status_code == 201
    return headers, answer.json()["secret"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    live = Receiver().start()
    yield live
    live.stop()


def _deliveries(hooks: Service, headers: dict[str, str], **query: Any) -> list[dict[str, Any]]:
    answer = hooks.client.get("/api/v1/webhooks/deliveries", headers=headers, params=query)
    assert answer.status_code == 200
    return list(answer.json()["deliveries"])


def _settled(hooks: Service, headers: dict[str, str], task_id: str, count: int) -> list[dict]:
    deadline = time.monotonic() + 30
    while True:
        rows = _deliveries(hooks, headers, task_id=task_id)
        done = [r for r in rows if r["status"] != "pending"]
        if len(done) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def test_secrets_are_whsec_and_rotate(hooks: Service) -> None:
    headers = hooks.auth()
    one = hooks.client.post("/api/v1/webhooks/secret", headers=headers).json()["secret"]
    two = hooks.client.post("/api/v1/webhooks/secret", headers=headers).json()["secret"]
    assert one.startswith("whsec_") and two.startswith("whsec_")
    assert one != two


def test_a_webhook_needs_a_secret_first(hooks: Service, receiver: Receiver) -> None:
    answer = hooks.client.post(
        "/api/v1/generate", json={**TONE, "webhook": receiver.url}, headers=hooks.auth()
    )
    assert answer.status_code == 400
    assert "POST /api/v1/webhooks/secret" in answer.json()["error"]["message"]


def test_signed_events_and_retries_after_two_500s(
    hooks: Service, account: tuple[dict[str, str], str], receiver: Receiver
) -> None:
    headers, secret = account
    receiver.secret = secret
    # The completed event is answered 500 twice, then accepted.
    receiver.answer = lambda payload, tries: (
        500 if payload and payload["type"] == "task.completed" and tries <= 2 else 200
    )
    body = {**TONE, "webhook": receiver.url, "webhook_events_filter": ["start", "completed"]}
    task_id = hooks.client.post("/api/v1/generate", json=body, headers=headers).json()["task_id"]
    receiver.wait_for(lambda got: sum(r.status == 200 for r in got) == 2)
    assert all(r.payload is not None for r in receiver.received), "a signature did not verify"
    assert receiver.events() == ["task.start", *["task.completed"] * 3]
    completed = [
        r for r in receiver.received if r.payload and r.payload["type"] == "task.completed"
    ]
    assert [r.status for r in completed] == [500, 500, 200]
    assert len({r.headers["webhook-id"] for r in completed}) == 1
    data = completed[-1].payload["data"]  # type: ignore[index]
    assert data["task_id"] == task_id
    assert data["status"] == "completed"
    assert data["audio_url"].startswith("/api/v1/audio/")
    assert data["duration"] == pytest.approx(0.5)
    # The client's verify_webhook accepts what the server sent, and nothing else.
    last = completed[-1]
    assert verify_webhook(last.body, last.headers, secret=secret)["data"]["task_id"] == task_id
    with pytest.raises(AuthenticationError) as info:
        verify_webhook(last.body.replace(b"completed", b"failed"), last.headers, secret=secret)
    assert info.value.code == "INVALID_SIGNATURE"
    rows = {r["event"]: r for r in _settled(hooks, headers, task_id, 2)}
    assert rows["completed"]["status"] == "delivered"
    assert rows["completed"]["attempts"] == 3
    assert rows["completed"]["last_status_code"] == 200
    assert rows["start"]["attempts"] == 1


def test_a_receiver_that_always_fails_gets_eight_tries(
    hooks: Service, account: tuple[dict[str, str], str], receiver: Receiver
) -> None:
    headers, receiver.secret = account
    receiver.answer = lambda payload, tries: 503
    body = {**TONE, "webhook": receiver.url, "webhook_events_filter": ["completed"]}
    task_id = hooks.client.post("/api/v1/generate", json=body, headers=headers).json()["task_id"]
    rows = _settled(hooks, headers, task_id, 1)
    assert [(r["status"], r["attempts"], r["last_status_code"]) for r in rows] == [
        ("failed", 8, 503)
    ]
    assert len(receiver.received) == 8
    # The generation itself was never held up by the failing receiver.
    assert hooks.wait(task_id, headers)["status"] == "completed"


def test_a_client_error_is_not_retried_and_a_timeout_is(
    hooks: Service, account: tuple[dict[str, str], str], receiver: Receiver
) -> None:
    headers, receiver.secret = account
    receiver.answer = lambda payload, tries: 410
    body = {**TONE, "webhook": receiver.url, "webhook_events_filter": ["completed"]}
    task_id = hooks.client.post("/api/v1/generate", json=body, headers=headers).json()["task_id"]
    rows = _settled(hooks, headers, task_id, 1)
    assert [(r["status"], r["attempts"]) for r in rows] == [("failed", 1)]

    # First try: the receiver takes 1.5 s, past the 1 s timeout; the second is answered.
    receiver.answer = lambda payload, tries: -1.5 if tries == 1 else 200
    task_id = hooks.client.post("/api/v1/generate", json=body, headers=headers).json()["task_id"]
    rows = _settled(hooks, headers, task_id, 1)
    assert [(r["status"], r["attempts"]) for r in rows] == [("delivered", 2)]


def test_progress_events_batches_and_multi_instrument(
    hooks: Service, account: tuple[dict[str, str], str], receiver: Receiver
) -> None:
    headers, receiver.secret = account
    batch = {"requests": [TONE, {**TONE, "seed": 6}], "webhook": receiver.url}
    accepted = hooks.client.post("/api/v1/generate/batch", json=batch, headers=headers).json()
    multi = {
        "instruments": {"piano": "soft chords", "bass": "low notes"},
        "duration": 0.5,
        "model": "test-tone",
        "webhook": receiver.url,
        "webhook_events_filter": ["completed"],
    }
    multi_id = hooks.client.post("/api/v1/multi-instrument", json=multi, headers=headers).json()[
        "task_id"
    ]
    # Each batch task: start, progress and completed (the default filter); the multi: completed.
    receiver.wait_for(lambda got: len(got) >= 7)
    by_task: dict[str, list[str]] = {}
    for got in receiver.received:
        assert got.payload is not None
        by_task.setdefault(got.payload["data"]["task_id"], []).append(got.payload["type"])
    for task_id in accepted["task_ids"]:
        assert by_task[task_id] == ["task.start", "task.progress", "task.completed"]
    assert by_task[multi_id] == ["task.completed"]
    final = next(
        r.payload["data"]  # type: ignore[index]
        for r in receiver.received
        if r.payload and r.payload["data"]["task_id"] == multi_id
    )
    assert set(final["stems"]) == {"piano", "bass"}


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://10.0.0.7/hook", "not a public address"),
        ("https://169.254.169.254/latest/meta-data", "not a public address"),
        ("https://[::ffff:192.168.1.10]/hook", "not a public address"),
        ("https://[fd00:ec2::254]/hook", "not a public address"),
        ("http://93.184.215.14/hook", "must use https"),
        ("ftp://93.184.215.14/hook", "https://"),
        ("https://no-such-host.invalid/hook", "could not be resolved"),
    ],
)
def test_unsafe_webhook_urls_are_refused(
    hooks: Service, account: tuple[dict[str, str], str], url: str, why: str
) -> None:
    headers, _ = account
    answer = hooks.client.post("/api/v1/generate", json={**TONE, "webhook": url}, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"]["details"]["field"] == "webhook"
    assert why in answer.json()["error"]["message"]


def test_loopback_is_only_for_test_mode() -> None:
    assert check_webhook_url("http://127.0.0.1:9/h", allow_loopback=True)
    for url in ("http://127.0.0.1:9/h", "https://127.0.0.1/h", "https://localhost/h"):
        with pytest.raises(InvalidParameterError):
            check_webhook_url(url, allow_loopback=False)
    assert check_webhook_url("https://93.184.215.14/h", allow_loopback=False)


def test_a_filter_needs_known_events(hooks: Service, account: tuple[dict[str, str], str]) -> None:
    headers, _ = account
    answer = hooks.client.post(
        "/api/v1/generate",
        json={**TONE, "webhook_events_filter": ["completed"]},
        headers=headers,
    )
    assert answer.status_code == 400
    assert "needs a webhook" in answer.json()["error"]["message"]
    answer = hooks.client.post(
        "/api/v1/generate",
        json={**TONE, "webhook": "https://93.184.215.14/h", "webhook_events_filter": ["done"]},
        headers=headers,
    )
    assert answer.status_code == 400


def test_failed_and_cancelled_tasks_send_completed_too(
    hooks: Service, account: tuple[dict[str, str], str], receiver: Receiver, release: None
) -> None:
    headers, receiver.secret = account
    hook = {"webhook": receiver.url, "webhook_events_filter": ["completed"]}
    failing = hooks.client.post(
        "/api/v1/generate", json={**TONE, "model": "test-fail", **hook}, headers=headers
    ).json()["task_id"]
    assert hooks.wait(failing, headers)["status"] == "failed"
    # Both workers busy with slow tasks: the next one waits in the queue and is cancelled there.
    for _ in range(2):
        slow = hooks.client.post(
            "/api/v1/generate", json={**TONE, "model": "test-slow"}, headers=headers
        ).json()["task_id"]
        assert hooks.wait(slow, headers, until=("processing",))["status"] == "processing"
    queued = hooks.client.post("/api/v1/generate", json={**TONE, **hook}, headers=headers).json()
    assert (
        hooks.client.post(f"/api/v1/generate/{queued['task_id']}/cancel", headers=headers).json()[
            "status"
        ]
        == "cancelled"
    )
    receiver.wait_for(lambda got: len(got) == 2)
    final = {
        r.payload["data"]["task_id"]: r.payload["data"] for r in receiver.received if r.payload
    }
    assert final[failing]["status"] == "failed"
    assert final[failing]["error"]["code"] == "GENERATION_FAILED"
    assert final[queued["task_id"]]["status"] == "cancelled"


def test_a_payload_links_the_notes_as_the_task_view_does(
    hooks: Service, account: tuple[dict[str, str], str]
) -> None:
    """A composer piece's webhook payload has the MIDI URL GET /generate/{id} shows."""
    from music_gen.service.models import Task
    from music_gen.service.webhooks.events import task_payload

    headers, _ = account
    body = {"prompt": "calm piano", "duration": 1.0, "model": "composer"}
    task_id = hooks.client.post("/api/v1/generate", json=body, headers=headers).json()["task_id"]
    for _ in range(600):
        view = hooks.client.get(f"/api/v1/generate/{task_id}", headers=headers).json()
        if view["status"] in ("completed", "failed"):
            break
        time.sleep(0.05)
    assert view["status"] == "completed" and view["midi_url"]
    with hooks.state.db.session() as session:
        row = session.get(Task, task_id)
        assert row is not None
        payload = task_payload(row, None)
    assert payload["midi_url"] == f"/api/v1/tasks/{task_id}/midi"
    assert view["midi_url"].endswith(payload["midi_url"])
    assert hooks.client.get(payload["midi_url"], headers=headers).content[:4] == b"MThd"
