"""Keys: the tonic and mode a genre is usually played in, when the prompt does not say.

Guitar music sits in the keys of the open strings (E, A, D, G, C), metal in E, D and drop
tunings, jazz and bossa in the horn keys (F, Bb, Eb), classical and piano music in the keys with
few accidentals, dance music in A minor, F, G, C and D. The tonic and mode are drawn through the
:class:`Chooser` (so temperature, top-k, top-p and the seed still act) from a sub-stream named
after the genre, so different styles at the same seed do not tend to share a key. A key, mode or
mood in the prompt always wins.
"""

from __future__ import annotations

from music_gen.engines.composer.moods import MOODS
from music_gen.engines.composer.prompt import PromptReading
from music_gen.engines.composer.sampling import Chooser
from music_gen.engines.composer.styles import Genre
from music_gen.engines.composer.theory import uses_flats

# Pitch classes.
C, DB, D, EB, E, F, GB, G, AB, A, BB, B = range(12)

#: Weight of a tonic outside a genre's favoured keys (favoured keys weigh 1 to 5).
_OTHER = 0.2

_GUITAR = {E: 5, A: 5, D: 4.5, G: 4.5, C: 3.5}
_METAL = {E: 5, D: 4, B: 2.5, A: 2, C: 2, DB: 1.5, GB: 1}
_HORNS = {F: 5, BB: 5, EB: 4, C: 4, G: 3, D: 2.5, AB: 1.5}
_CLASSICAL = {C: 4, G: 4, D: 4, F: 3.5, BB: 3, EB: 3, A: 3, E: 1.5}
_DANCE = {A: 5, F: 4, G: 4, C: 4, D: 3.5, E: 1.5}
_POP = {C: 4, G: 4, D: 3.5, A: 3, E: 2.5, F: 3, BB: 1.5}
_SOUL = {C: 3, F: 3.5, EB: 3, AB: 2.5, BB: 3, D: 2.5, A: 2, E: 2}
_SCREEN = {D: 4.5, C: 4, A: 3.5, E: 3, F: 3, G: 3, BB: 2}

#: Favoured tonics per genre (pitch class -> weight).
GENRE_TONICS: dict[str, dict[int, float]] = {
    "pop": _POP,
    "rock": _GUITAR,
    "metal": _METAL,
    "blues": {E: 5, A: 5, G: 4, C: 3, D: 3, BB: 1.5, F: 1.5},
    "folk": _GUITAR,
    "country": _GUITAR,
    "reggae": _GUITAR,
    "funk": {E: 5, A: 4, D: 3.5, G: 3, C: 3, F: 1.5, BB: 1.5},
    "jazz": _HORNS,
    "bossa nova": _HORNS,
    "classical": _CLASSICAL,
    "cinematic": _SCREEN,
    "ambient": {C: 4, D: 4, E: 3, F: 3, G: 3.5, A: 3.5},
    "house": _DANCE,
    "techno": _DANCE,
    "lo-fi": _SOUL,
    "hip-hop": _SOUL,
}
#: Modes a genre draws besides major and minor (weights beside theirs, which sum to 1): the
#: Arabic ensemble mostly plays hijaz, klezmer often freygish (both phrygian dominant).
GENRE_MODES: dict[str, dict[str, float]] = {
    "takht": {"phrygian dominant": 1.5},
    "klezmer": {"phrygian dominant": 0.5},
}
#: Minor tonics that dance music favours above the rest ("A minor").
_MINOR_BOOST: dict[str, dict[int, float]] = {
    "house": {A: 2.0},
    "techno": {A: 2.0},
    "metal": {E: 1.5},
}


def tonic_weights(genre: str, mode: str) -> list[float]:
    """Weights of the twelve tonics (C .. B) for a genre in a mode."""
    favoured = GENRE_TONICS.get(genre, _POP)
    weights = [favoured.get(pc, _OTHER) for pc in range(12)]
    if mode == "minor":
        for pc, factor in _MINOR_BOOST.get(genre, {}).items():
            weights[pc] *= factor
    return weights


def choose_key(
    reading: PromptReading, genre: Genre, mood: str, chooser: Chooser, *, anthem: bool = False
) -> tuple[str, int, bool]:
    """The mode, tonic pitch class and spelling (flats or not) of the piece.

    Args:
        reading: The prompt's reading; its key, mode and mood win over the genre's habits.
        genre: The genre whose key habits apply.
        mood: The mood name ("neutral" when the prompt gives none).
        chooser: The piece's chooser; the draw uses a sub-stream named after the genre.
        anthem: The prompt asks for an anthem: with no mood given, mostly major.
    """
    draw = chooser.spawn(f"key:{genre.name}")
    mood_info = MOODS[mood]
    minor_weight = (
        mood_info.minor_weight if mood_info.minor_weight is not None else genre.minor_weight
    )
    if anthem and mood_info.minor_weight is None:
        minor_weight = min(minor_weight, 0.15)
    if reading.mode is not None:
        mode = reading.mode
    elif reading.tonic_pc is not None and not mood_info.modes:
        # "in C" conventionally means C major unless the mood clearly asks for minor.
        mode = "minor" if minor_weight >= 0.75 else "major"
    else:
        options = {"major": 1.0 - minor_weight, "minor": minor_weight}
        if genre.name not in ("blues",):
            options.update(mood_info.modes)
        options.update(GENRE_MODES.get(genre.name, {}))
        names = list(options)
        mode = draw.choose(names, [options[n] for n in names])
    if reading.tonic_pc is not None:
        tonic_pc = reading.tonic_pc
    else:
        tonic_pc = draw.index(tonic_weights(genre.name, mode))
    if reading.tonic_name and len(reading.tonic_name) > 1:
        flats = reading.tonic_name.endswith("b")
    else:
        flats = uses_flats(tonic_pc, mode)
    return mode, tonic_pc, flats


#: Semitones from a mode's tonic down to the major key that shares its signature.
_MODE_TO_MAJOR = {
    "major": 0,
    "minor": 9,
    "harmonic minor": 9,
    "dorian": 2,
    "phrygian": 4,
    "lydian": 5,
    "mixolydian": 7,
    "phrygian dominant": 4,
}


def midi_key_number(tonic_pc: int, mode: str) -> int:
    """The MIDI key-signature number (0-11 major, 12-23 minor, as pretty_midi counts) whose
    sharps or flats a piece in ``tonic_pc`` ``mode`` is written with: D dorian is written
    with C major's signature (as A minor, since its tonic chord is minor), G mixolydian with
    C major's."""
    major = (tonic_pc - _MODE_TO_MAJOR.get(mode, 0)) % 12
    if mode in ("major", "lydian", "mixolydian"):
        return major
    return 12 + (major + 9) % 12
