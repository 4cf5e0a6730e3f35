"""Independent estimators that judge the composer's audio: tempo and key.

Tempo comes from librosa's beat tracker; the key from the Krumhansl-Schmuckler method
(correlating the piece's mean chroma with the 24 rotated major and minor key profiles).
Neither knows anything about the composer.
"""

from __future__ import annotations

import librosa
import numpy as np

# Krumhansl & Kessler (1982) probe-tone profiles, tonic first.
MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
ANALYSIS_RATE = 22050


def mono(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mono float32 at the analysis rate."""
    y = np.asarray(samples, dtype=np.float32).mean(axis=0)
    return librosa.resample(y, orig_sr=sample_rate, target_sr=ANALYSIS_RATE)


def estimate_tempo(samples: np.ndarray, sample_rate: int) -> float:
    """BPM from librosa.beat.beat_track."""
    tempo, _ = librosa.beat.beat_track(y=mono(samples, sample_rate), sr=ANALYSIS_RATE)
    return float(np.atleast_1d(tempo)[0])


def estimate_key(samples: np.ndarray, sample_rate: int) -> tuple[int, str]:
    """(tonic pitch class, "major" | "minor") by Krumhansl-Schmuckler on mean CQT chroma."""
    chroma = librosa.feature.chroma_cqt(y=mono(samples, sample_rate), sr=ANALYSIS_RATE)
    profile = chroma.mean(axis=1)
    best = (-2.0, 0, "major")
    for tonic in range(12):
        for mode, reference in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE)):
            r = float(np.corrcoef(profile, np.roll(reference, tonic))[0, 1])
            if r > best[0]:
                best = (r, tonic, mode)
    return best[1], best[2]
