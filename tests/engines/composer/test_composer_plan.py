"""Plans and notes: what the prompt asked shows in the plan and in the MIDI."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from music_gen.engines.composer.arrange import Arrangement, arrange
from music_gen.engines.composer.instruments import INSTRUMENTS
from music_gen.engines.composer.plan import PartRequest, PiecePlan, build_plan
from music_gen.engines.composer.sampling import Chooser
from music_gen.engines.composer.theory import scale_pitch_classes
from music_gen.errors import InvalidParameterError


def compose(prompt: str, duration_s: float = 30.0, seed: int = 1) -> tuple[PiecePlan, Arrangement]:
    chooser = Chooser(seed)
    plan = build_plan(prompt, duration_s, chooser)
    return plan, arrange(plan, chooser.spawn("notes"))


def test_plan_metadata_has_every_documented_field() -> None:
    plan, _ = compose("Upbeat funk in E minor with drums, bass, electric piano and brass")
    data = plan.to_dict()
    for key in (
        "genre",
        "mood",
        "tempo_bpm",
        "key",
        "tonic",
        "mode",
        "meter",
        "swing",
        "instruments",
        "parts",
        "progression",
        "form",
        "sections",
        "unrecognized_words",
    ):
        assert key in data
    assert data["key"] == "E minor" and data["tonic"] == "E" and data["mode"] == "minor"
    assert data["genre"] == "funk"
    # The named instruments join the funk band (its rhythm guitar fills in).
    assert set(data["instruments"]) >= {"drums", "bass", "electric piano", "brass"}
    roles = {p["instrument"]: p["role"] for p in data["parts"]}
    assert {k: roles[k] for k in ("drums", "bass", "electric piano", "brass")} == {
        "drums": "drums",
        "bass": "bass",
        "electric piano": "chords",
        "brass": "melody",
    }
    assert all(
        set(p) >= {"name", "instrument", "program", "role", "is_drum"} for p in data["parts"]
    )


@pytest.mark.parametrize("duration_s", [1.0, 5.0, 12.0, 30.0, 95.0, 300.0])
def test_form_fills_the_duration_with_whole_bars(duration_s: float) -> None:
    plan, _ = compose("pop song at 120 bpm", duration_s)
    data = plan.to_dict()
    sections = data["sections"]
    assert sections[0]["start_s"] == 0.0
    assert sections[-1]["end_s"] == pytest.approx(duration_s)
    assert sum(s["bars"] for s in sections) == plan.total_bars
    assert plan.total_bars == max(1, int(duration_s / plan.bar_s))
    for before, after in itertools.pairwise(sections):
        assert before["end_s"] == pytest.approx(after["start_s"])
    assert data["form"][-1] == "outro"
    if duration_s >= 30:
        # Sections that repeat and contrast.
        assert "A" in data["form"] and "B" in data["form"]
        assert data["form"][0] == "intro"


def test_piece_ends_with_a_cadence_on_the_tonic() -> None:
    plan, _ = compose("classical piano in G major", 40.0)
    last, before = plan.sections[-1].bars[-1][-1], plan.sections[-2].bars[-1][-1]
    assert last.root_pc == 7 and last.quality == "maj"
    assert before.root_pc == 2  # V (D7) -> I


def test_calm_piano_melody_is_solo_piano_without_drums() -> None:
    plan, arrangement = compose("Calm piano melody")
    assert plan.mood == "calm"
    assert {p.instrument for p in plan.parts} == {"piano"}
    assert {p.role for p in plan.parts} == {"melody", "chords"}
    assert not any(p.is_drum for p in plan.parts)
    midi = arrangement.to_midi()
    assert {i.program for i in midi.instruments} == {0}
    assert all(i.notes for i in midi.instruments)


def test_no_instruments_named_gives_a_genre_band() -> None:
    plan, _ = compose("energetic rock anthem")
    roles = {p.role for p in plan.parts}
    assert roles >= {"melody", "chords", "bass", "drums"}
    assert any(p.instrument == "overdriven guitar" for p in plan.parts)


def test_named_instruments_join_the_genre_band() -> None:
    plan, arrangement = compose("jazz with piano, upright bass and drums")
    assert {p.instrument for p in plan.parts} >= {"piano", "upright bass", "drums"}
    # The band's melody instrument fills in.
    assert any(p.role == "melody" for p in plan.parts)
    programs = {i.program for i in arrangement.to_midi().instruments if not i.is_drum}
    assert programs >= {INSTRUMENTS["piano"].program, INSTRUMENTS["upright bass"].program}
    assert any(i.is_drum for i in arrangement.to_midi().instruments)


def test_instruments_named_with_only_are_exactly_those() -> None:
    plan, arrangement = compose("jazz with piano, upright bass and drums only")
    assert {p.instrument for p in plan.parts} == {"piano", "upright bass", "drums"}
    programs = {i.program for i in arrangement.to_midi().instruments if not i.is_drum}
    assert programs == {INSTRUMENTS["piano"].program, INSTRUMENTS["upright bass"].program}


def test_calm_and_classical_have_no_drums_unless_asked() -> None:
    for prompt in ("calm ambient soundscape", "classical string piece", "sad folk song"):
        plan, _ = compose(prompt)
        assert not any(p.is_drum for p in plan.parts), prompt
    plan, _ = compose("classical strings with drums")
    assert any(p.is_drum for p in plan.parts)


@pytest.mark.parametrize(
    ("prompt", "tonic", "mode"),
    [
        ("pop in D major", 2, "major"),
        ("sad piano in C minor", 0, "minor"),
        ("folk in A major", 9, "major"),
        ("cinematic in F minor", 5, "minor"),
    ],
)
def test_note_pitch_classes_fit_the_key(prompt: str, tonic: int, mode: str) -> None:
    plan, arrangement = compose(prompt, 30.0)
    assert (plan.tonic_pc, plan.mode) == (tonic, mode)
    scale = set(scale_pitch_classes(tonic, mode))
    if mode == "minor":
        scale.add((tonic + 11) % 12)  # the leading tone of the dominant chord
    inside = total = 0.0
    for part in plan.parts:
        if part.is_drum:
            continue
        for note in arrangement.notes[part.name]:
            length = note.end_s - note.start_s
            total += length
            inside += length * (note.pitch % 12 in scale)
    # Secondary dominants and borrowed chords (a Neapolitan bII, a minor iv) bring a few
    # notes from outside the scale.
    assert inside / total > 0.95
    # The bass (or the piece's lowest note) starts and ends on the tonic; so does the melody.
    for part in plan.parts:
        notes = arrangement.notes[part.name]
        if part.role == "bass":
            assert notes[0].pitch % 12 == tonic and notes[-1].pitch % 12 == tonic
        if part.role == "melody":
            assert notes[-1].pitch % 12 == tonic
    pitched = [n for p in plan.parts if not p.is_drum for n in arrangement.notes[p.name]]
    first = [n for n in pitched if n.start_s < 0.05]
    assert min(first, key=lambda n: n.pitch).pitch % 12 == tonic


def test_onsets_sit_on_the_tempo_grid() -> None:
    plan, arrangement = compose("rock at 100 bpm", 20.0)
    assert plan.tempo_bpm == 100.0 and plan.swing == 0.0
    sixteenth = 60.0 / 100.0 / 4
    drums = next(p for p in plan.parts if p.is_drum)
    onsets = np.array([n.start_s for n in arrangement.notes[drums.name]])
    offsets = (onsets / sixteenth) - np.round(onsets / sixteenth)
    # Humanisation moves onsets by a few milliseconds, never off the grid.
    assert np.max(np.abs(offsets * sixteenth)) < 0.012
    # Kick on every downbeat, snare on the backbeats: a clear pulse.
    kicks = np.array([n.start_s for n in arrangement.notes[drums.name] if n.pitch == 36])
    for bar in range(plan.total_bars):
        assert np.min(np.abs(kicks - bar * plan.bar_s)) < 0.012
    snares = np.array([n.start_s for n in arrangement.notes[drums.name] if n.pitch == 38])
    backbeats = snares / plan.beat_s
    on_two_or_four = np.abs(backbeats - np.round(backbeats)) < 0.03
    assert np.mean(on_two_or_four & (np.round(backbeats) % 2 == 1)) > 0.6


def test_swing_moves_the_offbeats() -> None:
    plan, arrangement = compose("jazz at 120 bpm", 20.0)
    assert plan.swing > 0.1
    drums = next(p for p in plan.parts if p.is_drum)
    beat = 0.5
    fractions = [(n.start_s / beat) % 1 for n in arrangement.notes[drums.name]]
    offbeats = [f for f in fractions if 0.3 < f < 0.9]
    assert offbeats and np.median(offbeats) > 0.6  # late, not on the straight "and"


@pytest.mark.parametrize(
    ("prompt", "meter", "beats"), [("a waltz for piano", "3/4", 3), ("folk jig in 6/8", "6/8", 2)]
)
def test_meter_shapes_the_bar(prompt: str, meter: str, beats: int) -> None:
    plan, arrangement = compose(prompt, 20.0)
    assert plan.meter == meter and plan.beats_per_bar == beats
    chords = [p for p in plan.parts if p.role == "chords"]
    assert chords and all(p.style == ("waltz" if meter == "3/4" else "arpeggio") for p in chords)
    midi = arrangement.to_midi()
    signature = midi.time_signature_changes[0]
    assert f"{signature.numerator}/{signature.denominator}" == meter


def test_explicit_tempo_is_kept_and_open_choices_follow_the_seed() -> None:
    plans = [compose("pop song at 97 bpm", 10.0, seed)[0] for seed in range(6)]
    assert {p.tempo_bpm for p in plans} == {97.0}
    open_plans = [compose("a song", 10.0, seed)[0] for seed in range(6)]
    assert len({(p.genre, p.tonic_pc, p.mode, p.tempo_bpm) for p in open_plans}) > 1
    again = [compose("a song", 10.0, seed)[0].to_dict() for seed in range(6)]
    assert again == [p.to_dict() for p in open_plans]


def test_mode_from_prompt_and_modal_progression() -> None:
    plan, _ = compose("funk in D dorian")
    assert plan.key_name == "D dorian"
    assert plan.to_dict()["progression"][0].startswith("Dm")


def test_unrecognized_words_are_reported() -> None:
    plan, _ = compose("jazz with quux and frobnicator")
    assert plan.to_dict()["unrecognized_words"] == ["quux", "frobnicator"]


def test_multi_instrument_parts_take_instrument_from_name_and_role_from_prompt() -> None:
    requests = [
        PartRequest("piano", "Jazz piano comping"),
        PartRequest("bass", "Walking bass line"),
        PartRequest("drums", "Swing pattern"),
    ]
    plan = build_plan("smooth", 20.0, Chooser(3), part_requests=requests)
    parts = {p.name: p for p in plan.parts}
    assert parts["piano"].instrument == "piano" and parts["piano"].role == "chords"
    assert parts["piano"].style == "jazz"
    assert parts["bass"].role == "bass" and parts["bass"].style == "walking"
    assert parts["drums"].is_drum and parts["drums"].style == "jazz"
    assert plan.genre == "jazz" and plan.swing > 0
    assert len({p.channel for p in plan.parts}) == 3


def test_multi_instrument_unknown_instrument_lists_known_ones() -> None:
    with pytest.raises(InvalidParameterError, match=r"known instruments: .*piano"):
        build_plan("jazz", 10.0, Chooser(1), part_requests=[PartRequest("kazoo-9000", "loud")])


def test_dynamics_follow_the_form() -> None:
    plan, arrangement = compose("pop song at 120 bpm", 60.0)
    assert plan.sections[0].label == "intro"
    climax = max(plan.sections, key=lambda s: s.energy)
    assert climax.label == "B"

    def mean_velocity(section_index: int) -> float:
        start, end = plan.section_times()[section_index]
        velocities = [
            n.velocity
            for p in plan.parts
            for n in arrangement.notes[p.name]
            if start <= n.start_s < end and not p.is_drum
        ]
        return float(np.mean(velocities))

    intro = mean_velocity(0)
    loudest = mean_velocity(plan.sections.index(climax))
    assert loudest > intro * 1.1


def test_humanisation_is_seeded() -> None:
    _, first = compose("funk at 100 bpm", 10.0, seed=3)
    _, again = compose("funk at 100 bpm", 10.0, seed=3)
    _, other = compose("funk at 100 bpm", 10.0, seed=4)
    assert first.notes == again.notes
    drums_first = [n.start_s for n in first.notes["drums"]]
    drums_other = [n.start_s for n in other.notes["drums"]]
    assert drums_first != drums_other
