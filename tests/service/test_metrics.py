"""GET /metrics: guarded, parses as Prometheus text, and its figures move with real traffic."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from music_gen.service import create_app
from music_gen.service.logs import JsonFormatter
from tests.service.conftest import BACKENDS, Service, database, make_settings
from tests.service.webhook_receiver import Receiver

TOKEN = "metrics-token-0123456789"
TONE = {"prompt": "calm piano", "duration": 0.5, "model": "test-tone", "seed": 5}


@pytest.fixture(scope="module", params=BACKENDS)
def app_with_token(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    with database(request.param) as db_settings:
        settings = make_settings(
            tmp_path_factory.mktemp("metrics"),
            metrics_token=TOKEN,
            webhook_poll_interval_s=0.05,
            **db_settings,
        )
        app = create_app(settings)
        with TestClient(app) as client:
            yield Service(client=client, state=app.state.service)


def scrape(service: Service) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of GET /metrics, by name and sorted labels (parsed by prometheus_client)."""
    answer = service.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def test_metrics_need_the_token(app_with_token: Service) -> None:
    assert app_with_token.client.get("/metrics").status_code == 401
    wrong = app_with_token.client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "UNAUTHORIZED"


def test_without_a_token_only_loopback_may_scrape(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    with TestClient(app) as remote:
        assert remote.get("/metrics").status_code == 401
    with TestClient(app, client=("127.0.0.1", 50000)) as local:
        answer = local.get("/metrics")
    assert answer.status_code == 200
    assert "musicgen_http_requests_total" in answer.text


def test_counters_move_with_traffic(app_with_token: Service) -> None:
    service = app_with_token
    key, _ = service.key()
    headers = {"Authorization": f"Bearer {key}"}
    receiver = Receiver(
        secret=service.client.post("/api/v1/webhooks/secret", headers=headers).json()["secret"]
    ).start()
    before = scrape(service)
    try:
        body = {**TONE, "webhook": receiver.url, "webhook_events_filter": ["completed"]}
        task_id = service.client.post("/api/v1/generate", json=body, headers=headers).json()[
            "task_id"
        ]
        done = service.wait(task_id, headers)
        audio = service.client.get(done["audio_url"], headers=headers)
        assert audio.status_code == 200
        assert service.client.get("/api/v1/generate/not-a-task", headers=headers).status_code == 404
        receiver.wait_for(lambda got: len(got) == 1)
        with service.client.websocket_connect(f"/api/v1/ws/stream?api_key={key}"):
            during = scrape(service)
        after = _settled(service, "musicgen_webhook_deliveries_total", (("outcome", "delivered"),))
    finally:
        receiver.stop()

    def moved(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    generate = {"route": "/api/v1/generate", "method": "POST"}
    assert moved("musicgen_http_requests_total", status="202", **generate) == 1
    assert moved("musicgen_http_request_duration_seconds_count", **generate) == 1
    assert (
        moved(
            "musicgen_http_requests_total",
            route="/api/v1/generate/{task_id}",
            method="GET",
            status="404",
        )
        == 1
    )
    assert moved("musicgen_tasks", state="completed") >= 1
    assert moved("musicgen_tasks_finished_total", model="test-tone", status="completed") == 1
    assert moved("musicgen_generation_seconds_count", model="test-tone") == 1
    assert moved("musicgen_audio_seconds_total", model="test-tone") == pytest.approx(0.5)
    assert moved("musicgen_real_time_factor_count", model="test-tone") == 1
    assert moved("musicgen_quota_bytes_served_total") == len(audio.content)
    assert moved("musicgen_webhook_deliveries_total", outcome="delivered") == 1
    assert during[("musicgen_ws_streams_open", ())] == 1
    assert after[("musicgen_ws_streams_open", ())] == 0
    assert ("musicgen_queue_depth", ()) in after


def _settled(service: Service, name: str, labels: tuple[tuple[str, str], ...]) -> dict:
    # The webhook counter moves just after the receiver answered; wait for it (a guard).
    deadline = time.monotonic() + 10
    while True:
        samples = scrape(service)
        ws_closed = samples.get(("musicgen_ws_streams_open", ())) == 0
        if (samples.get((name, labels), 0) >= 1 and ws_closed) or time.monotonic() > deadline:
            return samples
        time.sleep(0.02)


def test_json_logs_carry_the_request_id_and_account_never_the_key(
    app_with_token: Service, caplog: pytest.LogCaptureFixture
) -> None:
    service = app_with_token
    key, account = service.key()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    caplog.set_level(logging.INFO)
    try:
        answer = service.client.post(
            "/api/v1/generate",
            json=TONE,
            headers={"Authorization": f"Bearer {key}", "X-Request-ID": "req-42"},
        )
        service.wait(answer.json()["task_id"], {"Authorization": f"Bearer {key}"})
    finally:
        logging.getLogger().removeHandler(handler)
    assert answer.headers["X-Request-ID"] == "req-42"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = next(e for e in lines if e.get("request_id") == "req-42")
    assert access["account_id"] == account
    assert access["status"] == 202
    assert access["route"] == "/api/v1/generate"
    assert access["level"] == "info"
    finished = next(
        e for e in lines if e.get("task_id") == answer.json()["task_id"] and "engine_s" in e
    )
    assert finished["model"] == "test-tone"
    assert finished["account_id"] == account
    assert key not in stream.getvalue()
