"""Every piece leaves MusicGenerator at one loudness: -14 LUFS and at most -1 dBTP by default.

Loudness is measured on the returned samples with the BS.1770 meter (pyloudnorm) and the 4x
oversampled true-peak meter, independently of what the metadata claims.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from music_gen import InvalidParameterError, MusicGenerator
from music_gen.engines.composer.render import soundfont_problem
from music_gen.level import CEILING_DBTP, WINDOW_S
from music_gen.mixing.loudness import integrated_loudness, true_peak_db
from music_gen.params import GenerationParams
from tests.level_prompts import PROMPTS
from tests.mixing.signals import ebur128

pytestmark = pytest.mark.skipif(soundfont_problem() is not None, reason="no composer here")


def _measured(samples: np.ndarray, rate: int) -> tuple[float, float]:
    return integrated_loudness(samples, rate), true_peak_db(samples)


@pytest.fixture(scope="module")
def generator() -> MusicGenerator:
    gen = MusicGenerator()
    yield gen
    gen.close()


@pytest.mark.parametrize(("index", "prompt"), list(enumerate(PROMPTS)))
def test_default_level_is_minus_14_lufs(generator: MusicGenerator, index: int, prompt: str) -> None:
    audio = generator.generate(prompt, duration=6.0, seed=index)
    lufs, peak = _measured(audio.samples, audio.sample_rate)
    assert abs(lufs - (-14.0)) <= 1.0
    assert peak <= CEILING_DBTP + 1e-3
    assert audio.metadata["loudness_target_lufs"] == -14.0
    assert audio.metadata["loudness_lufs"] == pytest.approx(lufs, abs=0.05)
    assert audio.metadata["true_peak_dbtp"] == pytest.approx(peak, abs=0.05)


def test_other_target_and_batch(generator: MusicGenerator) -> None:
    results = generator.generate_batch(
        ["rock song with guitars", "calm piano"], duration=6.0, seed=3, loudness_lufs=-23.0
    )
    for audio in results:
        lufs, peak = _measured(audio.samples, audio.sample_rate)
        assert abs(lufs - (-23.0)) <= 1.0
        assert peak <= CEILING_DBTP
        assert audio.metadata["params"]["loudness_lufs"] == -23.0


def test_off_keeps_the_engine_level_and_reports_it(generator: MusicGenerator) -> None:
    raw = generator.engine.generate(GenerationParams("jazz trio", duration_s=5.0, seed=2))
    kept = generator.generate("jazz trio", duration=5.0, seed=2, loudness_lufs=None)
    np.testing.assert_array_equal(kept.samples, raw.samples)
    lufs, _ = _measured(raw.samples, raw.sample_rate)
    assert kept.metadata["loudness_target_lufs"] is None
    assert kept.metadata["loudness_lufs"] == pytest.approx(lufs, abs=0.05)


@pytest.mark.parametrize("value", [5.0, -61.0, math.nan, math.inf, "loud", True])
def test_bad_targets_are_refused(generator: MusicGenerator, value: object) -> None:
    with pytest.raises(InvalidParameterError, match="loudness_lufs"):
        generator.make_params("piano", 2.0, loudness_lufs=value)  # type: ignore[arg-type]


def test_short_stream_equals_generate(generator: MusicGenerator) -> None:
    duration = WINDOW_S - 1.0
    whole = generator.generate("upbeat funk", duration=duration, seed=5)
    chunks = list(generator.stream("upbeat funk", duration, chunk_s=0.5, seed=5))
    np.testing.assert_array_equal(
        np.concatenate([c.samples for c in chunks], axis=1), whole.samples
    )


@pytest.mark.parametrize(
    ("index", "prompt"), [(0, "upbeat funk"), (1, "dark techno at 130 bpm"), (2, "calm piano")]
)
def test_stream_has_a_fixed_gain_near_the_target(
    generator: MusicGenerator, index: int, prompt: str
) -> None:
    raw = list(generator.stream(prompt, 20.0, chunk_s=1.0, seed=index, loudness_lufs=None))
    levelled = list(generator.stream(prompt, 20.0, chunk_s=1.0, seed=index))
    # The same chunks, in order, with the same lengths.
    assert [(c.start_frame, c.samples.shape, c.final) for c in levelled] == [
        (c.start_frame, c.samples.shape, c.final) for c in raw
    ]
    samples = np.concatenate([c.samples for c in levelled], axis=1)
    lufs, peak = _measured(samples, 44100)
    assert abs(lufs - (-14.0)) <= 2.5
    assert peak <= CEILING_DBTP
    # One gain for the whole stream: quiet passages (under the limiter and glue compressor)
    # are scaled by the same factor at the start and at the end.
    before = np.concatenate([c.samples for c in raw], axis=1)
    # Less the DC offset fixed from the opening window, which levelling removes.
    before = before - before[:, : int(WINDOW_S * 44100)].mean(axis=1, keepdims=True)
    quiet = (np.abs(before).max(axis=0) < 0.02) & (np.abs(before).max(axis=0) > 0.002)
    ratios = np.abs(samples[0, quiet]) / np.maximum(np.abs(before[0, quiet]), 1e-9)
    first, last = np.median(ratios[: ratios.size // 3]), np.median(ratios[-ratios.size // 3 :])
    assert abs(20 * math.log10(first / last)) < 1.0


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
@pytest.mark.parametrize(("index", "prompt"), [(0, PROMPTS[0]), (7, PROMPTS[7]), (9, PROMPTS[9])])
def test_an_independent_meter_agrees(
    generator: MusicGenerator, tmp_path: Path, index: int, prompt: str
) -> None:
    """ffmpeg's EBU R128 meter reads the saved file (16-bit WAV) at the target and peak."""
    audio = generator.generate(prompt, duration=6.0, seed=index)
    lufs, peak = ebur128(audio.save(tmp_path / "piece.wav"))
    assert abs(lufs - (-14.0)) <= 0.5
    assert peak <= CEILING_DBTP + 0.05
