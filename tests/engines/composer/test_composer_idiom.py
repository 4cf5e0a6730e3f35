"""Idiom: keys a genre is played in, and chord parts in the genre's rhythm.

Keys are measured on plans over 30 seeds; rhythms on the notes (``AudioOutput.midi`` for one
render, the arrangement for sweeps).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from music_gen.engines.composer.arrange import Arrangement, TimedNote, arrange
from music_gen.engines.composer.keys import tonic_weights
from music_gen.engines.composer.plan import PiecePlan, build_plan
from music_gen.engines.composer.sampling import Chooser

SEEDS = range(30)
C, DB, D, EB, E, F, GB, G, AB, A, BB, B = range(12)
GUITAR_KEYS = {E, A, D, G, C}
HORN_KEYS = {F, BB, EB, C, G, D}
DANCE_KEYS = {A, F, G, C, D}
CLASSICAL_KEYS = {C, G, D, F, BB, EB, A}
MAJOR_LIKE = ("major", "lydian", "mixolydian")


def _plan(prompt: str, seed: int, **kwargs: Any) -> PiecePlan:
    return build_plan(prompt, 20.0, Chooser(seed, **kwargs))


def _compose(prompt: str, seed: int, duration_s: float = 30.0) -> tuple[PiecePlan, Arrangement]:
    chooser = Chooser(seed)
    plan = build_plan(prompt, duration_s, chooser)
    return plan, arrange(plan, chooser.spawn("notes"))


@pytest.mark.parametrize(
    ("prompt", "keys", "share_at_least"),
    [
        ("rock song with guitars", GUITAR_KEYS, 0.85),
        ("folk song with acoustic guitar", GUITAR_KEYS, 0.85),
        ("country song", GUITAR_KEYS, 0.85),
        ("jazz", HORN_KEYS, 0.85),
        ("bossa nova", HORN_KEYS, 0.7),
        ("techno", DANCE_KEYS, 0.7),
        ("classical", CLASSICAL_KEYS, 0.9),
    ],
)
def test_unnamed_keys_are_the_genres_usual_keys(
    prompt: str, keys: set[int], share_at_least: float
) -> None:
    tonics = [_plan(prompt, seed).tonic_pc for seed in SEEDS]
    share = np.mean([t in keys for t in tonics])
    assert share >= share_at_least, (prompt, tonics)
    # Still a distribution, not one fixed key.
    assert len(set(tonics)) >= 3, (prompt, tonics)


def test_metal_sits_in_e_and_d_mostly() -> None:
    tonics = [_plan("heavy metal", seed).tonic_pc for seed in SEEDS]
    assert np.mean([t in (E, D, B) for t in tonics]) >= 0.6, tonics


def test_different_genres_at_one_seed_do_not_share_the_tonic() -> None:
    prompts = ["happy pop song", "rock anthem with guitars", "epic cinematic", "folk song", "jazz"]
    distinct = [len({_plan(p, seed).tonic_pc for p in prompts}) for seed in SEEDS]
    # Five genres: most seeds give at least three different tonics, none gives one for all.
    assert np.mean(distinct) >= 3.0, distinct
    assert min(distinct) >= 2, distinct


@pytest.mark.parametrize(
    ("prompt", "major_share_at_least", "minor_share_at_least"),
    [
        ("folk song", 0.7, 0.0),
        ("country song", 0.7, 0.0),
        ("bossa nova", 0.6, 0.0),
        ("reggae", 0.65, 0.0),
        ("rock anthem with guitars", 0.7, 0.0),
        ("heavy metal", 0.0, 0.85),
        ("techno", 0.0, 0.7),
        ("cinematic score", 0.0, 0.7),
    ],
)
def test_mode_follows_the_genre_when_no_mood_is_given(
    prompt: str, major_share_at_least: float, minor_share_at_least: float
) -> None:
    modes = [_plan(prompt, seed).mode for seed in SEEDS]
    major = np.mean([m in MAJOR_LIKE for m in modes])
    assert major >= major_share_at_least, (prompt, modes)
    assert 1.0 - major >= minor_share_at_least, (prompt, modes)


def test_prompt_key_mode_and_mood_still_win() -> None:
    for seed in range(5):
        plan = _plan("rock song with guitars in F# minor", seed)
        assert (plan.tonic_pc, plan.mode) == (GB, "minor")
        assert _plan("bossa nova in B major", seed).key_name == "B major"
    sad = [_plan("sad folk song", seed).mode for seed in SEEDS]
    assert np.mean([m not in MAJOR_LIKE for m in sad]) >= 0.7, sad


def test_key_draw_goes_through_the_sampler() -> None:
    # top_k=1 always takes the genre's favourite tonic; temperature flattens the choice.
    weights = tonic_weights("jazz", "major")
    favourite = int(np.argmax(weights))
    greedy = {_plan("jazz in major", seed, top_k=1).tonic_pc for seed in SEEDS}
    assert greedy == {favourite}
    hot = [_plan("jazz", seed, temperature=8.0).tonic_pc for seed in SEEDS]
    cool = [_plan("jazz", seed).tonic_pc for seed in SEEDS]
    assert np.mean([t in HORN_KEYS for t in hot]) < np.mean([t in HORN_KEYS for t in cool])


def _onsets(notes: list[TimedNote], tolerance_s: float = 0.04) -> list[float]:
    """Onset times with the notes of one chord (struck together or strummed) merged."""
    onsets: list[float] = []
    for start in sorted(n.start_s for n in notes):
        if not onsets or start - onsets[-1] > tolerance_s:
            onsets.append(start)
    return onsets


def _chord_notes(plan: PiecePlan, arrangement: Arrangement, role: str) -> list[TimedNote]:
    """Notes of the role's parts in the body of the piece (not the final chord)."""
    last_bar_s = (plan.total_bars - 1) * plan.bar_s
    parts = [p for p in plan.parts if p.role == role]
    assert parts, [p.role for p in plan.parts]
    return [n for p in parts for n in arrangement.notes[p.name] if n.start_s < last_bar_s]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_rock_rhythm_guitar_drives_in_eighths(seed: int) -> None:
    plan, arrangement = _compose("rock song with guitars", seed)
    onsets = _onsets(_chord_notes(plan, arrangement, "chords"))
    eighth_s = plan.beat_s / 2
    on_grid = [abs(t / eighth_s - round(t / eighth_s)) * eighth_s < 0.03 for t in onsets]
    assert np.mean(on_grid) >= 0.9
    assert len(onsets) / (plan.total_bars - 1) >= 6.0, len(onsets)


def test_rock_chords_accent_the_backbeat() -> None:
    plan, arrangement = _compose("rock song with guitars", 2)
    notes = _chord_notes(plan, arrangement, "chords")
    backbeat, downbeat = [], []
    for n in notes:
        beat = round(n.start_s / plan.beat_s * 2) / 2 % plan.beats_per_bar
        if beat in (1.0, 3.0):
            backbeat.append(n.velocity)
        elif beat in (0.0, 2.0):
            downbeat.append(n.velocity)
    # Beats 2 and 4 hit harder than 1 and 3.
    assert np.mean(backbeat) > np.mean(downbeat) + 4


def test_rock_guitar_rhythm_in_the_rendered_midi(render: Any) -> None:
    out = render("rock song with guitars", duration_s=8.0, seed=3)
    plan = out.metadata["plan"]
    names = {p["name"] for p in plan["parts"] if p["role"] == "chords"}
    notes = [n for inst in out.midi.instruments if inst.name in names for n in inst.notes]
    beat_s = 60.0 / plan["tempo_bpm"]
    bars = 8.0 / (beat_s * 4)
    starts = sorted({round(n.start / 0.04) for n in notes})
    assert len(starts) / bars >= 5.0, (len(starts), bars)


def test_pop_piano_comps_in_more_than_one_rhythm() -> None:
    rhythms: set[tuple[float, ...]] = set()
    for seed in (1, 2, 3):
        plan, arrangement = _compose("happy pop song", seed)
        onsets = _onsets(_chord_notes(plan, arrangement, "chords"))
        assert len(onsets) / (plan.total_bars - 1) >= 3.0
        by_bar: dict[int, list[float]] = {}
        for t in onsets:
            bar = int((t + 0.05) // plan.bar_s)
            by_bar.setdefault(bar, []).append(round((t - bar * plan.bar_s) / plan.beat_s * 2) / 2)
        rhythms.update(tuple(v) for v in by_bar.values() if len(v) >= 3)
    # An eighth-note pulse and syncopated quarter-and-eighth patterns, not one block rhythm.
    assert len(rhythms) >= 2, rhythms


def test_country_guitar_plays_boom_chick() -> None:
    plan, arrangement = _compose("country song", 4)
    notes = _chord_notes(plan, arrangement, "chords")
    body = [n for n in notes if n.start_s >= plan.bar_s]
    low_beats, chord_beats = [], []
    for onset in _onsets(body):
        struck = [n.pitch for n in body if abs(n.start_s - onset) <= 0.04]
        beat = round(onset / plan.beat_s * 2) / 2 % plan.beats_per_bar
        (low_beats if len(struck) == 1 else chord_beats).append(beat)
    # Single bass notes on 1 and 3, chords on 2 and 4 (and the up-strums after them).
    assert low_beats and np.mean([b in (0.0, 2.0) for b in low_beats]) >= 0.9
    assert np.mean([b in (1.0, 3.0) for b in chord_beats]) >= 0.5


@pytest.mark.parametrize(("prompt", "role"), [("epic cinematic", "chords"), ("ambient", "pad")])
def test_pads_and_strings_stay_sustained(prompt: str, role: str) -> None:
    for seed in (1, 2):
        plan, arrangement = _compose(prompt, seed)
        notes = _chord_notes(plan, arrangement, role)
        durations = [n.end_s - n.start_s for n in notes]
        assert np.median(durations) >= 1.5 * plan.beat_s
        assert len(_onsets(notes)) / (plan.total_bars - 1) <= 2.5


@pytest.mark.parametrize("seed", range(3))
def test_power_chord_styles_state_the_minor_third(seed: int) -> None:
    """Bare fifths sound the same in major and minor (and a distorted guitar's overtones
    sound a major third): metal's tonic chord and its bass riff play the key's minor third,
    and nothing plays the major third."""
    _, arrangement = _compose("heavy metal in D minor", seed, duration_s=20.0)
    rhythm, bass = "distorted guitar", "bass"
    for part in (rhythm, bass):
        pitch_classes = {n.pitch % 12 for n in arrangement.notes[part]}
        assert F in pitch_classes and GB not in pitch_classes, (part, sorted(pitch_classes))


@pytest.mark.parametrize(
    ("prompt", "sounding", "tonic"),
    [
        ("trap in F# minor", AB, GB),
        ("jig in A", D, A),
        ("surf rock in E minor", A, E),
        ("heavy metal in D minor", AB, D),
        ("rock song with double kick in C minor", AB, C),
    ],
)
def test_pitched_drums_are_tuned_to_the_tonic(prompt: str, sounding: int, tonic: int) -> None:
    """The 808's kick (about G#1), the bodhran's low tom (about D2), the surf beat's floor
    tom (about A1) and a standard kit's double kick (about G#2) sound the tonic."""
    plan = _plan(prompt, 0)
    drums = next(p for p in plan.parts if p.is_drum)
    assert (sounding + drums.tune_semitones) % 12 == tonic
    assert -6 <= drums.tune_semitones <= 5
