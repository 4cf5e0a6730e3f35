"""Fixtures for the API client tests: a scripted fake API behind httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import numpy as np
import pytest

from music_gen.audio import AudioOutput

if TYPE_CHECKING:
    from tests.client.live import LiveAPI

BASE = "http://api.test/api/v1"
KEY = "mg_test_key"


def tone(seconds: float = 0.5, rate: int = 8000) -> AudioOutput:
    """A stereo 440 Hz test signal."""
    t = np.arange(int(seconds * rate)) / rate
    left = 0.5 * np.sin(2 * np.pi * 440 * t)
    return AudioOutput(samples=np.stack([left, -left]), sample_rate=rate, metadata={})


def envelope(status: int, code: str, message: str, headers: dict[str, str] | None = None):
    body = {"error": {"code": code, "message": message, "details": {"why": code}}}
    return httpx.Response(status, json=body, headers=headers or {})


@dataclass
class FakeAPI:
    """A tiny in-memory API: tasks finish after a set number of polls."""

    polls_to_finish: int = 2
    audio: AudioOutput = field(default_factory=tone)
    fail_task: bool = False
    requests: list[httpx.Request] = field(default_factory=list)
    # Responses to give before the normal answer, per "METHOD path".
    scripted: dict[str, list[Callable[[], httpx.Response]]] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    audio_url_base: str = "/api/v1/files"

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = f"{request.method} {request.url.path}"
        queue = self.scripted.get(route)
        if queue:
            return queue.pop(0)()
        if request.headers.get("authorization") != f"Bearer {KEY}" and not (
            request.url.path.endswith("/health")
        ):
            return envelope(401, "UNAUTHORIZED", "Invalid API key")
        path = request.url.path.removeprefix("/api/v1")
        if request.method == "POST" and path == "/generate":
            return httpx.Response(202, json=self._new_task(json.loads(request.content)))
        if request.method == "POST" and path == "/generate/batch":
            body = json.loads(request.content)
            ids = [self._new_task(item)["task_id"] for item in body["requests"]]
            return httpx.Response(202, json={"batch_id": "b1", "task_ids": ids})
        if request.method == "POST" and path == "/multi-instrument":
            body = json.loads(request.content)
            task = self.tasks[self._new_task({"prompt": "multi", **body})["task_id"]]
            task["stems"] = {
                name: f"{self.audio_url_base}/{task['task_id']}-{name}.wav"
                for name in body["instruments"]
            }
            return httpx.Response(202, json=self._public(task))
        if path.startswith("/generate/") and request.method in ("GET", "POST"):
            task = self.tasks.get(path.removesuffix("/cancel").rsplit("/", 1)[-1])
            if task is None:
                return envelope(404, "NOT_FOUND", "No such task")
            if request.method == "POST" and path.endswith("/cancel"):
                task["status"] = "cancelled"
                return httpx.Response(200, json=self._public(task))
            return httpx.Response(200, json=self._poll(task))
        if path.startswith("/files/"):
            fmt = request.url.params.get("format", "wav")
            mime = {"wav": "audio/wav", "flac": "audio/flac"}[fmt]
            return httpx.Response(
                200, content=self.audio.to_bytes(fmt), headers={"content-type": mime}
            )
        if path == "/models":
            return httpx.Response(200, json={"models": [{"name": "composer"}]})
        if path == "/health":
            return httpx.Response(200, json={"status": "ok"})
        return envelope(404, "NOT_FOUND", f"No route {route}")

    def _new_task(self, body: dict[str, Any]) -> dict[str, Any]:
        task_id = f"t{len(self.tasks) + 1}"
        task = {"task_id": task_id, "status": "queued", "eta": 0.1, "body": body, "polls": 0}
        self.tasks[task_id] = task
        return self._public(task)

    def _poll(self, task: dict[str, Any]) -> dict[str, Any]:
        if task["status"] in ("queued", "processing"):
            task["polls"] += 1
            task["status"] = "processing"
            if task["polls"] >= self.polls_to_finish:
                if self.fail_task:
                    task["status"] = "failed"
                    task["error"] = {"code": "GENERATION_FAILED", "message": "engine broke"}
                else:
                    task["status"] = "completed"
                    task["audio_url"] = f"{self.audio_url_base}/{task['task_id']}.wav"
                    task["duration"] = self.audio.duration
                    task["metadata"] = {"seed": 7, "prompt": task["body"].get("prompt")}
        return self._public(task)

    @staticmethod
    def _public(task: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in task.items() if k not in ("body", "polls")}


@pytest.fixture
def fake_api() -> FakeAPI:
    return FakeAPI()


@pytest.fixture(scope="session")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveAPI]:
    """A real server process on loopback with the composer, and its keys."""
    from tests.client.live import start_live_api

    live = start_live_api(tmp_path_factory.mktemp("live-api"))
    try:
        yield live
    finally:
        live.server.stop()
