"""Scene and media sub-genres as data (rock and electronic scenes, soul, screen and season
styles), declared as :mod:`substyles` declares its own: ``(name, family, changes)``."""

from __future__ import annotations

from typing import Any

from music_gen.engines.composer.substyles import EDM_BAND, MINOR_EDM

_GUITAR_BAND = (
    ("electric guitar", "chords"),
    ("electric guitar", "melody"),
    ("bass", "bass"),
    ("drums", "drums"),
)

#: (name, family, field changes) of every scene and media sub-genre.
SCENE_GENRES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "shoegaze",
        "rock",
        {
            "tempo_bpm": (96, 126),
            "band": (
                ("distorted guitar", "chords"),
                ("synth pad", "pad"),
                ("electric guitar", "melody"),
                ("bass", "bass"),
                ("drums", "drums"),
            ),
            "comp": "pulse8",
            "melody": "sparse",
            "note": "a wall of distorted guitars and pads, a soft tune on top",
        },
    ),
    (
        "emo",
        "rock",
        {
            "tempo_bpm": (136, 168),
            "band": _GUITAR_BAND,
            "comp": "arpeggio",
            "minor_weight": 0.6,
            "note": "clean twinkling guitar arpeggios and lead, driving drums",
        },
    ),
    (
        "post-rock",
        "rock",
        {
            "tempo_bpm": (88, 120),
            "band": _GUITAR_BAND,
            "comp": "arpeggio",
            "melody": "long",
            "note": "clean guitar arpeggios and long lead lines building in waves",
        },
    ),
    (
        "doo-wop",
        "funk",
        {
            "tempo_bpm": (56, 72),
            "meter": "12/8",
            "major_a": ("I | vi | IV | V", "I | vi | ii | V"),
            "band": (
                ("piano", "chords"),
                ("voice", "melody"),
                ("choir", "pad"),
                ("bass", "bass"),
                ("drums", "drums"),
            ),
            "minor_weight": 0.05,
            "note": "12/8 ballad: piano triplets over I-vi-IV-V, a singer and backing voices",
        },
    ),
    (
        "city pop",
        "pop",
        {
            "tempo_bpm": (100, 120),
            "major_a": ("IVmaj7 | iii7 | vi7 | V7", "Imaj7 | vi7 | ii7 | V7"),
            "band": (
                ("electric piano", "chords"),
                ("synth lead", "melody"),
                ("electric guitar", "counter"),
                ("slap bass", "bass"),
                ("drums", "drums"),
            ),
            "drums": "disco",
            "comp": "funk",
            "minor_weight": 0.3,
            "note": "eighties Japanese pop: electric piano sevenths, slap bass, disco hats",
        },
    ),
    (
        "vaporwave",
        "lo-fi",
        {
            "tempo_bpm": (66, 84),
            "band": (
                ("electric piano", "chords"),
                ("alto sax", "melody"),
                ("synth pad", "pad"),
                ("synth bass", "bass"),
                ("drums", "drums"),
            ),
            "note": "slowed smooth-jazz sevenths, saxophone, pads",
        },
    ),
    (
        "hyperpop",
        "pop",
        {
            "tempo_bpm": (150, 170),
            "band": (("square lead", "chords"), *EDM_BAND[1:]),
            "drums": "trap",
            "bass": "root",
            "kit": 25,
            "melody": "busy",
            "note": "bright square-wave chords, busy synth lead, trap drums, 808",
        },
    ),
    (
        "phonk",
        "hip-hop",
        {
            "tempo_bpm": (130, 150),
            "minor_a": MINOR_EDM,
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
            "minor_weight": 0.95,
            "note": "dark trap tempo, cowbell-like bell chords, distorted 808",
        },
    ),
    (
        "drill",
        "hip-hop",
        {
            "tempo_bpm": (138, 146),
            "minor_a": MINOR_EDM,
            "band": (
                ("piano", "chords"),
                ("synth lead", "melody"),
                ("synth bass", "bass"),
                ("drums", "drums"),
            ),
            "drums": "drill",
            "bass": "root",
            "comp": "pad",
            "kit": 25,
            "swing": 0.0,
            "minor_weight": 0.95,
            "note": "half-time drill beat with a late snare, sliding 808, dark piano",
        },
    ),
    (
        "uk garage",
        "house",
        {
            "tempo_bpm": (128, 136),
            "band": (("organ", "chords"), *EDM_BAND[1:]),
            "drums": "garage",
            "swing": 0.08,
            "swing_unit": "16",
            "note": "two-step garage: skipping kicks, shuffled hats, organ stabs",
        },
    ),
    (
        "breakbeat",
        "house",
        {
            "tempo_bpm": (126, 140),
            "band": EDM_BAND,
            "drums": "dnb",
            "note": "syncopated breakbeat drums under synths",
        },
    ),
    (
        "trance",
        "house",
        {
            "tempo_bpm": (134, 140),
            "minor_a": MINOR_EDM,
            "band": EDM_BAND,
            "minor_weight": 0.8,
            "melody": "busy",
            "note": "four on the floor at 138, saw-lead arpeggios over long pads",
        },
    ),
    (
        "hardstyle",
        "techno",
        {
            "tempo_bpm": (148, 156),
            "minor_a": MINOR_EDM,
            "band": EDM_BAND,
            "minor_weight": 0.9,
            "note": "hard four-on-the-floor kick at 150, synth lead",
        },
    ),
    (
        "western",
        "cinematic",
        {
            "tempo_bpm": (84, 112),
            "minor_a": ("i | bVII | bVI | V", "i | iv | V | i"),
            "band": (
                ("electric guitar", "melody"),
                ("acoustic guitar", "chords"),
                ("trumpet", "counter"),
                ("contrabass", "bass"),
                ("drums", "drums"),
            ),
            "comp": "strum",
            "minor_weight": 0.85,
            "note": "twangy guitar tune, strummed acoustic guitar, a trumpet answer",
        },
    ),
    (
        "film noir",
        "jazz",
        {
            "tempo_bpm": (60, 84),
            "band": (
                ("piano", "chords"),
                ("muted trumpet", "melody"),
                ("upright bass", "bass"),
                ("drums", "drums"),
            ),
            "kit": 40,
            "melody": "sparse",
            "minor_weight": 0.9,
            "note": "slow minor jazz: muted trumpet over piano, brushes",
        },
    ),
    (
        "horror",
        "cinematic",
        {
            "tempo_bpm": (56, 80),
            "band": (
                ("tremolo strings", "pad"),
                ("celesta", "melody"),
                ("contrabass", "bass"),
            ),
            "has_drums": False,
            "minor_weight": 0.98,
            "note": "tremolo strings, a music-box celesta tune, low basses; no drums",
        },
    ),
    (
        "christmas",
        "pop",
        {
            "tempo_bpm": (96, 120),
            "band": (
                ("piano", "chords"),
                ("glockenspiel", "melody"),
                ("strings", "pad"),
                ("bass", "bass"),
                ("drums", "drums"),
            ),
            "minor_weight": 0.05,
            "note": "glockenspiel tune over piano and strings, bright and major",
        },
    ),
    (
        "children's",
        "pop",
        {
            "tempo_bpm": (104, 126),
            "band": (
                ("ukulele", "chords"),
                ("xylophone", "melody"),
                ("bass", "bass"),
                ("drums", "drums"),
            ),
            "major_a": ("I | IV | V | I", "I | I | IV | V"),
            "minor_weight": 0.05,
            "note": "xylophone tune over ukulele, simple major chords",
        },
    ),
)

#: Words for these sub-genres besides their names.
SCENE_GENRE_WORDS: dict[str, str] = {
    "dream pop": "shoegaze",
    "midwest emo": "emo",
    "post rock": "post-rock",
    "postrock": "post-rock",
    "doo wop": "doo-wop",
    "doowop": "doo-wop",
    "citypop": "city pop",
    "vapor wave": "vaporwave",
    "hyper pop": "hyperpop",
    "drift phonk": "phonk",
    "uk drill": "drill",
    "garage": "uk garage",
    "2 step garage": "uk garage",
    "uk garage": "uk garage",
    "big beat": "breakbeat",
    "psytrance": "trance",
    "uplifting trance": "trance",
    "hardstyle": "hardstyle",
    "hard dance": "hardstyle",
    "spaghetti western": "western",
    "wild west": "western",
    "cowboy": "western",
    "noir": "film noir",
    "horror": "horror",
    "scary": "horror",
    "halloween": "horror",
    "christmas": "christmas",
    "xmas": "christmas",
    "holiday": "christmas",
    "children": "children's",
    "childrens": "children's",
    "children s": "children's",
    "kids": "children's",
    "nursery rhyme": "children's",
}
