"""SIGTERM drains a real ``musicgen serve``: new tasks get 503, running ones finish, none is lost.

The server runs with ``MUSICGEN_LOG_FORMAT=json``, so its log lines are checked here too.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.service.live import LiveServer, create_key

pytestmark = pytest.mark.slow

MODULE = "tests.service.sleep_engines"


class Server(LiveServer):
    """A live server with the sleep engine whose stderr (JSON logs) is collected."""

    def __init__(self, data_dir: Path, **settings: str) -> None:
        super().__init__(data_dir, module=MODULE, log_level="info", log_format="json", **settings)
        self.lines: list[str] = []

    def start(self, ready_timeout_s: float = 90.0) -> Server:
        super().start(ready_timeout_s)
        assert self.process is not None and self.process.stderr is not None
        stream = self.process.stderr
        threading.Thread(
            target=lambda: self.lines.extend(line.decode() for line in stream), daemon=True
        ).start()
        return self

    def post(self, headers: dict[str, str], **body: Any) -> httpx.Response:
        return httpx.post(f"{self.url}/api/v1/generate", json=body, headers=headers, timeout=30)

    def status(self, task_id: str, headers: dict[str, str]) -> dict[str, Any]:
        return httpx.get(f"{self.url}/api/v1/generate/{task_id}", headers=headers).json()

    def wait_status(
        self, task_id: str, headers: dict[str, str], until: tuple[str, ...], timeout_s: float = 60
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            body = self.status(task_id, headers)
            if body["status"] in until or time.monotonic() > deadline:
                return body
            time.sleep(0.05)

    def sigterm_and_wait(self, timeout_s: float = 90) -> int:
        assert self.process is not None
        self.process.terminate()
        return self.process.wait(timeout=timeout_s)


def _rows(data_dir: Path) -> dict[str, tuple[str, int]]:
    engine = create_engine(f"sqlite:///{data_dir / 'musicgen.db'}")
    try:
        with engine.connect() as conn:
            return {
                row[0]: (row[1], row[2])
                for row in conn.execute(text("SELECT id, status, attempts FROM tasks"))
            }
    finally:
        engine.dispose()


def test_sigterm_lets_the_running_generation_finish_and_keeps_the_queue(tmp_path: Path) -> None:
    server = Server(tmp_path, workers="1", drain_grace_s="60").start()
    try:
        key = create_key(server.env, tier="pro")
        headers = {"Authorization": f"Bearer {key}"}
        running = server.post(headers, prompt="long tone", duration=3, model="test-sleep")
        waiting = server.post(headers, prompt="short tone", duration=1, model="test-sleep")
        running_id, waiting_id = running.json()["task_id"], waiting.json()["task_id"]
        assert server.wait_status(running_id, headers, ("processing",))["status"] == "processing"
        assert server.process is not None
        server.process.terminate()
        # While draining the server still answers: new tasks 503 + Retry-After, polls 200.
        refused = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            refused = server.post(headers, prompt="too late", duration=1, model="test-tone")
            if refused.status_code == 503:
                break
            time.sleep(0.02)
        assert refused is not None and refused.status_code == 503, refused and refused.text
        assert refused.json()["error"]["details"]["reason"] == "draining"
        assert int(refused.headers["Retry-After"]) >= 1
        assert server.status(running_id, headers)["status"] in ("processing", "completed")
        server.process.wait(timeout=90)
    finally:
        server.stop()
    rows = _rows(tmp_path)
    assert rows[running_id] == ("completed", 1)  # finished within the grace period
    assert rows[waiting_id] == ("queued", 0)  # never started: still queued, not failed
    assert len(rows) == 2  # the refused request made no task

    logs = [json.loads(line) for line in server.lines if line.startswith("{")]
    assert logs, "".join(server.lines)[-2000:]
    access = [e for e in logs if e["logger"] == "music_gen.service.access"]
    posted = next(e for e in access if e["method"] == "POST" and e["status"] == 202)
    assert posted["route"] == "/api/v1/generate"
    assert len(posted["request_id"]) == 32
    assert posted["duration_ms"] >= 0
    assert posted["account_id"]
    finished = next(e for e in logs if e.get("task_id") == running_id and e.get("engine_s"))
    assert finished["model"] == "test-sleep"
    assert finished["status"] == "completed"
    assert not any(key in line for line in server.lines)  # the key itself is never logged

    again = Server(tmp_path, workers="1").start()
    try:
        assert again.wait_status(waiting_id, headers, ("completed",))["status"] == "completed"
    finally:
        again.stop()


def test_generations_past_the_grace_period_go_back_to_the_queue(tmp_path: Path) -> None:
    server = Server(tmp_path, workers="1", drain_grace_s="0.5").start()
    try:
        headers = {"Authorization": f"Bearer {create_key(server.env, tier='pro')}"}
        task_id = server.post(headers, prompt="too long", duration=6, model="test-sleep").json()[
            "task_id"
        ]
        assert server.wait_status(task_id, headers, ("processing",))["status"] == "processing"
        server.sigterm_and_wait()
    finally:
        server.stop()
    # Handed back without counting an attempt; a restart runs it to the end.
    assert _rows(tmp_path)[task_id] == ("queued", 0)
    again = Server(tmp_path, workers="1").start()
    try:
        done = again.wait_status(task_id, headers, ("completed", "failed"), timeout_s=90)
    finally:
        again.stop()
    assert done["status"] == "completed"
    assert done["duration"] == pytest.approx(6)
