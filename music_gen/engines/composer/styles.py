"""Genres as data: tempo, progressions, default band and playing styles.

Everything the composer knows about a genre lives here as a row, so a genre is added by adding
a row, not code. Progressions are Roman numerals (see :mod:`theory`), one bar per ``|``. The
words a prompt may use for each genre are in :mod:`genre_words`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from music_gen.engines.composer.scene_styles import SCENE_GENRES
from music_gen.engines.composer.substyles import SUB_GENRES
from music_gen.engines.composer.world_styles import WORLD_GENRES


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
    # The broad genre a sub-genre belongs to ("" for the broad genres themselves): its key,
    # voicing and solo-player habits apply.
    family: str = ""
    # How the style is played, in words (sub-genres that borrow a broad genre's harmony).
    note: str = ""
    # Whether the tune is played in thirds and sixths (an accordion's right hand).
    melody_in_thirds: bool = False

    @property
    def base(self) -> str:
        """The broad genre: ``family`` for a sub-genre, else the genre's own name."""
        return self.family or self.name


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
            0.25,
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
            0.5,
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
            "riff8",
            "power",
            "busy",
            0.95,
            kit=0,
        ),
        Genre(
            "jazz",
            (110, 170),
            ("Imaj7 | vi7 | ii7 | V7", "Imaj7 | VI7 | ii7 | V7", "Imaj7 | vi7 | ii7 V7 | Imaj7"),
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
            kit=24,
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
            kit=24,
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
            ("Imaj7 | vi7 | ii7 | V7", "Imaj7 | IVmaj7 | ii7 | V7"),
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
            kit=0,
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
            kit=0,
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
            0.85,
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
            0.2,
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
            0.25,
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
            0.2,
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
            "boomchick",
            "medium",
            0.12,
        ),
    )
}

GENRES.update(
    {
        name: replace(GENRES[family], name=name, family=family, **changes)
        for name, family, changes in (*SUB_GENRES, *WORLD_GENRES, *SCENE_GENRES)
    }
)
