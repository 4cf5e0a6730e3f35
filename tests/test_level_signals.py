"""Levelling on synthesized signals: a DC offset is removed (loudness meters do not hear it,
but it takes the headroom), unreachable targets stay under the ceiling, batches keep order."""

from __future__ import annotations

import numpy as np
import pytest

from music_gen import InvalidParameterError
from music_gen.audio import AudioOutput
from music_gen.engines.base import AudioChunk
from music_gen.level import (
    CEILING_DBTP,
    WINDOW_S,
    level_all,
    level_audio,
    level_samples,
    level_stream,
)
from music_gen.mixing.loudness import integrated_loudness, true_peak_db

RATE = 32000


def _tone_on_offset(seconds: float, offsets: tuple[float, ...]) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    tone = 0.05 * np.sin(2 * np.pi * 440 * t) * (1 + 0.5 * np.sin(2 * np.pi * 0.5 * t))
    return np.stack([tone + offset for offset in offsets]).astype(np.float32)


@pytest.mark.parametrize("offsets", [(0.45,), (0.3, -0.2)])
def test_an_offset_piece_reaches_the_target_under_the_ceiling(offsets: tuple[float, ...]) -> None:
    samples = _tone_on_offset(6.0, offsets)
    out, report = level_samples(samples, RATE, -14.0)
    assert out.shape == samples.shape
    assert integrated_loudness(out, RATE) == pytest.approx(-14.0, abs=0.5)
    assert true_peak_db(out) <= CEILING_DBTP
    assert np.abs(out.mean(axis=1)).max() < 1e-3
    assert report["target_reached"] is True
    assert report["dc_offset"] == pytest.approx(max(abs(o) for o in offsets), abs=1e-3)


def test_a_centred_piece_is_only_scaled() -> None:
    samples = _tone_on_offset(6.0, (0.0, 0.0))
    out, report = level_samples(samples, RATE, -14.0)
    assert report["dc_offset"] < 1e-4
    gain = 10 ** (float(report["gain_db"]) / 20)  # type: ignore[arg-type]
    np.testing.assert_allclose(out, samples * gain, atol=2e-3)


def test_a_stream_removes_the_offset_of_its_opening_window() -> None:
    samples = _tone_on_offset(WINDOW_S + 7.0, (0.4,))
    step = RATE // 2
    chunks = [
        AudioChunk(
            samples=samples[:, start : start + step],
            sample_rate=RATE,
            start_frame=start,
            final=start + step >= samples.shape[1],
        )
        for start in range(0, samples.shape[1], step)
    ]
    out = np.concatenate([c.samples for c in level_stream(chunks, -14.0)], axis=1)
    assert out.shape == samples.shape
    assert integrated_loudness(out, RATE) == pytest.approx(-14.0, abs=1.5)
    assert true_peak_db(out) <= CEILING_DBTP
    # After the resamplers' few-frame latency, the music sits on zero.
    assert abs(float(out[:, RATE:].mean())) < 5e-3


def test_an_unreachable_target_stays_under_the_ceiling() -> None:
    """Sparse clicks in near silence: limiting cannot make them loud without clipping."""
    samples = 1e-4 * np.random.default_rng(0).standard_normal((1, 4 * RATE))
    samples[0, :: RATE // 2] = 0.9
    samples = samples.astype(np.float32)
    out, report = level_samples(samples, RATE, -14.0)
    assert true_peak_db(out) <= CEILING_DBTP
    assert integrated_loudness(out, RATE) < -20.0
    assert report["target_reached"] is False
    assert "not reachable" in str(report["note"])


def test_a_batch_is_levelled_as_each_piece_alone_in_order() -> None:
    pieces = [_tone_on_offset(2.0 + index, (0.1 * index,)) for index in range(5)]
    targets = [-14.0, -23.0, None, -14.0, -9.0]
    alone = [
        level_audio(AudioOutput(samples.copy(), RATE), target)
        for samples, target in zip(pieces, targets, strict=True)
    ]
    batch = level_all([AudioOutput(samples.copy(), RATE) for samples in pieces], targets)
    for one, other in zip(alone, batch, strict=True):
        np.testing.assert_array_equal(one.samples, other.samples)
        assert one.metadata == other.metadata
    assert [a.metadata["loudness_target_lufs"] for a in batch] == targets
    with pytest.raises(InvalidParameterError):
        level_all([AudioOutput(pieces[0], RATE)], [-14.0, -14.0])
