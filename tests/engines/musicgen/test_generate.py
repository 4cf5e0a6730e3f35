"""Text-to-music through the public API on tiny checkpoints: lengths, channels, determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from music_gen import InvalidParameterError, MusicGenerator
from music_gen.engines.musicgen.longform import plan_windows
from tests.engines.musicgen.tiny import TINY_FRAME_RATE, TINY_SAMPLE_RATE, TINY_WINDOW_FRAMES


@pytest.mark.parametrize("duration", [0.04, 0.5, 1.0, 1.013])
def test_length_is_exact(mono_generator: MusicGenerator, duration: float) -> None:
    audio = mono_generator.generate("calm piano", duration=duration, seed=1)
    assert audio.sample_rate == TINY_SAMPLE_RATE
    assert audio.num_frames == round(duration * TINY_SAMPLE_RATE)
    assert audio.channels == 1
    assert np.isfinite(audio.samples).all()
    assert np.abs(audio.samples).max() > 0


def test_loaded_by_path_reports_checkpoint_facts(
    mono_generator: MusicGenerator, mono_path: Path
) -> None:
    caps = mono_generator.engine.capabilities
    assert caps.sample_rate == TINY_SAMPLE_RATE
    assert caps.channels == 1
    assert caps.streaming and not caps.melody
    assert caps.max_duration_s == 600.0
    assert mono_generator.model == str(mono_path.resolve())
    assert mono_generator.sample_rate == TINY_SAMPLE_RATE


def test_metadata(mono_generator: MusicGenerator) -> None:
    audio = mono_generator.generate("jazz drums", duration=0.5, seed=11, temperature=0.8)
    meta = audio.metadata
    assert meta["engine"] == "musicgen"
    assert meta["seed"] == 11
    assert meta["params"]["temperature"] == 0.8
    assert meta["device"] == "cpu"
    assert meta["dtype"] == "float32"
    assert meta["frame_rate"] == TINY_FRAME_RATE
    # 0.5 s at 25 frames per second, rounded up to whole codec frames.
    assert meta["tokens"] == 13
    assert meta["model"].endswith("mono")


def test_same_seed_same_audio(mono_generator: MusicGenerator) -> None:
    first = mono_generator.generate("calm piano", duration=0.8, seed=5)
    second = mono_generator.generate("calm piano", duration=0.8, seed=5)
    other = mono_generator.generate("calm piano", duration=0.8, seed=6)
    np.testing.assert_array_equal(first.samples, second.samples)
    assert not np.array_equal(first.samples, other.samples)


def test_no_seed_draws_one_and_reports_it(mono_generator: MusicGenerator) -> None:
    audio = mono_generator.generate("calm piano", duration=0.3)
    seed = audio.metadata["seed"]
    again = mono_generator.generate("calm piano", duration=0.3, seed=seed)
    np.testing.assert_array_equal(audio.samples, again.samples)


def test_prompt_changes_the_music(mono_generator: MusicGenerator) -> None:
    calm = mono_generator.generate("calm piano", duration=0.8, seed=2, top_k=1)
    loud = mono_generator.generate("loud techno drums", duration=0.8, seed=2, top_k=1)
    assert np.abs(calm.samples - loud.samples).max() > 1e-4


def test_beyond_the_window_has_exact_length(mono_generator: MusicGenerator) -> None:
    window_s = (TINY_WINDOW_FRAMES - 4) / TINY_FRAME_RATE
    duration = 3 * window_s + 0.37
    audio = mono_generator.generate("ambient synth", duration=duration, seed=3)
    assert audio.num_frames == round(duration * TINY_SAMPLE_RATE)
    assert audio.metadata["window_s"] == pytest.approx(window_s)
    # Every part of the piece is generated music, not padding.
    hop = TINY_SAMPLE_RATE // TINY_FRAME_RATE
    tail = audio.samples[:, -2 * hop :]
    assert np.abs(tail).max() > 0


def test_stereo_checkpoint_gives_two_channels(stereo_path: Path) -> None:
    generator = MusicGenerator(model=str(stereo_path))
    audio = generator.generate("rock guitar", duration=1.1, seed=4)
    assert audio.channels == 2
    assert audio.num_frames == round(1.1 * TINY_SAMPLE_RATE)
    assert generator.engine.capabilities.channels == 2
    assert not np.array_equal(audio.samples[0], audio.samples[1])
    # Beyond the window too (stereo interleaves its codebooks).
    long = generator.generate("rock guitar", duration=3.0, seed=4)
    assert long.samples.shape == (2, 3 * TINY_SAMPLE_RATE)


def test_window_plan_for_the_facebook_checkpoints() -> None:
    # 2048 positions at 50 frames per second: the 30 s training window, extended by 18 s.
    plan = plan_windows(window_frames=1500, frame_rate=50, stride_s=None)
    assert plan.stride_frames == 900
    assert plan.context_frames == 600
    with pytest.raises(InvalidParameterError, match="extend_stride_s"):
        plan_windows(window_frames=1500, frame_rate=50, stride_s=31.0)


def test_duration_limits(mono_generator: MusicGenerator) -> None:
    with pytest.raises(InvalidParameterError, match="maximum of 600"):
        mono_generator.generate("calm", duration=601.0)
    params = mono_generator.make_params("calm", duration=600.0)
    assert params.duration_s == 600.0


@pytest.mark.parametrize("temperature", [0.01, 100.0])
def test_extreme_temperatures_give_finite_audio(
    mono_generator: MusicGenerator, temperature: float
) -> None:
    audio = mono_generator.generate("x", 0.2, temperature=temperature, seed=5)
    assert audio.samples.shape[-1] == round(0.2 * TINY_SAMPLE_RATE)
    assert np.isfinite(audio.samples).all()
