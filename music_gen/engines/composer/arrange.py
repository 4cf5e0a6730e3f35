"""Plan -> timed notes for every part, humanised, with dynamics, and as pretty_midi.

Parts are written in beats by their role's writer, then placed in time: swing moves the
offbeats, humanisation nudges onsets by a few milliseconds and velocities by a few steps
(seeded), and each section's energy scales the velocities (soft intro, loud climax). The
arrangement arc (:mod:`arc`) decides which parts rest in which sections.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pretty_midi

from music_gen.engines.composer.arc import shape
from music_gen.engines.composer.articulation import articulate
from music_gen.engines.composer.bass import write_bass
from music_gen.engines.composer.drums import write_drums
from music_gen.engines.composer.harmony import write_chords
from music_gen.engines.composer.keys import midi_key_number
from music_gen.engines.composer.melody import write_melody
from music_gen.engines.composer.notes import Note, section_of_bar
from music_gen.engines.composer.percussion import write_percussion
from music_gen.engines.composer.plan import PartPlan, PiecePlan
from music_gen.engines.composer.sampling import Chooser
from music_gen.engines.composer.voices import write_voice

#: How loud each role sits in the mix relative to the others.
_ROLE_GAIN = {
    "melody": 1.05,
    "chords": 0.86,
    "pad": 0.8,
    "counter": 0.72,
    "bass": 1.0,
    "drums": 1.0,
    "voice": 0.78,
    "percussion": 0.95,
}
_WRITERS: dict[str, Callable[[PiecePlan, PartPlan, Chooser], list[Note]]] = {
    "melody": write_melody,
    "counter": write_melody,
    "chords": write_chords,
    "pad": write_chords,
    "bass": write_bass,
    "drums": write_drums,
    "voice": write_voice,
    "percussion": write_percussion,
}
#: Standard deviation of onset humanisation, in seconds.
TIMING_JITTER_S = 0.004
DRUM_TIMING_JITTER_S = 0.002


@dataclass(frozen=True)
class TimedNote:
    """A note in seconds, ready to render."""

    pitch: int
    start_s: float
    end_s: float
    velocity: int


@dataclass(frozen=True)
class Arrangement:
    """The notes of every part of a plan."""

    plan: PiecePlan
    # Part name -> notes sorted by start.
    notes: dict[str, list[TimedNote]]

    def to_midi(self, part_names: list[str] | None = None) -> pretty_midi.PrettyMIDI:
        """The notes as a PrettyMIDI (all parts, or the named ones)."""
        plan = self.plan
        quarter_bpm = plan.tempo_bpm * plan.time_signature.beat_quarters
        midi = pretty_midi.PrettyMIDI(initial_tempo=quarter_bpm)
        numerator, denominator = (int(x) for x in plan.meter.split("/"))
        midi.time_signature_changes.append(pretty_midi.TimeSignature(numerator, denominator, 0.0))
        midi.key_signature_changes.append(
            pretty_midi.KeySignature(midi_key_number(plan.tonic_pc, plan.mode), 0.0)
        )
        for part in plan.parts:
            if part_names is not None and part.name not in part_names:
                continue
            # On the drum channel the program selects the kit (GM2: 32 jazz, 40 brush, ...).
            instrument = pretty_midi.Instrument(
                program=part.program, is_drum=part.is_drum, name=part.name
            )
            for note in self.notes[part.name]:
                instrument.notes.append(
                    pretty_midi.Note(
                        velocity=note.velocity,
                        pitch=note.pitch,
                        start=note.start_s,
                        end=note.end_s,
                    )
                )
            midi.instruments.append(instrument)
        return midi


def beat_to_seconds(plan: PiecePlan, beat: float) -> float:
    """Time of a beat position, with the plan's swing applied to its offbeats."""
    if plan.swing <= 0 or not plan.time_signature.swings:
        return beat * plan.beat_s
    period = 1.0 if plan.swing_unit == "8" else 0.5
    half = period / 2
    delay = plan.swing * (1.0 if plan.swing_unit == "8" else 0.5)
    whole, frac = divmod(beat, period)
    if frac < half:
        warped = frac * (half + delay) / half
    else:
        warped = half + delay + (frac - half) * (half - delay) / half
    return (whole * period + warped) * plan.beat_s


def arrange(plan: PiecePlan, chooser: Chooser) -> Arrangement:
    """Write and place the notes of every part."""
    notes: dict[str, list[TimedNote]] = {}
    for part in plan.parts:
        part_chooser = chooser.spawn(part.name)
        written = articulate(
            shape(plan, part, _WRITERS[part.role](plan, part, part_chooser)), part.articulation
        )
        notes[part.name] = _place(plan, part, written, part_chooser)
    return Arrangement(plan, notes)


def _place(
    plan: PiecePlan, part: PartPlan, written: list[Note], chooser: Chooser
) -> list[TimedNote]:
    end_limit = plan.end_s
    jitter = DRUM_TIMING_JITTER_S if part.is_drum else TIMING_JITTER_S
    role_gain = _ROLE_GAIN[part.role]
    placed: list[TimedNote] = []
    beats = plan.beats_per_bar
    for note in sorted(written, key=lambda n: (n.start, n.pitch)):
        if not 0 <= note.pitch <= 127:
            continue
        bar = int(note.start // beats)
        energy = section_of_bar(plan, bar).energy
        start_s = beat_to_seconds(plan, note.start) + chooser.normal(jitter)
        start_s = max(start_s, 0.0)
        end_s = beat_to_seconds(plan, note.start + note.duration)
        if start_s >= end_limit - 0.01:
            continue
        end_s = min(max(end_s, start_s + 0.03), end_limit)
        if end_s <= start_s:
            continue
        dynamics = (0.62 + 0.42 * energy) * plan.energy * role_gain
        velocity = round(note.velocity * dynamics + chooser.normal(3.0))
        placed.append(TimedNote(note.pitch, start_s, end_s, max(1, min(velocity, 127))))
    return _no_overlaps(placed)


def _no_overlaps(notes: list[TimedNote]) -> list[TimedNote]:
    """Shorten notes that would still sound when the same pitch is struck again."""
    notes = sorted(notes, key=lambda n: (n.start_s, n.pitch))
    next_start: dict[int, float] = {}
    result: list[TimedNote] = []
    for note in reversed(notes):
        following = next_start.get(note.pitch)
        if following is not None and following - note.start_s < 0.02:
            # Two strikes of one key at once: keep one.
            continue
        end = note.end_s
        if following is not None and end > following - 0.005:
            end = max(note.start_s + 0.01, following - 0.005)
        if end > note.start_s:
            result.append(TimedNote(note.pitch, note.start_s, end, note.velocity))
        next_start[note.pitch] = note.start_s
    result.reverse()
    return result
