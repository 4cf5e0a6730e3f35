"""Polyphase resampling of (channels, frames) audio: scipy's ``resample_poly``, with the
anti-aliasing filter designed once per ratio.

``resample_poly`` designs its low-pass filter (a Kaiser-windowed sinc, ``firwin``) on every
call; the true-peak meter and the limiters oversample many short stretches, where that design
costs more than the filtering. :func:`resample_poly_cached` hands scipy the same filter,
designed once, so the results are those of ``resample_poly`` with its default window.
:class:`BlockResampler` applies the same filter to a stream, block by block.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.signal import firwin, resample_poly, upfirdn

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


class BlockResampler:
    """Integer-factor up- or downsampling of a stream, block by block, with the filter
    ``resample_poly`` uses for whole pieces (its history carried across blocks).

    Every block comes out whole (``factor`` times as many frames up, ``1 / factor`` down:
    blocks going down must hold a multiple of ``factor`` frames), :attr:`delay_frames` late.
    """

    def __init__(self, channels: int, factor: int, *, up: bool) -> None:
        taps = _design(factor, 1, "<f8")
        self.taps = taps * factor if up else taps
        self.factor = factor
        self.up = up
        #: Frames at the lower rate by which the output lags the input.
        self.delay_frames = _HALF_LENGTH_PER_RATE
        # The input the filter still needs: its length less one, at the higher rate.
        span = 2 * _HALF_LENGTH_PER_RATE * factor
        self.history = np.zeros((channels, span // factor if up else span), np.float32)

    def process(self, block: np.ndarray) -> np.ndarray:
        """The (channels, frames) block resampled (float32)."""
        held = self.history.shape[1]
        signal = np.concatenate([self.history, block], axis=1)
        self.history = signal[:, signal.shape[1] - held :]
        if self.up:
            out = upfirdn(self.taps, signal, up=self.factor, axis=1)
            first, count = held * self.factor, block.shape[1] * self.factor
        else:
            out = upfirdn(self.taps, signal, down=self.factor, axis=1)
            first, count = held // self.factor, block.shape[1] // self.factor
        return np.ascontiguousarray(out[:, first : first + count], dtype=np.float32)
