"""Synthesized test signals and an independent loudness meter (ffmpeg's ebur128 filter)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np

from music_gen.audio import AudioOutput

SR = 44100


def sine(
    freq_hz: float, duration_s: float, amplitude: float = 0.5, sr: int = SR, channels: int = 1
) -> AudioOutput:
    """A sine tone, duplicated to ``channels``."""
    t = np.arange(round(duration_s * sr)) / sr
    wave = amplitude * np.sin(2 * np.pi * freq_hz * t)
    return AudioOutput(np.tile(wave, (channels, 1)).astype(np.float32), sr)


def drum_loop(duration_s: float, sr: int = SR, seed: int = 0) -> AudioOutput:
    """Noise bursts with fast exponential decay every half second, plus a decaying low tone."""
    rng = np.random.default_rng(seed)
    frames = round(duration_s * sr)
    t = np.arange(frames) / sr
    env = np.zeros(frames)
    burst = round(0.2 * sr)
    decay = np.exp(-np.arange(burst) / (0.03 * sr))
    for start in range(0, frames, sr // 2):
        end = min(frames, start + burst)
        env[start:end] += decay[: end - start]
    kick = 0.6 * np.sin(2 * np.pi * 55 * t) * np.exp(-(t % 0.5) * 12)
    mono = 0.7 * rng.standard_normal(frames) * env + kick
    return AudioOutput(np.vstack([mono, mono]).astype(np.float32), sr)


def decaying_chords(duration_s: float, sr: int = SR) -> AudioOutput:
    """Piano-like decaying triads, one per second."""
    t = np.arange(round(duration_s * sr)) / sr
    env = np.exp(-(t % 1.0) * 3.0)
    wave = sum(np.sin(2 * np.pi * f * t) for f in (261.63, 329.63, 392.0)) * 0.15 * env
    return AudioOutput(np.asarray(wave, dtype=np.float32), sr)


def write_wav(audio: AudioOutput, path: Path) -> Path:
    """Save as the library does (16-bit PCM WAV)."""
    return audio.save(path)


def ebur128(path: Path) -> tuple[float, float]:
    """(integrated loudness LUFS, true peak dBFS) from ffmpeg's ebur128 summary."""
    result = subprocess.run(
        [
            "ffmpeg",
            "-nostats",
            "-hide_banner",
            "-i",
            str(path),
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    summary = result.stderr[result.stderr.rfind("Summary:") :]
    integrated = re.search(r"I:\s+(-?inf|-?[\d.]+) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?inf|-?[\d.]+) dBFS", summary)
    assert integrated and peak, summary
    return float(integrated.group(1)), float(peak.group(1))
