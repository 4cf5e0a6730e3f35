"""Loudness measurement: integrated loudness (ITU-R BS.1770 via pyloudnorm), true peak, LRA.

All functions take float (channels, frames) samples. Silence measures as ``-inf``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pyloudnorm

from music_gen.mixing.resampling import resample_poly_cached

#: BS.1770 gating block length in seconds.
BLOCK_S = 0.4
#: BS.1770 absolute gate: blocks below this do not count, and nothing quieter is normalised.
ABSOLUTE_GATE_LUFS = -70.0
#: Oversampling factor of the true-peak meter (BS.1770-4 Annex 2).
TRUE_PEAK_OVERSAMPLING = 4
# One resampler call costs about as much as oversampling this many frames.
_CALL_COST_FRAMES = 300
#: Shortest audio for which a loudness range is defined (pyloudnorm pads 1.5 s to a 3 s block).
MIN_LRA_S = 1.5


def _frames_last(samples: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(samples, dtype=np.float64).T)


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """Gated integrated loudness in LUFS (``-inf`` for silence).

    Audio shorter than one 400 ms block is measured as a single block over its whole length
    (the ungated K-weighted mean square), so short clips still get a sensible figure.
    """
    frames = samples.shape[-1]
    if frames == 0 or not np.any(samples):
        return -math.inf
    block_s = BLOCK_S
    if frames < BLOCK_S * sample_rate:
        # Slightly under the length so that pyloudnorm accepts it and makes exactly one block.
        block_s = (frames - 0.5) / sample_rate
        if block_s <= 0:
            return -math.inf
    meter = pyloudnorm.Meter(sample_rate, block_size=block_s)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = float(meter.integrated_loudness(_frames_last(samples)))
    return value if math.isfinite(value) else -math.inf


def loudness_range(samples: np.ndarray, sample_rate: int) -> float | None:
    """EBU R128 / Tech 3342 loudness range in LU, or None when it is undefined.

    Undefined for audio shorter than :data:`MIN_LRA_S` and for audio with no short-term block
    above the gates (silence).
    """
    frames = samples.shape[-1]
    if frames < MIN_LRA_S * sample_rate or not np.any(samples):
        return None
    meter = pyloudnorm.Meter(sample_rate)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = float(meter.loudness_range(_frames_last(samples)))
    return value if math.isfinite(value) else None


def sample_peak(samples: np.ndarray) -> float:
    """Largest absolute sample value (linear)."""
    if samples.size == 0:
        return 0.0
    return float(np.max(np.abs(samples)))


def true_peak(samples: np.ndarray) -> float:
    """Largest absolute value of the 4x oversampled signal (linear, BS.1770-4 Annex 2).

    Only the stretches around samples within 6 dB of the sample peak are oversampled (with
    64 samples of context each side): inter-sample overshoot of real audio stays far below
    6 dB, and it keeps a minute of audio cheap to measure. Busy material, where the stretches
    would cost more than one pass, is oversampled whole.
    """
    peak = sample_peak(samples)
    if peak == 0.0:
        return 0.0
    frames = samples.shape[-1]
    hot = np.flatnonzero(np.max(np.abs(samples), axis=0) >= peak * 0.5)
    pad = 64
    best = peak
    # Merge nearby hot samples into spans so each resample call covers a contiguous stretch.
    gaps = np.diff(hot) > 2 * pad
    starts = hot[np.concatenate(([True], gaps))].tolist()
    ends = hot[np.concatenate((gaps, [True]))].tolist()
    covered = sum(end - start + 2 * pad for start, end in zip(starts, ends, strict=True))
    if covered + len(starts) * _CALL_COST_FRAMES >= frames:
        # Busy material: one pass over everything is faster than many short ones.
        starts, ends = [0], [frames - 1]
    for start, end in zip(starts, ends, strict=True):
        lo = max(0, start - pad)
        hi = min(frames, end + pad + 1)
        up = resample_poly_cached(samples[:, lo:hi], TRUE_PEAK_OVERSAMPLING, 1)
        best = max(best, float(np.max(np.abs(up))))
    return best


def to_db(linear: float) -> float:
    """20·log10 of a linear amplitude (``-inf`` for 0)."""
    return 20.0 * math.log10(linear) if linear > 0 else -math.inf


def true_peak_db(samples: np.ndarray) -> float:
    """True peak in dBTP (``-inf`` for silence)."""
    return to_db(true_peak(samples))


def finite_or_none(value: float | None, digits: int = 2) -> float | None:
    """Round a measurement for metadata; ``None`` where it is not finite (JSON has no inf)."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)
