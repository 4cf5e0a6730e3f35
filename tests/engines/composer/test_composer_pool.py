"""ComposerPool: pieces render in parallel worker processes, identical to the engine's own."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from music_gen import MusicGenerator
from music_gen.audio import AudioOutput
from music_gen.engines.composer.pool import ComposerPool
from music_gen.errors import GenerationCancelledError, InvalidParameterError
from music_gen.params import GenerationParams

PARAMS = GenerationParams("upbeat jazz trio with piano", duration_s=4.0, seed=21)


@pytest.fixture(scope="module")
def pool() -> Iterator[ComposerPool]:
    composer = ComposerPool(2)
    yield composer
    composer.close()


def _workers() -> int:
    return sum(1 for p in multiprocessing.active_children() if p.name == "musicgen-composer")


def test_same_seed_gives_identical_samples_in_every_process(
    pool: ComposerPool, render: Any
) -> None:
    with ThreadPoolExecutor(4) as threads:
        pieces = list(threads.map(lambda _: pool.generate(PARAMS), range(4)))
    assert _workers() == 2  # two renders ran at once, in two processes
    here = render(PARAMS.prompt, duration_s=PARAMS.duration_s, seed=PARAMS.seed)
    for piece in pieces:
        assert piece.num_frames == round(PARAMS.duration_s * piece.sample_rate)
        assert piece.metadata["seed"] == 21
        np.testing.assert_array_equal(piece.samples, here.samples)
        assert piece.midi is not None
    other = pool.generate(GenerationParams(PARAMS.prompt, duration_s=4.0, seed=22))
    assert np.abs(other.samples - here.samples).max() > 1e-3


def test_multi_instrument_renders_in_a_worker(pool: ComposerPool, engine: Any) -> None:
    parts = {"piano": "jazz piano comping", "bass": "walking bass line"}
    params = GenerationParams("jazz", duration_s=3.0, seed=4)
    stems = pool.generate_stems(parts, params)
    expected = engine.generate_stems(parts, params)
    assert sorted(stems) == sorted(expected)
    for name, stem in stems.items():
        np.testing.assert_array_equal(stem.samples, expected[name].samples)


def test_a_cancelled_render_stops_and_the_pool_carries_on(pool: ComposerPool) -> None:
    seen: list[float] = []

    def cancel_early(fraction: float) -> None:
        seen.append(fraction)
        raise GenerationCancelledError("Generation was cancelled")

    long = GenerationParams("slow ambient pad", duration_s=30.0, seed=1)
    with pytest.raises(GenerationCancelledError):
        pool.generate(long, progress=cancel_early)
    assert seen and seen[0] < 0.5
    reports: list[float] = []
    again = pool.generate(PARAMS, progress=reports.append)
    assert again.num_frames == round(4.0 * again.sample_rate)
    assert reports == sorted(reports) and reports[-1] == pytest.approx(1.0)


def test_workers_that_died_while_idle_are_replaced(pool: ComposerPool) -> None:
    pool.generate(PARAMS)
    for child in multiprocessing.active_children():
        if child.name == "musicgen-composer":
            child.kill()
            child.join()
    again = pool.generate(PARAMS)
    assert again.num_frames == round(PARAMS.duration_s * again.sample_rate)
    assert _workers() >= 1


def test_bad_input_is_reported_from_the_worker(pool: ComposerPool) -> None:
    with pytest.raises(InvalidParameterError, match="Unknown option"):
        pool.generate(GenerationParams("jazz", duration_s=1.0, seed=1, extra={"nope": 1}))


def test_generator_runs_pieces_at_once_with_processes() -> None:
    with pytest.raises(InvalidParameterError, match="processes"):
        MusicGenerator("composer", processes=0)
    results: list[AudioOutput] = []
    lock = threading.Lock()
    with MusicGenerator("composer", processes=2) as generator:
        assert generator.engine.max_concurrency == 2

        def one(seed: int) -> None:
            audio = generator.generate("calm piano", duration=2.0, seed=seed)
            with lock:
                results.append(audio)

        threads = [threading.Thread(target=one, args=(seed,)) for seed in (3, 3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(results) == 2
    np.testing.assert_array_equal(results[0].samples, results[1].samples)


def test_a_pool_plans_streams_levels_and_plays_live_as_the_engine_does(pool: ComposerPool) -> None:
    from music_gen.engines.composer import ComposerEngine

    engine = ComposerEngine()
    try:
        plan, _, seed = pool.plan(PARAMS)
        assert seed == PARAMS.seed
        assert plan.to_dict() == engine.plan(PARAMS)[0].to_dict()
        assert pool.loudness_offset_db(PARAMS, 1.0) == engine.loudness_offset_db(PARAMS, 1.0)
    finally:
        engine.close()
    with MusicGenerator(processes=2).live("calm piano melody", seed=3) as live:
        chunk = live.read(1.0)
    assert chunk.shape == (2, live.sample_rate) and float(np.abs(chunk).max()) > 0.0
