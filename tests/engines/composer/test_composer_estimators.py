"""Independent estimators judge the audio: the requested tempo and key must be audible.

Tempo: librosa's beat tracker on the mix must land within 4% of the prompt's BPM, with no
half- or double-tempo allowance. Key: Krumhansl-Schmuckler on mean CQT chroma must name the
requested tonic and mode.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engines.composer.estimators import NAMES, estimate_key, estimate_tempo


@pytest.mark.parametrize(
    ("prompt", "bpm"),
    [
        ("energetic rock at 120 bpm", 120.0),
        ("funk groove, 100 bpm", 100.0),
        ("house music at 124 bpm", 124.0),
        ("hip hop beat at 90 bpm", 90.0),
    ],
)
def test_beat_tracker_recovers_the_tempo(render: Any, prompt: str, bpm: float) -> None:
    audio = render(prompt, 12.0, seed=4)
    assert audio.metadata["plan"]["tempo_bpm"] == bpm
    estimated = estimate_tempo(audio.samples, audio.sample_rate)
    assert abs(estimated - bpm) / bpm < 0.04, f"{prompt}: estimated {estimated:.1f} BPM"


@pytest.mark.parametrize(
    ("prompt", "tonic", "mode"),
    [
        ("calm piano melody in D minor", 2, "minor"),
        ("happy pop song in G major", 7, "major"),
        ("sad strings in C minor", 0, "minor"),
        ("jazz in Bb major", 10, "major"),
        ("folk song in A major", 9, "major"),
    ],
)
def test_key_estimator_recovers_the_key(render: Any, prompt: str, tonic: int, mode: str) -> None:
    audio = render(prompt, 12.0, seed=4)
    found_tonic, found_mode = estimate_key(audio.samples, audio.sample_rate)
    assert (found_tonic, found_mode) == (tonic, mode), (
        f"{prompt}: estimated {NAMES[found_tonic]} {found_mode}"
    )
