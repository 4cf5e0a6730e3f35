"""One padded batch, progress, and streaming that matches generate()."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from music_gen import InvalidParameterError, MusicGenerator
from tests.engines.musicgen.tiny import TINY_FRAME_RATE, TINY_SAMPLE_RATE

PROMPTS = ["calm piano", "loud techno drums with synth", "sad violin"]


def test_batch_equals_one_by_one_under_greedy(mono_generator: MusicGenerator) -> None:
    batch = mono_generator.generate_batch(PROMPTS, duration=0.8, top_k=1, seed=3)
    single = [mono_generator.generate(p, duration=0.8, top_k=1, seed=3) for p in PROMPTS]
    assert len(batch) == len(PROMPTS)
    for together, alone in zip(batch, single, strict=True):
        assert together.num_frames == round(0.8 * TINY_SAMPLE_RATE)
        np.testing.assert_allclose(together.samples, alone.samples, atol=1e-5)
    assert np.abs(batch[0].samples - batch[1].samples).max() > 1e-4


def test_batch_runs_as_one_generate_call(
    mono_generator: MusicGenerator, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = mono_generator.engine.loaded.model  # type: ignore[attr-defined]
    calls: list[int] = []
    original = model.generate

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(model, "generate", counting)
    outputs = mono_generator.generate_batch(PROMPTS, duration=0.4, seed=1, decoder="stock")
    assert len(calls) == 1
    # generate_batch gives prompt i the seed + i, and every piece keeps its own seed.
    assert [o.metadata["seed"] for o in outputs] == [1, 2, 3]


def test_batch_with_different_durations_cuts_each(mono_generator: MusicGenerator) -> None:
    engine = mono_generator.engine
    params = [
        mono_generator.make_params("calm piano", duration=0.3, seed=1),
        mono_generator.make_params("jazz drums", duration=0.9, seed=1),
    ]
    outputs = engine.generate_batch(params)
    assert [o.num_frames for o in outputs] == [2400, 7200]


def test_progress_reaches_one_in_order(mono_generator: MusicGenerator) -> None:
    seen: list[float] = []
    mono_generator.generate("calm piano", duration=3.0, seed=1, progress=seen.append)
    assert len(seen) >= 3 * TINY_FRAME_RATE  # a report per decoding step
    assert seen == sorted(seen)
    assert seen[-1] == pytest.approx(1.0)
    assert 0.0 <= seen[0] < 0.1


@pytest.mark.parametrize(("duration", "chunk_s"), [(1.0, 0.25), (4.3, 0.6)])
def test_stream_concatenates_to_generate(
    mono_generator: MusicGenerator, duration: float, chunk_s: float
) -> None:
    chunks = list(
        mono_generator.stream("ambient synth", duration, chunk_s=chunk_s, top_k=1, seed=9)
    )
    whole = mono_generator.generate("ambient synth", duration, top_k=1, seed=9)
    joined = np.concatenate([c.samples for c in chunks], axis=1)
    assert joined.shape == whole.samples.shape
    np.testing.assert_allclose(joined, whole.samples, atol=1e-5)
    assert [c.final for c in chunks] == [False] * (len(chunks) - 1) + [True]
    starts = np.cumsum([0] + [c.samples.shape[1] for c in chunks[:-1]])
    assert [c.start_frame for c in chunks] == list(starts)
    assert len(chunks) >= int(duration / chunk_s) - 1
    assert all(c.sample_rate == TINY_SAMPLE_RATE for c in chunks)


def test_stream_stereo(stereo_path: Path) -> None:
    generator = MusicGenerator(model=str(stereo_path))
    chunks = list(generator.stream("rock", 1.5, chunk_s=0.5, top_k=1, seed=2))
    whole = generator.generate("rock", 1.5, top_k=1, seed=2)
    joined = np.concatenate([c.samples for c in chunks], axis=1)
    assert joined.shape == (2, round(1.5 * TINY_SAMPLE_RATE))
    np.testing.assert_allclose(joined, whole.samples, atol=1e-5)


def test_stream_yields_before_generation_ends(mono_generator: MusicGenerator) -> None:
    engine = mono_generator.engine
    params = mono_generator.make_params("calm piano", duration=6.0, seed=4)
    stream = engine.stream(params, chunk_s=0.5)
    first = next(stream)
    assert first.start_frame == 0
    assert not first.final
    assert first.samples.shape[1] == round(0.5 * TINY_FRAME_RATE) * TINY_SAMPLE_RATE // 25
    stream.close()  # stopping early ends the worker without error


def test_stream_rejects_bad_chunk(mono_generator: MusicGenerator) -> None:
    with pytest.raises(InvalidParameterError, match="chunk_s"):
        list(mono_generator.stream("calm", 1.0, chunk_s=0))


def test_unknown_option_is_rejected(mono_generator: MusicGenerator) -> None:
    with pytest.raises(InvalidParameterError, match="valid extra options"):
        mono_generator.generate("calm", duration=0.2, stems=True)


@pytest.mark.parametrize("stride", [0.0, 100.0, "long"])
def test_bad_extend_stride(mono_generator: MusicGenerator, stride: object) -> None:
    with pytest.raises(InvalidParameterError, match="extend_stride_s"):
        mono_generator.generate("calm", duration=0.2, extend_stride_s=stride)


def test_custom_stride_keeps_length(mono_generator: MusicGenerator) -> None:
    audio = mono_generator.generate("calm", duration=4.0, seed=1, extend_stride_s=2.0)
    assert audio.num_frames == 4 * TINY_SAMPLE_RATE
