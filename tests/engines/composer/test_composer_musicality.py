"""What a listener hears: the tune on top, a pianist's left hand, a melody that is a melody.

Measured on the notes (``AudioOutput.midi`` for the flagship prompt, the arrangement for
sweeps over genres and seeds).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pretty_midi
import pytest

from music_gen.engines.composer.arrange import Arrangement, TimedNote, arrange
from music_gen.engines.composer.plan import PiecePlan, build_plan
from music_gen.engines.composer.sampling import Chooser

FLAGSHIP = "Calm piano melody"
ACCOMPANIMENT = ("chords", "pad")
MAJOR_LIKE = ("major", "lydian", "mixolydian")


def compose(prompt: str, duration_s: float = 30.0, seed: int = 1) -> tuple[PiecePlan, Arrangement]:
    chooser = Chooser(seed)
    plan = build_plan(prompt, duration_s, chooser)
    return plan, arrange(plan, chooser.spawn("notes"))


def _by_role(midi: pretty_midi.PrettyMIDI, plan: dict[str, Any], roles: tuple[str, ...]) -> list:
    names = {p["name"] for p in plan["parts"] if p["role"] in roles}
    notes = [n for inst in midi.instruments if inst.name in names for n in inst.notes]
    return sorted(notes, key=lambda n: (n.start, n.pitch))


def _role_notes(
    plan: PiecePlan, arrangement: Arrangement, roles: tuple[str, ...]
) -> list[TimedNote]:
    notes = [n for p in plan.parts if p.role in roles for n in arrangement.notes[p.name]]
    return sorted(notes, key=lambda n: (n.start_s, n.pitch))


@pytest.fixture(scope="module")
def flagship(render: Any) -> Any:
    return render(FLAGSHIP, duration_s=30.0, seed=7)


def test_flagship_melody_lies_above_the_accompaniment(flagship: Any) -> None:
    plan = flagship.metadata["plan"]
    melody = [n.pitch for n in _by_role(flagship.midi, plan, ("melody",))]
    accompaniment = [n.pitch for n in _by_role(flagship.midi, plan, ACCOMPANIMENT)]
    assert melody and accompaniment
    assert np.median(melody) > np.percentile(accompaniment, 90) + 6
    # Not one accompaniment note reaches the melody's lowest note.
    assert max(accompaniment) < min(melody)


def test_flagship_melody_moves_at_three_or_more_notes_a_bar(flagship: Any) -> None:
    plan = flagship.metadata["plan"]
    melody = _by_role(flagship.midi, plan, ("melody",))
    bars = plan["total_bars"] - 1  # the last bar holds the final chord
    assert len(melody) / bars >= 3.0
    durations_beats = np.array([(n.end - n.start) / (plan["bar_s"] / 4) for n in melody])
    # Mostly quarters and eighths, longer notes only at phrase ends.
    assert np.mean(durations_beats <= 1.05) >= 0.6


def test_flagship_accompaniment_is_a_left_hand_pattern_not_block_chords(flagship: Any) -> None:
    plan = flagship.metadata["plan"]
    assert plan["genre"] != "ambient"
    notes = _by_role(flagship.midi, plan, ACCOMPANIMENT)
    final_s = plan["sections"][-1]["end_s"] - plan["bar_s"]
    body = [n for n in notes if n.start < final_s - 0.05]
    onsets = np.round(np.array([n.start for n in body]) * 20) / 20  # 50 ms clusters
    _, counts = np.unique(onsets, return_counts=True)
    assert np.mean(counts == 1) >= 0.8, "most onsets should be single notes"
    eighth_s = plan["bar_s"] / 8
    offsets = np.array([n.start for n in body]) / eighth_s
    assert np.all(np.abs(offsets - np.round(offsets)) * eighth_s < 0.025), "eighth-note grid"
    # Consecutive eighths: the accompaniment keeps moving through the bar.
    per_bar = len(body) / (plan["total_bars"] - 1)
    assert per_bar >= 6
    # A bass note on every downbeat: the lowest note sounding at each bar line starts there.
    for bar in range(plan["total_bars"] - 1):
        at_bar = [n for n in body if abs(n.start - bar * plan["bar_s"]) < 0.025]
        assert at_bar, f"no left-hand note on the downbeat of bar {bar}"
        assert min(n.pitch for n in at_bar) < 48


def test_flagship_ends_on_the_tonic_in_a_major_key(flagship: Any) -> None:
    plan = flagship.metadata["plan"]
    melody = _by_role(flagship.midi, plan, ("melody",))
    tonic = pretty_midi.note_name_to_number(plan["tonic"] + "4") % 12
    assert melody[-1].pitch % 12 == tonic
    assert plan["mode"] in MAJOR_LIKE


def _bar_intervals(notes: list[TimedNote], start_s: float, bars: int, bar_s: float) -> list[int]:
    pitches = [
        n.pitch for n in notes if start_s - 0.03 <= n.start_s < start_s + bars * bar_s - 0.03
    ]
    return list(np.diff(pitches))


def _contains(sequence: list[int], pattern: list[int]) -> bool:
    n = len(pattern)
    return any(sequence[i : i + n] == pattern for i in range(len(sequence) - n + 1))


@pytest.mark.parametrize("prompt", [FLAGSHIP, "romantic guitar", "happy pop song", "jazz"])
@pytest.mark.parametrize("seed", [1, 3, 7])
def test_section_a_motif_returns(prompt: str, seed: int) -> None:
    """The intervals of A's opening come back when A returns: all of its first two bars when
    the return is a full phrase, its first bar when the return is a short closing phrase
    (whose second bar is rewritten by the cadence)."""
    plan, arrangement = compose(prompt, 30.0, seed)
    melody = _role_notes(plan, arrangement, ("melody",))
    a_sections = [s for s in plan.sections if s.label == "A"]
    assert len(a_sections) >= 2, [s.label for s in plan.sections]
    start_s = a_sections[0].start_bar * plan.bar_s
    two_bars = _bar_intervals(melody, start_s, 2, plan.bar_s)
    one_bar = _bar_intervals(melody, start_s, 1, plan.bar_s)
    assert len(one_bar) >= 2 and len(two_bars) >= 4
    returns = []
    for section in a_sections[1:]:
        heard = _bar_intervals(melody, section.start_bar * plan.bar_s, section.num_bars, plan.bar_s)
        returns.append(_contains(heard, two_bars if section.num_bars >= 4 else one_bar))
    assert any(returns)


def _onsets_beats(notes: list[TimedNote], start_s: float, bars: int, beat_s: float) -> list[float]:
    end_s = start_s + bars * 4 * beat_s
    return [
        round((n.start_s - start_s) / beat_s * 2) / 2
        for n in notes
        if start_s - 0.03 <= n.start_s < end_s - 0.03
    ]


@pytest.mark.parametrize("prompt", [FLAGSHIP, "romantic guitar", "happy pop song", "jazz"])
@pytest.mark.parametrize("seed", [1, 3, 7])
def test_section_b_contrasts_in_rhythm_or_register(prompt: str, seed: int) -> None:
    plan, arrangement = compose(prompt, 30.0, seed)
    assert plan.meter == "4/4"
    melody = _role_notes(plan, arrangement, ("melody",))
    a = next(s for s in plan.sections if s.label == "A")
    b = next(s for s in plan.sections if s.label == "B")
    a_notes = [
        n
        for n in melody
        if a.start_bar * plan.bar_s - 0.03 <= n.start_s < (a.start_bar + 2) * plan.bar_s - 0.03
    ]
    b_notes = [
        n
        for n in melody
        if b.start_bar * plan.bar_s - 0.03 <= n.start_s < (b.start_bar + 2) * plan.bar_s - 0.03
    ]
    rhythm_a = _onsets_beats(a_notes, a.start_bar * plan.bar_s, 2, plan.beat_s)
    rhythm_b = _onsets_beats(b_notes, b.start_bar * plan.bar_s, 2, plan.beat_s)
    higher = np.mean([n.pitch for n in b_notes]) > np.mean([n.pitch for n in a_notes])
    assert rhythm_a != rhythm_b or higher


@pytest.mark.parametrize(
    "prompt",
    [
        FLAGSHIP,
        "Upbeat jazz piano",
        "happy pop song",
        "rock anthem with guitars",
        "upbeat funk with drums, bass, electric piano and brass",
        "epic cinematic",
        "folk song with acoustic guitar",
        "bossa nova",
        "ambient soundscape",
        "smooth jazz",
        "romantic guitar",
        "a waltz for piano",
    ],
)
def test_the_melody_is_on_top_in_every_genre(prompt: str) -> None:
    for seed in (1, 2, 3):
        plan, arrangement = compose(prompt, 24.0, seed)
        melody = [n.pitch for n in _role_notes(plan, arrangement, ("melody",))]
        accompaniment = [n.pitch for n in _role_notes(plan, arrangement, ACCOMPANIMENT)]
        bass = [n.pitch for n in _role_notes(plan, arrangement, ("bass",))]
        assert melody and accompaniment, plan.parts
        assert np.median(melody) > np.percentile(accompaniment, 90), (prompt, seed)
        assert max(accompaniment) < np.percentile(melody, 10), (prompt, seed)
        if bass:
            assert np.median(bass) < np.median(accompaniment), (prompt, seed)


@pytest.mark.parametrize(
    "prompt", ["Calm piano melody", "happy song", "calm music", "romantic guitar", "dreamy piano"]
)
def test_calm_and_happy_prompts_are_major_over_many_seeds(prompt: str) -> None:
    modes = [build_plan(prompt, 10.0, Chooser(seed)).mode for seed in range(40)]
    assert np.mean([m in MAJOR_LIKE for m in modes]) >= 0.8, modes


@pytest.mark.parametrize("prompt", ["sad piano", "dark cinematic", "melancholic strings"])
def test_sad_and_dark_prompts_are_minor_over_many_seeds(prompt: str) -> None:
    modes = [build_plan(prompt, 10.0, Chooser(seed)).mode for seed in range(40)]
    assert np.mean([m not in MAJOR_LIKE for m in modes]) >= 0.7, modes


@pytest.mark.parametrize(
    "prompt", ["Calm piano melody", "romantic guitar", "sad harp", "gentle piano"]
)
def test_a_solo_instrument_without_genre_gets_a_solo_players_genre(prompt: str) -> None:
    for seed in range(12):
        plan = build_plan(prompt, 20.0, Chooser(seed))
        assert plan.genre in ("classical", "folk"), (seed, plan.genre)
        chords = [p for p in plan.parts if p.role == "chords"]
        assert [p.style for p in chords] == ["arpeggio"], plan.parts
        assert not any(p.role in ("pad", "drums") for p in plan.parts)


def test_explicit_genre_and_key_still_win() -> None:
    plan = build_plan("calm ambient piano in D minor", 20.0, Chooser(1))
    assert (plan.genre, plan.key_name) == ("ambient", "D minor")
    plan = build_plan("Calm piano melody in F lydian", 20.0, Chooser(1))
    assert plan.key_name == "F lydian"


def test_jazz_solo_piano_comps_rootless_over_a_left_hand_bass() -> None:
    plan, arrangement = compose("Upbeat jazz piano", 30.0, 7)
    chords = next(p for p in plan.parts if p.role == "chords")
    assert chords.style == "jazz" and plan.swing > 0
    notes = arrangement.notes[chords.name]
    beat_s = plan.beat_s
    low = [n for n in notes if n.pitch < 50]
    high = [n for n in notes if n.pitch >= 50]
    # The left hand marks beats 1 and 3; the comping lands off the beat as often as on it.
    assert low and high
    off_beat = [n for n in high if abs(n.start_s / beat_s - round(n.start_s / beat_s)) > 0.15]
    assert len(off_beat) / len(high) >= 0.2


@pytest.mark.parametrize("prompt", [FLAGSHIP, "romantic guitar", "happy pop song"])
def test_the_melody_moves_by_step_and_answers_its_leaps(prompt: str) -> None:
    steps, leaps, resolved = 0, 0, 0
    intervals_total = 0
    for seed in range(1, 7):
        plan, arrangement = compose(prompt, 30.0, seed)
        pitches = [n.pitch for n in _role_notes(plan, arrangement, ("melody",))]
        intervals = np.diff(pitches)
        intervals_total += len(intervals)
        steps += int(np.sum((np.abs(intervals) >= 1) & (np.abs(intervals) <= 2)))
        for first, second in itertools.pairwise(intervals):
            if abs(first) >= 5:
                leaps += 1
                resolved += int(np.sign(second) == -np.sign(first) and abs(second) <= 4)
    assert steps / intervals_total >= 0.45
    assert leaps / intervals_total <= 0.25
    assert resolved / leaps >= 0.65
