"""Speed of mixing and mastering a 60 s four-stem project.

Usage:
    python bench/mixing_speed.py [--source synth|composer] [--preset jazz_club] [--runs 5]

Prints the median wall time of ``AudioMixer.mix_tracks`` (with the preset's effects) and of
``AudioMixer.master``, and how many times faster than real time each is.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

from music_gen import AudioMixer, AudioOutput, MultiInstrumentGenerator

SR = 44100
PARTS = {
    "drums": "Swing pattern on ride and brushes",
    "bass": "Walking bass line",
    "piano": "Jazz piano comping",
    "strings": "Warm sustained string pad",
}


def synth_stems(duration_s: float) -> dict[str, AudioOutput]:
    """Four synthesized stems: noise-burst drums, a bass tone, decaying chords, a pad."""
    rng = np.random.default_rng(0)
    t = np.arange(round(duration_s * SR)) / SR
    drums = 0.5 * rng.standard_normal(t.size) * np.exp(-(t % 0.5) * 30)
    bass = 0.4 * np.sin(2 * np.pi * 55 * t) * np.exp(-(t % 0.5) * 2)
    chords = sum(np.sin(2 * np.pi * f * t) for f in (261.63, 329.63, 392.0))
    piano = 0.15 * chords * np.exp(-(t % 1.0) * 3)
    pad = 0.1 * np.vstack([np.sin(2 * np.pi * 196 * t), np.sin(2 * np.pi * 196.5 * t)])
    return {
        "drums": AudioOutput(drums.astype(np.float32), SR),
        "bass": AudioOutput(bass.astype(np.float32), SR),
        "piano": AudioOutput(np.vstack([piano, piano]).astype(np.float32), SR),
        "strings": AudioOutput(pad.astype(np.float32), SR),
    }


def composer_stems(duration_s: float) -> dict[str, AudioOutput]:
    """Four stems from the composer (one shared plan)."""
    multi = MultiInstrumentGenerator(model="composer")
    params = multi.make_params("Late-night jazz quartet", duration_s, seed=7)
    return multi.load().generate_stems(PARTS, params)


def timed(function: Callable[[], object], runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=("synth", "composer"), default="synth")
    parser.add_argument("--preset", default="jazz_club")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    stems = synth_stems(args.duration) if args.source == "synth" else composer_stems(args.duration)
    mixer = AudioMixer()
    mix_s, mixed = timed(lambda: mixer.mix_tracks(stems, preset=args.preset), args.runs)
    assert isinstance(mixed, AudioOutput)
    master_s, mastered = timed(lambda: mixer.master(mixed), args.runs)
    assert isinstance(mastered, AudioOutput)
    report = mastered.metadata["mastering"]
    print(
        f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}"
    )
    print(
        f"project: {len(stems)} stems x {args.duration:g} s ({args.source}), "
        f"preset {args.preset}, median of {args.runs} runs"
    )
    print(f"mix_tracks: {mix_s:.3f} s  ({args.duration / mix_s:.0f}x real time)")
    print(f"master:     {master_s:.3f} s  ({args.duration / master_s:.0f}x real time)")
    print(
        f"mastered: {report['integrated_lufs']} LUFS, {report['true_peak_dbtp']} dBTP, "
        f"LRA {report['loudness_range_lu']} LU, limiter drive {report['limiter_drive_db']} dB, "
        f"{report['iterations']} iteration(s)"
    )


if __name__ == "__main__":
    main()
