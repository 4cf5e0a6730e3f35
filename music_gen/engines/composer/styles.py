"""Data tables: instruments (General MIDI), genres and moods.

Everything the composer knows about a style lives here as data, so a genre is added by adding
a row, not code. Progressions are Roman numerals (see :mod:`theory`), one bar per ``|``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
        _I("drums", 0, "drums", 35, 81, 0.0, 0.9, True),
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


@dataclass(frozen=True)
class Genre:
    """How one genre sounds: tempo, meter, swing, harmony, band and playing styles."""

    name: str
    # Default tempo range in BPM (low, high).
    tempo_bpm: tuple[int, int]
    # Progressions (A sections, B sections) in major-like and minor-like keys.
    major_a: tuple[str, ...]
    major_b: tuple[str, ...]
    minor_a: tuple[str, ...]
    minor_b: tuple[str, ...]
    # Default band when the prompt names no instrument: (instrument, role) pairs.
    band: tuple[tuple[str, str], ...]
    drums: str
    bass: str
    comp: str
    # "sparse", "medium", "busy" or "long": melody rhythm density.
    melody: str = "medium"
    # Weight of a minor-like key when the mood does not decide.
    minor_weight: float = 0.5
    # Offbeat delay as a fraction of a beat (0 straight; ~0.16 triplet swing).
    swing: float = 0.0
    # Swing applies to 8ths ("8") or 16ths ("16").
    swing_unit: str = "8"
    meter: str = "4/4"
    # Phrase length in bars (12 for blues).
    phrase_bars: int = 8
    # GM drum kit preset in bank 128.
    kit: int = 0
    # Whether the default band has drums even for a calm mood.
    drums_always: bool = False
    # Whether the default band has drums at all.
    has_drums: bool = True


_POP_MAJ_A = ("I | V | vi | IV", "I | vi | IV | V", "I | IV | vi | V")
_POP_MAJ_B = ("IV | V | iii | vi", "vi | IV | I | V", "IV | I | V | V")
_MIN_A = ("i | bVI | bIII | bVII", "i | iv | bVI | V", "i | bVII | bVI | V")
_MIN_B = ("bVI | bVII | i | i", "iv | v | bVI | V", "bVI | iv | V | V")

#: Every genre by canonical name.
GENRES: dict[str, Genre] = {
    g.name: g
    for g in (
        Genre(
            "pop",
            (96, 124),
            _POP_MAJ_A,
            _POP_MAJ_B,
            _MIN_A,
            _MIN_B,
            (("piano", "chords"), ("synth lead", "melody"), ("bass", "bass"), ("drums", "drums")),
            "pop",
            "pop",
            "pulse8",
            "medium",
            0.3,
        ),
        Genre(
            "rock",
            (104, 140),
            ("I | bVII | IV | I", "I | IV | V | IV", "I | V | IV | IV"),
            ("IV | IV | I | V", "vi | IV | V | V"),
            ("i | bVII | bVI | bVII", "i | bVI | bVII | i"),
            ("bVI | bVII | i | i", "iv | bVI | V | V"),
            (
                ("overdriven guitar", "chords"),
                ("electric guitar", "melody"),
                ("bass", "bass"),
                ("drums", "drums"),
            ),
            "rock",
            "rock8",
            "power",
            "medium",
            0.4,
        ),
        Genre(
            "metal",
            (140, 184),
            ("I5 | bVII5 | IV5 | I5",),
            ("bVI5 | bVII5 | I5 | I5",),
            ("i5 | bVI5 | bVII5 | i5", "i5 | bII5 | i5 | bVII5", "i5 | i5 | bVI5 | V5"),
            ("bVI5 | bVII5 | i5 | i5", "iv5 | bVI5 | V5 | V5"),
            (
                ("distorted guitar", "chords"),
                ("distorted guitar", "melody"),
                ("bass", "bass"),
                ("drums", "drums"),
            ),
            "metal",
            "rock8",
            "power",
            "busy",
            0.95,
            kit=16,
        ),
        Genre(
            "jazz",
            (110, 170),
            ("Imaj7 | vi7 | ii7 | V7", "Imaj7 | VI7 | ii7 | V7", "ii7 | V7 | Imaj7 | Imaj7"),
            ("IVmaj7 | iv7 | iii7 | VI7", "iii7 | VI7 | ii7 | V7"),
            ("i7 | iv7 | iiø7 | V7", "i7 | i7 | iiø7 | V7"),
            ("bVImaj7 | iiø7 | V7 | i7",),
            (
                ("piano", "chords"),
                ("tenor sax", "melody"),
                ("upright bass", "bass"),
                ("drums", "drums"),
            ),
            "jazz",
            "walking",
            "jazz",
            "medium",
            0.35,
            0.16,
            kit=32,
        ),
        Genre(
            "blues",
            (72, 112),
            ("I7 | IV7 | I7 | I7 | IV7 | IV7 | I7 | I7 | V7 | IV7 | I7 | V7",),
            ("I7 | IV7 | I7 | I7 | IV7 | IV7 | I7 | I7 | V7 | IV7 | I7 | V7",),
            ("i7 | iv7 | i7 | i7 | iv7 | iv7 | i7 | i7 | bVI7 | V7 | i7 | V7",),
            ("i7 | iv7 | i7 | i7 | iv7 | iv7 | i7 | i7 | bVI7 | V7 | i7 | V7",),
            (
                ("piano", "chords"),
                ("electric guitar", "melody"),
                ("bass", "bass"),
                ("drums", "drums"),
            ),
            "shuffle",
            "boogie",
            "shuffle",
            "medium",
            0.3,
            0.16,
            phrase_bars=12,
        ),
        Genre(
            "funk",
            (96, 116),
            ("I7 | I7 | IV7 | I7", "I9 | IV9 | I9 | IV9"),
            ("IV7 | IV7 | V7 | V7",),
            ("i7 | i7 | iv7 | i7", "i9 | IV7 | i9 | IV7"),
            ("bVI7 | bVII7 | i7 | V7",),
            (
                ("electric guitar", "chords"),
                ("electric piano", "counter"),
                ("brass", "melody"),
                ("slap bass", "bass"),
                ("drums", "drums"),
            ),
            "funk",
            "funk",
            "funk",
            "busy",
            0.5,
            0.06,
            "16",
        ),
        Genre(
            "house",
            (120, 128),
            _POP_MAJ_A,
            _POP_MAJ_B,
            ("i | bVI | bIII | bVII", "i | bVII | bVI | bVII", "i | iv | bVI | V"),
            _MIN_B,
            (
                ("synth pad", "pad"),
                ("electric piano", "chords"),
                ("synth lead", "melody"),
                ("synth bass", "bass"),
                ("drums", "drums"),
            ),
            "house",
            "octave",
            "stabs",
            "medium",
            0.6,
            kit=25,
            drums_always=True,
        ),
        Genre(
            "techno",
            (124, 136),
            ("I | I | bVII | I",),
            ("IV | IV | I | I",),
            ("i | i | bVII | i", "i | i | bVI | i"),
            ("iv | iv | i | i",),
            (
                ("synth pad", "pad"),
                ("synth lead", "melody"),
                ("synth bass", "bass"),
                ("drums", "drums"),
            ),
            "techno",
            "octave",
            "stabs",
            "sparse",
            0.85,
            kit=25,
            drums_always=True,
        ),
        Genre(
            "ambient",
            (60, 80),
            ("Imaj7 | IVmaj7 | Imaj7 | IVmaj7", "I | IV | vi | IV"),
            ("vi7 | IVmaj7 | Imaj7 | V",),
            ("i | bVI | i | bVII", "i7 | iv7 | i7 | bVImaj7"),
            ("bVI | bVII | i | i",),
            (
                ("synth pad", "pad"),
                ("piano", "melody"),
                ("bells", "counter"),
                ("synth bass", "bass"),
            ),
            "",
            "pedal",
            "pad",
            "long",
            0.5,
            has_drums=False,
        ),
        Genre(
            "lo-fi",
            (70, 90),
            ("Imaj7 | vi7 | ii7 | V7", "IVmaj7 | iii7 | ii7 | Imaj7"),
            ("IVmaj7 | V7 | iii7 | vi7",),
            ("i7 | iv7 | bVImaj7 | V7", "i9 | iv7 | i9 | V7"),
            ("bVImaj7 | bVII7 | i7 | i7",),
            (
                ("electric piano", "chords"),
                ("vibraphone", "melody"),
                ("bass", "bass"),
                ("drums", "drums"),
            ),
            "hiphop",
            "root",
            "lofi",
            "sparse",
            0.5,
            0.09,
            "16",
            kit=25,
            drums_always=True,
        ),
        Genre(
            "hip-hop",
            (84, 98),
            ("Imaj7 | vi7 | ii7 | V7",),
            ("IVmaj7 | V7 | iii7 | vi7",),
            ("i7 | iv7 | bVImaj7 | V7", "i | bVI | iv | V"),
            ("bVI | bVII | i | i",),
            (
                ("piano", "chords"),
                ("synth lead", "melody"),
                ("synth bass", "bass"),
                ("drums", "drums"),
            ),
            "hiphop",
            "root",
            "lofi",
            "sparse",
            0.7,
            0.06,
            "16",
            kit=25,
            drums_always=True,
        ),
        Genre(
            "classical",
            (66, 120),
            ("I | IV | V | I", "I | vi | ii | V", "I | V | vi | iii"),
            ("IV | I | ii | V", "vi | iii | IV | V"),
            ("i | iv | V | i", "i | bVI | iv | V"),
            ("bIII | bVI | iv | V", "iv | i | iv | V"),
            (("strings", "chords"), ("violin", "melody"), ("cello", "bass")),
            "",
            "root",
            "arpeggio",
            "medium",
            0.4,
            has_drums=False,
        ),
        Genre(
            "cinematic",
            (70, 104),
            ("I | V | vi | IV", "I | bVI | IV | V"),
            ("vi | IV | I | V", "IV | V | vi | vi"),
            ("i | bVI | bIII | bVII", "i | bVI | iv | V"),
            ("bVI | bVII | i | i", "iv | bVI | V | V"),
            (
                ("strings", "chords"),
                ("french horn", "melody"),
                ("choir", "pad"),
                ("contrabass", "bass"),
                ("drums", "drums"),
            ),
            "cinematic",
            "root",
            "ostinato",
            "sparse",
            0.7,
        ),
        Genre(
            "folk",
            (84, 118),
            ("I | IV | I | V", "I | V | vi | IV"),
            ("IV | I | IV | V",),
            ("i | bVII | bVI | bVII", "i | bIII | bVII | i"),
            ("bVI | bVII | i | i",),
            (("acoustic guitar", "chords"), ("flute", "melody"), ("upright bass", "bass")),
            "folk",
            "root_fifth",
            "strum",
            "medium",
            0.35,
            has_drums=False,
        ),
        Genre(
            "bossa nova",
            (120, 144),
            ("Imaj7 | II7 | ii7 | V7", "Imaj7 | vi7 | ii7 | V7"),
            ("IVmaj7 | iv7 | iii7 | VI7",),
            ("i6 | iv7 | V7 | i6", "i7 | iiø7 | V7 | i7"),
            ("iv7 | bVII7 | bIIImaj7 | V7",),
            (
                ("nylon guitar", "chords"),
                ("flute", "melody"),
                ("upright bass", "bass"),
                ("drums", "drums"),
            ),
            "bossa",
            "bossa",
            "bossa",
            "medium",
            0.4,
            kit=40,
            drums_always=True,
        ),
        Genre(
            "reggae",
            (70, 90),
            ("I | IV | V | IV", "I | V | vi | IV"),
            ("IV | V | I | I",),
            ("i | iv | bVII | i", "i | bVII | i | bVII"),
            ("bVI | bVII | i | i",),
            (
                ("electric guitar", "chords"),
                ("organ", "counter"),
                ("bass", "bass"),
                ("alto sax", "melody"),
                ("drums", "drums"),
            ),
            "reggae",
            "reggae",
            "skank",
            "sparse",
            0.35,
        ),
        Genre(
            "country",
            (100, 132),
            ("I | IV | V | I", "I | I | IV | V"),
            ("IV | I | V | I",),
            ("i | bVII | bVI | V",),
            ("iv | i | V | i",),
            (
                ("acoustic guitar", "chords"),
                ("electric guitar", "melody"),
                ("bass", "bass"),
                ("drums", "drums"),
            ),
            "country",
            "root_fifth",
            "strum",
            "medium",
            0.2,
        ),
    )
}

#: Words (and phrases) a prompt may use for a genre -> canonical name.
GENRE_WORDS: dict[str, str] = {
    **{name: name for name in GENRES},
    "edm": "house",
    "dance": "house",
    "disco": "house",
    "electronic": "house",
    "electro": "house",
    "trance": "house",
    "club": "house",
    "lofi": "lo-fi",
    "lo fi": "lo-fi",
    "chillhop": "lo-fi",
    "hiphop": "hip-hop",
    "hip hop": "hip-hop",
    "rap": "hip-hop",
    "trap": "hip-hop",
    "orchestral": "cinematic",
    "orchestra": "cinematic",
    "film": "cinematic",
    "soundtrack": "cinematic",
    "acoustic": "folk",
    "bossa": "bossa nova",
    "bossanova": "bossa nova",
    "latin": "bossa nova",
    "samba": "bossa nova",
    "baroque": "classical",
    "romantic era": "classical",
    "symphonic": "classical",
    "heavy metal": "metal",
    "punk": "rock",
    "grunge": "rock",
    "indie": "rock",
    "swing": "jazz",
    "bebop": "jazz",
    "jazzy": "jazz",
    "bluesy": "blues",
    "funky": "funk",
    "soul": "funk",
    "ska": "reggae",
    "dub": "reggae",
    "bluegrass": "country",
    "chillout": "ambient",
    "drone": "ambient",
    "new age": "ambient",
}


@dataclass(frozen=True)
class Mood:
    """How a mood bends tempo, mode, loudness and density."""

    name: str
    # Tempo multiplier on the genre's range midpoint.
    tempo_scale: float
    # Weight of a minor-like key (None: leave it to the genre).
    minor_weight: float | None
    # Velocity scale (energy), ~0.7 quiet .. 1.15 loud.
    energy: float
    # Melody density bias: -1 sparser, 0, +1 busier.
    density: int = 0
    # Whether this mood asks for no drums when the prompt names no instruments.
    quiet: bool = False
    # Modes the mood favours beyond major/minor, with weights.
    modes: dict[str, float] = field(default_factory=dict)


#: Every mood by canonical name.
MOODS: dict[str, Mood] = {
    m.name: m
    for m in (
        Mood("calm", 0.8, None, 0.72, -1, True),
        Mood("happy", 1.08, 0.08, 0.95, 1),
        Mood("sad", 0.8, 0.92, 0.75, -1, True),
        Mood("melancholic", 0.85, 0.85, 0.78, -1, True, {"dorian": 0.15}),
        Mood("energetic", 1.18, None, 1.12, 1),
        Mood("dark", 0.95, 0.95, 0.95, 0, False, {"phrygian": 0.15}),
        Mood("epic", 1.0, 0.75, 1.12, 0),
        Mood("romantic", 0.88, 0.35, 0.8, -1, True),
        Mood("mysterious", 0.9, 0.6, 0.8, -1, False, {"dorian": 0.3, "phrygian": 0.1}),
        Mood("playful", 1.1, 0.1, 0.9, 1, False, {"mixolydian": 0.15, "lydian": 0.1}),
        Mood("tense", 1.05, 0.9, 1.0, 0, False, {"phrygian": 0.2}),
        Mood("dreamy", 0.85, 0.3, 0.75, -1, True, {"lydian": 0.3}),
        Mood("neutral", 1.0, None, 0.9, 0),
    )
}

#: Words a prompt may use for a mood -> canonical name.
MOOD_WORDS: dict[str, str] = {
    **{name: name for name in MOODS if name != "neutral"},
    "relaxing": "calm",
    "relaxed": "calm",
    "peaceful": "calm",
    "gentle": "calm",
    "soft": "calm",
    "quiet": "calm",
    "chill": "calm",
    "serene": "calm",
    "soothing": "calm",
    "tranquil": "calm",
    "joyful": "happy",
    "cheerful": "happy",
    "bright": "happy",
    "uplifting": "happy",
    "sunny": "happy",
    "sorrowful": "sad",
    "gloomy": "sad",
    "somber": "sad",
    "sombre": "sad",
    "melancholy": "melancholic",
    "nostalgic": "melancholic",
    "wistful": "melancholic",
    "energetic": "energetic",
    "driving": "energetic",
    "powerful": "energetic",
    "intense": "energetic",
    "exciting": "energetic",
    "aggressive": "energetic",
    "ominous": "dark",
    "sinister": "dark",
    "brooding": "dark",
    "heroic": "epic",
    "triumphant": "epic",
    "majestic": "epic",
    "grand": "epic",
    "love": "romantic",
    "tender": "romantic",
    "sensual": "romantic",
    "mystical": "mysterious",
    "eerie": "mysterious",
    "magical": "mysterious",
    "whimsical": "playful",
    "fun": "playful",
    "quirky": "playful",
    "bouncy": "playful",
    "suspenseful": "tense",
    "anxious": "tense",
    "suspense": "tense",
    "ethereal": "dreamy",
    "floating": "dreamy",
    "hazy": "dreamy",
}

#: Tempo words -> BPM (a target; the genre's range is ignored when one is given).
TEMPO_WORDS: dict[str, float] = {
    "very slow": 56,
    "slow": 68,
    "slowly": 68,
    "ballad": 70,
    "laid back": 84,
    "laid-back": 84,
    "relaxed tempo": 84,
    "moderate": 100,
    "medium tempo": 100,
    "mid tempo": 100,
    "midtempo": 100,
    "upbeat": 124,
    "uptempo": 132,
    "up-tempo": 132,
    "lively": 126,
    "fast": 148,
    "quick": 144,
    "very fast": 172,
}

#: Genre chosen when a prompt gives only a mood (weights over genres).
MOOD_GENRES: dict[str, dict[str, float]] = {
    "calm": {"classical": 3, "ambient": 2, "folk": 1},
    "happy": {"pop": 3, "folk": 1, "country": 1, "funk": 1},
    "sad": {"classical": 2, "ambient": 1, "folk": 1},
    "melancholic": {"classical": 2, "lo-fi": 1, "folk": 1},
    "energetic": {"rock": 2, "house": 2, "funk": 1, "pop": 1},
    "dark": {"cinematic": 2, "techno": 1, "metal": 1},
    "epic": {"cinematic": 3, "rock": 1},
    "romantic": {"classical": 2, "jazz": 1, "bossa nova": 1},
    "mysterious": {"cinematic": 2, "ambient": 2, "jazz": 1},
    "playful": {"pop": 2, "folk": 1, "funk": 1},
    "tense": {"cinematic": 3, "techno": 1},
    "dreamy": {"ambient": 3, "lo-fi": 1},
    "neutral": {"pop": 3, "rock": 1, "jazz": 1, "folk": 1, "lo-fi": 1},
}
