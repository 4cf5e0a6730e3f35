"""MusicGen streams over the WebSocket through its engine's stream() (tiny local checkpoint)."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.service.conftest import Service, make_settings

pytest.importorskip("torch")
pytest.importorskip("transformers")

from tests.engines.musicgen.tiny import TINY_SAMPLE_RATE, build_tiny_checkpoint


@pytest.fixture(scope="module")
def tiny_mono(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_checkpoint(tmp_path_factory.mktemp("tiny-stream") / "mono", "mono")


@pytest.fixture(scope="module")
def service(tiny_mono: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A server whose operator serves the tiny checkpoint (clients name it by its path)."""
    from fastapi.testclient import TestClient

    from music_gen.service import create_app

    settings = make_settings(tmp_path_factory.mktemp("served"), models=f"test-tone,{tiny_mono}")
    app = create_app(settings)
    with TestClient(app) as client:
        yield Service(client=client, state=app.state.service)


def test_musicgen_streams_sample_exact_chunks(service: Service, tiny_mono: Path) -> None:
    headers = service.auth()
    with service.client.websocket_connect("/api/v1/ws/stream", headers=headers) as ws:
        ws.send_json(
            {
                "type": "generate",
                "prompt": "calm piano melody",
                "duration": 1.2,
                "seed": 3,
                "model": str(tiny_mono),
                "chunk_s": 0.4,
            }
        )
        started = ws.receive_json()
        chunks = []
        while (message := ws.receive_json())["type"] == "audio_chunk":
            chunks.append(message)
    assert started["type"] == "started", started
    assert (started["sample_rate"], started["channels"]) == (TINY_SAMPLE_RATE, 1)
    assert message["type"] == "completed", message
    assert len(chunks) >= 2  # audio arrived in pieces, not as one block at the end
    pcm = np.frombuffer(b"".join(base64.b64decode(c["data"]) for c in chunks), dtype="<i2")
    assert pcm.size == round(1.2 * TINY_SAMPLE_RATE)
    stored = service.client.get(message["audio_url"], headers=headers)
    samples, rate = sf.read(io.BytesIO(stored.content), dtype="int16")
    assert rate == TINY_SAMPLE_RATE
    np.testing.assert_array_equal(pcm, samples)
