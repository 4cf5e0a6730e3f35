"""Segments of a live stream: a planned piece whose bars play one after another.

A segment is written by :func:`build_plan` and :func:`arrange` for the listener's prompt (and
the tempo and key asked for, or carried over), with the parts intensity may add
(:func:`with_layers`). Its notes are kept by bar, in beats, so the session can place them
at any tempo; the intro plays only at the very start of a stream, the outro never.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field, replace
from typing import Any

from music_gen.engines.composer.arrange import TimedNote, arrange
from music_gen.engines.composer.parts import PartPlan
from music_gen.engines.composer.plan import TAIL_S, PiecePlan, build_plan
from music_gen.engines.composer.prompt import read_prompt
from music_gen.engines.composer.render import estimated_rms, master_gain
from music_gen.engines.composer.sampling import Chooser
from music_gen.engines.composer.theory import MODES, pitch_name
from music_gen.engines.composer.transitions import (
    LAYER_PREFIX,
    IntensityMix,
    active_parts,
    mixed_notes,
    with_layers,
)
from music_gen.errors import InvalidParameterError
from music_gen.live import LiveOptions

#: Seconds of music planned at a time (the form of one segment).
SEGMENT_S = 48.0


@dataclass(frozen=True)
class Target:
    """What the listener asked for: the prompt, and the tempo and key if named."""

    prompt: str
    intensity: float
    tempo_bpm: float | None = None
    key: str | None = None


#: Written notes this close after a bar line (humanised onsets) are on its downbeat, in beats.
DOWNBEAT_BEATS = 0.05


@dataclass(frozen=True)
class BarNote:
    """A written note of a segment, kept by bar."""

    part: PartPlan
    # Onset within its bar and length, in beats.
    offset: float
    pitch: int
    length: float
    velocity: int


@dataclass
class Segment:
    """A planned piece whose bars play from ``start_beat`` of the stream."""

    plan: PiecePlan
    index: int
    first_bar: int
    last_bar: int
    start_beat: int
    notes: dict[int, list[BarNote]]
    # Master gain that brings this segment's whole band (layers included) to the target level.
    gain: float = 1.0
    # Set when a steer or an ending cuts the segment short.
    end_beat: int | None = None
    # (from_beat, to_beat, drums) spans of the stream where the written notes (the drums, or
    # the melodic parts) give way to a transition.
    hushed: list[tuple[float, float, bool]] = field(default_factory=list)

    @property
    def beats_per_bar(self) -> int:
        """Counted beats per bar of the segment's meter."""
        return self.plan.beats_per_bar

    @property
    def stop_beat(self) -> int:
        """Beat of the stream where the segment stops (its last bar's end, or a cut)."""
        natural = self.start_beat + (self.last_bar - self.first_bar) * self.beats_per_bar
        return natural if self.end_beat is None else min(natural, self.end_beat)

    @property
    def drums_only(self) -> bool:
        """Whether the prompt's own band is drums alone (they never fall silent then)."""
        return all(p.is_drum for p in self.plan.parts if not p.name.startswith(LAYER_PREFIX))

    def playing(self, mix: IntensityMix) -> list[PartPlan]:
        """The parts that play at this mix."""
        names = set(active_parts(self.plan.parts, band_mix(self, mix)))
        return [p for p in self.plan.parts if p.name in names]

    def part(self, mix: IntensityMix, *roles: str) -> PartPlan | None:
        """The first melodic part playing at ``mix`` with one of ``roles`` (in that order)."""
        playing = self.playing(mix)
        for role in roles:
            for part in playing:
                if part.role == role and not part.is_drum:
                    return part
        return None

    def typical_velocity(self, part: PartPlan, default: int) -> int:
        """The median velocity of the notes written for ``part`` (``default`` when none)."""
        velocities = [n.velocity for bar in self.notes.values() for n in bar if n.part == part]
        return round(statistics.median(velocities)) if velocities else default

    def downbeat_drums(self, mix: IntensityMix) -> dict[int, int]:
        """The drums (pitch: velocity) the segment plays on its first downbeat at ``mix``."""
        hits: dict[int, int] = {}
        band = band_mix(self, mix)
        for note in self.notes.get(self.first_bar, ()):
            if note.part.is_drum and note.offset < DOWNBEAT_BEATS:
                for pitch, velocity in mixed_notes(
                    note.part, note.pitch, note.offset, note.velocity, band
                ):
                    hits[pitch] = max(velocity, hits.get(pitch, 0))
        return hits

    def drums(self, mix: IntensityMix) -> bool:
        """Whether drums play at this mix."""
        return any(p.is_drum for p in self.playing(mix))


def write_segment(
    target: Target, index: int, *, first: bool, seed: int, options: LiveOptions
) -> Segment:
    """Plan and write segment number ``index`` for ``target`` (its start beat is 0; the
    session places it). The first segment of a stream keeps its intro."""
    words = []
    if target.key:
        words.append(f"in {target.key}")
    if target.tempo_bpm:
        words.append(f"{round(target.tempo_bpm)} bpm")
    text = ", ".join([*words, target.prompt])
    chooser = Chooser(
        seed, temperature=options.temperature, top_k=options.top_k, top_p=options.top_p
    )
    base = build_plan(text, SEGMENT_S, chooser)
    if target.tempo_bpm:
        bar_s = base.beats_per_bar * 60.0 / target.tempo_bpm
        base = replace(
            base, tempo_bpm=target.tempo_bpm, duration_s=base.total_bars * bar_s + TAIL_S
        )
    base = replace(base, prompt=target.prompt)
    plan = with_layers(base)
    notes_chooser = chooser.spawn(f"live {index}")
    written = arrange(base, notes_chooser).notes
    layered = arrange(plan, notes_chooser.spawn("layers")).notes
    outro = next((s for s in plan.sections if s.label == "outro"), None)
    last_bar = outro.start_bar if outro is not None else plan.total_bars - 1
    intro = [s for s in plan.sections if s.label == "intro"]
    first_bar = 0 if first or not intro else intro[-1].start_bar + intro[-1].num_bars
    if last_bar <= first_bar:
        first_bar, last_bar = 0, max(1, plan.total_bars - 1)
    bars: dict[int, list[BarNote]] = {}
    beats = plan.beats_per_bar
    for part in plan.parts:
        source = written if part.name in written else layered
        for note in source[part.name]:
            beat = note.start_s / plan.beat_s
            bar = math.floor((beat + 0.05) / beats)
            if first_bar <= bar < last_bar:
                bars.setdefault(bar, []).append(
                    BarNote(
                        part,
                        beat - bar * beats,
                        note.pitch,
                        (note.end_s - note.start_s) / plan.beat_s,
                        note.velocity,
                    )
                )
    segment = Segment(plan, index, first_bar, last_bar, 0, bars)
    segment.gain = segment_gain(segment)
    return segment


def target_of(segment: Segment) -> Target:
    """What a segment was written for (to write the next one like it)."""
    plan = segment.plan
    key = f"{pitch_name(plan.tonic_pc, flats=plan.flats)} {plan.mode}"
    # Intensity is not part of a segment (it is applied note by note as they play).
    return Target(plan.prompt, 0.0, plan.tempo_bpm, key)


def parse_key(text: Any) -> str:
    """A key as the composer spells it ("E minor", "F# major", "D dorian").

    Raises:
        InvalidParameterError: Not a key; the message shows valid ones.
    """
    if isinstance(text, str) and text.strip():
        reading = read_prompt(f"in {text.strip()}")
        if reading.tonic_pc is not None and reading.tonic_name is not None:
            mode = reading.mode or "major"
            if mode in MODES:
                return f"{reading.tonic_name} {mode}"
    raise InvalidParameterError(
        f"key must name a tonic and optionally a mode, such as 'E minor', 'F# major', 'Bb' "
        f"or 'D dorian'; got {text!r}",
        details={"field": "key", "modes": list(MODES)},
    )


def band_mix(segment: Segment, mix: IntensityMix) -> IntensityMix:
    """The mix for a segment's band: a band of drums alone keeps them at every intensity."""
    if segment.drums_only and mix.drums == "off":
        return replace(mix, drums="light")
    return mix


def segment_gain(segment: Segment) -> float:
    """The master gain for a segment, from its notes (layers included) at written dynamics.

    Intensity then moves the level around it: softer and sparser below, fuller above.
    """
    # Every part and layer at written dynamics (about intensity 0.75) at the target level.
    return master_gain(segment.plan.parts, _timed_notes(segment, None), _seconds(segment))


def mix_offset_db(segment: Segment, mix: IntensityMix) -> float:
    """How much louder (dB) the segment plays at ``mix`` than at written dynamics (the level
    its gain is set for), from the notes the mix lets play and their velocities."""
    seconds = _seconds(segment)
    written = estimated_rms(segment.plan.parts, _timed_notes(segment, None), seconds)
    played = _timed_notes(segment, band_mix(segment, mix))
    mixed = estimated_rms(segment.plan.parts, played, seconds)
    if written <= 0.0 or mixed <= 0.0:
        return 0.0
    return float(20.0 * math.log10(mixed / written))


def _timed_notes(segment: Segment, mix: IntensityMix | None) -> dict[str, list[TimedNote]]:
    """The segment's notes by part, as played at ``mix`` (None: as written; onsets unused)."""
    notes: dict[str, list[TimedNote]] = {p.name: [] for p in segment.plan.parts}
    beat_s = segment.plan.beat_s
    for bar_notes in segment.notes.values():
        for n in bar_notes:
            played = (
                [(n.pitch, n.velocity)]
                if mix is None
                else mixed_notes(n.part, n.pitch, n.offset, n.velocity, mix)
            )
            for pitch, velocity in played:
                notes[n.part.name].append(TimedNote(pitch, 0.0, n.length * beat_s, velocity))
    return notes


def _seconds(segment: Segment) -> float:
    return float(max(1, segment.last_bar - segment.first_bar) * segment.plan.bar_s)
