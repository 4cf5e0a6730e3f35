"""The WebSocket stream in process: protocol, sample-exact audio, auth, limits, cancel."""

from __future__ import annotations

import asyncio
import base64
import io
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from starlette.websockets import WebSocketDisconnect

from music_gen.audio import AudioOutput
from music_gen.engines.base import AudioChunk, Engine, EngineCapabilities, ProgressCallback
from music_gen.engines.registry import temporarily_registered
from music_gen.engines.spec import ModelSpec
from music_gen.params import GenerationParams
from music_gen.service import streaming
from music_gen.service.routes.common import new_task
from tests.service.conftest import TERMINAL, Service

RATE = 8000
WS = "/api/v1/ws/stream"


class DripEngine(Engine):
    """Streams a stereo chirp chunk by chunk, pausing between chunks like a slow renderer."""

    def __init__(self, pause_s: float) -> None:
        self.pause_s = pause_s

    @property
    def capabilities(self) -> EngineCapabilities:
        return EngineCapabilities(
            max_duration_s=120.0, sample_rate=RATE, channels=2, streaming=True
        )

    def generate(
        self, params: GenerationParams, *, progress: ProgressCallback | None = None
    ) -> AudioOutput:
        frames = round(params.duration_s * RATE)
        t = np.arange(frames) / RATE
        left = 0.9 * np.sin(2 * np.pi * (200 + 300 * t / max(t[-1], 1e-9)) * t)
        # Full-scale edges make the quantisation corner cases part of every test.
        left[:4] = [1.0, -1.0, 0.99999, -0.99999]
        return AudioOutput(np.stack([left, -0.5 * left]), RATE, {"engine": "drip"})

    def stream(self, params: GenerationParams, *, chunk_s: float = 1.0) -> Iterator[AudioChunk]:
        audio = self.generate(params)
        step = max(1, round(chunk_s * RATE))
        for start in range(0, audio.num_frames, step):
            time.sleep(self.pause_s)
            end = min(start + step, audio.num_frames)
            yield AudioChunk(audio.samples[:, start:end], RATE, start, end >= audio.num_frames)


def _spec(name: str, pause_s: float) -> ModelSpec:
    return ModelSpec(
        name=name,
        engine="drip",
        size="0",
        quality="test",
        sample_rate=RATE,
        channels=2,
        max_duration_s=120.0,
        description="streaming test engine",
        factory=lambda spec, options: DripEngine(pause_s),
        check=lambda spec, options: None,
    )


@pytest.fixture(scope="module", autouse=True)
def _drip_engines() -> Iterator[None]:
    with temporarily_registered(
        _spec("test-drip", 0.0), _spec("test-drip-slow", 0.05), _spec("test-drip-slow-b", 0.05)
    ):
        yield


def _read_stream(ws: Any) -> tuple[dict, list[dict], dict]:
    started = ws.receive_json()
    chunks, last = [], None
    while True:
        message = ws.receive_json()
        if message["type"] != "audio_chunk":
            last = message
            break
        chunks.append(message)
    return started, chunks, last


def _pcm(chunks: list[dict]) -> np.ndarray:
    return np.frombuffer(b"".join(base64.b64decode(c["data"]) for c in chunks), dtype="<i2")


def test_stream_matches_the_stored_file_sample_for_sample(service: Service) -> None:
    headers = service.auth()
    with service.client.websocket_connect(WS, headers=headers) as ws:
        ws.send_json(
            {
                "type": "generate",
                "prompt": "rising chirp",
                "duration": 1.3,
                "seed": 5,
                "model": "test-drip",
                "stream": True,
                "chunk_s": 0.25,
                # The engine's own full-scale samples, to check they are encoded unchanged.
                "loudness_lufs": None,
            }
        )
        started, chunks, completed = _read_stream(ws)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 1000
    assert started["type"] == "started"
    assert (started["sample_rate"], started["channels"], started["encoding"]) == (
        RATE,
        2,
        "pcm_s16le",
    )
    assert [c["seq"] for c in chunks] == list(range(len(chunks))) and len(chunks) == 6
    assert [c["start_frame"] for c in chunks] == [i * 2000 for i in range(6)]
    assert chunks[1]["timestamp"] == 0.25
    assert completed["type"] == "completed" and completed["task_id"] == started["task_id"]
    assert completed["duration"] == 1.3 and completed["metadata"]["seed"] == 5

    streamed = _pcm(chunks).reshape(-1, 2)
    assert streamed.shape == (round(1.3 * RATE), 2)
    audio = service.client.get(completed["audio_url"], headers=headers)
    assert audio.status_code == 200
    stored, rate = sf.read(io.BytesIO(audio.content), dtype="int16")
    assert rate == RATE
    np.testing.assert_array_equal(streamed, stored)
    # Full scale both ways survives identically (libsndfile's clipping, not a re-derivation).
    assert stored[:, 0].max() == 32767 and stored[:, 0].min() == -32768

    task = service.client.get(f"/api/v1/generate/{started['task_id']}", headers=headers).json()
    assert task["status"] == "completed" and task["audio_url"] == completed["audio_url"]


def test_stream_false_sends_only_started_and_completed(service: Service) -> None:
    headers = service.auth()
    with service.client.websocket_connect(WS, headers=headers) as ws:
        ws.send_json(
            {
                "type": "generate",
                "prompt": "x",
                "duration": 0.5,
                "model": "test-drip",
                "stream": False,
            }
        )
        started, chunks, completed = _read_stream(ws)
    assert (started["type"], chunks, completed["type"]) == ("started", [], "completed")
    stored = service.client.get(completed["audio_url"], headers=headers)
    assert sf.info(io.BytesIO(stored.content)).frames == round(0.5 * RATE)


def test_token_in_the_first_message_authenticates(service: Service) -> None:
    key, _ = service.key()
    with service.client.websocket_connect(WS) as ws:
        ws.send_json(
            {"type": "generate", "prompt": "x", "duration": 0.2, "model": "test-drip", "token": key}
        )
        _, chunks, completed = _read_stream(ws)
    assert completed["type"] == "completed"
    assert len(_pcm(chunks)) == round(0.2 * RATE) * 2


@pytest.mark.parametrize("how", ["none", "header", "token"])
def test_a_bad_key_is_refused_with_1008(service: Service, how: str) -> None:
    headers = {"Authorization": "Bearer mgk_000000000000_" + "x" * 40} if how == "header" else {}
    message = {"type": "generate", "prompt": "x", "duration": 0.2, "model": "test-drip"}
    if how == "token":
        message["token"] = "not-a-key"
    with service.client.websocket_connect(WS, headers=headers) as ws:
        if how != "header":
            ws.send_json(message)
        error = ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert error["type"] == "error" and error["error"]["code"] == "UNAUTHORIZED"
    assert closed.value.code == 1008


def test_invalid_requests_get_the_rest_api_codes(service: Service) -> None:
    headers = service.auth()
    cases = [
        ({"prompt": "", "duration": 1}, "INVALID_PROMPT"),
        ({"prompt": "x", "duration": -1}, "INVALID_PARAMETER"),
        ({"prompt": "x", "duration": 1, "top_p": 2}, "INVALID_PARAMETER"),
        ({"prompt": "x", "duration": 1, "model": "nope"}, "MODEL_NOT_FOUND"),
        ({"prompt": "x", "duration": 1, "chunk_s": 0}, "INVALID_PARAMETER"),
        ({"prompt": "x", "duration": 1, "stream": "yes"}, "INVALID_PARAMETER"),
        ({"prompt": "x", "duration": 1, "colour": "blue"}, "INVALID_PARAMETER"),
        ({"prompt": "x", "duration": 500, "model": "test-tone"}, "INVALID_PARAMETER"),
    ]
    for fields, code in cases:
        with service.client.websocket_connect(WS, headers=headers) as ws:
            ws.send_json({"type": "generate", **fields})
            error = ws.receive_json()
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
        assert error["error"]["code"] == code, (fields, error)
        assert closed.value.code == 1008


def test_cancel_message_stops_the_generation(service: Service) -> None:
    headers = service.auth()
    with service.client.websocket_connect(WS, headers=headers) as ws:
        ws.send_json(
            {
                "type": "generate",
                "prompt": "x",
                "duration": 60,
                "model": "test-drip-slow",
                "chunk_s": 0.1,
            }
        )
        started = ws.receive_json()
        assert ws.receive_json()["type"] == "audio_chunk"
        ws.send_json({"type": "cancel"})
        while (message := ws.receive_json())["type"] == "audio_chunk":
            pass
    assert message == {"type": "cancelled", "task_id": started["task_id"]}
    task = service.wait(started["task_id"], headers)
    assert task["status"] == "cancelled" and task["audio_url"] is None


def test_disconnect_cancels_and_frees_the_engine(service: Service) -> None:
    headers = service.auth()
    with service.client.websocket_connect(WS, headers=headers) as ws:
        ws.send_json(
            {
                "type": "generate",
                "prompt": "x",
                "duration": 60,
                "model": "test-drip-slow",
                "chunk_s": 0.1,
            }
        )
        task_id = ws.receive_json()["task_id"]
        assert ws.receive_json()["type"] == "audio_chunk"
    assert service.wait(task_id, headers)["status"] == "cancelled"
    # The same model streams again at once: nothing was left holding it.
    with service.client.websocket_connect(WS, headers=headers) as ws:
        ws.send_json(
            {"type": "generate", "prompt": "x", "duration": 0.3, "model": "test-drip-slow"}
        )
        assert _read_stream(ws)[2]["type"] == "completed"


def test_rest_delete_cancels_a_stream(service: Service) -> None:
    headers = service.auth()
    with service.client.websocket_connect(WS, headers=headers) as ws:
        ws.send_json(
            {
                "type": "generate",
                "prompt": "x",
                "duration": 60,
                "model": "test-drip-slow",
                "chunk_s": 0.1,
            }
        )
        task_id = ws.receive_json()["task_id"]
        assert ws.receive_json()["type"] == "audio_chunk"
        running = service.client.get(f"/api/v1/generate/{task_id}", headers=headers).json()
        assert running["status"] == "processing"
        assert (
            service.client.post(f"/api/v1/generate/{task_id}/cancel", headers=headers).status_code
            == 200
        )
        while (message := ws.receive_json())["type"] == "audio_chunk":
            pass
    assert message["type"] == "cancelled"
    assert service.wait(task_id, headers)["status"] in TERMINAL


def test_rate_limit_refuses_with_retry_after(tight: Service) -> None:
    key, _ = tight.key("free")
    headers = {"Authorization": f"Bearer {key}"}
    for _ in range(5):
        tight.client.get("/api/v1/generate/none", headers=headers)
    with tight.client.websocket_connect(WS, headers=headers) as ws:
        error = ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert error["error"]["code"] == "RATE_LIMITED"
    assert error["error"]["details"]["retry_after"] >= 1
    assert closed.value.code == 1013


def test_concurrency_limit_counts_streams(tight: Service) -> None:
    key, _ = tight.key("pro")  # the tight service allows 2 concurrent pro generations
    headers = {"Authorization": f"Bearer {key}"}

    def long(model: str) -> dict[str, Any]:
        # No chunks: a minute of audio is more than the tight bandwidth quota.
        return {"type": "generate", "prompt": "x", "duration": 60, "model": model, "stream": False}

    with (
        tight.client.websocket_connect(WS, headers=headers) as one,
        tight.client.websocket_connect(WS, headers=headers) as two,
    ):
        one.send_json(long("test-drip-slow"))
        two.send_json(long("test-drip-slow-b"))
        assert one.receive_json()["type"] == two.receive_json()["type"] == "started"
        with tight.client.websocket_connect(WS, headers=headers) as three:
            three.send_json(long("test-drip-slow"))
            error = three.receive_json()
        assert error["error"]["code"] == "CONCURRENCY_LIMIT"
        assert error["error"]["details"]["retry_after"] >= 1
        one.send_json({"type": "cancel"})
        two.send_json({"type": "cancel"})


def test_a_reader_that_stalls_is_dropped_and_frees_the_model(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drive a StreamRun whose socket never takes a chunk: it must give up, not hold on."""
    monkeypatch.setattr(streaming, "QUEUE_AUDIO_S", 0.2)
    monkeypatch.setattr(streaming, "STALL_TIMEOUT_S", 0.3)
    key, _ = service.key()
    state = service.state
    with state.db.session() as session:
        principal = state.authenticate(session, f"Bearer {key}")
        task = new_task(
            principal, model="test-drip", duration_s=30, fmt="wav", params={}, kind="stream"
        )
        task.status = "processing"
        session.add(task)
        task_id = task.id
    job = streaming.StreamJob(
        task_id=task_id,
        principal=principal,
        model="test-drip",
        prompt="x",
        duration_s=30,
        temperature=1.0,
        top_k=250,
        top_p=1.0,
        seed=1,
        format="wav",
        chunk_s=0.1,
    )

    async def scenario() -> list[tuple[str, Any]]:
        run = streaming.StreamRun(state, job, lambda file_id: file_id)
        run.start()
        await asyncio.to_thread(run.join, 30.0)
        return [run.queue.get_nowait() for _ in range(run.queue.qsize())]

    messages = asyncio.run(scenario())
    kinds = [kind for kind, _ in messages]
    assert kinds[0] == "started" and kinds[-1] == "error"
    assert kinds.count("audio_chunk") == 2  # QUEUE_AUDIO_S / chunk_s chunks, then it waited
    assert messages[-1][1].details["reason"] == "slow_reader"
    headers = {"Authorization": f"Bearer {key}"}
    task = service.wait(task_id, headers)
    assert task["status"] == "cancelled"
    assert task["error"]["code"] == "CANCELLED"
    assert task["error"]["details"]["reason"] == "slow_reader"
    with service.client.websocket_connect(WS, headers=headers) as ws:
        ws.send_json({"type": "generate", "prompt": "x", "duration": 0.3, "model": "test-drip"})
        assert _read_stream(ws)[2]["type"] == "completed"
