"""Music theory: pitch names, modes, scales, chords from Roman numerals, and voice leading.

Pitches are MIDI note numbers; pitch classes are 0..11 with C = 0. Progressions are written as
Roman numerals relative to the tonic (``"ii7 V7 | Imaj7"``): the numeral gives the root's
distance from the tonic in the major scale (``I`` = 0, ``II`` = 2, ... ``VII`` = 11), a ``b``
or ``#`` prefix moves it a semitone, upper case is a major triad, lower case a minor one, and
a suffix (``7``, ``maj7``, ``m7``, ``dim``, ``ø7``, ``sus4``, ``6``, ``9``, ``5``) refines the
quality. Writing numerals this way keeps one table of progressions valid in every key.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

#: Sharp spellings of the twelve pitch classes.
SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
#: Flat spellings of the twelve pitch classes.
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")

_LETTERS = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}

#: Intervals (semitones above the tonic) of each supported mode.
MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "harmonic minor": (0, 2, 3, 5, 7, 8, 11),
    # Harmonic minor from its fifth: the flat second over a major third of hijaz, freygish
    # and the flamenco cadence.
    "phrygian dominant": (0, 1, 4, 5, 7, 8, 10),
}
#: Other names a prompt may use for a mode.
MODE_ALIASES = {
    "ionian": "major",
    "aeolian": "minor",
    "natural minor": "minor",
    "hijaz": "phrygian dominant",
    "freygish": "phrygian dominant",
    "spanish phrygian": "phrygian dominant",
}
#: Modes whose tonic triad is minor.
MINOR_MODES = frozenset({"minor", "dorian", "phrygian", "harmonic minor"})

#: Chord qualities as intervals above the root.
QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus4": (0, 5, 7),
    "sus2": (0, 2, 7),
    "5": (0, 7),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10),
    "m7b5": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9),
    "6": (0, 4, 7, 9),
    "m6": (0, 3, 7, 9),
    "9": (0, 4, 7, 10, 14),
    "m9": (0, 3, 7, 10, 14),
    "maj9": (0, 4, 7, 11, 14),
    "add9": (0, 4, 7, 14),
}
#: How each quality is written after the root in a chord symbol.
_SYMBOL_SUFFIX = {
    "maj": "",
    "min": "m",
    "dim": "dim",
    "aug": "+",
    "sus4": "sus4",
    "sus2": "sus2",
    "5": "5",
    "7": "7",
    "maj7": "maj7",
    "m7": "m7",
    "m7b5": "m7b5",
    "dim7": "dim7",
    "6": "6",
    "m6": "m6",
    "9": "9",
    "m9": "m9",
    "maj9": "maj9",
    "add9": "add9",
}

_ROMAN = {"i": 0, "ii": 2, "iii": 4, "iv": 5, "v": 7, "vi": 9, "vii": 11}
_ROMAN_RE = re.compile(r"^([b#]?)(VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)(.*)$")


def parse_pitch_class(name: str) -> int:
    """The pitch class of a note name such as ``"C"``, ``"F#"``, ``"Bb"`` or ``"e-flat"``.

    Raises:
        ValueError: Not a note name.
    """
    text = name.strip().lower().replace("♯", "#").replace("♭", "b")
    text = text.replace("-sharp", "#").replace(" sharp", "#").replace("sharp", "#")
    text = text.replace("-flat", "b").replace(" flat", "b").replace("flat", "b")
    if not text or text[0] not in _LETTERS:
        raise ValueError(f"not a note name: {name!r}")
    pc = _LETTERS[text[0]]
    for char in text[1:]:
        if char == "#":
            pc += 1
        elif char == "b":
            pc -= 1
        else:
            raise ValueError(f"not a note name: {name!r}")
    return pc % 12


def uses_flats(tonic_pc: int, mode: str) -> bool:
    """Whether the conventional key signature of this key is written with flats."""
    # Map the mode to its relative major to find the signature.
    offset = {
        "major": 0,
        "minor": 3,
        "harmonic minor": 3,
        "dorian": -2,
        "phrygian": -4,
        "phrygian dominant": -4,
        "lydian": -5,
        "mixolydian": -7,
    }[mode]
    major_pc = (tonic_pc + offset) % 12
    return major_pc in (5, 10, 3, 8, 1)


def pitch_name(pc: int, *, flats: bool) -> str:
    """The name of a pitch class with sharps or flats."""
    return (FLAT_NAMES if flats else SHARP_NAMES)[pc % 12]


def normalize_mode(mode: str) -> str:
    """Canonical mode name (``"aeolian"`` -> ``"minor"``).

    Raises:
        ValueError: Unknown mode.
    """
    key = mode.strip().lower()
    key = MODE_ALIASES.get(key, key)
    if key not in MODES:
        raise ValueError(f"unknown mode {mode!r}; known modes: {', '.join(MODES)}")
    return key


def scale_pitch_classes(tonic_pc: int, mode: str) -> list[int]:
    """The seven pitch classes of a scale, tonic first."""
    return [(tonic_pc + step) % 12 for step in MODES[normalize_mode(mode)]]


def scale_pitches(tonic_pc: int, mode: str, low: int, high: int) -> list[int]:
    """Every MIDI pitch of the scale in [low, high], ascending."""
    pcs = set(scale_pitch_classes(tonic_pc, mode))
    return [p for p in range(low, high + 1) if p % 12 in pcs]


@dataclass(frozen=True)
class Chord:
    """A chord: root pitch class, quality and the symbol it is written as."""

    root_pc: int
    quality: str
    symbol: str

    @property
    def intervals(self) -> tuple[int, ...]:
        """Intervals above the root, ascending (may exceed an octave, as in ninths)."""
        return QUALITIES[self.quality]

    @property
    def pitch_classes(self) -> list[int]:
        """The chord's pitch classes, root first."""
        return [(self.root_pc + i) % 12 for i in self.intervals]

    @property
    def third_pc(self) -> int | None:
        """The chord's third (or suspension), if any."""
        for i in self.intervals[1:]:
            if i in (2, 3, 4, 5):
                return (self.root_pc + i) % 12
        return None

    @property
    def fifth_pc(self) -> int:
        """The chord's fifth (diminished or augmented where the quality says)."""
        for i in self.intervals:
            if i in (6, 7, 8):
                return (self.root_pc + i) % 12
        return (self.root_pc + 7) % 12


def chord_from_roman(numeral: str, tonic_pc: int, *, flats: bool) -> Chord:
    """Build a chord from a Roman numeral relative to ``tonic_pc``.

    Raises:
        ValueError: Not a numeral this module understands.
    """
    match = _ROMAN_RE.match(numeral.strip())
    if match is None:
        raise ValueError(f"not a Roman numeral chord: {numeral!r}")
    accidental, roman, suffix = match.groups()
    offset = _ROMAN[roman.lower()] + {"": 0, "b": -1, "#": 1}[accidental]
    upper = roman.isupper()
    suffix = suffix.replace("°", "dim").replace("ø7", "m7b5").replace("ø", "m7b5")
    quality = _quality(upper, suffix)
    root_pc = (tonic_pc + offset) % 12
    # A lowered degree is spelled with a flat and a raised one with a sharp whatever the key
    # (bVI in G is Eb, not D#; #iv in F is B, not Cb).
    spelled_flat = {"b": True, "#": False}.get(accidental, flats)
    return Chord(
        root_pc, quality, pitch_name(root_pc, flats=spelled_flat) + _SYMBOL_SUFFIX[quality]
    )


def _quality(upper: bool, suffix: str) -> str:
    if suffix in ("", "maj") and upper:
        return "maj"
    if suffix == "" and not upper:
        return "min"
    table_upper = {"7": "7", "maj7": "maj7", "6": "6", "9": "9", "maj9": "maj9", "add9": "add9"}
    table_lower = {"7": "m7", "6": "m6", "9": "m9", "maj7": "m7", "m7": "m7"}
    common = {
        "dim": "dim",
        "dim7": "dim7",
        "m7b5": "m7b5",
        "sus4": "sus4",
        "sus2": "sus2",
        "5": "5",
        "+": "aug",
        "aug": "aug",
    }
    if suffix in common:
        return common[suffix]
    table = table_upper if upper else table_lower
    if suffix in table:
        return table[suffix]
    raise ValueError(f"unknown chord suffix {suffix!r}")


def parse_progression(text: str, tonic_pc: int, *, flats: bool) -> list[list[Chord]]:
    """Parse ``"I V | vi IV"`` into bars of chords (each bar split evenly among its chords)."""
    bars = []
    for bar in text.split("|"):
        names = bar.split()
        if names:
            bars.append([chord_from_roman(n, tonic_pc, flats=flats) for n in names])
    return bars


def voicing_distance(a: list[int], b: list[int]) -> int:
    """Total semitone movement between two voicings, voices paired from the bottom up.

    Voicings of different sizes pair their lowest voices and count each extra voice as its
    distance to the nearest voice of the other.
    """
    sa, sb = sorted(a), sorted(b)
    n = min(len(sa), len(sb))
    total = sum(abs(x - y) for x, y in zip(sa[:n], sb[:n], strict=False))
    for extra in sa[n:]:
        total += min(abs(extra - y) for y in sb)
    for extra in sb[n:]:
        total += min(abs(extra - x) for x in sa)
    return total


def candidate_voicings(
    pitch_classes: list[int], low: int, high: int, *, voices: int
) -> list[list[int]]:
    """All voicings of ``voices`` notes in [low, high] using the chord's pitch classes.

    Every pitch class appears at least once when ``voices`` allows; the bass is not fixed.
    Spread is limited to an octave and a sixth so voicings stay playable by one hand or
    section.
    """
    pcs = list(dict.fromkeys(pitch_classes))
    needed = pcs[:voices]
    pool = [p for p in range(low, high + 1) if p % 12 in pcs]
    result = []
    for combo in itertools.combinations(pool, voices):
        if combo[-1] - combo[0] > 21:
            continue
        present = {p % 12 for p in combo}
        if all(pc in present for pc in needed):
            result.append(list(combo))
    return result


def lead_voices(
    previous: list[int] | None,
    chord: Chord,
    low: int,
    high: int,
    *,
    voices: int = 4,
    omit_root: bool = False,
) -> list[int]:
    """Voice ``chord`` in [low, high] moving as little as possible from ``previous``.

    With no previous voicing, the voicing whose centre is nearest the middle of the range is
    taken, in root position where one exists. ``omit_root`` gives the rootless voicings of
    jazz pianists for chords of four notes or more (the bass plays the root).
    """
    pcs = chord.pitch_classes
    if omit_root and len(pcs) >= 4:
        pcs = pcs[1:]
    if len(pcs) > voices:
        # Drop the fifth first: it adds the least colour.
        fifth = chord.fifth_pc
        pcs = [pc for pc in pcs if pc != fifth] if len(pcs) - 1 <= voices else pcs[:voices]
    count = min(voices, max(len(pcs), 3)) if len(pcs) >= 3 else voices
    options = candidate_voicings(pcs, low, high, voices=count)
    if not options:
        root = low + (chord.root_pc - low) % 12
        return [root + i for i in chord.intervals[:voices]]
    if previous:
        return min(options, key=lambda v: (voicing_distance(previous, v), v))
    middle = (low + high) / 2
    return min(
        options,
        key=lambda v: (v[0] % 12 != chord.root_pc, abs(sum(v) / len(v) - middle), v),
    )
