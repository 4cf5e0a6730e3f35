"""Composer models render several pieces at once in the service (MUSICGEN_COMPOSER_PROCESSES)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient

from music_gen.engines.composer.render import soundfont_problem
from music_gen.service import create_app
from music_gen.service.jobs import GeneratorPool
from tests.service.conftest import Service, make_settings

if soundfont_problem() is not None:  # pragma: no cover - depends on the machine
    pytest.skip(f"composer unavailable: {soundfont_problem()}", allow_module_level=True)


def test_composer_models_get_one_slot_per_process() -> None:
    pool = GeneratorPool(device="cpu", composer_processes=3)
    slots = pool.lock("composer")
    assert [slots.acquire(blocking=False) for _ in range(4)] == [True, True, True, False]
    assert pool.lock("composer") is slots
    assert pool.processes("test-tone") == 1
    assert pool.get("composer").options.processes == 3


@pytest.fixture
def parallel(tmp_path: Path) -> Iterator[Service]:
    settings = make_settings(
        tmp_path, default_model="composer", workers=2, composer_processes=2, preload=True
    )
    app = create_app(settings)
    with TestClient(app) as client:
        yield Service(client=client, state=app.state.service)


def test_pieces_rendered_in_parallel_equal_the_same_seed_alone(parallel: Service) -> None:
    headers = parallel.auth()
    body = {"prompt": "calm piano melody", "duration": 3.0, "seed": 8}
    ids = [
        parallel.client.post("/api/v1/generate", json=body, headers=headers).json()["task_id"]
        for _ in range(2)
    ]
    pieces = []
    for task_id in ids:
        done = parallel.wait(task_id, headers, timeout_s=120)
        assert done["status"] == "completed", done
        audio = parallel.client.get(done["audio_url"], headers=headers, params={"format": "wav"})
        samples, _ = sf.read(io.BytesIO(audio.content), dtype="int16")
        pieces.append(samples)
    engine = parallel.state.generators.get("composer").engine
    assert engine.max_concurrency == 2
    np.testing.assert_array_equal(pieces[0], pieces[1])
    assert np.abs(pieces[0]).max() > 100  # not silence
