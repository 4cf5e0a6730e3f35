"""``/ws/live`` in process: the protocol, steering, stopping, auth and every limit."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from starlette.websockets import WebSocketDisconnect

from music_gen import MusicGenerator
from music_gen.engines.composer.render import soundfont_problem
from music_gen.level import CEILING_DBTP
from music_gen.mixing.loudness import integrated_loudness, true_peak_db
from music_gen.service import create_app
from music_gen.service.auth import create_key
from music_gen.service.limits import Limits
from music_gen.service.routes import live as live_route
from music_gen.service.state import AppState
from music_gen.service.streaming import pcm16
from tests.service.conftest import SECRET, make_settings

if soundfont_problem() is not None:  # pragma: no cover - depends on the machine
    pytest.skip(f"composer unavailable: {soundfont_problem()}", allow_module_level=True)

WS = "/api/v1/ws/live"
START = {"type": "start", "prompt": "calm piano melody", "model": "composer", "seed": 1}


@contextmanager
def live_app(tmp_path: Path, **settings: Any) -> Iterator[tuple[TestClient, AppState]]:
    # A long lookahead lets the tests read audio faster than real time.
    settings.setdefault("live_lookahead_s", 10.0)
    app = create_app(make_settings(tmp_path, **settings))
    with TestClient(app) as client:
        yield client, app.state.service


def key(state: AppState, tier: str = "free") -> dict[str, str]:
    with state.db.session() as session:
        _, secret = create_key(session, name="live", tier=tier, secret=SECRET)
    return {"Authorization": f"Bearer {secret}"}


def read_until(ws: Any, kind: str, chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """Messages until one of ``kind``; audio chunks on the way are appended to ``chunks``."""
    while True:
        message = ws.receive_json()
        if message["type"] == "audio_chunk":
            chunks.append(message)
        elif message["type"] == kind:
            return message
        else:
            raise AssertionError(f"unexpected {message}")


def test_steers_answer_and_bad_messages_leave_the_music_playing(tmp_path: Path) -> None:
    with (
        live_app(tmp_path) as (client, state),
        client.websocket_connect(WS, headers=key(state)) as ws,
    ):
        ws.send_json({**START, "intensity": 0.3, "chunk_s": 0.25})
        started = ws.receive_json()
        assert started["type"] == "started"
        assert (started["sample_rate"], started["channels"]) == (44100, 2)
        assert started["encoding"] == "pcm_s16le" and started["seed"] == 1
        assert started["plan"]["intensity"] == 0.3 and started["plan"]["key"]
        chunks: list[dict[str, Any]] = []
        for bad, field in (
            ({"type": "steer", "id": 1, "intensity": 5}, "intensity"),
            ({"type": "steer", "id": 2, "key": "H minor"}, "key"),
            ({"type": "steer", "id": 3, "at": "soon", "intensity": 0.5}, "at"),
            ({"type": "steer", "id": 4, "loudness": 1}, None),
            ({"type": "dance", "id": 5}, "type"),
        ):
            ws.send_json(bad)
            error = read_until(ws, "error", chunks)
            assert error["id"] == bad["id"]
            assert error["error"]["code"] == "INVALID_PARAMETER"
            assert field is None or error["error"]["details"]["field"] == field
        ws.send_text("not json")
        assert read_until(ws, "error", chunks)["id"] is None
        ws.send_json({"type": "steer", "id": "go", "intensity": 0.9, "key": "E minor"})
        steered = read_until(ws, "steered", chunks)
        assert steered["id"] == "go" and steered["plan"]["key"] == "E minor"
        assert steered["transition_frame"] <= steered["effect_frame"]
        assert steered["plan"]["intensity"] == 0.9
        ws.send_json({"type": "ping", "id": 9})
        assert read_until(ws, "pong", chunks)["id"] == 9
        ws.send_json({"type": "stop", "ending": False})
        stopping = read_until(ws, "stopping", chunks)
        stopped = read_until(ws, "stopped", chunks)
        assert stopped["reason"] == "client" and stopped["frames"] == stopping["end_frame"]
    # The music never stopped: chunks are in order and contiguous, through every error.
    assert [c["seq"] for c in chunks] == list(range(len(chunks)))
    ends = [c["start_frame"] + c["frames"] for c in chunks]
    assert [c["start_frame"] for c in chunks[1:]] == ends[:-1]
    assert ends[-1] == stopped["frames"]
    pcm = b"".join(base64.b64decode(c["data"]) for c in chunks)
    samples = np.frombuffer(pcm, "<i2").reshape(-1, 2)
    assert len(samples) == stopped["frames"] and np.abs(samples).max() > 1000


@pytest.mark.parametrize(
    ("first", "code"),
    [
        ({"type": "generate", "prompt": "x"}, "INVALID_PARAMETER"),
        ({**START, "model": "test-tone"}, "UNSUPPORTED_OPERATION"),
        ({**START, "prompt": ""}, "INVALID_PROMPT"),
        ({**START, "chunk_s": 5}, "INVALID_PARAMETER"),
        ({**START, "intensity": "high"}, "INVALID_PARAMETER"),
        ({**START, "volume": 3}, "INVALID_PARAMETER"),
        ({**START, "loudness_lufs": 3}, "INVALID_PARAMETER"),
        ({**START, "loudness_lufs": "loud"}, "INVALID_PARAMETER"),
    ],
)
def test_a_bad_start_is_refused_with_the_envelope(
    tmp_path: Path, first: dict[str, Any], code: str
) -> None:
    with (
        live_app(tmp_path) as (client, state),
        client.websocket_connect(WS, headers=key(state)) as ws,
    ):
        ws.send_json(first)
        error = ws.receive_json()
        assert error["type"] == "error" and error["error"]["code"] == code
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 1008


def test_a_key_is_needed_in_the_header_or_the_start_message(tmp_path: Path) -> None:
    with live_app(tmp_path) as (client, state):
        with client.websocket_connect(WS) as ws:
            ws.send_json(START)
            assert ws.receive_json()["error"]["code"] == "UNAUTHORIZED"
        token = key(state)["Authorization"].split()[1]
        with client.websocket_connect(WS) as ws:
            ws.send_json({**START, "token": token})
            assert ws.receive_json()["type"] == "started"
            ws.send_json({"type": "stop", "ending": False})
            read_until(ws, "stopping", [])


def test_live_sessions_count_against_concurrency(tmp_path: Path) -> None:
    with live_app(tmp_path, free_concurrent_generations=1) as (client, state):
        headers = key(state)
        with client.websocket_connect(WS, headers=headers) as first:
            first.send_json(START)
            assert first.receive_json()["type"] == "started"
            with client.websocket_connect(WS, headers=headers) as second:
                second.send_json(START)
                error = second.receive_json()
                assert error["error"]["code"] == "CONCURRENCY_LIMIT"
                assert error["error"]["details"]["retry_after"] >= 1
                with pytest.raises(WebSocketDisconnect) as closed:
                    second.receive_json()
                assert closed.value.code == 1013
            first.send_json({"type": "stop", "ending": False})
            read_until(first, "stopping", [])
            read_until(first, "stopped", [])
        # The session ended, so another may start.
        with client.websocket_connect(WS, headers=headers) as third:
            third.send_json(START)
            assert third.receive_json()["type"] == "started"


def test_the_bandwidth_quota_ends_the_stream(tmp_path: Path) -> None:
    quota = 1_500_000
    with live_app(tmp_path, free_monthly_bandwidth_bytes=quota) as (client, state):
        headers = key(state)
        chunks: list[dict[str, Any]] = []
        with client.websocket_connect(WS, headers=headers) as ws:
            ws.send_json(START)
            ws.receive_json()
            error = read_until(ws, "error", chunks)
            assert error["error"]["code"] == "QUOTA_EXCEEDED"
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 1013
        sent = sum(c["frames"] * 4 for c in chunks)
        assert quota - CHUNK_BYTES < sent <= quota
        assert used(state) == sent
        with client.websocket_connect(WS, headers=headers) as ws:
            ws.send_json(START)
            assert ws.receive_json()["error"]["code"] == "QUOTA_EXCEEDED"


CHUNK_BYTES = 11025 * 2 * 2  # 0.25 s of 16-bit stereo at 44.1 kHz


def used(state: AppState) -> int:
    with state.db.session() as session:
        account = session.execute(text("SELECT account_id FROM api_keys")).scalar_one()
        return Limits.bandwidth_used(session, account)


def test_a_tiny_quota_is_never_passed_even_by_two_sessions_at_once(tmp_path: Path) -> None:
    quota = 3 * CHUNK_BYTES + CHUNK_BYTES // 2
    with live_app(tmp_path, free_monthly_bandwidth_bytes=quota) as (client, state):
        headers = key(state)
        chunks: list[dict[str, Any]] = []
        with (
            client.websocket_connect(WS, headers=headers) as first,
            client.websocket_connect(WS, headers=headers) as second,
        ):
            for ws in (first, second):
                ws.send_json(START)
                assert ws.receive_json()["type"] == "started"
            for ws in (first, second):
                error = read_until(ws, "error", chunks)
                assert error["error"]["code"] == "QUOTA_EXCEEDED"
                assert error["error"]["details"]["retry_after"] >= 1
                with pytest.raises(WebSocketDisconnect) as closed:
                    ws.receive_json()
                assert closed.value.code == 1013
        # Each chunk was paid for before it was sent: three fit, and no fourth was sent.
        assert len(chunks) == 3 and all(c["frames"] * 4 == CHUNK_BYTES for c in chunks)
        assert used(state) == 3 * CHUNK_BYTES <= quota


def test_a_session_cut_short_gives_back_what_it_did_not_send(tmp_path: Path) -> None:
    # A short lookahead: the server sends a few chunks ahead, but reserves a 5 s block.
    with live_app(tmp_path, live_lookahead_s=0.5) as (client, state):
        with client.websocket_connect(WS, headers=key(state)) as ws:
            ws.send_json(START)
            ws.receive_json()
            for _ in range(3):
                assert ws.receive_json()["type"] == "audio_chunk"
        # The client left: the unsent rest of the block went back to the quota.
        assert 3 * CHUNK_BYTES <= used(state) <= 8 * CHUNK_BYTES


def test_the_first_chunk_is_paid_for_while_the_session_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the server does, in order: bandwidth written to the database, chunks made.
    events: list[str] = []
    encode = live_route.pcm16

    def made(samples: np.ndarray) -> bytes:
        events.append("chunk")
        return encode(samples)

    def written(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "bandwidth_usage" in statement and statement.split()[0] in ("UPDATE", "INSERT"):
            events.append("write")

    monkeypatch.setattr(live_route, "pcm16", made)
    with live_app(tmp_path, live_lookahead_s=0.5) as (client, state):
        event.listen(state.db.engine, "before_cursor_execute", written)
        with client.websocket_connect(WS, headers=key(state)) as ws:
            ws.send_json(START)
            assert ws.receive_json()["type"] == "started"
            chunks = [ws.receive_json() for _ in range(3)]
            assert all(c["type"] == "audio_chunk" for c in chunks)
    first, second = [k for k, e in enumerate(events) if e == "chunk"][:2]
    assert "write" in events[:first]  # taken from the quota while starting
    assert "write" not in events[first:second]  # so the first chunk waited for no write


def test_the_live_audio_is_levelled_to_the_start_message_target(tmp_path: Path) -> None:
    # Not the default -14 LUFS (the library's tests cover that), so the message is what counts.
    target = -20.0
    with (
        live_app(tmp_path) as (client, state),
        client.websocket_connect(WS, headers=key(state)) as ws,
    ):
        ws.send_json({**START, "prompt": "upbeat jazz trio", "loudness_lufs": target})
        assert ws.receive_json()["loudness_lufs"] == target
        chunks: list[dict[str, Any]] = []
        while sum(c["frames"] for c in chunks) < 20 * 44100:
            message = ws.receive_json()
            assert message["type"] == "audio_chunk"
            chunks.append(message)
        ws.send_json({"type": "stop", "ending": False})
        read_until(ws, "stopping", chunks)
        read_until(ws, "stopped", chunks)
    pcm = b"".join(base64.b64decode(c["data"]) for c in chunks)
    samples = np.frombuffer(pcm, "<i2").reshape(-1, 2).T.astype(np.float32) / 32768
    assert abs(integrated_loudness(samples, 44100) - target) <= 2.5
    assert true_peak_db(samples) <= CEILING_DBTP


def test_loudness_null_plays_at_the_engine_level(tmp_path: Path) -> None:
    with (
        live_app(tmp_path) as (client, state),
        client.websocket_connect(WS, headers=key(state)) as ws,
    ):
        ws.send_json({**START, "loudness_lufs": None})
        started = ws.receive_json()
        assert started["type"] == "started" and started["loudness_lufs"] is None
        received = [base64.b64decode(ws.receive_json()["data"]) for _ in range(4)]
        ws.send_json({"type": "stop", "ending": False})
        read_until(ws, "stopping", [])
    # The engine's own samples, as the library plays them with loudness_lufs=None.
    with MusicGenerator().live(START["prompt"], seed=1, loudness_lufs=None) as live:
        assert received == [pcm16(next(live)) for _ in range(4)]


@pytest.mark.parametrize(
    ("settings", "reason"),
    [({"live_idle_timeout_s": 1.0}, "idle_timeout"), ({"live_max_session_s": 6.0}, "max_session")],
)
def test_idle_and_long_sessions_end_with_a_musical_ending(
    tmp_path: Path, settings: dict[str, float], reason: str
) -> None:
    with (
        live_app(tmp_path, **settings) as (client, state),
        client.websocket_connect(WS, headers=key(state)) as ws,
    ):
        ws.send_json({**START, "prompt": "upbeat pop at 140 bpm"})
        ws.receive_json()
        chunks: list[dict[str, Any]] = []
        stopping = read_until(ws, "stopping", chunks)
        assert stopping["reason"] == reason
        stopped = read_until(ws, "stopped", chunks)
        assert stopped["reason"] == reason
        assert chunks[-1]["start_frame"] + chunks[-1]["frames"] == stopping["end_frame"]
        last = np.frombuffer(base64.b64decode(chunks[-1]["data"]), "<i2")
        assert np.abs(last[-8:]).max() < 50  # faded out, not cut


DEEP = "[" * 30_000 + "]" * 30_000  # under the size limit, deeper than the parser recurses


@pytest.mark.parametrize(
    ("frame", "close"),
    [(DEEP, 1008), ("x" * (64 * 1024 + 1), 1009), (b"\xff\xfe", 1007)],
)
def test_a_hostile_first_frame_gets_the_envelope_and_a_close_code(
    tmp_path: Path, frame: str | bytes, close: int
) -> None:
    with (
        live_app(tmp_path) as (client, state),
        client.websocket_connect(WS, headers=key(state)) as ws,
    ):
        if isinstance(frame, bytes):
            ws.send_bytes(frame)
        else:
            ws.send_text(frame)
        error = ws.receive_json()
        assert error["type"] == "error" and error["error"]["code"] == "INVALID_PARAMETER"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == close


def test_a_hostile_frame_during_a_session_is_answered_and_the_music_plays_on(
    tmp_path: Path,
) -> None:
    with (
        live_app(tmp_path) as (client, state),
        client.websocket_connect(WS, headers=key(state)) as ws,
    ):
        ws.send_json(START)
        assert ws.receive_json()["type"] == "started"
        chunks: list[dict[str, Any]] = []
        for frame in (DEEP, "x" * (64 * 1024 + 1)):
            ws.send_text(frame)
            assert read_until(ws, "error", chunks)["error"]["code"] == "INVALID_PARAMETER"
        ws.send_json({"type": "ping", "id": 1})
        assert read_until(ws, "pong", chunks)["id"] == 1
        ws.send_json({"type": "stop", "ending": False})
        read_until(ws, "stopping", chunks)
    assert chunks


def test_failed_keys_on_the_live_socket_count_per_address(tmp_path: Path) -> None:
    with live_app(tmp_path, auth_failures_per_minute=2) as (client, _):
        codes = []
        for _ in range(3):
            with client.websocket_connect(WS, headers={"Authorization": "Bearer nope"}) as ws:
                codes.append(ws.receive_json()["error"]["code"])
        assert codes[:2] == ["UNAUTHORIZED", "UNAUTHORIZED"]
        assert codes[2] == "RATE_LIMITED"
