"""Meters: how many beats a bar counts and how long each beat is.

The composer counts the beats a listener taps. In simple meters (2/4, 3/4, 4/4, 5/4) that is
the quarter note; in compound meters (6/8, 9/8, 12/8) it is the dotted quarter, split into
three eighths (triplets against the pulse), and the tempo counts dotted quarters: 12/8 at 60
is four slow beats a bar, each of three eighths, as a 12/8 blues or doo-wop ballad is felt.
7/8 counts its seven eighths (grouped 2+2+3), so its tempo counts eighths too; so does the
Bulgarian 11/8 (the kopanitsa's 2+2+3+2+2).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Meter:
    """One time signature."""

    # As written: "12/8".
    name: str
    # Counted beats per bar (12/8 counts four dotted quarters).
    beats: int
    # Length of a counted beat in quarter notes (1.5: a dotted quarter).
    beat_quarters: float
    # How chord parts play where 4/4 comping patterns do not fit: "waltz" (oom-pah(-pah)),
    # "triplets" (the chord on every eighth, the 12/8 ballad piano) or "arpeggio".
    chord_style: str = "arpeggio"
    # A 4/4 genre's tempo range read in this meter when the prompt names no tempo: 12/8 is
    # the slow triplet feel (the range taken lower, in dotted quarters).
    range_scale: float = 1.0

    @property
    def compound(self) -> bool:
        """Whether each beat splits in three (6/8, 9/8, 12/8)."""
        return self.beat_quarters == 1.5

    @property
    def eighth_beats(self) -> bool:
        """Whether the counted beat is the eighth note (7/8, 11/8)."""
        return self.beat_quarters == 0.5

    @property
    def subdivision(self) -> float:
        """The beat's natural split, in beats: a third in compound meters, the whole beat
        when the beat is already an eighth, else a half."""
        if self.compound:
            return 1 / 3
        return 1.0 if self.eighth_beats else 0.5

    @property
    def swings(self) -> bool:
        """Whether swing applies: offbeat eighths exist only when the beat is a quarter."""
        return self.beat_quarters == 1.0

    @property
    def one_chord_per_bar(self) -> bool:
        """Whether a bar holds a single chord: an odd count of beats does not halve."""
        return self.beats % 2 == 1


#: Slowest dotted-quarter tempo a genre's range is scaled to: below it a listener (and a beat
#: tracker) counts the eighths instead of the beat.
SLOWEST_COMPOUND_BPM = 60.0

#: Every meter the composer writes in.
METERS: dict[str, Meter] = {
    m.name: m
    for m in (
        Meter("2/4", 2, 1.0, "waltz"),
        Meter("3/4", 3, 1.0, "waltz"),
        Meter("4/4", 4, 1.0),
        Meter("5/4", 5, 1.0),
        Meter("6/8", 2, 1.5),
        Meter("7/8", 7, 0.5),
        Meter("11/8", 11, 0.5),
        Meter("9/8", 3, 1.5),
        Meter("12/8", 4, 1.5, "triplets", 0.85),
    )
}

#: Words (and phrases) a prompt may use for a meter -> its name.
METER_WORDS: dict[str, str] = {
    **{name: name for name in METERS},
    "waltz": "3/4",
    "triple meter": "3/4",
    "triple time": "3/4",
    "minuet": "3/4",
    "compound meter": "6/8",
    "common time": "4/4",
    "cut time": "2/4",
    "duple meter": "2/4",
    "quintuple meter": "5/4",
    "five four": "5/4",
    "seven eight": "7/8",
    "eleven eight": "11/8",
}

#: Dances named by a genre word that also fix the meter: "jig" is Celtic in 6/8.
DANCE_METERS: dict[str, str] = {
    "jig": "6/8",
    "double jig": "6/8",
    "slip jig": "9/8",
    "reel": "4/4",
    "hornpipe": "4/4",
    "tarantella": "6/8",
    "polka": "2/4",
}

#: Genres at home in a meter, with weights: a prompt that names only the meter ("a waltz",
#: "something in 5/4") gets one of them.
METER_GENRES: dict[str, dict[str, float]] = {
    "3/4": {"classical": 3, "folk": 2, "jazz": 1},
    "6/8": {"classical": 3, "folk": 2, "jazz": 1},
    "9/8": {"celtic": 3, "classical": 2, "folk": 1},
    "12/8": {"blues": 3, "soul": 2, "gospel": 1},
    "5/4": {"jazz": 3, "cinematic": 2, "rock": 1},
    "7/8": {"rock": 2, "folk": 2, "jazz": 1},
    "11/8": {"folk": 3, "jazz": 1},
    "2/4": {"polka": 2, "march": 2, "folk": 1},
}
