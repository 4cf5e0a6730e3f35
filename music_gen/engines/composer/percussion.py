"""Pitched percussion on a melodic channel: taiko drums, timpani, toms.

Taiko (GM 116) and timpani (GM 47) are tuned: timpani play the chord's root and fifth on
the strong beats with a roll into each new section; taiko play a low tonic in a driving
pattern, accented on the downbeat. Intros are sparse, the louder sections fuller.
"""

from __future__ import annotations

from music_gen.engines.composer.instruments import INSTRUMENTS
from music_gen.engines.composer.notes import Note, chord_spans, fit_octave, is_section_end
from music_gen.engines.composer.plan import PartPlan, PiecePlan
from music_gen.engines.composer.sampling import Chooser

#: Taiko hits in a 4/4 bar: (beat, velocity).
_TAIKO = ((0.0, 118), (1.5, 84), (2.0, 104), (3.0, 96), (3.5, 88))
#: Timpani hits in a 4/4 bar: (beat, degree: "r" root or "5" fifth, velocity).
_TIMPANI = ((0.0, "r", 104), (2.0, "5", 88))


def write_percussion(plan: PiecePlan, part: PartPlan, chooser: Chooser) -> list[Note]:
    """The percussion part: hits on the chord tones, rolls into new sections."""
    inst = INSTRUMENTS[part.instrument]
    low, high = inst.low, inst.high
    beats = plan.beats_per_bar
    notes: list[Note] = []
    taiko = part.instrument != "timpani"
    last_index = len(plan.sections) - 1
    for span in chord_spans(plan):
        if span.beat_in_bar > 0:
            continue
        section = plan.sections[span.section]
        root = fit_octave(span.chord.root_pc if not taiko else plan.tonic_pc, low, high, low + 5)
        fifth = fit_octave(span.chord.fifth_pc, low, high, root + 7)
        start = span.bar * beats
        if span.section == last_index and span.bar == plan.total_bars - 1:
            notes.append(Note(root, start, beats, 112))
            continue
        if section.label == "intro":
            notes.append(Note(root, start, 1.0, 90))
            continue
        if taiko:
            hits = [(b * beats / 4, root, v) for b, v in _TAIKO if b * beats / 4 < beats]
        else:
            hits = [(b * beats / 4, root if d == "r" else fifth, v) for b, d, v in _TIMPANI]
        for beat, pitch, velocity in hits:
            notes.append(Note(pitch, start + beat, 0.5, velocity + int(chooser.normal(3))))
        if is_section_end(plan, span.bar):
            # A crescendo roll over the last beat into the next section.
            for k in range(8):
                notes.append(Note(root, start + beats - 1 + k / 8, 1 / 8, 70 + 5 * k))
    return notes
