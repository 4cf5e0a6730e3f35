"""Groove, timbre and articulation words: what each changes in the parts.

A :class:`Groove` is one musical request ("one drop", "palm-muted", "pizzicato") with the
words that ask for it. It may replace the drum groove or transform it (half-time,
double-time, four on the floor, rimshot), set the comping or bass style, change the drum kit,
turn swing on, re-voice instruments of a family (distorted -> GM 30 on guitars) and set an
articulation (staccato, legato, palm-muted) that shortens or joins the notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Groove:
    """One groove, timbre or articulation request."""

    name: str
    # Words (and phrases) that ask for it; the name is one of them.
    words: tuple[str, ...]
    # What it does, in words (shown by ``musicgen styles``).
    description: str
    # Drum groove replacing the genre's ("" keeps it).
    drums: str = ""
    # Transform of the drum groove: "half", "double", "four", "doublekick" or "rim".
    drum_transform: str = ""
    # Comping style of the chord parts ("" keeps it).
    comp: str = ""
    # Bass style ("" keeps it).
    bass: str = ""
    # GM drum kit (bank 128 preset), None keeps the genre's.
    kit: int | None = None
    # True turns swing on.
    swing: bool | None = None
    # Instrument family (or instrument name) -> GM program it switches to.
    programs: dict[str, int] = field(default_factory=dict)
    # Articulation given to the parts it applies to, and the families it applies to
    # (empty: every melodic part but bass).
    articulation: str = ""
    families: tuple[str, ...] = ()
    # Reverb level of the whole mix, 0..1 (None keeps the default).
    reverb: float | None = None


_STRINGS = ("violin", "viola", "cello", "contrabass", "strings", "fiddle", "synth strings")

#: Every groove by name.
GROOVES: dict[str, Groove] = {
    g.name: g
    for g in (
        Groove(
            "one drop",
            ("one drop", "onedrop"),
            "reggae one drop: kick and rimshot together on beat 3 only",
            drums="onedrop",
        ),
        Groove(
            "rimshot",
            ("rimshot", "rimshots", "rim shot", "cross stick", "side stick"),
            "the snare played as a cross-stick rimshot",
            drum_transform="rim",
        ),
        Groove(
            "skank",
            ("skank", "skanking", "offbeat chords"),
            "chords chopped on beats 2 and 4",
            comp="skank",
        ),
        Groove(
            "four on the floor",
            ("four on the floor", "four to the floor", "4 on the floor"),
            "a kick on every beat",
            drum_transform="four",
        ),
        Groove(
            "shuffle", ("shuffle",), "shuffled drums, swung eighths", drums="shuffle", swing=True
        ),
        Groove(
            "half-time",
            ("half time", "halftime", "half time feel"),
            "half-time feel: the snare on beat 3 only",
            drum_transform="half",
        ),
        Groove(
            "double-time",
            ("double time", "doubletime", "double time feel"),
            "double-time feel: the drum groove twice as fast",
            drum_transform="double",
        ),
        Groove(
            "boom bap",
            ("boom bap", "boombap"),
            "boom-bap hip-hop beat, hard snare on 2 and 4, swung hats",
            drums="boombap",
            swing=True,
        ),
        Groove(
            "blast beat",
            ("blast beat", "blast beats", "blastbeat"),
            "blast beat: kick and snare alternating sixteenths",
            drums="blast",
        ),
        Groove(
            "double kick",
            ("double kick", "double kick drum", "double bass drum", "double pedal", "twin pedal"),
            "double-pedal kick drum on every sixteenth under the genre's backbeat",
            drum_transform="doublekick",
        ),
        Groove(
            "brushes",
            ("brushes", "brush", "brushed drums", "brush kit"),
            "brush kit (GM 40) sweeping eighths",
            drums="brushes",
            kit=40,
        ),
        Groove(
            "breakbeat",
            ("breakbeat", "breakbeats", "break beat", "amen break"),
            "syncopated breakbeat drums",
            drums="dnb",
        ),
        Groove(
            "two-step",
            ("two step", "2 step", "train beat"),
            "country two-step: boom-chick drums and root-fifth bass",
            drums="country",
            bass="root_fifth",
        ),
        Groove(
            "hi-hat rolls",
            ("hi hat rolls", "hihat rolls", "trap hats", "rolling hats"),
            "trap hi-hat rolls over a half-time beat",
            drums="traprolls",
        ),
        Groove(
            "fingerpicked",
            ("fingerpicked", "fingerpicking", "finger picked", "fingerstyle"),
            "chords picked one string at a time",
            comp="arpeggio",
        ),
        Groove(
            "palm-muted",
            ("palm muted", "palm muting", "palm mute", "chugging"),
            "guitar chords cut short (palm-muted)",
            articulation="palm",
            families=("guitar",),
        ),
        Groove(
            "staccato",
            ("staccato", "detached", "choppy"),
            "short, detached notes",
            articulation="staccato",
        ),
        Groove(
            "legato", ("legato", "smooth legato", "flowing"), "joined notes", articulation="legato"
        ),
        Groove(
            "pizzicato",
            ("pizzicato", "pizz", "plucked strings"),
            "strings plucked: GM pizzicato strings (45), short notes",
            programs=dict.fromkeys(_STRINGS, 45),
            articulation="staccato",
            families=_STRINGS,
        ),
        Groove(
            "tremolo",
            ("tremolo", "tremolando"),
            "strings bowed tremolo: GM tremolo strings (44)",
            programs=dict.fromkeys(_STRINGS, 44),
        ),
        Groove(
            "muted",
            ("muted", "mute", "harmon mute"),
            "brass with a mute (GM 59), guitars muted (GM 28)",
            programs={"trumpet": 59, "brass": 59, "guitar": 28},
        ),
        Groove(
            "distorted",
            ("distorted", "distortion", "fuzzy", "fuzz"),
            "guitars distorted (GM 30)",
            programs={"guitar": 30},
        ),
        Groove(
            "overdriven",
            ("overdriven", "overdrive", "crunchy", "crunch", "gritty"),
            "guitars overdriven (GM 29)",
            programs={"guitar": 29},
        ),
        Groove(
            "clean",
            ("clean", "clean tone"),
            "guitars clean (GM 27)",
            programs={"guitar": 27},
        ),
        Groove(
            "twangy",
            ("twangy", "twang", "twanging"),
            "guitars clean and bright (GM 27), as a Telecaster or surf guitar",
            programs={"guitar": 27},
        ),
        Groove(
            "slap",
            ("slap", "slapped", "slapping"),
            "bass slapped (GM 36)",
            programs={"bass": 36},
        ),
        Groove(
            "reverb",
            (
                "reverb",
                "reverby",
                "drenched in reverb",
                "reverb drenched",
                "reverb soaked",
                "washed out",
                "spring reverb",
                "wet",
                "spacious",
                "echo",
                "echoey",
            ),
            "more reverb on the whole mix",
            reverb=0.8,
        ),
        Groove(
            "dry",
            ("dry", "no reverb", "without reverb", "close miked"),
            "little reverb",
            reverb=0.08,
        ),
        Groove(
            "picked bass", ("picked",), "bass played with a pick (GM 34)", programs={"bass": 34}
        ),
    )
}

#: Word -> groove name.
GROOVE_WORDS: dict[str, str] = {word: g.name for g in GROOVES.values() for word in g.words}
