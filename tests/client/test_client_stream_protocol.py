"""Decoding the WebSocket stream's messages (no network)."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from music_gen import APIError, AuthenticationError, RateLimitError
from music_gen.client.errors import GenerationAPIError, InvalidPromptAPIError
from music_gen.client.streaming import _Protocol


def started(channels: int = 2, encoding: str = "pcm_s16le") -> str:
    return json.dumps(
        {
            "type": "started",
            "task_id": "t1",
            "sample_rate": 8000,
            "channels": channels,
            "encoding": encoding,
        }
    )


def chunk(seq: int, frames: np.ndarray, start: int) -> str:
    """frames: int16 (frames, channels), sent interleaved."""
    data = base64.b64encode(frames.astype("<i2").tobytes()).decode()
    return json.dumps(
        {"type": "audio_chunk", "seq": seq, "data": data, "start_frame": start, "timestamp": 0}
    )


def test_chunks_decode_to_the_interleaved_pcm() -> None:
    protocol = _Protocol()
    assert protocol.feed(started()) is None
    pcm = np.array([[0, -32768], [16384, 32767], [-1, 1]], dtype=np.int16)
    first = protocol.feed(chunk(0, pcm, 0))
    second = protocol.feed(chunk(1, pcm[:1], 3))
    assert first is not None and second is not None
    assert first.frames == 3 and second.start_frame == 3
    np.testing.assert_array_equal(first.samples[0], np.array([0, 0.5, -1 / 32768], np.float32))
    np.testing.assert_array_equal(first.samples[1], np.array([-1.0, 32767 / 32768, 1 / 32768]))
    assert first.pcm == pcm.tobytes()
    protocol.feed(
        json.dumps({"type": "completed", "task_id": "t1", "audio_url": "/a", "duration": 0.1})
    )
    assert protocol.finished and protocol.result is not None
    audio = protocol.to_audio([first, second])
    assert audio.num_frames == 4 and audio.sample_rate == 8000


def test_out_of_order_and_ragged_chunks_are_protocol_errors() -> None:
    protocol = _Protocol()
    protocol.feed(started())
    with pytest.raises(APIError) as info:
        protocol.feed(chunk(1, np.zeros((2, 2)), 0))
    assert info.value.code == "PROTOCOL_ERROR"
    ragged = json.dumps(
        {"type": "audio_chunk", "seq": 0, "data": base64.b64encode(b"\0" * 6).decode()}
    )
    with pytest.raises(APIError, match="whole number"):
        protocol.feed(ragged)


def test_chunk_before_started_and_unknown_encoding_are_refused() -> None:
    with pytest.raises(APIError, match="before started"):
        _Protocol().feed(chunk(0, np.zeros((1, 2)), 0))
    with pytest.raises(APIError, match="encoding"):
        _Protocol().feed(started(encoding="opus"))


@pytest.mark.parametrize(
    ("code", "exc_type"),
    [
        ("UNAUTHORIZED", AuthenticationError),
        ("RATE_LIMITED", RateLimitError),
        ("CONCURRENCY_LIMIT", RateLimitError),
        ("INVALID_PROMPT", InvalidPromptAPIError),
        ("GENERATION_FAILED", GenerationAPIError),
        ("SOMETHING_NEWER", APIError),
    ],
)
def test_error_messages_raise_typed_errors(code: str, exc_type: type[APIError]) -> None:
    message = {"type": "error", "error": {"code": code, "message": "no", "details": {}}}
    with pytest.raises(exc_type) as info:
        _Protocol().feed(json.dumps(message))
    assert info.value.code == code
    assert type(info.value) is exc_type


def test_cancelled_ends_the_stream_quietly() -> None:
    protocol = _Protocol()
    protocol.feed(started())
    assert protocol.feed(json.dumps({"type": "cancelled", "task_id": "t1"})) is None
    assert protocol.cancelled and protocol.finished and protocol.result is None
