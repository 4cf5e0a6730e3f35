"""Sub-genres as data: each is a broad genre (its family) with its own tempo, band and grooves.

A row is ``(name, family, changes)``: :mod:`styles` builds the sub-genre by replacing those
fields of the family's :class:`~music_gen.engines.composer.styles.Genre`, so a sub-genre keeps
its family's key habits and harmony unless it names its own. ``note`` says in words what it
borrows; it is shown by ``musicgen styles``.
"""

from __future__ import annotations

from typing import Any

#: Bands and progressions several sub-genres (here and in scene_styles) share.
ROCK_BAND = (
    ("distorted guitar", "chords"),
    ("distorted guitar", "melody"),
    ("bass", "bass"),
    ("drums", "drums"),
)
EDM_BAND = (
    ("synth pad", "pad"),
    ("synth lead", "melody"),
    ("synth bass", "bass"),
    ("drums", "drums"),
)
MINOR_EDM = ("i | bVI | bIII | bVII", "i | bVII | bVI | bVII", "i | i | bVI | bVII")
#: The drop of bass music: the riff on the tonic, turning away from it only to come back
#: (techno's B, three bars of iv, sounds a fifth below the key in a short piece).
MINOR_DROP = ("i | i | bVI | bVII", "i | bVI | i | bVII")

#: (name, family, field changes) of every sub-genre.
SUB_GENRES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "punk",
        "rock",
        {
            "tempo_bpm": (168, 196),
            "major_a": ("I5 | IV5 | V5 | IV5", "I5 | I5 | IV5 | V5"),
            "band": ROCK_BAND,
            "drums": "punk",
            "note": "fast power chords on distorted guitars, driving eighth bass, punk beat",
        },
    ),
    (
        "grunge",
        "rock",
        {
            "tempo_bpm": (92, 124),
            "band": ROCK_BAND,
            "minor_weight": 0.75,
            "note": "rock at a heavier, slower pace on distorted guitars",
        },
    ),
    (
        "surf",
        "rock",
        {
            "tempo_bpm": (150, 176),
            "band": (
                ("electric guitar", "melody"),
                ("electric guitar", "chords"),
                ("bass", "bass"),
                ("drums", "drums"),
            ),
            "drums": "surf",
            "comp": "pulse8",
            "note": "twangy clean electric guitar lead over a tom-heavy surf beat",
        },
    ),
    (
        "disco",
        "house",
        {
            "tempo_bpm": (112, 126),
            "band": (
                ("strings", "pad"),
                ("electric guitar", "chords"),
                ("brass", "melody"),
                ("bass", "bass"),
                ("drums", "drums"),
            ),
            "drums": "disco",
            "comp": "funk",
            "kit": 0,
            "minor_weight": 0.35,
            "note": "four on the floor with open hats, octave bass, strings and guitar scratches",
        },
    ),
    (
        "drum and bass",
        "techno",
        {
            "tempo_bpm": (168, 176),
            "minor_a": MINOR_EDM,
            "band": EDM_BAND,
            "drums": "dnb",
            "bass": "root",
            "note": "breakbeat drums at 170, held sub bass, pads",
        },
    ),
    (
        "dubstep",
        "techno",
        {
            "tempo_bpm": (138, 142),
            "minor_a": MINOR_EDM,
            "minor_b": MINOR_DROP,
            "band": (*EDM_BAND[:2], ("synth bass 2", "bass"), ("drums", "drums")),
            "drums": "halftime",
            "bass": "wobble",
            "note": "half-time drums (snare on 3), wobble bass riff falling to the third",
        },
    ),
    (
        "trap",
        "hip-hop",
        {
            "tempo_bpm": (132, 148),
            "band": (
                ("bells", "chords"),
                ("synth lead", "melody"),
                ("synth bass", "bass"),
                ("drums", "drums"),
            ),
            "drums": "trap",
            "bass": "root",
            "comp": "pad",
            "kit": 25,
            "swing": 0.0,
            "minor_weight": 0.9,
            "note": "half-time trap beat (clap on 3, hi-hats on the beat), 808 tuned to the key",
        },
    ),
    (
        "synthwave",
        "pop",
        {
            "tempo_bpm": (84, 118),
            "band": (
                ("synth pad", "pad"),
                ("synth lead", "melody"),
                ("synth bass", "bass"),
                ("drums", "drums"),
            ),
            "drums": "rock",
            "bass": "rock8",
            "kit": 24,
            "minor_weight": 0.7,
            "note": "eighties synth pads, driving eighth synth bass, electronic kit",
        },
    ),
    (
        "chiptune",
        "pop",
        {
            "tempo_bpm": (132, 160),
            "band": (
                ("square lead", "chords"),
                ("square lead", "melody"),
                ("synth bass", "bass"),
                ("drums", "drums"),
            ),
            "drums": "pop",
            "bass": "octave",
            "comp": "stabs",
            "melody": "busy",
            "kit": 24,
            "note": "square-wave lead and chords, octave bass, electronic kit",
        },
    ),
    (
        "gospel",
        "blues",
        {
            "tempo_bpm": (68, 100),
            "major_a": ("I | IV | I | V7", "I | I7 | IV | iv"),
            "major_b": ("IV | I | ii7 | V7",),
            "band": (
                ("piano", "chords"),
                ("organ", "pad"),
                ("choir", "melody"),
                ("bass", "bass"),
                ("drums", "drums"),
            ),
            "drums": "shuffle",
            "bass": "pop",
            "comp": "pulse8",
            "phrase_bars": 8,
            "minor_weight": 0.1,
            "note": "piano and organ under a choir, shuffled backbeat",
        },
    ),
    (
        "soul",
        "funk",
        {
            "tempo_bpm": (76, 104),
            "band": (
                ("organ", "chords"),
                ("electric guitar", "counter"),
                ("brass", "melody"),
                ("bass", "bass"),
                ("drums", "drums"),
            ),
            "drums": "soul",
            "bass": "pop",
            "comp": "pulse8",
            "melody": "medium",
            "note": "organ chords, horn lines, a backbeat with tambourine on every beat",
        },
    ),
    (
        "r&b",
        "hip-hop",
        {
            "tempo_bpm": (66, 96),
            "band": (
                ("electric piano", "chords"),
                ("voice", "melody"),
                ("synth bass", "bass"),
                ("drums", "drums"),
            ),
            "minor_weight": 0.5,
            "note": "electric piano chords over a slow hip-hop groove",
        },
    ),
    (
        "afrobeat",
        "funk",
        {
            "tempo_bpm": (104, 124),
            "band": (
                ("electric guitar", "chords"),
                ("organ", "counter"),
                ("brass", "melody"),
                ("bass", "bass"),
                ("drums", "drums"),
            ),
            "drums": "afrobeat",
            "swing": 0.0,
            "note": "interlocking guitar, horn riffs, open-hat afrobeat groove",
        },
    ),
    (
        "tango",
        "classical",
        {
            "tempo_bpm": (112, 128),
            "minor_a": ("i | iv | V7 | i", "i | bVI | V7 | i"),
            "band": (
                ("tango accordion", "chords"),
                ("violin", "melody"),
                ("piano", "counter"),
                ("upright bass", "bass"),
            ),
            "bass": "root_fifth",
            "comp": "pulse8",
            "minor_weight": 0.85,
            "note": "bandoneon (GM tango accordion) marcato, violin melody, no drums",
        },
    ),
    (
        "flamenco",
        "folk",
        {
            "tempo_bpm": (100, 132),
            "minor_a": ("i | bVII | bVI | V", "i | bVII | bVI | V7"),
            "minor_b": ("bVI | bVII | bVI | V",),
            "band": (
                ("nylon guitar", "chords"),
                ("nylon guitar", "melody"),
                ("drums", "drums"),
            ),
            "drums": "flamenco",
            "minor_weight": 0.9,
            "has_drums": True,
            "drums_always": True,
            "note": "nylon guitar rasgueado over the Andalusian cadence, handclaps",
        },
    ),
    (
        "march",
        "classical",
        {
            "tempo_bpm": (108, 124),
            "band": (
                ("trumpet", "melody"),
                ("clarinet", "counter"),
                ("trombone", "chords"),
                ("tuba", "bass"),
                ("drums", "drums"),
            ),
            "drums": "march",
            "bass": "root_fifth",
            "comp": "pulse8",
            "minor_weight": 0.15,
            "has_drums": True,
            "drums_always": True,
            "kit": 48,
            "note": "brass band: trumpet tune, tuba oom-pah, snare-drum march",
        },
    ),
    (
        "lullaby",
        "classical",
        {
            "tempo_bpm": (60, 76),
            "band": (("music box", "melody"), ("harp", "chords")),
            "meter": "3/4",
            "minor_weight": 0.1,
            "note": "music box over a harp, in three, soft and slow",
        },
    ),
    (
        "baroque",
        "classical",
        {
            "tempo_bpm": (88, 120),
            "major_a": ("I | IV | viidim | iii", "I | V | vi | iii"),
            "major_b": ("vi | ii | V | I", "IV | ii | V | I"),
            "band": (("harpsichord", "chords"), ("violin", "melody"), ("cello", "bass")),
            "bass": "walking",
            "melody": "busy",
            "note": "harpsichord continuo with a walking cello, busy violin line",
        },
    ),
    (
        "bluegrass",
        "country",
        {
            "tempo_bpm": (116, 152),
            "band": (
                ("fiddle", "melody"),
                ("mandolin", "chords"),
                ("banjo", "counter"),
                ("upright bass", "bass"),
            ),
            "comp": "skank",
            "has_drums": False,
            "note": "fiddle tune, mandolin chop on 2 and 4, banjo, upright bass; no drums",
        },
    ),
    (
        "delta blues",
        "blues",
        {
            "tempo_bpm": (70, 96),
            "band": (
                ("acoustic guitar", "chords"),
                ("slide guitar", "melody"),
                ("harmonica", "counter"),
                ("upright bass", "bass"),
                ("drums", "drums"),
            ),
            "kit": 40,
            "note": "acoustic guitar and slide in a shuffle, harmonica answers, brushes",
        },
    ),
    (
        "swing",
        "jazz",
        {
            "tempo_bpm": (136, 184),
            "band": (
                ("piano", "chords"),
                ("clarinet", "melody"),
                ("upright bass", "bass"),
                ("drums", "drums"),
            ),
            "minor_weight": 0.2,
            "note": "jazz swung hard: walking bass, ride cymbal, clarinet lead",
        },
    ),
    (
        "lounge",
        "jazz",
        {
            "tempo_bpm": (92, 120),
            "band": (
                ("piano", "chords"),
                ("vibraphone", "melody"),
                ("upright bass", "bass"),
                ("drums", "drums"),
            ),
            "kit": 40,
            "melody": "sparse",
            "drums_always": True,
            "note": "soft jazz: vibraphone over piano, brushes",
        },
    ),
    (
        "ska",
        "reggae",
        {
            "tempo_bpm": (132, 168),
            "band": (
                ("electric guitar", "chords"),
                ("brass", "melody"),
                ("bass", "bass"),
                ("drums", "drums"),
            ),
            "drums": "ska",
            "bass": "walking",
            "comp": "stabs",
            "note": "upstrokes on every offbeat, walking bass, horn melody",
        },
    ),
    (
        "dub",
        "reggae",
        {
            "tempo_bpm": (66, 80),
            "band": (
                ("electric guitar", "chords"),
                ("organ", "counter"),
                ("bass", "bass"),
                ("melodica", "melody"),
                ("drums", "drums"),
            ),
            "minor_weight": 0.6,
            "note": "reggae stripped to bass and one-drop drums, melodica lead",
        },
    ),
)

#: Words for sub-genres besides their names.
SUB_GENRE_WORDS: dict[str, str] = {
    "garage punk": "punk",
    "punk rock": "punk",
    "pop punk": "punk",
    "hardcore": "punk",
    "surf rock": "surf",
    "disco funk": "disco",
    "drum n bass": "drum and bass",
    "drum & bass": "drum and bass",
    "drum and base": "drum and bass",
    "dnb": "drum and bass",
    "jungle": "drum and bass",
    "brostep": "dubstep",
    "trap beat": "trap",
    "retrowave": "synthwave",
    "outrun": "synthwave",
    "synthpop": "synthwave",
    "synth pop": "synthwave",
    "8 bit": "chiptune",
    "8bit": "chiptune",
    "chip tune": "chiptune",
    "video game": "chiptune",
    "rnb": "r&b",
    "r and b": "r&b",
    "r n b": "r&b",
    "rhythm and blues": "r&b",
    "neo soul": "soul",
    "motown": "soul",
    "afro beat": "afrobeat",
    "afrobeats": "afrobeat",
    "argentine tango": "tango",
    "military march": "march",
    "marching band": "march",
    "cradle song": "lullaby",
    "nursery": "lullaby",
    "mississippi blues": "delta blues",
    "country blues": "delta blues",
    "swing jazz": "swing",
    "lounge jazz": "lounge",
    "cocktail jazz": "lounge",
    "easy listening": "lounge",
    "dub reggae": "dub",
}
