"""Instruments: General MIDI programs, ranges, stereo positions and the words for them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Instrument:
    """A playable instrument."""

    # Canonical name, as it appears in the plan and as the default part name.
    name: str
    # General MIDI program 0..127 (for drums: the drum-kit preset in bank 128).
    program: int
    # "keys", "guitar", "bass", "drums", "lead", "pad" or "mallet": decides default roles.
    family: str
    # Comfortable MIDI range for melodies (low, high).
    low: int
    high: int
    # Stereo position, -1 (left) .. 1 (right).
    pan: float = 0.0
    # Relative level 0..1 (MIDI channel volume = 127 * level).
    level: float = 0.8
    is_drum: bool = False

    @property
    def polyphonic(self) -> bool:
        """Whether it can play chords (keys, guitars, pads, mallets)."""
        return self.family in ("keys", "guitar", "pad", "mallet")


_I = Instrument
#: Every instrument by canonical name.
INSTRUMENTS: dict[str, Instrument] = {
    i.name: i
    for i in (
        _I("piano", 0, "keys", 48, 84, 0.0, 0.85),
        _I("bright piano", 1, "keys", 48, 84, 0.0, 0.8),
        _I("electric piano", 4, "keys", 48, 81, -0.25, 0.85),
        _I("harpsichord", 6, "keys", 48, 84, 0.2, 0.75),
        _I("celesta", 8, "mallet", 60, 96, 0.3, 0.7),
        _I("glockenspiel", 9, "mallet", 72, 100, 0.35, 0.55),
        _I("music box", 10, "mallet", 60, 96, 0.3, 0.7),
        _I("vibraphone", 11, "mallet", 53, 89, 0.3, 0.8),
        _I("marimba", 12, "mallet", 48, 84, 0.25, 0.85),
        _I("xylophone", 13, "mallet", 65, 96, 0.3, 0.7),
        _I("bells", 14, "mallet", 60, 84, 0.35, 0.6),
        _I("organ", 16, "keys", 48, 84, 0.2, 0.6),
        _I("rock organ", 18, "keys", 48, 84, 0.2, 0.6),
        _I("church organ", 19, "keys", 43, 84, 0.0, 0.55),
        _I("accordion", 21, "keys", 53, 84, -0.2, 0.65),
        _I("harmonica", 22, "lead", 60, 84, 0.25, 0.7),
        _I("nylon guitar", 24, "guitar", 48, 79, -0.3, 0.9),
        _I("acoustic guitar", 25, "guitar", 48, 79, -0.3, 0.8),
        _I("jazz guitar", 26, "guitar", 48, 79, -0.3, 0.85),
        _I("electric guitar", 27, "guitar", 48, 81, -0.35, 0.75),
        _I("overdriven guitar", 29, "guitar", 45, 79, -0.4, 0.55),
        _I("distorted guitar", 30, "guitar", 40, 76, -0.45, 0.5),
        _I("upright bass", 32, "bass", 28, 55, 0.05, 0.95),
        _I("bass", 33, "bass", 28, 55, 0.05, 0.9),
        _I("fretless bass", 35, "bass", 28, 55, 0.05, 0.9),
        _I("slap bass", 36, "bass", 28, 55, 0.05, 0.8),
        _I("synth bass", 38, "bass", 28, 55, 0.0, 0.75),
        _I("violin", 40, "lead", 55, 91, 0.3, 0.8),
        _I("viola", 41, "lead", 48, 81, 0.2, 0.8),
        _I("cello", 42, "lead", 36, 69, -0.2, 0.85),
        _I("contrabass", 43, "bass", 28, 55, 0.1, 0.9),
        _I("harp", 46, "mallet", 43, 91, 0.3, 0.85),
        _I("timpani", 47, "bass", 38, 55, 0.0, 0.75),
        _I("strings", 48, "pad", 48, 84, 0.1, 0.7),
        _I("synth strings", 50, "pad", 48, 84, 0.15, 0.65),
        _I("choir", 52, "pad", 52, 79, -0.1, 0.7),
        _I("voice", 53, "lead", 60, 81, 0.0, 0.75),
        _I("trumpet", 56, "lead", 58, 82, 0.25, 0.7),
        _I("trombone", 57, "lead", 45, 72, -0.2, 0.7),
        _I("tuba", 58, "bass", 28, 55, 0.0, 0.8),
        _I("french horn", 60, "lead", 48, 77, -0.15, 0.75),
        _I("brass", 61, "lead", 52, 79, 0.25, 0.6),
        _I("soprano sax", 64, "lead", 60, 86, 0.25, 0.7),
        _I("alto sax", 65, "lead", 55, 82, 0.25, 0.75),
        _I("tenor sax", 66, "lead", 50, 77, 0.25, 0.75),
        _I("baritone sax", 67, "lead", 40, 69, 0.2, 0.75),
        _I("oboe", 68, "lead", 60, 86, 0.2, 0.75),
        _I("bassoon", 70, "lead", 36, 67, -0.1, 0.8),
        _I("clarinet", 71, "lead", 52, 86, 0.2, 0.8),
        _I("piccolo", 72, "lead", 74, 100, 0.3, 0.6),
        _I("flute", 73, "lead", 62, 91, 0.25, 0.8),
        _I("recorder", 74, "lead", 62, 88, 0.25, 0.75),
        _I("pan flute", 75, "lead", 60, 86, 0.25, 0.75),
        _I("synth lead", 81, "lead", 57, 86, 0.15, 0.55),
        _I("square lead", 80, "lead", 57, 86, 0.15, 0.5),
        _I("pad", 89, "pad", 48, 79, -0.1, 0.7),
        _I("synth pad", 90, "pad", 48, 79, -0.1, 0.65),
        _I("sitar", 104, "lead", 52, 81, -0.2, 0.75),
        _I("banjo", 105, "guitar", 48, 79, 0.3, 0.75),
        _I("steel drums", 114, "mallet", 55, 84, 0.25, 0.75),
        _I("drums", 0, "drums", 35, 81, 0.0, 0.8, True),
    )
}

#: Words (and phrases) a prompt may use for an instrument -> canonical name. "guitar" and
#: "synth" are resolved by genre (see GENERIC_INSTRUMENTS).
INSTRUMENT_WORDS: dict[str, str] = {
    **{name: name for name in INSTRUMENTS},
    "grand piano": "piano",
    "acoustic piano": "piano",
    "keys": "piano",
    "keyboard": "piano",
    "rhodes": "electric piano",
    "wurlitzer": "electric piano",
    "e-piano": "electric piano",
    "epiano": "electric piano",
    "hammond": "organ",
    "hammond organ": "organ",
    "pipe organ": "church organ",
    "classical guitar": "nylon guitar",
    "spanish guitar": "nylon guitar",
    "ukulele": "nylon guitar",
    "steel guitar": "acoustic guitar",
    "clean guitar": "electric guitar",
    "overdrive guitar": "overdriven guitar",
    "distortion guitar": "distorted guitar",
    "heavy guitar": "distorted guitar",
    "electric bass": "bass",
    "bass guitar": "bass",
    "double bass": "upright bass",
    "acoustic bass": "upright bass",
    "string bass": "upright bass",
    "sub bass": "synth bass",
    "808": "synth bass",
    "drum": "drums",
    "drum kit": "drums",
    "drumkit": "drums",
    "percussion": "drums",
    "beat": "drums",
    "beats": "drums",
    "violins": "strings",
    "fiddle": "violin",
    "fiddles": "violin",
    "string section": "strings",
    "string ensemble": "strings",
    "string quartet": "strings",
    "orchestra": "strings",
    "cellos": "cello",
    "violas": "viola",
    "choir": "choir",
    "chorus": "choir",
    "vocals": "voice",
    "vocal": "voice",
    "singer": "voice",
    "horns": "brass",
    "horn": "french horn",
    "brass section": "brass",
    "trumpets": "trumpet",
    "sax": "alto sax",
    "saxophone": "alto sax",
    "alto saxophone": "alto sax",
    "tenor saxophone": "tenor sax",
    "flutes": "flute",
    "vibes": "vibraphone",
    "vibraphones": "vibraphone",
    "chimes": "bells",
    "tubular bells": "bells",
    "glock": "glockenspiel",
    "lead synth": "synth lead",
    "synth lead": "synth lead",
    "pads": "pad",
    "warm pad": "pad",
    "ambient pad": "synth pad",
    "steel drum": "steel drums",
    "steelpan": "steel drums",
    "guitars": "guitar",
    "synths": "synth",
    "synthesizer": "synth",
}

#: Generic words whose instrument depends on the genre: word -> {genre: name, "": default}.
GENERIC_INSTRUMENTS: dict[str, dict[str, str]] = {
    "guitar": {
        "rock": "overdriven guitar",
        "metal": "distorted guitar",
        "jazz": "jazz guitar",
        "blues": "electric guitar",
        "funk": "electric guitar",
        "folk": "acoustic guitar",
        "country": "acoustic guitar",
        "bossa nova": "nylon guitar",
        "classical": "nylon guitar",
        "reggae": "electric guitar",
        "": "acoustic guitar",
    },
    "synth": {"": "synth lead", "ambient": "synth pad", "cinematic": "synth pad"},
}

#: Roles a part can play.
ROLES = ("melody", "chords", "bass", "drums", "pad", "counter")
