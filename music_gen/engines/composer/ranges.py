"""Pitch ranges (registers): where each part sits, the tune on top and the bass at the bottom.

The ear takes the highest line as the tune, so the melody lies above the accompaniment: a
keyboard, guitar or mallet melody sits in the right hand's octave and a half above middle C's
neighbourhood (about A4-E6), a lead instrument in the upper part of its range, and chord and
pad voicings stay below the lowest note the melody can reach (the "ceiling"). Bass lines keep
their own octave below the voicings.
"""

from __future__ import annotations

from music_gen.engines.composer.instruments import INSTRUMENTS
from music_gen.engines.composer.plan import PartPlan, PiecePlan

#: Lowest melody note for instruments that can also accompany (keys, guitars, mallets, pads).
POLY_MELODY_LOW = {"keys": 69, "guitar": 64, "mallet": 69, "pad": 67}
#: Semitones a lead instrument's melody spans.
MELODY_SPAN = 19
#: Semitones kept free between the accompaniment's top and the melody's lowest note.
GAP = 2
#: Accompaniment voicings never go below this (lower, triads turn to mud).
ACCOMPANIMENT_FLOOR = 48
#: Narrowest accompaniment range (a four-note voicing needs about an octave and a half).
ACCOMPANIMENT_MIN_SPAN = 12


def melody_range(part: PartPlan) -> tuple[int, int]:
    """The (low, high) MIDI range of a melody part's tune."""
    inst = INSTRUMENTS[part.instrument]
    if inst.family in POLY_MELODY_LOW:
        low = max(inst.low, POLY_MELODY_LOW[inst.family])
        high = max(low + MELODY_SPAN, min(inst.high + 4, low + MELODY_SPAN + 3))
        return low, high
    # A lead instrument sings in the upper part of its range.
    low = max(inst.low, min(inst.high - MELODY_SPAN + 2, 65))
    return low, min(inst.high, low + MELODY_SPAN + 2)


def accompaniment_ceiling(plan: PiecePlan) -> int | None:
    """The highest pitch a chord or pad voicing may use (None without a melody part)."""
    lows = [melody_range(p)[0] for p in plan.parts if p.role == "melody" and not p.is_drum]
    if not lows:
        return None
    return max(min(lows) - GAP, ACCOMPANIMENT_FLOOR + ACCOMPANIMENT_MIN_SPAN - 3)


def accompaniment_range(plan: PiecePlan, low: int, high: int) -> tuple[int, int]:
    """A voicing range (low, high) moved under the melody's ceiling, keeping its width."""
    ceiling = accompaniment_ceiling(plan)
    if ceiling is None or high <= ceiling:
        return low, high
    high = ceiling
    low = max(ACCOMPANIMENT_FLOOR, min(low, high - ACCOMPANIMENT_MIN_SPAN))
    return low, high
