"""Sub-genres, meters, tunings and drum words, judged on the MIDI file the composer writes.

Each test writes the piece's MIDI, reads it back with pretty_midi and checks what a listener
(or a DAW) would find: the time signature, where drum hits fall, which instruments play and
which pitch class the bass leans on. The plan's own metadata is not trusted alone.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import numpy as np
import pretty_midi
import pytest

from music_gen.engines.composer.arrange import arrange
from music_gen.engines.composer.catalog import catalog
from music_gen.engines.composer.drums import KICK, LOW_TOM
from music_gen.engines.composer.plan import build_plan
from music_gen.engines.composer.sampling import Chooser
from music_gen.engines.composer.styles import GENRES
from tests.engines.composer.estimators import estimate_key, estimate_tempo


def midi_of(prompt: str, duration_s: float = 12.0, seed: int = 3) -> pretty_midi.PrettyMIDI:
    """The piece's MIDI file, written and read back."""
    chooser = Chooser(seed)
    plan = build_plan(prompt, duration_s, chooser)
    buffer = io.BytesIO()
    arrange(plan, chooser.spawn("notes")).to_midi().write(buffer)
    buffer.seek(0)
    return pretty_midi.PrettyMIDI(buffer)


def signature(midi: pretty_midi.PrettyMIDI) -> str:
    ts = midi.time_signature_changes[0]
    return f"{ts.numerator}/{ts.denominator}"


def programs_playing(midi: pretty_midi.PrettyMIDI) -> set[int]:
    return {i.program for i in midi.instruments if not i.is_drum and i.notes}


def drum_notes(midi: pretty_midi.PrettyMIDI) -> list[pretty_midi.Note]:
    return [n for i in midi.instruments if i.is_drum for n in i.notes]


def eighth_s(midi: pretty_midi.PrettyMIDI) -> float:
    """An eighth note's length in seconds, from the file's own tempo."""
    return 30.0 / midi.get_tempo_changes()[1][0]


@pytest.mark.parametrize(
    ("prompt", "meter"),
    [
        ("slow jam in 12/8 with organ", "12/8"),
        ("blues shuffle in 12/8", "12/8"),
        ("slip jig on tin whistle", "9/8"),
        ("irish jig with fiddle", "6/8"),
        ("a tarantella", "6/8"),
        ("polka with accordion", "2/4"),
        ("cinematic rock in 5/4", "5/4"),
        ("doo-wop ballad", "12/8"),
        ("math rock in 7/8", "7/8"),
        ("a waltz in 9/8", "9/8"),
    ],
)
def test_meter_reaches_the_midi_file(prompt: str, meter: str) -> None:
    midi = midi_of(prompt)
    assert signature(midi) == meter
    numerator, denominator = (int(x) for x in meter.split("/"))
    bar_s = numerator * (4 / denominator) * 60.0 / midi.get_tempo_changes()[1][0]
    # Every drum kick falls on the bar's eighth-note grid (an odd kick would blur the meter).
    grid = bar_s / (numerator * 8 / denominator)
    kicks = [n.start for n in drum_notes(midi) if n.pitch == KICK]
    for start in kicks:
        assert abs(start / grid - round(start / grid)) < 0.12


@pytest.mark.parametrize("prompt", ["slow jam in 12/8 with organ", "blues shuffle in 12/8"])
def test_twelve_eight_drums_on_the_triplet_grid_with_a_backbeat(prompt: str) -> None:
    midi = midi_of(prompt)
    eighth = eighth_s(midi)
    beat = 3 * eighth
    onsets = [n.start for n in drum_notes(midi)]
    off_grid = [t for t in onsets if abs(t / eighth - round(t / eighth)) > 0.12]
    assert len(off_grid) <= 0.05 * len(onsets)
    # Eighths inside the beat (the triplet feel) are played, not only the beats.
    inside = [t for t in onsets if round(t / eighth) % 3 != 0]
    assert len(inside) >= 0.3 * len(onsets)
    # Snares (the backbeat) land on counted beats 2 and 4 of the dotted-quarter pulse.
    snares = [n.start for n in drum_notes(midi) if n.pitch == 38]
    beats = Counter(round(t / beat) % 4 for t in snares)
    assert beats[1] + beats[3] >= 0.8 * len(snares)


@pytest.mark.parametrize(
    ("prompt", "bpm", "tonic"),
    [
        ("slow jam in 12/8 in G minor, 72 bpm", 72.0, 7),
        ("irish jig in D, 112 bpm", 112.0, 2),
    ],
)
def test_compound_pulse_and_key_in_the_audio(
    render: Any, prompt: str, bpm: float, tonic: int
) -> None:
    """librosa's beat tracker hears the dotted-quarter beat (not the eighths, not two of
    them), and a chroma key estimate finds the tonic."""
    audio = render(prompt, duration_s=12.0, seed=3)
    assert estimate_tempo(audio.samples, audio.sample_rate) == pytest.approx(bpm, rel=0.04)
    assert estimate_key(audio.samples, audio.sample_rate)[0] == tonic


def test_jig_is_celtic_with_fiddle_and_bodhran() -> None:
    midi = midi_of("irish jig with fiddle and tin whistle in D")
    assert signature(midi) == "6/8"
    playing = programs_playing(midi)
    assert {110, 74} <= playing  # fiddle, tin whistle (GM recorder)
    assert 48 not in playing and 42 not in playing  # not a string section and cello
    assert any(n.pitch == LOW_TOM for n in drum_notes(midi))


@pytest.mark.parametrize(
    ("prompt", "tonic"),
    [
        ("metal song with double kick, distorted guitars in drop D, 180 bpm", 2),
        ("doom metal in drop C, slow", 0),
        ("djent in drop B", 11),
    ],
)
def test_drop_tuning_is_the_tonic_of_the_bass(prompt: str, tonic: int) -> None:
    midi = midi_of(prompt)
    weights = np.zeros(12)
    for inst in midi.instruments:
        if 32 <= inst.program <= 39 and not inst.is_drum:
            for n in inst.notes:
                weights[n.pitch % 12] += n.end - n.start
    assert int(np.argmax(weights)) == tonic


def test_double_kick_plays_sixteenth_kicks() -> None:
    double = midi_of("rock song with double kick, 120 bpm", seed=4)
    rock = midi_of("rock song, 120 bpm", seed=4)
    sixteenth = eighth_s(double) / 2
    kicks = [n.start for n in drum_notes(double) if n.pitch == KICK]
    odd = [t for t in kicks if round(t / sixteenth) % 2 == 1]
    assert len(odd) >= 0.3 * len(kicks)
    assert len(kicks) > 2 * sum(1 for n in drum_notes(rock) if n.pitch == KICK)


@pytest.mark.parametrize(
    ("prompt", "programs"),
    [
        ("cumbia with accordion and guiro", {21}),
        ("salsa with piano, trumpets and congas", {0, 56}),
        ("klezmer with clarinet and violin", {71, 40}),
        ("sea shanty with accordion", {21}),
        ("greek music with bouzouki", {25}),
        ("chinese traditional with erhu and guzheng", {110, 107}),
        ("meditation with handpan", {114}),
        ("bollywood song with sitar and tabla", {104}),
        ("film noir with muted trumpet", {59}),
    ],
)
def test_named_instruments_play(prompt: str, programs: set[int]) -> None:
    midi = midi_of(prompt)
    assert programs <= programs_playing(midi)
    if "tabla" in prompt or "congas" in prompt or "guiro" in prompt:
        assert drum_notes(midi)


@pytest.mark.parametrize(
    ("prompt", "genre"),
    [
        ("a tarantella in 6/8", "tarantella"),
        ("slow jam with electric piano", "r&b"),
        ("celtic reel", "celtic"),
        ("uk garage two-step", "uk garage"),
        ("2-step garage", "uk garage"),
        ("reggaeton beat", "reggaeton"),
        ("bachata with requinto guitar", "bachata"),
        ("trance at 138 bpm", "trance"),
        ("k-pop dance track", "pop"),
        ("thrash metal at 200 bpm", "metal"),
    ],
)
def test_sub_genre_words_are_read_and_bring_a_band(prompt: str, genre: str) -> None:
    plan = build_plan(prompt, 8.0, Chooser(3))
    assert plan.genre == genre and not plan.unrecognized
    expected = {p for name, _ in GENRES[genre].band if (p := _program(name)) is not None}
    midi = midi_of(prompt, duration_s=8.0)
    assert expected <= programs_playing(midi)


def _program(name: str) -> int | None:
    from music_gen.engines.composer.instruments import INSTRUMENTS

    inst = INSTRUMENTS[name]
    return None if inst.is_drum else inst.program


def test_reggaeton_plays_the_dembow() -> None:
    midi = midi_of("reggaeton beat, 96 bpm")
    sixteenth = eighth_s(midi) / 2
    snares = Counter(round(n.start / sixteenth) % 8 for n in drum_notes(midi) if n.pitch == 38)
    # The dembow snare: the "a" of 1 and the "and" of 2 (steps 3 and 6 of each half bar);
    # the rest are fills.
    assert {step for step, _ in snares.most_common(2)} == {3, 6}
    assert snares[3] + snares[6] >= 0.6 * sum(snares.values())


def test_seven_eight_counts_eighths() -> None:
    """7/8 at 210 is 210 eighths a minute: the file's quarter-note tempo is 105."""
    midi = midi_of("progressive rock in 7/8 at 210 bpm")
    assert midi.get_tempo_changes()[1][0] == pytest.approx(105, rel=1e-3)
    bar_s = 7 * 60.0 / 210
    downbeats = [n.start for n in drum_notes(midi) if n.pitch == KICK]
    assert sum(abs(t / bar_s - round(t / bar_s)) < 0.02 for t in downbeats) >= 3


@pytest.mark.parametrize(
    ("prompt", "genre"),
    [("adagio for strings", "classical"), ("presto violin", "classical")],
)
def test_italian_tempo_marks_mean_classical(prompt: str, genre: str) -> None:
    midi = midi_of(prompt)
    assert not any(i.is_drum and i.notes for i in midi.instruments)
    assert build_plan(prompt, 8.0, Chooser(3)).genre == genre


def test_tempo_marks_set_the_tempo() -> None:
    adagio = midi_of("adagio for strings").get_tempo_changes()[1][0]
    allegro = midi_of("allegro string quartet").get_tempo_changes()[1][0]
    assert (adagio, allegro) == (pytest.approx(66, rel=1e-3), pytest.approx(132, rel=1e-3))


def test_styles_catalog_lists_the_new_sub_genres() -> None:
    names = {row["name"] for row in catalog()["genres"]}
    assert {"celtic", "polka", "tarantella", "doo-wop", "drill", "uk garage"} <= names
