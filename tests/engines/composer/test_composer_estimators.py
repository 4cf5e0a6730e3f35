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


@pytest.mark.parametrize(
    ("prompt", "bpm", "seed"),
    [
        # Half-time trap still counts the asked beat (hats on every beat, ghost claps on 2, 4).
        ("trap beat at 150 bpm in F# minor", 150.0, 1),
        ("trap at 140 bpm in C minor", 140.0, 2),
        # Dubstep's kick on 1 and the and of 3 (not also the and of 2, a 3+3+2 bar heard as a
        # dotted pulse: 140 read as 92), hats accented on the beat.
        ("dubstep at 140 bpm in G minor", 140.0, 0),
        ("dubstep at 140 bpm in G minor", 140.0, 1),
        # Drill's skipping hats accented on the beat, as trap's.
        ("uk drill at 142 bpm in C# minor", 142.0, 1),
    ],
)
def test_half_time_styles_keep_the_asked_beat(
    render: Any, prompt: str, bpm: float, seed: int
) -> None:
    audio = render(prompt, 12.0, seed=seed)
    estimated = estimate_tempo(audio.samples, audio.sample_rate)
    assert abs(estimated - bpm) / bpm < 0.04, f"{prompt}: estimated {estimated:.1f} BPM"


@pytest.mark.parametrize(
    ("prompt", "seed", "tonic", "mode"),
    [
        # The 808's boom is tuned to the tonic (untuned it sounds G#/A whatever the key).
        ("trap at 140 bpm in C minor", 2, 0, "minor"),
        # The bodhran is one tom tuned to the key (a floor tom on G# made these A major and
        # G minor).
        ("celtic jig with tin whistle at 116 bpm in D major", 0, 2, "major"),
        ("slip jig in G", 0, 7, "major"),
        # A minor tonic's bass plays its third.
        ("tarantella at 140 bpm in A minor", 1, 9, "minor"),
    ],
)
def test_key_estimator_hears_the_asked_mode(
    render: Any, prompt: str, seed: int, tonic: int, mode: str
) -> None:
    audio = render(prompt, 12.0, seed=seed)
    found_tonic, found_mode = estimate_key(audio.samples, audio.sample_rate)
    assert (found_tonic, found_mode) == (tonic, mode), (
        f"{prompt}: estimated {NAMES[found_tonic]} {found_mode}"
    )


@pytest.mark.parametrize(
    ("prompt", "seed", "tonic", "duration_s"),
    [
        # A double kick is a drone heard as a pitch: with every sixteenth hit hard and the
        # kick untuned it outweighed the guitars' minor third (these read D, E and C major).
        ("heavy metal at 140 bpm in D minor", 0, 2, 12.0),
        ("heavy metal at 140 bpm in D minor", 1, 2, 12.0),
        ("thrash metal at 176 bpm in E minor", 3, 4, 12.0),
        # A longer piece (B section, more bars of the double kick): read C# minor with the
        # kick tuned but still hit hard on every sixteenth.
        ("thrash metal at 176 bpm in E minor", 0, 4, 24.0),
        ("death metal in C minor", 2, 0, 12.0),
        # A short cumbia is mostly tonic and dominant roots and fifths, which read as the
        # parallel major until the accordion's second voice sings the minor third.
        ("cumbia at 96 bpm in D minor", 0, 2, 12.0),
        ("cumbia at 96 bpm in D minor", 1, 2, 12.0),
        ("cumbia at 96 bpm in D minor", 2, 2, 12.0),
        ("cumbia in A minor", 2, 9, 12.0),
        # The surf beat's floor tom drives eighths; untuned (about A1) it made E minor read
        # E major.
        ("surf rock at 160 bpm in E minor", 0, 4, 12.0),
        ("surf rock at 160 bpm in E minor", 1, 4, 12.0),
        # The wobble bass riff falls to the minor third and the drop stays on the tonic (root
        # and octave alone, with the bass's overtones, read G major; three bars of iv read C).
        ("dubstep at 140 bpm in G minor", 0, 7, 16.0),
        ("dubstep at 140 bpm in G minor", 1, 7, 16.0),
        # The hardstyle kick is tuned to the key: untuned (about G#) it outweighs the rest
        # once the B section's bars of iv come (A minor read G major).
        ("hardstyle at 150 bpm in A minor", 0, 9, 24.0),
        ("hardstyle at 150 bpm in A minor", 1, 9, 24.0),
        # The drum and bass break is pitched to the key, its snare on the tonic (as it was,
        # snare and kick rang C minor over F minor, and G major over G minor).
        ("drum and bass at 172 bpm in F minor", 0, 5, 16.0),
        ("drum and bass at 172 bpm in G minor", 0, 7, 16.0),
        # i-iv-V7 dwells on iv, whose root and fifth the major key's IV shares: the bass
        # states its third (the key's minor sixth), else the piece read E major.
        ("bachata at 128 bpm in E minor", 2, 4, 16.0),
        ("bachata at 128 bpm in E minor", 3, 4, 16.0),
    ],
)
def test_styles_that_read_major_once_read_their_minor_key(
    render: Any, prompt: str, seed: int, tonic: int, duration_s: float
) -> None:
    audio = render(prompt, duration_s, seed=seed)
    found_tonic, found_mode = estimate_key(audio.samples, audio.sample_rate)
    assert (found_tonic, found_mode) == (tonic, "minor"), (
        f"{prompt} (seed {seed}, {duration_s:g} s): estimated {NAMES[found_tonic]} {found_mode}"
    )


@pytest.mark.parametrize(
    ("prompt", "bpm", "seed"),
    [
        # The cross-stick's clave struck full was heard as a dotted pulse (128 read as 86).
        ("bossa nova at 128 bpm in F major", 128.0, 1),
        ("bossa nova at 128 bpm in F major", 128.0, 2),
        # Palmas on 2, 3 and 4, not the twelve-count's accents in sixteenths (140 read as 92).
        ("flamenco at 140 bpm in E minor", 140.0, 0),
        ("flamenco at 140 bpm in E minor", 140.0, 1),
    ],
)
def test_latin_grooves_keep_the_asked_beat(render: Any, prompt: str, bpm: float, seed: int) -> None:
    audio = render(prompt, 16.0, seed=seed)
    estimated = estimate_tempo(audio.samples, audio.sample_rate)
    assert abs(estimated - bpm) / bpm < 0.04, f"{prompt} (seed {seed}): {estimated:.1f} BPM"
