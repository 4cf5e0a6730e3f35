"""The words (and phrases) a prompt may use for a genre, each read as a canonical genre.

Every genre answers to its own name; sub-genre, world and scene words come with their tables;
the rest are everyday names for the broad genres ("edm", "heavy metal", "chillhop", "hymn").

A few words only say what the music is for or made with ("dance", "acoustic", "latin"): a
musician reads them as house, folk or bossa nova only when nothing more specific is said, so
"acoustic rock" is rock and "bulgarian dance" a Bulgarian folk dance.
"""

from __future__ import annotations

from music_gen.engines.composer.scene_styles import SCENE_GENRE_WORDS
from music_gen.engines.composer.styles import GENRES
from music_gen.engines.composer.substyles import SUB_GENRE_WORDS
from music_gen.engines.composer.world_styles import WORLD_GENRE_WORDS

#: Words (and phrases) a prompt may use for a genre -> canonical name.
GENRE_WORDS: dict[str, str] = {
    **{name: name for name in GENRES},
    **SUB_GENRE_WORDS,
    **WORLD_GENRE_WORDS,
    **SCENE_GENRE_WORDS,
    "edm": "house",
    "dance": "house",
    "electronic": "house",
    "electro": "house",
    "club": "house",
    "lofi": "lo-fi",
    "lo fi": "lo-fi",
    "chillhop": "lo-fi",
    "hiphop": "hip-hop",
    "hip hop": "hip-hop",
    "rap": "hip-hop",
    "film": "cinematic",
    "soundtrack": "cinematic",
    "ost": "cinematic",
    "acoustic": "folk",
    "bossa": "bossa nova",
    "bossanova": "bossa nova",
    "latin": "bossa nova",
    "romantic era": "classical",
    "heavy metal": "metal",
    "indie": "rock",
    "bebop": "jazz",
    "jazzy": "jazz",
    "bluesy": "blues",
    "funky": "funk",
    "groovy": "funk",
    "chillout": "ambient",
    "drone": "ambient",
    "new age": "ambient",
    "meditation": "ambient",
    "meditative": "ambient",
    "healing": "ambient",
    "k pop": "pop",
    "j pop": "pop",
    "c pop": "pop",
    "europop": "pop",
    "power ballad": "rock",
    "hard rock": "rock",
    "classic rock": "rock",
    "progressive rock": "rock",
    "prog rock": "rock",
    "math rock": "rock",
    "alternative": "rock",
    "thrash": "metal",
    "thrash metal": "metal",
    "death metal": "metal",
    "black metal": "metal",
    "doom metal": "metal",
    "nu metal": "metal",
    "metalcore": "metal",
    "djent": "metal",
    "cool jazz": "jazz",
    "smooth jazz": "jazz",
    "modal jazz": "jazz",
    "gypsy jazz": "swing",
    "jazz manouche": "swing",
    "chicago blues": "blues",
    "blues rock": "blues",
    "slow jam": "r&b",
    "quiet storm": "r&b",
    "deep house": "house",
    "tropical house": "house",
    "afro house": "house",
    "tech house": "house",
    "progressive house": "house",
    "future bass": "house",
    "acid techno": "techno",
    "minimal techno": "techno",
    "chillwave": "synthwave",
    "singer songwriter": "folk",
    "elevator music": "lounge",
    "hymn": "classical",
    "sonata": "classical",
    "concerto": "classical",
    "nocturne": "classical",
    "etude": "classical",
    "fugue": "baroque",
    "dancehall": "reggae",
    "riddim": "reggae",
    "roots reggae": "reggae",
    "medieval": "baroque",
    "renaissance": "baroque",
}

#: Genre words that yield to any more specific genre or place word in the same prompt.
WEAK_GENRE_WORDS = frozenset({"dance", "acoustic", "latin"})
