"""What the composer understands, as data: every genre, mood, ensemble, instrument, groove,
place/era/use word and mix preset with the words that select it (``musicgen styles``,
``GET /api/v1/styles``)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from music_gen.engines.composer.descriptors import (
    ERA_WORDS,
    OCCASION_WORDS,
    REGION_WORDS,
    USE_WORDS,
    Descriptor,
)
from music_gen.engines.composer.ensembles import ENSEMBLES
from music_gen.engines.composer.genre_words import GENRE_WORDS
from music_gen.engines.composer.grooves import GROOVES
from music_gen.engines.composer.instruments import (
    GENERIC_INSTRUMENTS,
    INSTRUMENT_WORDS,
    INSTRUMENTS,
    NEAREST_NOTES,
    natural_role,
)
from music_gen.engines.composer.moods import MOOD_WORDS, MOODS, TEMPO_WORDS
from music_gen.engines.composer.styles import GENRES
from music_gen.mixing.presets import list_presets

#: The sections of the catalog, in the order they are shown.
SECTIONS = (
    "genres",
    "moods",
    "ensembles",
    "instruments",
    "grooves",
    "descriptors",
    "tempo_words",
    "mix_presets",
)


def _words_by_value(table: dict[str, str]) -> dict[str, list[str]]:
    words: dict[str, list[str]] = defaultdict(list)
    for word, value in table.items():
        if word != value:
            words[value].append(word)
    return words


def _descriptors(kind: str, table: dict[str, Descriptor]) -> list[dict[str, Any]]:
    """One entry per distinct descriptor, with every word that asks for it."""
    words: dict[Descriptor, list[str]] = defaultdict(list)
    for word, descriptor in table.items():
        words[descriptor].append(word)
    return [
        {
            "name": names[0],
            "words": names,
            "kind": kind,
            "genre": d.genre,
            "mode": d.mode,
            "meter": d.meter,
            "mood": d.mood,
            "instruments": list(d.instruments) + [word for word, _ in d.band],
        }
        for d, names in words.items()
    ]


def catalog() -> dict[str, list[dict[str, Any]]]:
    """Every style the composer knows, by section, each entry with the words that select it.

    Example:
        >>> entries = catalog()["genres"]
        >>> any(e["name"] == "punk" and e["family"] == "rock" for e in entries)
        True
    """
    genre_words = _words_by_value(GENRE_WORDS)
    genres = [
        {
            "name": g.name,
            "words": [g.name, *genre_words[g.name]],
            "family": g.base,
            "tempo_bpm": list(g.tempo_bpm),
            "meter": g.meter,
            "band": [f"{inst} ({role})" for inst, role in g.band],
            "drums": bool(g.has_drums),
            "description": g.note,
        }
        for g in GENRES.values()
    ]
    mood_words = _words_by_value(MOOD_WORDS)
    moods = [
        {"name": m.name, "words": [m.name, *mood_words[m.name]]}
        for m in MOODS.values()
        if m.name != "neutral"
    ]
    ensembles = [
        {
            "name": e.name,
            "words": list(e.words),
            "genre": e.genre or None,
            "parts": [f"{name}: {inst} ({role})" for name, inst, role in e.parts],
            "closed": e.closed,
            "description": e.description,
        }
        for e in ENSEMBLES.values()
    ]
    instrument_words = _words_by_value(INSTRUMENT_WORDS)
    instruments = [
        {
            "name": i.name,
            "words": [i.name, *instrument_words[i.name]],
            "program": i.program,
            "role": natural_role(i.name),
            "note": NEAREST_NOTES.get(i.name, ""),
        }
        for i in INSTRUMENTS.values()
        if not i.is_drum
    ]
    instruments.append(
        {
            "name": "drums",
            "words": ["drums", *instrument_words["drums"]],
            "program": None,
            "role": "drums",
            "note": "GM channel 10; the kit (bank 128 preset) follows the genre",
        }
    )
    for word, table in GENERIC_INSTRUMENTS.items():
        by_genre = ", ".join(f"{g or 'otherwise'}: {name}" for g, name in table.items())
        instruments.append(
            {"name": word, "words": [word], "program": None, "role": "", "note": by_genre}
        )
    grooves = [
        {"name": g.name, "words": list(g.words), "description": g.description}
        for g in GROOVES.values()
    ]
    descriptors = [
        *_descriptors("place", REGION_WORDS),
        *_descriptors("era", ERA_WORDS),
        *_descriptors("use", USE_WORDS),
        *_descriptors("occasion", OCCASION_WORDS),
    ]
    tempo_words = [{"name": w, "words": [w], "tempo_bpm": bpm} for w, bpm in TEMPO_WORDS.items()]
    presets = [{"name": n, "words": [n], "description": d} for n, d in list_presets().items()]
    return {
        "genres": genres,
        "moods": moods,
        "ensembles": ensembles,
        "instruments": instruments,
        "grooves": grooves,
        "descriptors": descriptors,
        "tempo_words": tempo_words,
        "mix_presets": presets,
    }
