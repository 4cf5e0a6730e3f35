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
   :data:`MAX_DRIVE_DB` (and narrow an overshooting drive back down, see
   :func:`_drive_search`). If even that cannot reach the target, the result stays under the
   ceiling and ``target_reached`` is False with a note: it never clips to get there.

Because the last step is a linear gain set from a measurement, the true peak is under the
ceiling by construction, whatever the limiter did.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pedalboard

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
from music_gen.mixing.resampling import resample_poly_cached

#: Accepted range of target_lufs.
TARGET_LUFS_RANGE = (-60.0, 0.0)
#: Accepted range of headroom_db (the ceiling is -headroom_db dBTP).
HEADROOM_DB_RANGE = (0.0, 20.0)
#: The true peak is aimed this far under the ceiling, so that other meters (and 16-bit files)
#: agree that it is under.
PEAK_MARGIN_DB = 0.2
#: Loudness is aimed within this of the target (the promise is 0.5 LU).
AIM_LU = 0.1
#: A drive that leaves more than this (LU) to spare under the ceiling is narrowed down.
REFINE_LU = 0.5
#: Most the limiter is driven: how far (dB) its brick-wall threshold sits under the peaks.
MAX_DRIVE_DB = 18.0
MAX_ITERATIONS = 6
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
    up = resample_poly_cached(samples, _OVERSAMPLING, 1)
    up = _gain(up, _LIMITER_FEED_DBFS - to_db(sample_peak(up)))
    limiter = pedalboard.Limiter(threshold_db=-drive_db, release_ms=_LIMITER_RELEASE_MS)
    limited = limiter(up, float(sample_rate * _OVERSAMPLING))
    down = resample_poly_cached(limited, 1, _OVERSAMPLING)[:, :frames]
    return np.ascontiguousarray(down, dtype=np.float32)


def _drive_search(
    glued: np.ndarray,
    sample_rate: int,
    target_lufs: float,
    aim_peak_db: float,
    report: dict[str, Any],
) -> tuple[np.ndarray, float, float]:
    """Find the least limiter drive at which the target loudness fits under the ceiling.

    Each round limits at one drive and measures; "loudness at the ceiling" is the loudness
    after a gain that puts the true peak at ``aim_peak_db``. Below the target, the drive goes
    up (secant steps); once a drive works but leaves more than :data:`REFINE_LU` to spare, it
    is narrowed down between the last drive that failed and the least that worked, so the
    limiter does no more than needed.

    Returns:
        (limited samples, output gain in dB, drive in dB). ``report`` gets ``iterations`` and
        ``target_reached``.
    """
    failed: list[tuple[float, float]] = []  # (drive, loudness at the ceiling), rising drive
    best: tuple[float, np.ndarray, float] | None = None  # (drive, samples, output gain)
    last: tuple[float, np.ndarray, float] = (0.0, glued, 0.0)
    best_spare = 0.0
    drive_db = 0.0
    for iteration in range(1, MAX_ITERATIONS + 1):
        report["iterations"] = iteration
        limited = _limit(glued, sample_rate, drive_db)
        lufs = integrated_loudness(limited, sample_rate)
        to_ceiling = aim_peak_db - to_db(true_peak(limited))
        at_ceiling = lufs + to_ceiling
        gain_db = min(target_lufs - lufs, to_ceiling)
        last = (drive_db, limited, gain_db)
        if at_ceiling >= target_lufs - AIM_LU:
            best, best_spare = last, at_ceiling - target_lufs
            if drive_db == 0.0 or best_spare <= REFINE_LU:
                break
        else:
            failed.append((drive_db, at_ceiling))
            if drive_db >= MAX_DRIVE_DB:
                break
        next_drive = _next_drive(failed, best, best_spare, target_lufs)
        if next_drive is None:
            break
        drive_db = next_drive
    report["target_reached"] = best is not None
    chosen = best if best is not None else last
    return chosen[1], chosen[2], chosen[0]


def _next_drive(
    failed: list[tuple[float, float]],
    best: tuple[float, np.ndarray, float] | None,
    best_spare: float,
    target_lufs: float,
) -> float | None:
    low_drive, low_at = failed[-1] if failed else (0.0, target_lufs)
    if best is None:
        # Still short of the target: step up, by the secant of the last two tries if usable.
        step = 1.5 * (target_lufs - low_at)
        if len(failed) >= 2:
            (d0, l0), (d1, l1) = failed[-2], failed[-1]
            slope = (l1 - l0) / (d1 - d0) if d1 > d0 else 0.0
            if slope > 0.05:
                step = 1.1 * (target_lufs - l1) / slope
        return min(MAX_DRIVE_DB, low_drive + max(0.5, step))
    high_drive = best[0]
    if high_drive - low_drive < 1.0:
        return None
    # Interpolate between the drive that fell short and the least one that worked.
    high_at = target_lufs + best_spare
    share = (target_lufs + AIM_LU - low_at) / max(high_at - low_at, 1e-6)
    return low_drive + min(max(share, 0.25), 0.75) * (high_drive - low_drive)


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
    out, out_gain_db, drive_db = _drive_search(
        glued, sample_rate, target_lufs, ceiling_db - PEAK_MARGIN_DB, report
    )
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
