"""Instruments: General MIDI programs, ranges, stereo positions and the words for them."""

from __future__ import annotations

from dataclasses import dataclass

from music_gen.engines.composer.gm import GM_NAMES, gm_family
from music_gen.engines.composer.world_instruments import (
    WORLD_INSTRUMENT_WORDS,
    WORLD_INSTRUMENTS,
    WORLD_NEAREST_NOTES,
    WORLD_ROLES,
)


@dataclass(frozen=True)
class Instrument:
    """A playable instrument."""

    # Canonical name, as it appears in the plan and as the default part name.
    name: str
    # General MIDI program 0..127 (for drums: the drum-kit preset in bank 128).
    program: int
    # "keys", "guitar", "bass", "drums", "lead", "pad", "mallet" or "perc" (pitched
    # percussion: taiko, timpani): decides the role a named instrument takes.
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
        _I("timpani", 47, "perc", 38, 55, 0.0, 0.75),
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
        _I("clavinet", 7, "keys", 48, 81, -0.2, 0.7),
        _I("tango accordion", 23, "keys", 53, 84, -0.2, 0.65),
        _I("muted guitar", 28, "guitar", 45, 76, -0.35, 0.7),
        _I("muted trumpet", 59, "lead", 58, 82, 0.25, 0.7),
        _I("tremolo strings", 44, "pad", 48, 84, 0.1, 0.7),
        _I("pizzicato strings", 45, "pad", 48, 84, 0.1, 0.8),
        _I("fiddle", 110, "lead", 55, 91, 0.3, 0.75),
        _I("taiko drum", 116, "perc", 36, 55, 0.0, 0.85),
        # Instruments General MIDI lacks, played by the nearest program (see NEAREST_NOTES).
        _I("mandolin", 25, "guitar", 55, 86, 0.3, 0.75),
        _I("ukulele", 24, "guitar", 60, 81, 0.25, 0.85),
        _I("pedal steel", 26, "lead", 52, 84, 0.3, 0.75),
        _I("slide guitar", 25, "lead", 52, 81, -0.3, 0.8),
        _I("melodica", 22, "lead", 60, 84, 0.25, 0.7),
        _I("bass voices", 52, "bass", 40, 62, 0.0, 0.8),
        _I("bouzouki", 25, "guitar", 50, 84, 0.3, 0.75),
        _I("oud", 24, "guitar", 43, 79, -0.25, 0.85),
        _I("lute", 24, "guitar", 45, 81, -0.25, 0.85),
        _I("charango", 24, "guitar", 60, 84, 0.25, 0.8),
        _I("erhu", 110, "lead", 62, 93, 0.25, 0.75),
        _I("handpan", 114, "mallet", 50, 77, 0.2, 0.8),
        _I("singing bowl", 14, "mallet", 55, 79, 0.3, 0.55),
        _I("tanpura", 104, "pad", 40, 64, -0.2, 0.6),
        *(_I(*row) for row in WORLD_INSTRUMENTS),
        _I("drums", 0, "drums", 35, 81, 0.0, 0.8, True),
    )
}
_WORLD_NAMES = {row[0] for row in WORLD_INSTRUMENTS}
_CURATED_PROGRAMS = {
    i.program for i in INSTRUMENTS.values() if not i.is_drum and i.name not in _WORLD_NAMES
}
for _program, _gm_name in enumerate(GM_NAMES):
    # Every other GM program, under its GM name, so any GM instrument can be asked for (the
    # programs that stand in for a world instrument keep their own name: a koto is a koto).
    if _program not in _CURATED_PROGRAMS and _gm_name not in INSTRUMENTS:
        _family, _low, _high = gm_family(_program)
        INSTRUMENTS[_gm_name] = Instrument(_gm_name, _program, _family, _low, _high, 0.1, 0.7)

#: What plays an instrument General MIDI does not have, said in the plan's notes.
NEAREST_NOTES: dict[str, str] = {
    "mandolin": "General MIDI has no mandolin: the steel-string acoustic guitar (25) plays it",
    "ukulele": "General MIDI has no ukulele: the nylon-string guitar (24) plays it",
    "pedal steel": "General MIDI has no pedal steel: the jazz guitar (26) plays its fills",
    "slide guitar": "General MIDI has no slide guitar: the steel-string acoustic guitar (25) "
    "plays it",
    "melodica": "General MIDI has no melodica: the harmonica (22), a free reed too, plays it",
    "bass voices": "the bass voices sing with the choir program (52)",
    "bouzouki": "General MIDI has no bouzouki: the steel-string acoustic guitar (25) plays it",
    "oud": "General MIDI has no oud: the nylon-string guitar (24) plays it",
    "lute": "General MIDI has no lute: the nylon-string guitar (24) plays it",
    "charango": "General MIDI has no charango: the nylon-string guitar (24) plays it",
    "erhu": "General MIDI has no erhu: the fiddle (110) plays it",
    "handpan": "General MIDI has no handpan: the steel drums (114) play it",
    "singing bowl": "General MIDI has no singing bowl: the tubular bells (14) play it",
    "tanpura": "General MIDI has no tanpura: the sitar (104) holds its drone",
    **WORLD_NEAREST_NOTES,
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
    "cellos": "cello",
    "violas": "viola",
    "choir": "choir",
    "chorus": "choir",
    "vocals": "voice",
    "vocal": "voice",
    "singer": "voice",
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
    "clav": "clavinet",
    "honky tonk": "honky-tonk piano",
    "honky tonk piano": "honky-tonk piano",
    "dx7": "electric piano 2",
    "fm piano": "electric piano 2",
    "bandoneon": "tango accordion",
    "concertina": "accordion",
    "squeezebox": "accordion",
    "steel pan": "steel drums",
    "taiko": "taiko drum",
    "taiko drums": "taiko drum",
    "big drums": "taiko drum",
    "war drums": "taiko drum",
    "kettle drums": "timpani",
    "kettledrums": "timpani",
    "timps": "timpani",
    "upright": "upright bass",
    "standup bass": "upright bass",
    "stand up bass": "upright bass",
    "pedal steel guitar": "pedal steel",
    "lap steel": "pedal steel",
    "slide": "slide guitar",
    "bottleneck guitar": "slide guitar",
    "lead guitar": "electric guitar",
    "mandolins": "mandolin",
    "uke": "ukulele",
    "vocalist": "voice",
    "voices": "choir",
    "choral": "choir",
    "choirs": "choir",
    "whistling": "whistle",
    "tin whistle": "recorder",
    "penny whistle": "recorder",
    "thumb piano": "kalimba",
    "mbira": "kalimba",
    "bagpipes": "bagpipe",
    "cor anglais": "english horn",
    "sousaphone": "tuba",
    "cornet": "trumpet",
    "flugelhorn": "trumpet",
    "trumpet section": "trumpet",
    "celeste": "celesta",
    "moog bass": "synth bass",
    "reese bass": "synth bass",
    "wobble bass": "synth bass 2",
    "saw lead": "synth lead",
    "handclaps": "drums",
    "claps": "drums",
    "congas": "drums",
    "bongos": "drums",
    "cajon": "drums",
    "tambourine": "drums",
    "shaker": "drums",
    "pizz strings": "pizzicato strings",
    "male choir": "choir",
    "female choir": "choir",
    "mens choir": "choir",
    "male vocals": "voice",
    "female vocals": "voice",
    "hang drum": "handpan",
    "tongue drum": "handpan",
    "singing bowls": "singing bowl",
    "tibetan bowls": "singing bowl",
    "tambura": "tanpura",
    "guzheng": "koto",
    "zither": "koto",
    "metallophone": "vibraphone",
    "gamelan": "vibraphone",
    "requinto": "nylon guitar",
    "cavaquinho": "ukulele",
    "supersaw": "synth lead",
    "calliope": "calliope lead",
    "bodhran": "drums",
    "frame drum": "drums",
    "tabla": "drums",
    "djembe": "drums",
    "darbuka": "drums",
    "doumbek": "drums",
    "cowbell": "drums",
    "guiro": "drums",
    "timbales": "drums",
    "shekere": "drums",
    "surdo": "drums",
    "washboard": "drums",
    "sleigh bells": "drums",
    "jingle bells": "drums",
    "castanets": "drums",
    "triangle": "drums",
    "log drum": "drums",
    "kick drum": "drums",
    "kick": "drums",
    "snare drum": "drums",
    "snare": "drums",
    "hi hat": "drums",
    "hihat": "drums",
    **WORLD_INSTRUMENT_WORDS,
}
for _program, _gm_name in enumerate(GM_NAMES):
    # GM's own names ("acoustic grand piano", "distortion guitar", "choir aahs") and, for
    # numbered ones, the name without its number ("electric piano", "synth bass").
    _canonical = _gm_name if _gm_name in INSTRUMENTS else None
    if _canonical is None:
        _canonical = next(
            i.name for i in INSTRUMENTS.values() if i.program == _program and not i.is_drum
        )
    INSTRUMENT_WORDS.setdefault(_gm_name, _canonical)
    INSTRUMENT_WORDS.setdefault(_gm_name.rstrip(" 12"), _canonical)

#: Roles a named instrument takes when its family's default is not what it plays.
NATURAL_ROLES: dict[str, str] = {"pedal steel": "counter", **WORLD_ROLES}
#: Role each family takes when named in a prompt.
FAMILY_ROLES: dict[str, str] = {
    "drums": "drums",
    "bass": "bass",
    "lead": "melody",
    "pad": "pad",
    "keys": "chords",
    "guitar": "chords",
    "mallet": "chords",
    "perc": "percussion",
}


def natural_role(name: str) -> str:
    """The role an instrument plays when a prompt names it without saying (sax -> melody,
    clavinet -> chords, slap bass -> bass, taiko -> percussion)."""
    return NATURAL_ROLES.get(name) or FAMILY_ROLES[INSTRUMENTS[name].family]


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
        "punk": "distorted guitar",
        "grunge": "distorted guitar",
        "shoegaze": "distorted guitar",
        "emo": "electric guitar",
        "post-rock": "electric guitar",
        "surf": "electric guitar",
        "flamenco": "nylon guitar",
        "tango": "nylon guitar",
        "pop": "electric guitar",
        "house": "electric guitar",
        "": "acoustic guitar",
    },
    "bass": {
        "": "bass",
        "jazz": "upright bass",
        "bossa nova": "upright bass",
        "folk": "upright bass",
        "bluegrass": "upright bass",
        "delta blues": "upright bass",
        "tango": "upright bass",
        "classical": "contrabass",
        "cinematic": "contrabass",
        "house": "synth bass",
        "techno": "synth bass",
        "hip-hop": "synth bass",
        "synthwave": "synth bass",
        "chiptune": "synth bass",
        "disco": "bass",
    },
    "horns": {"": "brass", "cinematic": "french horn", "classical": "french horn"},
    "horn section": {"": "brass", "cinematic": "french horn", "classical": "french horn"},
    "synth": {
        "": "synth lead",
        "ambient": "synth pad",
        "cinematic": "synth pad",
        "chiptune": "square lead",
    },
}

#: Roles a part can play ("voice": an inner line of an ensemble, as violin II or viola).
ROLES = ("melody", "chords", "bass", "drums", "pad", "counter", "voice", "percussion")
