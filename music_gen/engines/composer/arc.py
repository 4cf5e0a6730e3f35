"""The arrangement arc: which parts play in which section, and how busy the drums are.

A band of three or more parts does not play everything all the time. The intro sets up the
harmony (and the groove) without the bass and counter-lines; the first section holds back the
counter-line and pad (or, in a band without them, the bass), which enter when the section
repeats or the contrast comes; a long piece
has a breakdown without drums before its climax, where everyone returns; the outro thins out
again. The melody always plays (it rests in intros as before), and a part that is the band's
only harmony never drops out. The drums of the first section leave out their ghost notes, so
the groove fills in as the piece builds.
"""

from __future__ import annotations

from music_gen.engines.composer.notes import Note
from music_gen.engines.composer.plan import PartPlan, PiecePlan

#: Written velocity below which a drum hit is a ghost note.
GHOST_VELOCITY = 64
#: Body sections a piece needs before it gets a breakdown.
BREAKDOWN_SECTIONS = 5


def _body(plan: PiecePlan) -> list[int]:
    return [i for i, s in enumerate(plan.sections) if s.label not in ("intro", "outro")]


def resting_sections(plan: PiecePlan, part: PartPlan) -> set[int]:
    """Indices of the sections in which ``part`` rests."""
    if len(plan.parts) < 3 or part.role == "melody":
        return set()
    harmony = [p for p in plan.parts if p.role in ("chords", "pad")]
    if part.role in ("chords", "pad") and len(harmony) <= 1:
        return set()
    body = _body(plan)
    resting: set[int] = set()
    for index, section in enumerate(plan.sections):
        if section.label == "intro" and part.role in ("bass", "counter") and harmony:
            resting.add(index)
        if section.label == "outro" and part.role == "counter" and index > 0:
            resting.add(index)
    has_chords = any(p.role == "chords" for p in plan.parts)
    if len(body) >= 3 and part.role in ("counter", "pad") and has_chords:
        resting.add(body[0])
    lines = any(p.role in ("counter", "pad") for p in plan.parts)
    if len(body) >= 4 and part.role == "bass" and has_chords and not lines:
        # A band without counter-lines or pads: the bass enters with the second section.
        resting.add(body[0])
    if len(body) >= BREAKDOWN_SECTIONS and part.role == "drums":
        peak = max(body, key=lambda i: (plan.sections[i].energy, -i))
        before = [i for i in body if body[0] < i < peak]
        if before:
            resting.add(before[-1])
    return resting


def shape(plan: PiecePlan, part: PartPlan, notes: list[Note]) -> list[Note]:
    """The part's notes with its resting sections removed and the opening drums lightened."""
    resting = resting_sections(plan, part)
    body = _body(plan)
    light = {body[0]} if part.is_drum and len(body) >= 3 else set()
    if not resting and not light:
        return notes
    beats = plan.beats_per_bar
    spans = [
        (s.start_bar * beats, (s.start_bar + s.num_bars) * beats, k)
        for k, s in enumerate(plan.sections)
    ]
    final_bar = (plan.total_bars - 1) * beats
    kept = []
    for note in notes:
        index = next((k for lo, hi, k in spans if lo - 1e-6 <= note.start < hi - 1e-6), -1)
        if index in resting and note.start < final_bar - 1e-6:
            continue
        if index in light and note.velocity < GHOST_VELOCITY:
            continue
        kept.append(note)
    return kept
