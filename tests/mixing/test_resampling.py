"""Polyphase resampling with the filter designed once, and the true-peak meter built on it."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from music_gen.mixing.loudness import TRUE_PEAK_OVERSAMPLING, true_peak
from music_gen.mixing.resampling import resample, resample_poly_cached


@pytest.mark.parametrize(("up", "down"), [(4, 1), (1, 4), (441, 320), (160, 441), (6, 4)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_equals_scipy_resample_poly(up: int, down: int, dtype: type) -> None:
    samples = np.random.default_rng(up * down).standard_normal((2, 4001)).astype(dtype)
    expected = resample_poly(samples, up, down, axis=-1).astype(np.float32)
    for _ in range(2):  # the second call uses the stored filter
        out = resample_poly_cached(samples, up, down)
        assert out.dtype == np.float32 and out.flags.c_contiguous
        np.testing.assert_allclose(out, expected, rtol=0, atol=1e-6)


def test_resample_between_rates_gives_the_expected_length() -> None:
    samples = np.zeros((2, 44100), dtype=np.float32)
    assert resample(samples, 44100, 32000).shape == (2, 32000)
    assert resample(samples[:, :1001], 44100, 32000).shape == (2, 727)  # ceil(1001 * 320/441)
    assert resample(samples, 32000, 32000) is samples


def _whole_pass(samples: np.ndarray) -> float:
    up = resample_poly(samples, TRUE_PEAK_OVERSAMPLING, 1, axis=-1)
    return float(max(np.max(np.abs(up)), np.max(np.abs(samples))))


@pytest.mark.parametrize("kind", ["noise", "sparse clicks", "sine near fs/4"])
def test_true_peak_equals_a_whole_oversampled_pass(kind: str) -> None:
    rng = np.random.default_rng(3)
    frames = 48000
    if kind == "noise":
        samples = 0.3 * rng.standard_normal((2, frames))
    elif kind == "sparse clicks":
        samples = 0.001 * rng.standard_normal((1, frames))
        samples[0, rng.choice(frames, 12, replace=False)] = 0.8
    else:
        # Samples off the crests: the true peak is 3 dB over the sample peak.
        t = np.arange(frames)
        samples = 0.5 * np.sin(2 * np.pi * 0.25 * t + np.pi / 4)[None, :]
    samples = samples.astype(np.float32)
    assert true_peak(samples) == pytest.approx(_whole_pass(samples), rel=1e-5)
