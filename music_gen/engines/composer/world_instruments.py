"""Folk and world instruments General MIDI lacks, each played by its nearest program.

Every row keeps the real instrument's register (the nyckelharpa a fiddle's, the duduk an
octave and a half from G3, the didgeridoo its one low note) and, where the instrument has a
habit, the role and articulation it is played with: the duduk and the theremin join their
notes, the didgeridoo holds a drone on the tonic, the santur, saz and qanun carry the tune.
The plan's notes say which program plays each one.
"""

from __future__ import annotations

#: (name, GM program, family, lowest note, highest note, pan, level), as instruments.Instrument.
WORLD_INSTRUMENTS: tuple[tuple[str, int, str, int, int, float, float], ...] = (
    ("nyckelharpa", 110, "lead", 55, 88, 0.3, 0.75),
    ("hurdy gurdy", 110, "lead", 55, 84, 0.25, 0.7),
    ("morin khuur", 110, "lead", 48, 81, 0.25, 0.75),
    ("kamancheh", 110, "lead", 55, 88, 0.25, 0.75),
    ("duduk", 69, "lead", 55, 79, 0.2, 0.8),
    ("ney", 77, "lead", 59, 86, 0.2, 0.75),
    ("bansuri", 73, "lead", 60, 91, 0.25, 0.8),
    ("quena", 77, "lead", 62, 91, 0.25, 0.75),
    ("native american flute", 77, "lead", 57, 79, 0.2, 0.8),
    ("dan bau", 79, "lead", 60, 84, 0.2, 0.75),
    ("theremin", 85, "lead", 60, 91, 0.15, 0.65),
    ("didgeridoo", 58, "bass", 36, 45, 0.0, 0.75),
    ("guembri", 32, "bass", 28, 55, 0.05, 0.9),
    ("saz", 25, "guitar", 52, 84, -0.25, 0.8),
    ("balalaika", 25, "guitar", 57, 88, 0.25, 0.75),
    ("portuguese guitar", 25, "guitar", 55, 88, 0.25, 0.8),
    ("tres", 25, "guitar", 55, 84, -0.25, 0.8),
    ("bajo sexto", 25, "guitar", 40, 72, -0.25, 0.8),
    ("jarana", 24, "guitar", 60, 81, 0.25, 0.8),
    ("cuatro", 24, "guitar", 57, 84, 0.25, 0.8),
    ("tumbi", 106, "guitar", 64, 88, 0.25, 0.7),
    ("pipa", 107, "guitar", 55, 88, 0.25, 0.8),
    ("qanun", 107, "guitar", 53, 89, 0.25, 0.75),
    ("santur", 15, "guitar", 53, 88, 0.25, 0.75),
    ("cimbalom", 15, "guitar", 45, 88, 0.25, 0.75),
    ("kora", 46, "mallet", 41, 89, 0.25, 0.85),
    ("bandura", 46, "mallet", 43, 91, 0.25, 0.85),
    ("angklung", 12, "mallet", 60, 84, 0.25, 0.75),
    ("balafon", 12, "mallet", 53, 84, 0.25, 0.85),
    ("kantele", 46, "mallet", 50, 86, 0.25, 0.8),
    ("toy piano", 8, "mallet", 60, 96, 0.2, 0.7),
)

#: What plays each of them, said in the plan's notes.
WORLD_NEAREST_NOTES: dict[str, str] = {
    "nyckelharpa": "General MIDI has no nyckelharpa: the fiddle (110) plays it",
    "hurdy gurdy": "General MIDI has no hurdy gurdy: the fiddle (110) plays its tune",
    "morin khuur": "General MIDI has no morin khuur: the fiddle (110) plays it, a fifth lower",
    "kamancheh": "General MIDI has no kamancheh: the fiddle (110) plays it legato",
    "duduk": "General MIDI has no duduk: the English horn (69), a double reed too, plays it "
    "legato in the duduk's register",
    "ney": "General MIDI has no ney: the shakuhachi (77), an end-blown flute too, plays it",
    "bansuri": "General MIDI has no bansuri: the flute (73) plays it",
    "quena": "General MIDI has no quena: the shakuhachi (77), a notched flute too, plays it",
    "native american flute": "General MIDI has no Native American flute: the shakuhachi (77) "
    "plays it",
    "dan bau": "General MIDI has no dan bau: the ocarina (79) plays its gliding tune legato",
    "theremin": "General MIDI has no theremin: the voice lead (85) plays it legato",
    "didgeridoo": "General MIDI has no didgeridoo: the tuba (58), a lip-buzzed tube too, holds "
    "its low drone on the tonic",
    "guembri": "General MIDI has no guembri: the acoustic bass (32) plays its lines",
    "saz": "General MIDI has no saz: the steel-string acoustic guitar (25) plays its tune",
    "balalaika": "General MIDI has no balalaika: the steel-string acoustic guitar (25) plays "
    "its tune high up",
    "portuguese guitar": "General MIDI has no Portuguese guitar: the steel-string acoustic "
    "guitar (25) plays its tune",
    "tres": "General MIDI has no tres: the steel-string acoustic guitar (25) plays it",
    "bajo sexto": "General MIDI has no bajo sexto: the steel-string acoustic guitar (25) plays "
    "it low",
    "jarana": "General MIDI has no jarana: the nylon-string guitar (24) strums it",
    "cuatro": "General MIDI has no cuatro: the nylon-string guitar (24) strums it",
    "tumbi": "General MIDI has no tumbi: the shamisen (106), a twangy plucked string too, "
    "plays its riff",
    "pipa": "General MIDI has no pipa: the koto (107) plays its tune",
    "qanun": "General MIDI has no qanun: the koto (107), a plucked zither too, plays its tune",
    "santur": "General MIDI has no santur: the hammered dulcimer (15) plays its tune",
    "cimbalom": "General MIDI has no cimbalom: the hammered dulcimer (15) plays it",
    "kora": "General MIDI has no kora: the harp (46) plays it",
    "bandura": "General MIDI has no bandura: the harp (46) plays it",
    "angklung": "General MIDI has no angklung: the marimba (12) plays it",
    "balafon": "General MIDI has no balafon: the marimba (12), wooden bars too, plays it",
    "kantele": "General MIDI has no kantele: the harp (46) plays it",
    "toy piano": "General MIDI has no toy piano: the celesta (8) plays it",
}

#: Roles these instruments take when named, where their family's default is not it.
WORLD_ROLES: dict[str, str] = {
    name: "melody"
    for name in ("saz", "balalaika", "portuguese guitar", "pipa", "qanun", "santur", "tumbi")
}

#: How their notes are joined: "legato" for the instruments that glide from note to note.
WORLD_ARTICULATIONS: dict[str, str] = {
    "duduk": "legato",
    "theremin": "legato",
    "dan bau": "legato",
    "hurdy gurdy": "legato",
    "morin khuur": "legato",
    "kamancheh": "legato",
}

#: Bass-register instruments that hold one note (the tonic) instead of following the chords.
DRONE_INSTRUMENTS = frozenset({"didgeridoo"})

#: Words a prompt may use for them (and for instruments they resemble) -> canonical name.
WORLD_INSTRUMENT_WORDS: dict[str, str] = {
    "keyed fiddle": "nyckelharpa",
    "hardanger fiddle": "fiddle",
    "kamanche": "kamancheh",
    "suona": "shanai",
    "zurna": "shanai",
    "mizmar": "shanai",
    "khim": "dulcimer",
    "janggu": "drums",
    "ipu": "drums",
    "zabumba": "drums",
    "bombo": "drums",
    "caja": "drums",
    "rubboard": "drums",
    "hurdy-gurdy": "hurdy gurdy",
    "hurdygurdy": "hurdy gurdy",
    "horsehead fiddle": "morin khuur",
    "armenian duduk": "duduk",
    "nay": "ney",
    "didge": "didgeridoo",
    "didjeridu": "didgeridoo",
    "gimbri": "guembri",
    "sintir": "guembri",
    "baglama": "saz",
    "tres guitar": "tres",
    "tres cubano": "tres",
    "santoor": "santur",
    "kanun": "qanun",
    "qanoon": "qanun",
    "hammered dulcimer": "dulcimer",
    "gayageum": "koto",
    "kayagum": "koto",
    "ranat": "xylophone",
    "ranat ek": "xylophone",
    "throat singing": "bass voices",
    "dobro": "slide guitar",
    "resonator guitar": "slide guitar",
    "uilleann pipes": "bagpipe",
    "highland pipes": "bagpipe",
    "highland bagpipe": "bagpipe",
    "gaida": "bagpipe",
    "low whistle": "recorder",
    "pan pipes": "pan flute",
    "panpipes": "pan flute",
    "zampona": "pan flute",
    "shehnai": "shanai",
    "harmonium": "reed organ",
    "veena": "sitar",
    "sarod": "sitar",
    "sarangi": "fiddle",
    "fife": "piccolo",
    "soprano": "voice",
    "chant": "choir",
    "chanting": "choir",
    "vocal chops": "voice",
    "chorus guitar": "electric guitar",
    "wah guitar": "electric guitar",
    "slack key": "acoustic guitar",
    "slack key guitar": "acoustic guitar",
    "tribal drums": "taiko drum",
    "palmas": "drums",
    "clapsticks": "drums",
    "talking drum": "drums",
    "tombak": "drums",
    "zarb": "drums",
    "dhol": "drums",
    "dholak": "drums",
    "mridangam": "drums",
    "riq": "drums",
    "bendir": "drums",
    "claves": "drums",
    "maracas": "drums",
}
