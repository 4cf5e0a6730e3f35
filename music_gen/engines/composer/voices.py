"""Inner voices of an ensemble (violin II and viola, saxes and trombones, horns).

Each voice holds one chord tone in its instrument's range, below the melody, and moves to the
nearest tone of the next chord, so the voices together sound the harmony as lines. Voices
are told apart by their range: the highest voice prefers the third (or seventh), the next the
fifth, the lowest the root, so two voices seldom double.
"""

from __future__ import annotations

from music_gen.engines.composer.instruments import INSTRUMENTS
from music_gen.engines.composer.notes import Note, chord_spans
from music_gen.engines.composer.plan import PartPlan, PiecePlan
from music_gen.engines.composer.ranges import accompaniment_ceiling
from music_gen.engines.composer.sampling import Chooser

#: Lowest span a voice keeps even under a low melody (semitones).
MIN_VOICE_SPAN = 10


def voice_range(plan: PiecePlan, part: PartPlan) -> tuple[int, int]:
    """(low, high) of an inner voice: its instrument's range, under the melody."""
    inst = INSTRUMENTS[part.instrument]
    ceiling = accompaniment_ceiling(plan)
    high = inst.high if ceiling is None else min(inst.high, ceiling)
    high = max(high, inst.low + MIN_VOICE_SPAN)
    return inst.low, high


def write_voice(plan: PiecePlan, part: PartPlan, chooser: Chooser) -> list[Note]:
    """An inner voice: a chord tone per half bar, moving by the smallest step."""
    voices = sorted(
        (p for p in plan.parts if p.role == "voice"),
        key=lambda p: -INSTRUMENTS[p.instrument].high,
    )
    rank = [p.name for p in voices].index(part.name) if part in voices else 0
    low, high = voice_range(plan, part)
    previous = (low + high) // 2
    notes: list[Note] = []
    last_index = len(plan.sections) - 1
    for span in chord_spans(plan):
        section = plan.sections[span.section]
        chord = span.chord
        pcs = list(chord.pitch_classes)
        members = [pcs[1] if len(pcs) > 1 else pcs[0], pcs[min(2, len(pcs) - 1)], pcs[0]]
        if len(pcs) >= 4:
            members = [pcs[3], pcs[1], pcs[2], pcs[0]]
        preferred = members[rank % len(members)]
        options = [p for p in range(low, high + 1) if p % 12 == preferred]
        options = options or [p for p in range(low, high + 1) if p % 12 in pcs] or [previous]
        pitch = min(options, key=lambda p: (abs(p - previous), p))
        previous = pitch
        final = span.section == last_index and span.bar == plan.total_bars - 1
        velocity = 60 if section.label == "intro" else 70
        if final:
            notes.append(Note(pitch, span.start, plan.beats_per_bar * 2, 72))
            continue
        # Half-bar pulses in long chords keep the line alive; short chords sound once.
        step = span.duration / 2 if span.duration >= 4 else span.duration
        onset = 0.0
        while onset < span.duration - 1e-6:
            length = min(step, span.duration - onset)
            notes.append(Note(pitch, span.start + onset, length * 0.95, velocity))
            onset += step
    return notes
