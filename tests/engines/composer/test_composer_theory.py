"""Music theory: pitch names, scales, chords from numerals, progressions, voice leading."""

from __future__ import annotations

import itertools

import pytest

from music_gen.engines.composer.styles import GENRES
from music_gen.engines.composer.theory import (
    Chord,
    candidate_voicings,
    chord_from_roman,
    lead_voices,
    parse_pitch_class,
    parse_progression,
    scale_pitch_classes,
    uses_flats,
    voicing_distance,
)


@pytest.mark.parametrize(
    ("name", "pc"),
    [
        ("C", 0),
        ("c#", 1),
        ("Db", 1),
        ("F#", 6),
        ("Gb", 6),
        ("Bb", 10),
        ("B", 11),
        ("Cb", 11),
        ("e-flat", 3),
        ("A♯", 10),
    ],
)
def test_parse_pitch_class(name: str, pc: int) -> None:
    assert parse_pitch_class(name) == pc


def test_parse_pitch_class_rejects_non_notes() -> None:
    with pytest.raises(ValueError, match="not a note name"):
        parse_pitch_class("H")


@pytest.mark.parametrize(
    ("tonic", "mode", "expected"),
    [
        (0, "major", [0, 2, 4, 5, 7, 9, 11]),
        (9, "minor", [9, 11, 0, 2, 4, 5, 7]),
        (2, "dorian", [2, 4, 5, 7, 9, 11, 0]),
        (7, "mixolydian", [7, 9, 11, 0, 2, 4, 5]),
        (4, "phrygian", [4, 5, 7, 9, 11, 0, 2]),
        (5, "lydian", [5, 7, 9, 11, 0, 2, 4]),
        (9, "aeolian", [9, 11, 0, 2, 4, 5, 7]),
    ],
)
def test_scales(tonic: int, mode: str, expected: list[int]) -> None:
    assert scale_pitch_classes(tonic, mode) == expected


@pytest.mark.parametrize(
    ("numeral", "tonic", "flats", "symbol", "pcs"),
    [
        ("I", 0, False, "C", [0, 4, 7]),
        ("vi", 0, False, "Am", [9, 0, 4]),
        ("V7", 7, False, "D7", [2, 6, 9, 0]),
        ("ii7", 10, True, "Cm7", [0, 3, 7, 10]),
        ("Imaj7", 5, True, "Fmaj7", [5, 9, 0, 4]),
        ("bVII", 2, False, "C", [0, 4, 7]),
        ("bVI", 2, True, "Bb", [10, 2, 5]),
        ("iiø7", 9, False, "Bm7b5", [11, 2, 5, 9]),
        ("vii°", 0, False, "Bdim", [11, 2, 5]),
        ("i5", 4, False, "E5", [4, 11]),
    ],
)
def test_chord_from_roman(
    numeral: str, tonic: int, flats: bool, symbol: str, pcs: list[int]
) -> None:
    chord = chord_from_roman(numeral, tonic, flats=flats)
    assert chord.symbol == symbol
    assert chord.pitch_classes == pcs


@pytest.mark.parametrize("genre", sorted(GENRES))
def test_every_genre_progression_parses_and_its_roots_fit_the_key(genre: str) -> None:
    style = GENRES[genre]
    for text in style.major_a + style.major_b:
        bars = parse_progression(text, 0, flats=False)
        assert bars and all(bars)
        # Roots of major-key progressions are diatonic or the usual borrowed bVII, bVI, bII.
        roots = {c.root_pc for bar in bars for c in bar}
        assert roots <= {0, 2, 4, 5, 7, 9, 11, 10, 8, 1}
    for text in style.minor_a + style.minor_b:
        bars = parse_progression(text, 9, flats=False)
        roots = {c.root_pc for bar in bars for c in bar}
        assert roots <= set(scale_pitch_classes(9, "minor")) | {10}  # bII in phrygian metal


def test_pop_progression_in_g() -> None:
    bars = parse_progression("I | V | vi | IV", 7, flats=False)
    assert [c.symbol for bar in bars for c in bar] == ["G", "D", "Em", "C"]


def test_two_chords_in_a_bar() -> None:
    bars = parse_progression("ii7 V7 | Imaj7", 0, flats=False)
    assert [[c.symbol for c in bar] for bar in bars] == [["Dm7", "G7"], ["Cmaj7"]]


def test_uses_flats() -> None:
    assert uses_flats(5, "major") and uses_flats(2, "minor") and uses_flats(0, "dorian") is True
    assert not uses_flats(7, "major") and not uses_flats(4, "minor")


def test_voicing_distance() -> None:
    assert voicing_distance([60, 64, 67], [60, 65, 69]) == 3
    assert voicing_distance([60, 64, 67], [60, 64, 67]) == 0


def test_voice_leading_moves_least() -> None:
    c = Chord(0, "maj", "C")
    f = Chord(5, "maj", "F")
    g7 = Chord(7, "7", "G7")
    previous = lead_voices(None, c, 52, 76, voices=3)
    following = lead_voices(previous, f, 52, 76, voices=3)
    # No voicing of F in range moves less than the chosen one.
    best = min(
        voicing_distance(previous, v) for v in candidate_voicings([5, 9, 0], 52, 76, voices=3)
    )
    assert voicing_distance(previous, following) == best
    assert voicing_distance(previous, following) <= 3
    seventh = lead_voices(following, g7, 52, 76, voices=4)
    assert {p % 12 for p in seventh} >= {11, 5}  # third and seventh are kept
    assert all(52 <= p <= 76 for p in seventh)


def test_voice_leading_through_a_progression_keeps_voices_close() -> None:
    bars = parse_progression("Imaj7 | vi7 | ii7 | V7 | Imaj7", 0, flats=False)
    voicing = None
    moves = []
    for chord in itertools.chain.from_iterable(bars):
        new = lead_voices(voicing, chord, 52, 76, voices=4)
        if voicing is not None:
            moves.append(voicing_distance(voicing, new))
        voicing = new
        assert {p % 12 for p in new} <= set(chord.pitch_classes)
    # Four voices moving at most a few semitones in total per change.
    assert max(moves) <= 6
