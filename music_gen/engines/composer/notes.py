"""Notes in musical time and the chord timeline every part writes against."""

from __future__ import annotations

from dataclasses import dataclass

from music_gen.engines.composer.plan import PiecePlan
from music_gen.engines.composer.sections import SectionPlan
from music_gen.engines.composer.theory import Chord


@dataclass(frozen=True)
class Note:
    """A note in beats from the start of the piece (before swing and humanisation)."""

    pitch: int
    start: float
    duration: float
    # MIDI velocity before dynamics, 1..127.
    velocity: int


@dataclass(frozen=True)
class ChordSpan:
    """A chord sounding from ``start`` for ``duration`` beats."""

    chord: Chord
    start: float
    duration: float
    # Index of the section and of the bar in the whole piece.
    section: int
    bar: int
    # Beat of the bar at which the chord starts.
    beat_in_bar: float

    @property
    def end(self) -> float:
        """Beat at which the chord ends."""
        return self.start + self.duration


def chord_spans(plan: PiecePlan) -> list[ChordSpan]:
    """Every chord of the piece in order, with its position in beats."""
    spans = []
    beats = plan.beats_per_bar
    for index, section in enumerate(plan.sections):
        for offset, chords in enumerate(section.bars):
            bar = section.start_bar + offset
            share = beats / len(chords)
            for k, chord in enumerate(chords):
                spans.append(
                    ChordSpan(chord, bar * beats + k * share, share, index, bar, k * share)
                )
    return spans


def final_bar_start(plan: PiecePlan) -> float:
    """Beat at which the final chord is struck."""
    return (plan.total_bars - 1) * plan.beats_per_bar


def section_of_bar(plan: PiecePlan, bar: int) -> SectionPlan:
    """The section that holds a bar."""
    for section in plan.sections:
        if section.start_bar <= bar < section.start_bar + section.num_bars:
            return section
    return plan.sections[-1]


def is_section_end(plan: PiecePlan, bar: int) -> bool:
    """Whether ``bar`` is the last bar of a section that another section follows."""
    return any(bar == section.start_bar + section.num_bars - 1 for section in plan.sections[:-1])


def fit_octave(pc: int, low: int, high: int, target: float) -> int:
    """The pitch of class ``pc`` in [low, high] nearest ``target`` (clamped if none fits)."""
    options = [p for p in range(low, high + 1) if p % 12 == pc % 12]
    if not options:
        base = low + (pc - low) % 12
        return base
    return min(options, key=lambda p: (abs(p - target), p))
