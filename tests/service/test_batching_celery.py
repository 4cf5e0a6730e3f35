"""Batched MusicGen tasks through Celery: real ``serve`` and ``worker`` processes on Redis."""

from __future__ import annotations

import io
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from music_gen import MusicGenerator
from tests.service.conftest import TERMINAL
from tests.service.live import create_key
from tests.service.test_distributed import Cluster, cluster  # noqa: F401 (fixture)

pytest.importorskip("torch")
pytest.importorskip("transformers")

from tests.engines.musicgen.tiny import TINY_SAMPLE_RATE, build_tiny_checkpoint

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]

REQUESTS = [("calm piano", 0.6, 5), ("loud rock drums", 1.4, 6), ("sad violin", 1.0, 7)]


def _alive(url: str, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


def test_tasks_queued_together_run_as_one_batch_in_a_worker(
    cluster: Cluster,  # noqa: F811
    tmp_path: Path,
) -> None:
    model = str(build_tiny_checkpoint(tmp_path / "tiny", "mono"))
    # A server serves only the models its operator lists (a client never names a directory
    # on its own): start it again with the checkpoint in MUSICGEN_MODELS.
    cluster.kill_all()
    cluster.env["MUSICGEN_MODELS"] = f"composer,{model}"
    cluster.spawn("serve", "--port", str(cluster.port))
    _alive(cluster.url)
    headers = {"Authorization": f"Bearer {create_key(cluster.env)}"}
    ids = []
    for prompt, duration, seed in REQUESTS:  # queued before any worker runs
        accepted = httpx.post(
            f"{cluster.url}/api/v1/generate",
            json={"prompt": prompt, "duration": duration, "seed": seed, "model": model},
            headers=headers,
        )
        assert accepted.status_code == 202, accepted.text
        ids.append(accepted.json()["task_id"])
    # One worker thread: its first message claims a task and the others with it.
    cluster.spawn("worker", "--concurrency", "1", test_engines=False)
    done = [cluster.wait(task_id, headers, TERMINAL) for task_id in ids]
    assert [body["status"] for body in done] == ["completed"] * len(ids), done
    # One batch: every task reports the same engine time, that of the whole batch.
    assert len({body["engine_s"] for body in done}) == 1
    with MusicGenerator(model=model, device="cpu") as alone:
        for body, (prompt, duration, seed) in zip(done, REQUESTS, strict=True):
            audio = httpx.get(body["audio_url"], headers=headers, params={"format": "wav"})
            samples, rate = sf.read(io.BytesIO(audio.content), dtype="float32")
            assert (len(samples), rate) == (round(duration * TINY_SAMPLE_RATE), TINY_SAMPLE_RATE)
            expected = alone.generate(prompt, duration=duration, seed=seed).samples[0]
            np.testing.assert_allclose(samples, expected, atol=1e-4)
