"""Harmony of each section: the genre's progression, elaborated and closed by a cadence.

A section's bars start from its progression (the genre's table in :mod:`styles`). Bars beyond
the progression's first statement, and every bar of a section heard before, are elaborated
with devices the genre uses: secondary dominants (V7/x before x), borrowed chords (iv in
major, bVI/bVII, the Neapolitan bII), suspensions (Vsus4 resolving to V7), substitutions
that break up repeated bars (vi or iii for I, ii for IV), passing diminished sevenths, ii-V
splits and tritone substitutes in jazz. The last two bars take the section's cadence:
authentic (V7-I), half (ending on V), plagal (IV-I) or deceptive (V7-vi). Blues keeps its
twelve-bar form and varies only its turnaround and the jazz-blues ii-V.

Everything is Roman numerals (see :mod:`theory`), so one table serves every key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from music_gen.engines.composer.meters import METERS
from music_gen.engines.composer.sampling import Chooser
from music_gen.engines.composer.theory import MINOR_MODES, chord_from_roman

#: Cadence types a section can end with.
CADENCES = ("authentic", "half", "plagal", "deceptive")

Bars = list[list[str]]

_NUMERALS = ("I", "bII", "II", "bIII", "III", "IV", "#IV", "V", "bVI", "VI", "bVII", "VII")
_SHARP_LOWER = ("i", "#i", "ii", "#ii", "iii", "iv", "#iv", "v", "#v", "vi", "#vi", "vii")


@dataclass(frozen=True)
class HarmonyStyle:
    """Which devices a genre uses and how its chords are spelled."""

    # "triad", "seventh" (jazz spellings), "dominant" (I7 IV7 V7) or "power" (fifths).
    spelling: str
    devices: tuple[str, ...]
    # Minor keys cadence through bVI-bVII-i (rock, folk, dance) rather than iv-V7-i.
    aeolian: bool = False


_STYLES: dict[str, HarmonyStyle] = {
    "pop": HarmonyStyle(
        "triad", ("secondary", "borrowed", "suspension", "substitute"), aeolian=True
    ),
    "rock": HarmonyStyle("triad", ("borrowed", "suspension", "substitute"), aeolian=True),
    "metal": HarmonyStyle("power", ("borrowed", "substitute"), aeolian=True),
    "jazz": HarmonyStyle("seventh", ("secondary", "two_five", "tritone", "passing")),
    "blues": HarmonyStyle("dominant", ()),
    "funk": HarmonyStyle("dominant", ("borrowed", "substitute")),
    "house": HarmonyStyle("triad", ("borrowed", "suspension", "substitute"), aeolian=True),
    "techno": HarmonyStyle("triad", ("substitute",), aeolian=True),
    "ambient": HarmonyStyle("triad", ("suspension", "substitute", "borrowed"), aeolian=True),
    "lo-fi": HarmonyStyle("seventh", ("secondary", "two_five", "substitute")),
    "hip-hop": HarmonyStyle("seventh", ("secondary", "substitute")),
    "classical": HarmonyStyle("triad", ("secondary", "borrowed", "suspension", "passing")),
    "cinematic": HarmonyStyle("triad", ("borrowed", "suspension", "secondary", "substitute")),
    "folk": HarmonyStyle("triad", ("secondary", "suspension", "substitute"), aeolian=True),
    "bossa nova": HarmonyStyle("seventh", ("secondary", "two_five", "tritone")),
    "reggae": HarmonyStyle("triad", ("borrowed", "substitute"), aeolian=True),
    "country": HarmonyStyle("triad", ("secondary", "suspension", "substitute")),
}
_DEFAULT_STYLE = HarmonyStyle("triad", ("secondary", "suspension", "substitute"))


def harmony_style(genre: str) -> HarmonyStyle:
    """The devices and spelling of a genre (a plain triad style for genres not listed)."""
    return _STYLES.get(genre, _DEFAULT_STYLE)


def _degree(numeral: str) -> tuple[int, str]:
    """(semitones above the tonic, quality) of a numeral."""
    chord = chord_from_roman(numeral, 0, flats=False)
    return chord.root_pc, chord.quality


def _spell(semitones: int, minor: bool, style: HarmonyStyle, *, dominant: bool = False) -> str:
    """A numeral for a chord on ``semitones`` above the tonic in the style's spelling."""
    base = _NUMERALS[semitones % 12]
    if style.spelling == "power":
        return base + "5"
    if dominant:
        return base + "7"
    numeral = base.lower() if minor else base
    if style.spelling == "seventh":
        return numeral + ("7" if minor or base in ("V", "bVII", "II", "VI", "III") else "maj7")
    if style.spelling == "dominant":
        return numeral + "7"
    return numeral


def _split(bars: Bars, index: int, chords: list[str], meter: str) -> None:
    """Put ``chords`` into bar ``index``; a bar of an odd count of beats (3/4, 9/8, 5/4)
    holds one chord (the last)."""
    bars[index] = chords[-1:] if METERS[meter].one_chord_per_bar else chords


def _single(bars: Bars, index: int) -> bool:
    return 0 <= index < len(bars) and len(bars[index]) == 1


# --- devices: each changes bars in [low, high) or returns False when it does not apply -------

Device = Callable[[Bars, int, int, bool, HarmonyStyle, str, Chooser], bool]


def _secondary(
    bars: Bars, low: int, high: int, minor: bool, style: HarmonyStyle, meter: str, ch: Chooser
) -> bool:
    """V7 of the next bar's chord in the second half of a bar (I | vi -> I III7 | vi)."""
    targets = (2, 4, 5, 7, 9) if not minor else (5, 7, 8, 3)
    options = []
    for i in range(low, min(high, len(bars) - 1)):
        target, quality = _degree(bars[i + 1][0])
        here = _degree(bars[i][0])
        ready = here == ((target + 7) % 12, "7")  # already its dominant
        if _single(bars, i) and target in targets and quality not in ("dim", "m7b5", "5"):
            options.extend([] if ready else [i])
    if not options:
        return False
    i = ch.choose(options)
    target = _degree(bars[i + 1][0])[0]
    _split(bars, i, [bars[i][0], _spell(target + 7, False, style, dominant=True)], meter)
    return True


def _borrowed(
    bars: Bars, low: int, high: int, minor: bool, style: HarmonyStyle, meter: str, ch: Chooser
) -> bool:
    """A chord from the parallel key: IV iv (major), bVI or bVII before I, bII before V."""
    options: list[tuple[int, list[str]]] = []
    for i in range(low, min(high, len(bars) - 1)):
        if not _single(bars, i):
            continue
        here, _ = _degree(bars[i][0])
        after, _ = _degree(bars[i + 1][0])
        if not minor and here == 5 and after == 0 and style.spelling != "power":
            options.append((i, [bars[i][0], "iv" if style.spelling == "triad" else "iv7"]))
        if after == 0 and here in (5, 7, 2):
            options.append((i, [_spell(10, False, style)]))
            options.append((i, [_spell(8, False, style), _spell(10, False, style)]))
        if minor and after == 7 and here in (5, 2, 8):
            options.append((i, [_spell(1, False, style)]))
    if not options:
        return False
    i, chords = ch.choose(options)
    _split(bars, i, chords, meter)
    return True


def _suspension(
    bars: Bars, low: int, high: int, minor: bool, style: HarmonyStyle, meter: str, ch: Chooser
) -> bool:
    """A dominant bar becomes Vsus4 resolving to V7 (or I a sus4 resolving to I)."""
    options = []
    for i in range(low, high):
        here, quality = _degree(bars[i][0])
        if _single(bars, i) and here in (7, 0) and quality not in ("5", "min", "m7", "m6"):
            options.append(i)
    if not options:
        return False
    i = ch.choose(options)
    here, _ = _degree(bars[i][0])
    base = _NUMERALS[here]
    resolved = bars[i][0] if here == 0 else base + "7"
    _split(bars, i, [base + "sus4", resolved], meter)
    return True


def _substitute(
    bars: Bars, low: int, high: int, minor: bool, style: HarmonyStyle, meter: str, ch: Chooser
) -> bool:
    """A bar that repeats the one before takes a chord sharing two notes with it."""
    subs_major = {0: (9, 4), 5: (2, 9), 7: (4,)}
    subs_minor = {0: (3, 8), 5: (2, 8), 7: (10,), 8: (5, 0), 10: (3,)}
    table = subs_minor if minor else subs_major

    def free(i: int) -> bool:
        # A bar that a dominant seventh resolves into keeps its chord.
        resolving = _degree(bars[i - 1][-1])[1] == "7" and len(bars[i - 1]) > 1
        return _single(bars, i) and _degree(bars[i][0])[0] in table and not resolving

    options = [i for i in range(max(low, 1), high) if bars[i] == bars[i - 1] and free(i)]
    if not options:
        options = [i for i in range(max(low, 1), high) if i % 2 == 1 and free(i)]
    if not options:
        return False
    i = ch.choose(options)
    here = _degree(bars[i][0])[0]
    new = ch.choose(list(table[here]))
    # Substitutes a minor third or sixth away keep the chord's family: vi, iii and ii are minor
    # in major; bIII, bVI, bVII and iv stay as the minor key has them.
    minor_chord = (not minor and new in (2, 4, 9)) or (minor and new in (5, 0))
    spelled = _spell(new, minor_chord, style)
    bars[i] = [spelled]
    return True


def _passing(
    bars: Bars, low: int, high: int, minor: bool, style: HarmonyStyle, meter: str, ch: Chooser
) -> bool:
    """A passing diminished seventh between a chord and the one a step above (I #idim7 | ii)."""
    options = []
    for i in range(low, min(high, len(bars) - 1)):
        here, _ = _degree(bars[i][0])
        after, _ = _degree(bars[i + 1][0])
        if _single(bars, i) and (after - here) % 12 == 2:
            options.append(i)
    if not options or METERS[meter].one_chord_per_bar:
        return False
    i = ch.choose(options)
    here, _ = _degree(bars[i][0])
    _split(bars, i, [bars[i][0], _SHARP_LOWER[(here + 1) % 12] + "dim7"], meter)
    return True


def _two_five(
    bars: Bars, low: int, high: int, minor: bool, style: HarmonyStyle, meter: str, ch: Chooser
) -> bool:
    """A dominant bar becomes its own ii-V (V7 -> ii7 V7)."""
    options = [i for i in range(low, high) if _single(bars, i) and _degree(bars[i][0]) == (7, "7")]
    if not options:
        return False
    i = ch.choose(options)
    _split(bars, i, ["iiø7" if minor else "ii7", "V7"], meter)
    return True


def _tritone(
    bars: Bars, low: int, high: int, minor: bool, style: HarmonyStyle, meter: str, ch: Chooser
) -> bool:
    """V7 before the tonic becomes bII7, a half step above it."""
    options = []
    for i in range(low, min(high, len(bars) - 1)):
        for k, numeral in enumerate(bars[i]):
            if _degree(numeral) == (7, "7") and _degree(bars[i + 1][0])[0] == 0:
                options.append((i, k))
    if not options:
        return False
    i, k = ch.choose(options)
    bars[i][k] = "bII7"
    return True


_DEVICES: dict[str, Device] = {
    "secondary": _secondary,
    "borrowed": _borrowed,
    "suspension": _suspension,
    "substitute": _substitute,
    "passing": _passing,
    "two_five": _two_five,
    "tritone": _tritone,
}


def _cadence_bars(
    kind: str, minor: bool, style: HarmonyStyle, meter: str, chooser: Chooser
) -> Bars:
    """The last two bars of a section ending with a cadence of ``kind``."""
    tonic = _spell(0, minor, style)
    dominant = _spell(7, False, style, dominant=style.spelling != "triad" or not minor)
    if style.spelling == "triad":
        dominant = "V7"
    if style.spelling == "power":
        dominant = "V5"
    subdominant = _spell(5, minor, style)
    pre = subdominant
    if style.spelling == "triad" and not minor:
        # The predominant: IV or ii (ii-V-I is the commonest approach of all).
        pre = chooser.choose(["IV", "ii"], [3, 2])
    if style.spelling == "seventh":
        pre = "iiø7" if minor else "ii7"
    submediant = _spell(8, False, style) if minor else _spell(9, True, style)
    if minor and style.aeolian:
        subtonic = _spell(10, False, style)
        formulas: dict[str, Bars] = {
            "authentic": [[_spell(8, False, style), subtonic], [tonic]],
            "half": [[subdominant], [subtonic]],
            # iv and bVI, both subdominant colours, settle on i: the minor plagal close
            # keeps the Aeolian bVI in the ear.
            "plagal": [[subdominant, _spell(8, False, style)], [tonic]],
            "deceptive": [[subdominant, subtonic], [submediant]],
        }
        single = METERS[meter].one_chord_per_bar
        return [b[-1:] for b in formulas[kind]] if single else formulas[kind]
    formulas = {
        "authentic": [[pre, dominant], [tonic]],
        "half": [[pre], [_spell(7, False, style) if style.spelling != "triad" else "V"]],
        "plagal": [[subdominant], [tonic]],
        "deceptive": [[pre, dominant], [submediant]],
    }
    bars = [list(b) for b in formulas[kind]]
    if kind == "plagal" and not minor and style.spelling == "triad":
        # The minor plagal cadence: IV iv | I, a borrowed colour.
        bars[0] = ["IV", "iv"]
    if METERS[meter].one_chord_per_bar:
        bars = [b[-1:] for b in bars]
    return bars


def section_numerals(
    progression: str,
    length: int,
    *,
    genre: str,
    mode: str,
    meter: str,
    statement: int,
    cadence: str | None,
    chooser: Chooser,
    start_bar: int = 0,
) -> Bars:
    """The bars of one section as numerals.

    Args:
        progression: The section's progression (``"I | V | vi | IV"``), repeated to fill.
        length: Bars in the section.
        genre, mode, meter: The piece's.
        statement: 0 the first time this section (label) is heard, 1 the second, ...
        cadence: One of :data:`CADENCES` for the last two bars, or None to leave them.
        chooser: Draws which devices are used and where.
        start_bar: Bars of a twelve-bar blues already played, so that short sections walk
            through the form instead of repeating its first bars.
    """
    source = [bar.split() for bar in progression.split("|") if bar.split()]
    bars = [list(source[i % len(source)]) for i in range(length)]
    if genre == "blues" and len(source) == 12:
        return _blues(source, start_bar, length, statement, chooser)
    style = harmony_style(genre)
    minor = mode in MINOR_MODES
    power = all(_degree(n)[1] == "5" for bar in source for n in bar)
    if power:
        style = HarmonyStyle("power", style.devices)
    modal = mode not in ("major", "minor", "harmonic minor")
    tail = 2 if cadence is not None and length >= 4 and not modal else 0
    if tail:
        # The cadence first, so that devices before it lead into its chords.
        bars[-2:] = _cadence_bars(cadence or "authentic", minor, style, meter, chooser)
    devices = [d for d in style.devices if not (modal and d in ("borrowed", "secondary"))]
    if devices:
        # The first statement is elaborated only where the progression repeats; later
        # statements after their first two bars (which keep their chords, so the tune comes
        # back recognisably), a little more each time.
        keep = 2 if length > 4 else 1
        low = min(keep, length - 1) if statement else min(len(source), length)
        count = min(statement + (1 if length > len(source) else 0), 3)
        for _ in range(count):
            # Devices in a drawn order; the first that fits the bars is used.
            untried = list(devices)
            while untried:
                name = chooser.choose(untried)
                untried.remove(name)
                if _DEVICES[name](bars, low, length - tail, minor, style, meter, chooser):
                    break
    return bars


def _blues(source: Bars, start: int, length: int, statement: int, chooser: Chooser) -> Bars:
    """Twelve-bar blues: the form stays (a short section plays the next bars of it); the
    turnaround and, in later choruses, a jazz-blues ii-V and passing #iv dim7 vary."""
    minor = _degree(source[0][0])[1] in ("min", "m7")
    form = [list(bar) for bar in source]
    tonic = "i7" if minor else "I7"
    turnarounds = [
        [[tonic, "iv7" if minor else "IV7"], [tonic, "V7"]],
        [[tonic], ["V7"]],
        [[tonic, "bVI7"], ["V7"]],
    ]
    if not minor:
        turnarounds.append([[tonic, "VI7"], ["ii7", "V7"]])
    form[10:12] = [list(b) for b in chooser.choose(turnarounds)]
    if length >= 12:
        # A whole chorus starts at the top of the form.
        start = 0
    later = statement >= 1 or start >= 12
    if later and not minor and chooser.chance(0.6):
        form[8:10] = [["ii7"], ["V7"]]
    if later and chooser.chance(0.5):
        form[5] = ["#ivdim7"] if not minor else ["iv7"]
    return [list(form[(start + i) % 12]) for i in range(length)]


def cadence_plan(labels: list[str], lengths: list[int], chooser: Chooser) -> list[str | None]:
    """A cadence for each body section but the last (which the final cadence closes).

    A section followed by the same label ends open (half or deceptive), so the music goes on;
    one followed by a contrasting section ends closed (authentic or plagal); a B leading back
    to A ends on the dominant most often (the retransition). Deceptive endings need a section
    of eight bars or more, so that the surprise chord does not weigh on a short piece.
    """
    result: list[str | None] = []
    for index, label in enumerate(labels):
        if index == len(labels) - 1:
            result.append(None)
            continue
        following = labels[index + 1]
        surprise = 2 if lengths[index] >= 8 else 0
        if following == label:
            result.append(chooser.choose(["half", "deceptive"], [3, surprise]))
        elif label == "B":
            result.append(chooser.choose(["half", "deceptive", "authentic"], [4, surprise, 1]))
        else:
            result.append(chooser.choose(["authentic", "plagal"], [3, 2]))
    return result
