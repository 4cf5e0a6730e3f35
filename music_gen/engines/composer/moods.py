"""Moods and tempo words: how a mood bends tempo, mode, loudness and density."""

from __future__ import annotations

from dataclasses import dataclass, field


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
        Mood("calm", 0.8, 0.12, 0.72, -1, True, {"lydian": 0.04, "mixolydian": 0.04}),
        Mood("happy", 1.08, 0.06, 0.95, 1, False, {"mixolydian": 0.04}),
        Mood("sad", 0.8, 0.92, 0.75, -1, True),
        Mood("melancholic", 0.85, 0.85, 0.78, -1, True, {"dorian": 0.15}),
        Mood("energetic", 1.18, None, 1.12, 1),
        Mood("dark", 0.95, 0.95, 0.95, 0, False, {"phrygian": 0.15}),
        Mood("epic", 1.0, 0.75, 1.12, 0),
        Mood("romantic", 0.88, 0.2, 0.8, -1, True),
        Mood("mysterious", 0.9, 0.6, 0.8, -1, False, {"dorian": 0.3, "phrygian": 0.1}),
        Mood("playful", 1.1, 0.1, 0.9, 1, False, {"mixolydian": 0.15, "lydian": 0.1}),
        Mood("tense", 1.05, 0.9, 1.0, 0, False, {"phrygian": 0.2}),
        Mood("dreamy", 0.85, 0.12, 0.75, -1, True, {"lydian": 0.15}),
        Mood("neutral", 1.0, None, 0.9, 0),
    )
}

#: Words a prompt may use for a mood -> canonical name.
MOOD_WORDS: dict[str, str] = {
    **{name: name for name in MOODS if name != "neutral"},
    "relaxing": "calm",
    "mellow": "calm",
    "smooth": "calm",
    "relaxed": "calm",
    "peaceful": "calm",
    "gentle": "calm",
    "soft": "calm",
    "quiet": "calm",
    "chill": "calm",
    "serene": "calm",
    "soothing": "calm",
    "tranquil": "calm",
    "study": "calm",
    "studying": "calm",
    "focus": "calm",
    "sleep": "calm",
    "joyful": "happy",
    "cheerful": "happy",
    "catchy": "happy",
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
    "battle": "epic",
    "war": "epic",
    "action": "energetic",
    "chase": "tense",
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
    "moody": "melancholic",
    "saudade": "melancholic",
    "high energy": "energetic",
    "lament": "sad",
    "emotional": "melancholic",
    "dramatic": "epic",
    "cute": "playful",
    "spiritual": "calm",
    "spooky": "dark",
    "magic": "mysterious",
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
    # The Italian tempo marks (see CLASSICAL_TEMPO_MARKS), about the middle of their ranges.
    "grave": 40,
    "largo": 50,
    "lento": 56,
    "adagio": 66,
    "andante": 80,
    "andantino": 88,
    "moderato": 108,
    "allegretto": 116,
    "allegro": 132,
    "vivace": 156,
    "presto": 176,
    "prestissimo": 200,
}

#: Tempo words that are also a classical score's marking: with no genre named, classical.
CLASSICAL_TEMPO_MARKS = frozenset(
    {"grave", "largo", "lento", "adagio", "andante", "andantino", "moderato", "allegretto"}
    | {"allegro", "vivace", "presto", "prestissimo"}
)

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

#: Genre chosen when a prompt names one solo keyboard, guitar or mallet instrument and no
#: genre ("calm piano melody", "romantic guitar"): styles a single player lives in.
SOLO_GENRES: dict[str, dict[str, float]] = {
    "calm": {"classical": 3, "folk": 1},
    "happy": {"folk": 2, "pop": 2, "country": 1},
    "sad": {"classical": 3, "folk": 1},
    "melancholic": {"classical": 3, "folk": 1},
    "energetic": {"pop": 2, "rock": 1},
    "dark": {"classical": 2, "cinematic": 1},
    "epic": {"classical": 2, "cinematic": 1},
    "romantic": {"classical": 3, "folk": 1},
    "mysterious": {"classical": 2, "jazz": 1},
    "playful": {"folk": 2, "pop": 1, "classical": 1},
    "tense": {"classical": 2, "cinematic": 1},
    "dreamy": {"classical": 3, "folk": 1},
    "neutral": {"classical": 2, "folk": 1, "pop": 1, "jazz": 1},
}

#: Genre chosen when a prompt names no genre but an instrument with a home ("banjo",
#: "clavinet", "taiko drums"): the first named instrument found here decides.
INSTRUMENT_GENRES: dict[str, str] = {
    "banjo": "bluegrass",
    "mandolin": "bluegrass",
    "fiddle": "country",
    "pedal steel": "country",
    "slide guitar": "delta blues",
    "harmonica": "blues",
    "clavinet": "funk",
    "slap bass": "funk",
    "taiko drum": "cinematic",
    "timpani": "cinematic",
    "tango accordion": "tango",
    "harpsichord": "baroque",
    "melodica": "dub",
    "steel drums": "reggae",
    "music box": "lullaby",
    "square lead": "chiptune",
    "distorted guitar": "metal",
    "overdriven guitar": "rock",
    "tenor sax": "jazz",
    "alto sax": "jazz",
    "upright bass": "jazz",
    "vibraphone": "jazz",
    "church organ": "classical",
    "sitar": "indian classical",
    "choir": "cinematic",
    "tanpura": "indian classical",
    "bansuri": "indian classical",
    "ney": "takht",
    "duduk": "folk",
    "nyckelharpa": "folk",
    "morin khuur": "folk",
    "quena": "folk",
    "bagpipe": "celtic",
    "hurdy gurdy": "baroque",
    "didgeridoo": "ambient",
}
