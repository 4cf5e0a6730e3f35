"""Polyphase resampling of (channels, frames) audio: scipy's ``resample_poly``, with the
anti-aliasing filter designed once per ratio.

``resample_poly`` designs its low-pass filter (a Kaiser-windowed sinc, ``firwin``) on every
call; the true-peak meter and the limiters oversample many short stretches, where that design
costs more than the filtering. :func:`resample_poly_cached` hands scipy the same filter,
designed once, so the results are those of ``resample_poly`` with its default window.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.signal import firwin, resample_poly

# resample_poly's default window and filter length (10 zero crossings per side at the
# lower of the two rates).
_WINDOW = ("kaiser", 5.0)
_HALF_LENGTH_PER_RATE = 10


@lru_cache(maxsize=32)
def _design(up: int, down: int, dtype: str) -> np.ndarray:
    # In the samples' float type, as resample_poly casts its own design.
    rate = max(up, down)
    taps = firwin(2 * _HALF_LENGTH_PER_RATE * rate + 1, 1.0 / rate, window=_WINDOW)
    taps = taps.astype(dtype)
    taps.setflags(write=False)
    return taps


def resample_poly_cached(samples: np.ndarray, up: int, down: int) -> np.ndarray:
    """``samples`` (channels, frames) resampled by ``up / down`` along the last axis, float32.

    The result has ``ceil(frames * up / down)`` frames, as ``resample_poly``'s.
    """
    divisor = math.gcd(up, down)
    up, down = up // divisor, down // divisor
    if up == down == 1:
        return np.array(samples, dtype=np.float32)
    samples = np.asarray(samples)
    dtype = samples.dtype if samples.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    out = resample_poly(samples, up, down, axis=-1, window=_design(up, down, dtype.str))
    return np.ascontiguousarray(out, dtype=np.float32)


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """(channels, frames) samples from ``from_rate`` to ``to_rate`` Hz (float32).

    The result has ``ceil(frames * to_rate / from_rate)`` frames; equal rates return the
    samples as they are.
    """
    if from_rate == to_rate:
        return samples
    return resample_poly_cached(samples, to_rate, from_rate)
