"""The form of a piece: sections of whole bars, each with its chords and energy.

The bars that fit the duration are laid out as an intro, A and B sections of the genre's
phrase length (short pieces still get A B A) and an outro. Each section's chords come from its
progression, elaborated and cadenced by :mod:`form`; the last section closes on the mode's
cadence and the outro on the final chord. Energy builds to the climax and relaxes after.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from music_gen.engines.composer.form import cadence_plan, section_numerals
from music_gen.engines.composer.meters import METERS
from music_gen.engines.composer.sampling import Chooser
from music_gen.engines.composer.styles import Genre
from music_gen.engines.composer.theory import (
    MINOR_MODES,
    Chord,
    chord_from_roman,
    parse_progression,
)

#: Roman numeral of the cadence chord that closes the last section, per mode.
_CADENCE = {
    "major": "V7",
    "minor": "V7",
    "harmonic minor": "V7",
    "dorian": "IV7",
    "mixolydian": "bVII",
    "lydian": "II",
    "phrygian": "bII",
    "phrygian dominant": "bII",
}


@dataclass(frozen=True)
class SectionPlan:
    """One section of the form: whole bars with their chords."""

    label: str
    start_bar: int
    # Chords of each bar; a bar's chords share it evenly.
    bars: tuple[tuple[Chord, ...], ...]
    # 0..1: how intense the section is (intro soft, climax loud).
    energy: float

    @property
    def num_bars(self) -> int:
        """Length in bars."""
        return len(self.bars)


def plan_sections(
    duration_s: float,
    tempo: float,
    meter: str,
    genre: Genre,
    mode: str,
    tonic_pc: int,
    flats: bool,
    prog_a: str,
    prog_b: str,
    chooser: Chooser,
) -> list[SectionPlan]:
    """The form of a piece: an intro, A and B sections of whole bars with their chords
    (closed by cadences, the climax on the last B) and an outro ending on the final chord."""
    beats = METERS[meter].beats
    bar_s = beats * 60.0 / tempo
    total = max(1, math.floor(duration_s / bar_s + 1e-9))
    body = total - 1
    phrase = genre.phrase_bars
    intro = 0 if body < 12 else (2 if body < 24 else 4)
    if body - intro < 3 * phrase:
        # Short pieces still get contrasting sections: four-bar phrases (A B A).
        phrase = 4
    remaining = body - intro
    count = remaining // phrase
    leftover = remaining - count * phrase
    if count == 0 and remaining > 0:
        phrase, count, leftover = remaining, 1, 0
    labels = [(label, phrase) for label in _labels(count)]
    if phrase == 4 and 7 <= remaining <= 9:
        # Seven to nine bars: A B A with a two-bar B (A of 3 or 4 bars first), so the
        # opening tune returns before the end.
        first = 4 if remaining >= 8 else 3
        labels = [("A", first), ("B", 2), ("A", remaining - first - 2)]
        leftover = 0
    if leftover >= 2 and count <= 2:
        # A short piece gets one more (shorter) contrasting section rather than a long outro.
        labels.append(("B" if not labels or labels[-1][0] == "A" else "A", leftover))
        leftover = 0
    add_intro = min(leftover, 4 - intro) if intro else 0
    intro += add_intro
    leftover -= add_intro
    power = prog_a.split("|")[0].strip().endswith("5")
    cadence = _CADENCE[mode] + ("5" if power and _CADENCE[mode][-1] not in "57" else "")
    if power:
        cadence = cadence.replace("7", "5")
    final = _final_chord(genre, mode, power)
    bars_a = parse_progression(prog_a, tonic_pc, flats=flats)
    sections: list[SectionPlan] = []
    cursor = 0

    def add(label: str, bars: list[list[Chord]], energy: float) -> None:
        nonlocal cursor
        sections.append(SectionPlan(label, cursor, tuple(tuple(b) for b in bars), energy))
        cursor += len(bars)

    if intro:
        add("intro", [bars_a[i % len(bars_a)] for i in range(intro)], 0.5)
    last_b = max((i for i, (lab, _) in enumerate(labels) if lab == "B"), default=-1)
    # The climax: the last B, or the final section when two or more follow that B (the last
    # chorus after the bridge); energy builds to it and relaxes after.
    peak = last_b if 0 <= last_b >= len(labels) - 2 else len(labels) - 1
    cadences = cadence_plan([lab for lab, _ in labels], [n for _, n in labels], chooser)
    heard: dict[str, int] = {}
    played: dict[str, int] = {}
    for index, (label, length) in enumerate(labels):
        progression = prog_b if label == "B" else prog_a
        numerals = section_numerals(
            progression,
            length,
            genre=genre.name,
            mode=mode,
            meter=meter,
            statement=heard.get(label, 0),
            cadence=cadences[index],
            chooser=chooser,
            start_bar=played.get(progression, 0),
        )
        heard[label] = heard.get(label, 0) + 1
        played[progression] = played.get(progression, 0) + length
        bars = [[chord_from_roman(n, tonic_pc, flats=flats) for n in bar] for bar in numerals]
        if index == len(labels) - 1:
            cadence_bar = parse_progression(cadence, tonic_pc, flats=flats)[0]
            # A one-bar section still opens on its progression's first chord.
            bars[-1] = [bars[-1][0], *cadence_bar] if length == 1 else cadence_bar
            if length > 2 and bars[-2][-1].root_pc == cadence_bar[0].root_pc:
                # Not two bars of dominant: approach it from the subdominant (iv-V-i).
                subdominant = ("iv" if mode in MINOR_MODES else "IV") + ("5" if power else "")
                bars[-2] = parse_progression(subdominant, tonic_pc, flats=flats)[0]
        if index < peak:
            energy = 0.66 + 0.22 * index / max(peak, 1)
        else:
            energy = 1.0 if index == peak else 0.86
        add(label, bars, energy)
    outro_numerals = section_numerals(
        prog_a, leftover, genre=genre.name, mode=mode, meter=meter,
        statement=heard.get("A", 0) + 1, cadence=None, chooser=chooser,
    ) if leftover else []  # fmt: skip
    outro_bars = [[chord_from_roman(n, tonic_pc, flats=flats) for n in b] for b in outro_numerals]
    if outro_bars and not sections:
        outro_bars[-1] = parse_progression(cadence, tonic_pc, flats=flats)[0]
    outro_bars.append(parse_progression(final, tonic_pc, flats=flats)[0])
    add("outro", outro_bars, 0.66)
    return sections


def _labels(count: int) -> list[str]:
    base = ["A", "A", "B", "A"]
    if count <= 4:
        return {0: [], 1: ["A"], 2: ["A", "B"], 3: ["A", "B", "A"], 4: base}[count]
    labels = list(base)
    while len(labels) < count:
        labels.append("B" if labels[-1] == "A" else "A")
    if labels[-1] != "A":
        labels[-1] = "A"
    return labels


def _final_chord(genre: Genre, mode: str, power: bool) -> str:
    minor = mode in MINOR_MODES
    if power:
        return "i5" if minor else "I5"
    if genre.name in ("jazz", "bossa nova", "lo-fi"):
        return "i7" if minor else "I6"
    return "i" if minor else "I"
