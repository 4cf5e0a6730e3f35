"""Measures of harmony and form on a plan and its notes (no audio needed).

- ``distinct_chords_per_16_bars``: the fewest distinct chord symbols in any 16 consecutive
  bars of the piece (all of it when shorter).
- ``repeated_bar_share``: the share of bars whose notes (every part: pitch, onset and length
  on a 1/8-beat grid, in the bar) equal the previous bar's.
- ``cadences``: how each section but the last ends, from the function of its last two chords:
  ``authentic`` (dominant to tonic), ``plagal`` (subdominant to tonic), ``half`` (ends on the
  dominant), ``deceptive`` (dominant to vi / bVI), else ``other``.
- ``section_velocity``: mean MIDI velocity of the pitched parts in each section.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

from music_gen.engines.composer.arrange import Arrangement
from music_gen.engines.composer.plan import PiecePlan
from music_gen.engines.composer.theory import Chord


def bar_chords(plan: PiecePlan) -> list[tuple[Chord, ...]]:
    """The chords of every bar, in order."""
    return [bar for section in plan.sections for bar in section.bars]


def distinct_chords_per_16_bars(plan: PiecePlan) -> int:
    bars = bar_chords(plan)
    window = min(16, len(bars))
    counts = []
    for start in range(0, len(bars) - window + 1):
        symbols = {c.symbol for bar in bars[start : start + window] for c in bar}
        counts.append(len(symbols))
    return min(counts)


def _bar_contents(arrangement: Arrangement) -> list[frozenset[tuple[Any, ...]]]:
    plan = arrangement.plan
    bar_s = plan.bar_s
    grid = plan.beat_s / 8
    bars: list[Counter[tuple[Any, ...]]] = [Counter() for _ in range(plan.total_bars)]
    for name, notes in arrangement.notes.items():
        for note in notes:
            bar = min(int((note.start_s + grid / 2) // bar_s), plan.total_bars - 1)
            onset = round((note.start_s - bar * bar_s) / grid)
            length = min(round((note.end_s - note.start_s) / grid), 64)
            bars[bar][(name, note.pitch, onset, length)] += 1
    return [frozenset(c.items()) for c in bars]


def repeated_bar_share(arrangement: Arrangement) -> float:
    contents = _bar_contents(arrangement)
    pairs = list(itertools.pairwise(contents))
    if not pairs:
        return 0.0
    return sum(1 for a, b in pairs if a == b) / len(pairs)


def longest_repeated_chord_run(plan: PiecePlan) -> int:
    """Most consecutive bars holding the very same chords."""
    bars = bar_chords(plan)
    best = run = 1
    for previous, bar in itertools.pairwise(bars):
        run = run + 1 if [c.symbol for c in bar] == [c.symbol for c in previous] else 1
        best = max(best, run)
    return best


def _degree(chord: Chord, plan: PiecePlan) -> int:
    return (chord.root_pc - plan.tonic_pc) % 12


def cadence(plan: PiecePlan, last: Chord, before: Chord | None) -> str:
    """The cadence type of a section ending ``before`` -> ``last``."""
    end = _degree(last, plan)
    prior = _degree(before, plan) if before is not None else None
    # bVII leads home in minor and modal keys (the Aeolian cadence bVI-bVII-i).
    dominants = (7, 11) if plan.mode == "major" else (7, 11, 10)
    if end == 0:
        if prior in dominants or (plan.mode == "phrygian" and prior == 1):
            return "authentic"
        if prior in (5, 2) or (prior == 8 and plan.mode != "major"):
            return "plagal"
        return "other"
    if end == 7 or (end in (11,) and last.quality in ("dim", "m7b5")):
        return "half"
    if prior in dominants and end in (9, 8):
        return "deceptive"
    return "other"


def cadences(plan: PiecePlan) -> list[str]:
    """The cadence closing each section before the last (intro excluded)."""
    result = []
    for section in plan.sections[:-1]:
        if section.label == "intro":
            continue
        chords = [c for bar in section.bars for c in bar]
        result.append(cadence(plan, chords[-1], chords[-2] if len(chords) > 1 else None))
    return result


def section_velocity(arrangement: Arrangement) -> list[float]:
    """Mean velocity of the pitched parts' notes in each section."""
    plan = arrangement.plan
    sums = [0.0] * len(plan.sections)
    counts = [0] * len(plan.sections)
    times = plan.section_times()
    for part in plan.parts:
        if part.is_drum:
            continue
        for note in arrangement.notes[part.name]:
            for index, (start, end) in enumerate(times):
                if start - 0.05 <= note.start_s < end - 0.05:
                    sums[index] += note.velocity
                    counts[index] += 1
                    break
    return [s / c if c else 0.0 for s, c in zip(sums, counts, strict=True)]


def parts_per_section(arrangement: Arrangement) -> list[frozenset[str]]:
    """Which parts play at least one note in each section."""
    plan = arrangement.plan
    times = plan.section_times()
    active: list[set[str]] = [set() for _ in plan.sections]
    for name, notes in arrangement.notes.items():
        for note in notes:
            for index, (start, end) in enumerate(times):
                if start - 0.05 <= note.start_s < end - 0.05:
                    active[index].add(name)
                    break
    return [frozenset(a) for a in active]
