"""Mastering: loudness to a BS.1770 target under a true-peak ceiling.

The chain, all in float:

1. Measure integrated loudness (pyloudnorm, ITU-R BS.1770-4). Audio below the -70 LUFS
   absolute gate (silence, faint noise) is returned unchanged with a note: there is nothing
   to normalise, and raising it would only raise noise.
2. Gain to the target loudness, then gentle glue compression (pedalboard ``Compressor``,
   2:1, 20 ms attack, 250 ms release, threshold 6 dB above the target loudness).
3. Limiting with pedalboard's ``Limiter`` (JUCE: a 4:1, 2 ms compressor at -10 dBFS, a
   brick-wall stage at ``threshold_db``, make-up gain and a clip at 0 dBFS), run at 4x the
   sample rate (scipy ``resample_poly``) so that its clip acts on the true peaks. Peaks are
   fed at -3.75 dBFS and the threshold is ``-drive_db``; drive 0 skips the limiter.
4. Measure the true peak (4x oversampling) and loudness of the result; the static output
   gain is the lower of "loudness to target" and "true peak to the ceiling". When the
   ceiling is what stops it short of the target, raise the drive and go again, up to
   :data:`MAX_DRIVE_DB`. If even that cannot reach the target, the result stays under the
   ceiling and ``target_reached`` is False with a note: it never clips to get there.

Because the last step is a linear gain set from a measurement, the true peak is under the
ceiling by construction, whatever the limiter did.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pedalboard
from scipy.signal import resample_poly

from music_gen.mixing.effects import number
from music_gen.mixing.loudness import (
    ABSOLUTE_GATE_LUFS,
    finite_or_none,
    integrated_loudness,
    loudness_range,
    sample_peak,
    to_db,
    true_peak,
)

#: Accepted range of target_lufs.
TARGET_LUFS_RANGE = (-60.0, 0.0)
#: Accepted range of headroom_db (the ceiling is -headroom_db dBTP).
HEADROOM_DB_RANGE = (0.0, 20.0)
#: The true peak is aimed this far under the ceiling, so that other meters (and 16-bit files)
#: agree that it is under.
PEAK_MARGIN_DB = 0.2
#: Loudness is aimed within this of the target (the promise is 0.5 LU).
AIM_LU = 0.1
#: Most the limiter is driven: how far (dB) its brick-wall threshold sits under the peaks.
MAX_DRIVE_DB = 18.0
MAX_ITERATIONS = 8
_OVERSAMPLING = 4
# The JUCE limiter adds 3.75 dB of make-up gain above its threshold; feeding peaks 3.75 dB
# under full scale keeps a drive of 0 dB just short of its final clip.
_LIMITER_FEED_DBFS = -3.75
_LIMITER_RELEASE_MS = 50.0


def _gain(samples: np.ndarray, gain_db: float) -> np.ndarray:
    return (samples * np.float32(10.0 ** (gain_db / 20.0))).astype(np.float32)


def _glue(samples: np.ndarray, sample_rate: int, target_lufs: float) -> np.ndarray:
    compressor = pedalboard.Compressor(
        threshold_db=min(target_lufs + 6.0, 0.0), ratio=2.0, attack_ms=20.0, release_ms=250.0
    )
    return np.asarray(compressor(samples, float(sample_rate)), dtype=np.float32)


def _limit(samples: np.ndarray, sample_rate: int, drive_db: float) -> np.ndarray:
    if drive_db <= 0.0:
        return samples
    # Limiting at 4x the rate makes the limiter's final clip act on (nearly) true peaks.
    frames = samples.shape[-1]
    up = resample_poly(samples, _OVERSAMPLING, 1, axis=-1).astype(np.float32)
    up = _gain(up, _LIMITER_FEED_DBFS - to_db(sample_peak(up)))
    limiter = pedalboard.Limiter(threshold_db=-drive_db, release_ms=_LIMITER_RELEASE_MS)
    limited = limiter(up, float(sample_rate * _OVERSAMPLING))
    down = resample_poly(limited, 1, _OVERSAMPLING, axis=-1)[:, :frames]
    return np.ascontiguousarray(down, dtype=np.float32)


def _next_drive(history: list[tuple[float, float]], target: float) -> float:
    """Next drive from (drive_db, loudness at the ceiling) pairs: a secant step."""
    (d1, l1) = history[-1]
    if len(history) >= 2:
        (d0, l0) = history[-2]
        slope = (l1 - l0) / (d1 - d0) if d1 != d0 else 0.0
        if slope > 0.05:
            return d1 + (target - l1) / slope * 1.1
    # Without a usable slope: about 1 LU per 1.5 dB of drive.
    return d1 + 1.5 * (target - l1)


def check_target(target_lufs: object, headroom_db: object) -> tuple[float, float]:
    """Validate mastering arguments.

    Raises:
        InvalidParameterError: Not finite or out of range.
    """
    return (
        number("target_lufs", target_lufs, *TARGET_LUFS_RANGE),
        number("headroom_db", headroom_db, *HEADROOM_DB_RANGE),
    )


def master_samples(
    samples: np.ndarray, sample_rate: int, *, target_lufs: float, headroom_db: float
) -> tuple[np.ndarray, dict[str, Any]]:
    """Master float32 (channels, frames) samples.

    Returns:
        The mastered samples (same shape) and the report that goes into
        ``metadata["mastering"]``.
    """
    target_lufs, headroom_db = check_target(target_lufs, headroom_db)
    ceiling_db = -headroom_db
    aim_peak_db = ceiling_db - PEAK_MARGIN_DB
    samples = np.asarray(samples, dtype=np.float32)
    input_lufs = integrated_loudness(samples, sample_rate)
    input_peak_db = to_db(true_peak(samples))
    report: dict[str, Any] = {
        "method": "ITU-R BS.1770-4 (pyloudnorm), true peak by 4x oversampling",
        "target_lufs": target_lufs,
        "headroom_db": headroom_db,
        "ceiling_dbtp": ceiling_db,
        "input_lufs": finite_or_none(input_lufs),
        "input_true_peak_dbtp": finite_or_none(input_peak_db),
        "gain_db": 0.0,
        "limiter_drive_db": 0.0,
        "iterations": 0,
        "target_reached": False,
        "note": None,
    }
    if samples.shape[-1] == 0 or not input_lufs > ABSOLUTE_GATE_LUFS:
        report["note"] = (
            f"input is below the {ABSOLUTE_GATE_LUFS:g} LUFS absolute gate (silence or "
            "faint noise): left unchanged"
        )
        _final_measurements(report, samples, sample_rate)
        return samples.copy(), report

    normalised = _gain(samples, target_lufs - input_lufs)
    glued = _glue(normalised, sample_rate, target_lufs)
    drive_db = 0.0
    out = glued
    out_gain_db = 0.0
    history: list[tuple[float, float]] = []
    for iteration in range(1, MAX_ITERATIONS + 1):
        limited = _limit(glued, sample_rate, drive_db)
        lufs = integrated_loudness(limited, sample_rate)
        peak_db = to_db(true_peak(limited))
        to_ceiling = aim_peak_db - peak_db
        to_target = target_lufs - lufs
        report["iterations"] = iteration
        out, out_gain_db = limited, min(to_target, to_ceiling)
        if lufs + to_ceiling >= target_lufs - AIM_LU:
            report["target_reached"] = True
            break
        if drive_db >= MAX_DRIVE_DB:
            break
        history.append((drive_db, lufs + to_ceiling))
        drive_db = min(MAX_DRIVE_DB, max(drive_db + 0.5, _next_drive(history, target_lufs)))

    result = _gain(out, out_gain_db)
    report["limiter_drive_db"] = round(drive_db, 2)
    report["gain_db"] = round(target_lufs - input_lufs + out_gain_db, 2)
    _final_measurements(report, result, sample_rate)
    final = report["integrated_lufs"]
    if final is not None and abs(final - target_lufs) > 0.5:
        report["target_reached"] = False
    if not report["target_reached"]:
        report["note"] = (
            f"target {target_lufs:g} LUFS is not reachable under the {ceiling_db:g} dBTP "
            f"ceiling with at most {MAX_DRIVE_DB:g} dB of limiter drive; reached "
            f"{final} LUFS instead of clipping"
        )
    return result, report


def _final_measurements(report: dict[str, Any], samples: np.ndarray, sample_rate: int) -> None:
    lufs = integrated_loudness(samples, sample_rate)
    peak = true_peak(samples)
    report["integrated_lufs"] = finite_or_none(lufs)
    report["true_peak_dbtp"] = finite_or_none(to_db(peak))
    report["loudness_range_lu"] = finite_or_none(loudness_range(samples, sample_rate))
    if not math.isfinite(lufs) and report["note"] is None:
        report["note"] = "silent output"
