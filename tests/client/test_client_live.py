"""The Python and JavaScript clients against a real ``musicgen serve`` process (composer)."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from music_gen import (
    APIClient,
    APIError,
    AsyncAPIClient,
    AuthenticationError,
    NotFoundError,
    RateLimitError,
)
from tests.client.live import FREE_REQUESTS_PER_MINUTE, LiveAPI

pytestmark = pytest.mark.slow

RATE = 44100
JS_DIR = Path(__file__).resolve().parents[2] / "clients" / "js"


@pytest.fixture(scope="module")
def client(live_api: LiveAPI) -> APIClient:
    return APIClient(api_key=live_api.key, base_url=live_api.base_url)


def test_generate_downloads_decodes_and_saves(client: APIClient, tmp_path: Path) -> None:
    result = client.generate("calm piano melody in D minor", duration=2, seed=7)
    assert result.format == "wav"
    assert result.audio.num_frames == 2 * RATE and result.audio.channels == 2
    assert result.audio.sample_rate == RATE
    assert np.abs(result.audio.samples).max() > 0.01  # music, not silence
    assert result.metadata["seed"] == 7
    assert result.duration == 2.0
    path = result.save(tmp_path / "calm.wav")
    assert path.read_bytes() == result.content
    flac = client.generate("calm piano melody in D minor", duration=2, seed=7, format="flac")
    assert flac.content[:4] == b"fLaC"
    # Same seed, same music (to within the synthesizer's last-bit dither).
    assert flac.audio.num_frames == result.audio.num_frames
    assert np.abs(flac.audio.samples - result.audio.samples).max() <= 4 / 32768


def test_batch_models_health_and_cancel(client: APIClient) -> None:
    batch = client.generate_batch(
        ["upbeat jazz piano", {"prompt": "rock guitar riff", "duration": 1, "seed": 2}]
    )
    assert batch.ok and len(batch.task_ids) == 2
    assert batch.results[1].audio.num_frames == RATE  # type: ignore[union-attr]
    status = client.batch(batch.batch_id)
    assert status["status"] == "completed"
    assert [task["task_id"] for task in status["tasks"]] == batch.task_ids
    assert "composer" in [model["name"] for model in client.models()]
    assert client.health()["status"] == "ok"
    queued = client.submit("ambient drone", duration=120)
    assert client.cancel(queued.task_id).status in ("cancelled", "processing", "completed")
    with pytest.raises(NotFoundError):
        client.task("00000000-0000-0000-0000-000000000000")
    with pytest.raises(APIError) as info:
        client.generate("x", duration=100_000)
    assert info.value.code == "INVALID_PARAMETER" and info.value.status_code == 400


def test_multi_instrument_gives_stems_and_mix(client: APIClient, tmp_path: Path) -> None:
    piece = client.multi_instrument(
        {"piano": "jazz piano comping", "bass": "walking bass line"},
        duration=2,
        mix_preset="jazz_club",
    )
    assert set(piece.stems) == {"piano", "bass"}
    assert piece.mix.audio.num_frames == 2 * RATE
    assert all(stem.audio.num_frames == 2 * RATE for stem in piece.stems.values())
    written = piece.save(tmp_path)
    assert sorted(p.name for p in written.values()) == ["bass.wav", "mix.wav", "piano.wav"]


def test_stream_chunks_equal_the_stored_file(client: APIClient) -> None:
    with client.stream("lo-fi hip hop beat", duration=3, chunk_s=0.5, seed=11) as stream:
        chunks = list(stream)
    assert stream.sample_rate == RATE and stream.channels == 2
    assert [chunk.seq for chunk in chunks] == list(range(6))
    assert stream.result is not None and stream.result.metadata["seed"] == 11
    pcm = np.frombuffer(b"".join(chunk.pcm for chunk in chunks), dtype="<i2").reshape(-1, 2)
    _, response = client.download(stream.result.audio_url)
    stored, rate = sf.read(io.BytesIO(response.content), dtype="int16")
    assert rate == RATE and stored.shape == (3 * RATE, 2)
    np.testing.assert_array_equal(pcm, stored)
    task = client.task(stream.result.task_id)
    assert task.status == "completed" and task.audio_url == stream.result.audio_url


def test_leaving_a_sync_stream_cancels_its_task(client: APIClient) -> None:
    with client.stream("long ambient pad", duration=600, chunk_s=0.1) as stream:
        for _ in stream:
            break
    task_id = stream.task_id or ""
    for _ in range(200):  # the server notices the closed socket at its next chunk
        status = client.task(task_id).status
        if status != "processing":
            break
        time.sleep(0.05)
    assert status == "cancelled"


def test_async_stream_to_audio_and_cancel(live_api: LiveAPI) -> None:
    async def scenario() -> None:
        async with AsyncAPIClient(api_key=live_api.key, base_url=live_api.base_url) as client:
            audio = await client.stream("calm strings", duration=1, seed=5).to_audio()
            assert audio.num_frames == RATE and audio.channels == 2
            stream = client.stream("long ambient pad", duration=600, chunk_s=0.1)
            seen = 0
            async for _ in stream:
                seen += 1
                if seen == 1:
                    await stream.cancel()
            assert stream.cancelled and stream.result is None
            assert (await client.task(stream.task_id or "")).status == "cancelled"

    asyncio.run(scenario())


def test_bad_and_revoked_keys_are_authentication_errors(live_api: LiveAPI) -> None:
    for key, words in (
        (("mgk_000000000000_" + "x" * 43), "Invalid"),
        (live_api.revoked_key, "revoked"),
    ):
        client = APIClient(api_key=key, base_url=live_api.base_url)
        with pytest.raises(AuthenticationError) as info:
            client.generate("x", duration=1)
        assert info.value.code == "UNAUTHORIZED" and info.value.status_code == 401
        assert words in info.value.message
        with pytest.raises(AuthenticationError, match=words):
            list(client.stream("x", duration=1))


def test_a_rate_limited_key_gets_rate_limit_errors(live_api: LiveAPI) -> None:
    # The wait the server asks for (up to a minute) is above max_retry_wait_s, so the client
    # raises at once instead of sleeping through it.
    client = APIClient(
        api_key=live_api.limited_key, base_url=live_api.base_url, max_retry_wait_s=0.5
    )
    for _ in range(FREE_REQUESTS_PER_MINUTE):
        client.models()
    with pytest.raises(RateLimitError) as info:
        client.models()
    assert info.value.code == "RATE_LIMITED" and info.value.status_code == 429
    assert info.value.retry_after_s is not None and info.value.retry_after_s >= 1
    with pytest.raises(RateLimitError) as streamed:
        list(client.stream("x", duration=1))
    assert streamed.value.code == "RATE_LIMITED"
    assert streamed.value.retry_after_s is not None and streamed.value.retry_after_s >= 1


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_client_against_the_server(live_api: LiveAPI) -> None:
    env = {
        **live_api.client_env,
        "MUSICGEN_LIVE_BASE_URL": live_api.base_url,
        "MUSICGEN_LIVE_API_KEY": live_api.key,
    }
    done = subprocess.run(
        ["node", "--test", "test/live.test.js"],
        cwd=JS_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
    assert "# pass 2" in done.stdout or "# skipped 1" in done.stdout
