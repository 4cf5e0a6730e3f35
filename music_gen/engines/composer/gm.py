"""The 128 General MIDI programs: short names, and the family and range of each group.

:mod:`instruments` hand-tunes the instruments a prompt names most often; every other GM
program becomes an instrument from this table, so any GM name in a prompt is playable.
"""

from __future__ import annotations

#: Short lower-case name of each GM program (index = program number). The synth effects
#: (96-103) carry "fx", as GM's "FX 1 (rain)" does, so everyday words ("atmosphere",
#: "crystal clear") do not summon them.
GM_NAMES: tuple[str, ...] = (
    # 0-7 piano
    "acoustic grand piano", "bright acoustic piano", "electric grand piano", "honky-tonk piano",
    "electric piano 1", "electric piano 2", "harpsichord", "clavinet",
    # 8-15 chromatic percussion
    "celesta", "glockenspiel", "music box", "vibraphone",
    "marimba", "xylophone", "tubular bells", "dulcimer",
    # 16-23 organ
    "drawbar organ", "percussive organ", "rock organ", "church organ",
    "reed organ", "accordion", "harmonica", "tango accordion",
    # 24-31 guitar
    "acoustic guitar nylon", "acoustic guitar steel", "electric guitar jazz",
    "electric guitar clean", "electric guitar muted", "overdriven guitar", "distortion guitar",
    "guitar harmonics",
    # 32-39 bass
    "acoustic bass", "electric bass finger", "electric bass pick", "fretless bass",
    "slap bass 1", "slap bass 2", "synth bass 1", "synth bass 2",
    # 40-47 strings
    "violin", "viola", "cello", "contrabass",
    "tremolo strings", "pizzicato strings", "orchestral harp", "timpani",
    # 48-55 ensemble
    "string ensemble 1", "string ensemble 2", "synth strings 1", "synth strings 2",
    "choir aahs", "voice oohs", "synth voice", "orchestra hit",
    # 56-63 brass
    "trumpet", "trombone", "tuba", "muted trumpet",
    "french horn", "brass section", "synth brass 1", "synth brass 2",
    # 64-71 reed
    "soprano sax", "alto sax", "tenor sax", "baritone sax",
    "oboe", "english horn", "bassoon", "clarinet",
    # 72-79 pipe
    "piccolo", "flute", "recorder", "pan flute",
    "blown bottle", "shakuhachi", "whistle", "ocarina",
    # 80-87 synth lead
    "square lead", "sawtooth lead", "calliope lead", "chiff lead",
    "charang", "voice lead", "fifths lead", "bass and lead",
    # 88-95 synth pad
    "new age pad", "warm pad", "polysynth pad", "choir pad",
    "bowed pad", "metallic pad", "halo pad", "sweep pad",
    # 96-103 synth effects
    "rain fx", "soundtrack fx", "crystal fx", "atmosphere fx",
    "brightness fx", "goblins fx", "echoes fx", "sci-fi fx",
    # 104-111 ethnic
    "sitar", "banjo", "shamisen", "koto",
    "kalimba", "bagpipe", "fiddle", "shanai",
    # 112-119 percussive
    "tinkle bell", "agogo", "steel drums", "woodblock",
    "taiko drum", "melodic tom", "synth drum", "reverse cymbal",
    # 120-127 sound effects
    "guitar fret noise", "breath noise", "seashore", "bird tweet",
    "telephone ring", "helicopter", "applause", "gunshot",
)  # fmt: skip

#: (family, low, high) of each group of eight programs, by program // 8.
GM_GROUPS: tuple[tuple[str, int, int], ...] = (
    ("keys", 48, 84),
    ("mallet", 60, 96),
    ("keys", 48, 84),
    ("guitar", 48, 79),
    ("bass", 28, 55),
    ("lead", 55, 88),
    ("pad", 48, 79),
    ("lead", 52, 79),
    ("lead", 55, 84),
    ("lead", 60, 88),
    ("lead", 57, 86),
    ("pad", 48, 79),
    ("pad", 48, 79),
    ("lead", 52, 81),
    ("perc", 45, 72),
    ("pad", 48, 72),
)

#: Programs whose group's family is wrong for them: program -> family.
GM_FAMILY_EXCEPTIONS: dict[int, str] = {
    15: "guitar",  # dulcimer: strummed and plucked
    44: "pad",  # tremolo strings
    45: "pad",  # pizzicato strings: a section playing chords
    46: "mallet",  # harp
    47: "perc",  # timpani
    55: "perc",  # orchestra hit
    87: "bass",  # bass and lead
    105: "guitar",  # banjo
    106: "guitar",  # shamisen
    107: "guitar",  # koto
    108: "mallet",  # kalimba
    114: "mallet",  # steel drums
}


def gm_family(program: int) -> tuple[str, int, int]:
    """(family, low, high) of a GM program."""
    family, low, high = GM_GROUPS[program // 8]
    return GM_FAMILY_EXCEPTIONS.get(program, family), low, high
