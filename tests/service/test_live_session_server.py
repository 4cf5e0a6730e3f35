"""A live session against a real ``python -m music_gen serve`` process, through both SDKs."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from music_gen import APIClient, AsyncAPIClient
from music_gen.client import StreamChunk
from music_gen.client.errors import APIError
from tests.service.live import LiveServer, create_key

pytestmark = pytest.mark.slow

SR = 44100
JS_DIR = Path(__file__).resolve().parents[2] / "clients" / "js"


def _node_has_websocket() -> bool:
    if shutil.which("node") is None:
        return False
    if (JS_DIR / "node_modules" / "ws").is_dir():
        return True
    version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout
    return int(version.strip().lstrip("v").split(".")[0] or 0) >= 22


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # A long lookahead: the test reads faster than real time.
    live = LiveServer(tmp_path_factory.mktemp("live-session"), live_lookahead_s="10").start()
    try:
        yield live
    finally:
        live.stop()


def contiguous(chunks: list[StreamChunk]) -> np.ndarray:
    assert [c.seq for c in chunks] == list(range(len(chunks)))
    starts = [c.start_frame for c in chunks]
    assert starts == list(np.cumsum([0] + [c.frames for c in chunks[:-1]]))
    return np.concatenate([c.samples for c in chunks], axis=1)


def test_a_session_steered_and_ended_through_the_sync_client(server: LiveServer) -> None:
    client = APIClient(api_key=create_key(server.env), base_url=f"{server.url}/api/v1")
    chunks: list[StreamChunk] = []
    with client.live("calm piano melody", intensity=0.2, seed=4, chunk_s=0.5) as live:
        assert live.sample_rate == SR and live.seed == 4 and live.plan["intensity"] == 0.2
        steered = False
        for chunk in live:
            chunks.append(chunk)
            done = sum(c.frames for c in chunks)
            if done >= 2 * SR and not steered:
                steered = True
                with pytest.raises(APIError, match="intensity") as refused:
                    live.steer(intensity=7)
                assert refused.value.code == "INVALID_PARAMETER"
                change = live.steer("tense dark music", intensity=1.0, at="beat")
                assert change.plan["intensity"] == 1.0 and change.plan["mood"] == "tense"
                assert change.position_frame is not None
                assert change.effect_frame >= done
            if steered and done >= change.effect_frame + 2 * SR and live.end_frame is None:
                end = live.stop(ending=False)
    assert live.stop_reason == "client"
    audio = contiguous(chunks)
    assert audio.shape[1] == end
    meter_before = np.sqrt(np.mean(audio[:, : 2 * SR] ** 2))
    after = audio[:, change.effect_frame : change.effect_frame + 2 * SR]
    meter_after = np.sqrt(np.mean(after**2))
    assert meter_after > 2 * meter_before
    assert np.abs(audio[:, -1]).max() < 1e-3


def test_the_async_client_steers_the_key(server: LiveServer) -> None:
    async def play() -> tuple[list[StreamChunk], int, str]:
        client = AsyncAPIClient(api_key=create_key(server.env), base_url=f"{server.url}/api/v1")
        chunks: list[StreamChunk] = []
        async with client.live("folk song with acoustic guitar", seed=5, chunk_s=0.25) as live:
            change = await live.steer(key="Bb major", at="beat")
            end = await live.stop(ending=False)
            async for chunk in live:
                chunks.append(chunk)
        await client.aclose()
        return chunks, end, change.plan["key"]

    chunks, end, key = asyncio.run(play())
    assert key == "Bb major"
    assert contiguous(chunks).shape[1] == end


@pytest.mark.skipif(not _node_has_websocket(), reason="node with a WebSocket is not installed")
def test_the_javascript_client_plays_a_live_session(server: LiveServer) -> None:
    env = {
        **os.environ,
        "MUSICGEN_LIVE_SESSION_BASE_URL": f"{server.url}/api/v1",
        "MUSICGEN_LIVE_SESSION_API_KEY": create_key(server.env),
    }
    done = subprocess.run(
        ["node", "--test", "test/live-session.test.js"],
        cwd=JS_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    # Every test ran against the server: none failed, none skipped for want of one.
    assert "# fail 0" in done.stdout and "# skipped 0" in done.stdout
