"""The live session's message handling (no I/O): chunks, steer replies, refusals, the end."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from music_gen.client.errors import APIError, AuthenticationError, RateLimitError
from music_gen.client.live import LiveProtocol


def started(protocol: LiveProtocol) -> None:
    protocol.feed(
        json.dumps(
            {
                "type": "started",
                "sample_rate": 8000,
                "channels": 2,
                "encoding": "pcm_s16le",
                "seed": 3,
                "plan": {"key": "C major", "intensity": 0.4},
            }
        )
    )


def chunk(seq: int, values: list[int], start: int) -> str:
    pcm = np.array(values, dtype="<i2").tobytes()
    data = base64.b64encode(pcm).decode()
    return json.dumps({"type": "audio_chunk", "seq": seq, "data": data, "start_frame": start})


def test_the_start_message_carries_only_what_was_given() -> None:
    protocol = LiveProtocol({"prompt": "calm", "intensity": 0.4, "seed": None})
    assert protocol.start == {"type": "start", "prompt": "calm", "intensity": 0.4}
    started(protocol)
    assert (protocol.sample_rate, protocol.channels, protocol.seed) == (8000, 2, 3)
    assert protocol.plan["key"] == "C major" and protocol.started


def test_chunks_decode_to_float_and_must_come_in_order() -> None:
    protocol = LiveProtocol({"prompt": "calm"})
    started(protocol)
    first = protocol.feed(chunk(0, [16384, -16384, 0, 32767], 0))
    assert first is not None and first.frames == 2 and first.start_frame == 0
    assert np.allclose(first.samples, [[0.5, 0.0], [-0.5, 32767 / 32768]])
    with pytest.raises(APIError, match="Chunk 5 arrived where chunk 1 was due"):
        protocol.feed(chunk(5, [0, 0], 2))


def test_steer_replies_are_matched_by_id_and_refusals_do_not_end_the_session() -> None:
    protocol = LiveProtocol({"prompt": "calm"})
    started(protocol)
    ident, text = protocol.steer_message(intensity=0.9, key=None, at="beat")
    assert json.loads(text) == {"type": "steer", "id": ident, "intensity": 0.9, "at": "beat"}
    refused = {"code": "INVALID_PARAMETER", "message": "intensity must be...", "details": {}}
    protocol.feed(json.dumps({"type": "error", "id": ident, "error": refused}))
    assert not protocol.finished
    with pytest.raises(APIError) as error:
        protocol.take(ident)
    assert error.value.code == "INVALID_PARAMETER"
    second, _ = protocol.steer_message(prompt="battle")
    protocol.feed(
        json.dumps(
            {
                "type": "steered",
                "id": second,
                "effect_frame": 800,
                "transition_frame": 600,
                "position_frame": 100,
                "at": "bar",
                "plan": {"mood": "tense"},
            }
        )
    )
    reply = protocol.take(second)
    assert (reply.effect_frame, reply.transition_frame, reply.position_frame) == (800, 600, 100)
    assert reply.plan["mood"] == "tense"


@pytest.mark.parametrize(
    ("code", "kind"),
    [("UNAUTHORIZED", AuthenticationError), ("QUOTA_EXCEEDED", RateLimitError)],
)
def test_an_error_without_id_ends_the_session(code: str, kind: type[APIError]) -> None:
    protocol = LiveProtocol({"prompt": "calm"})
    with pytest.raises(kind):
        protocol.feed(json.dumps({"type": "error", "error": {"code": code, "message": "no"}}))
    assert protocol.finished


def test_stopping_then_stopped() -> None:
    protocol = LiveProtocol({"prompt": "calm"})
    started(protocol)
    protocol.feed(json.dumps({"type": "stopping", "reason": "idle_timeout", "end_frame": 99}))
    assert protocol.end_frame == 99 and not protocol.finished
    protocol.feed(json.dumps({"type": "stopped", "reason": "idle_timeout", "frames": 99}))
    assert protocol.finished and protocol.stop_reason == "idle_timeout"
