"""Words that place a piece (a region, an era, a use) and what a musician hears in them.

"Andalusian" is flamenco in the Phrygian-dominant mode, "nordic" folk in Dorian with a
nyckelharpa, "appalachian" bluegrass with banjo and fiddle, "80s" synthwave, "boss fight" an
epic cinematic cue. A descriptor sets the genre only when the prompt names none; its mode,
meter and instruments apply only to its own genre (so "japanese city pop" stays city pop, not
koto music), and its mood only when the prompt gives none (a place's mood, only in its style).
A tradition's own genre or dance ("forro", "mazurka", "pansori") is more specific than a
nation's name and leads it: "brazilian forro" is forro, "polish mazurka" a mazurka in 3/4.
A place whose tradition has its own ensemble ("japanese": koto, shakuhachi and taiko) plays
with it instead of its genre's band: no western upright bass under a koto.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from music_gen.engines.composer.styles import GENRES


@dataclass(frozen=True)
class Descriptor:
    """What a place, era or use word asks for; None (or empty) leaves the choice open."""

    # Genre when the prompt names none (and the genre its other fields belong to).
    genre: str | None = None
    # Mode when the prompt names none.
    mode: str | None = None
    # Meter when the prompt names none.
    meter: str | None = None
    # Mood when the prompt gives none.
    mood: str | None = None
    # Instrument words the style features, joining the genre's band.
    instruments: tuple[str, ...] = ()
    # The place's own ensemble, (instrument word, role), played instead of the genre's band.
    band: tuple[tuple[str, str], ...] = ()


_D = Descriptor
_ARABIC = _D("takht", "phrygian dominant", instruments=("oud", "darbuka"))
_NORDIC = _D("folk", "dorian", instruments=("nyckelharpa",))
_ANATOLIAN = _D("folk", "phrygian dominant", instruments=("saz", "darbuka"))
_WEST_AFRICAN = _D("highlife", instruments=("kora",))
_ANDEAN = _D("folk", instruments=("pan flute", "charango"))
_ABORIGINAL = _D("ambient", instruments=("didgeridoo",))
_NORTENO = _D("polka", instruments=("accordion", "bajo sexto"))
_GAMELAN = _D("folk", band=(("gamelan", "chords"), ("suling", "melody"), ("kendang", "drums")))
_JAPANESE_BAND = (("koto", "chords"), ("shakuhachi", "melody"), ("taiko drum", "percussion"))
_CHINESE_BAND = (("guzheng", "chords"), ("erhu", "melody"), ("dizi", "counter"))
_CHINESE_FESTIVAL = _D("folk", mood="energetic", instruments=("drums",))
_CHINESE_OPERA = _D("folk", band=(("jinghu", "melody"), ("pipa", "chords"), ("drums", "drums")))
_SAMURAI = _D("cinematic", "phrygian", mood="tense", instruments=("shakuhachi", "taiko drum"))
_KOREAN = _D("folk", band=(("gayageum", "chords"), ("daegeum", "melody"), ("janggu", "drums")))
_MONGOLIAN = _D(
    "folk", band=(("yatga", "chords"), ("morin khuur", "melody"), ("throat singing", "bass"))
)
_KHMER = _D("folk", band=(("roneat", "chords"), ("sralai", "melody"), ("skor", "drums")))
_PERSIAN = _D(
    "folk",
    "phrygian",
    band=(("santur", "chords"), ("kamancheh", "melody"), ("tombak", "drums")),
)
_VOICES = _D("folk", band=(("choir", "chords"), ("voice", "melody"), ("bass voices", "bass")))
_UKRAINIAN = _D("folk", "minor", instruments=("bandura",))
_ROMANI = _D("folk", "harmonic minor", instruments=("violin", "cimbalom"))
_SOUTH_AFRICAN = _D("highlife", instruments=("electric guitar", "pennywhistle"))

#: Place words: the style, scale and instruments a musician hears in them.
REGION_WORDS: dict[str, Descriptor] = {
    "nordic": _NORDIC,
    "scandinavian": _NORDIC,
    "swedish": _NORDIC,
    "norwegian": _D("folk", "dorian", instruments=("fiddle",)),
    "viking": _D("cinematic", "dorian", mood="epic", instruments=("taiko drum",)),
    "andalusian": _D("flamenco", "phrygian dominant"),
    "spanish": _D("flamenco", "phrygian dominant"),
    "anatolian": _ANATOLIAN,
    "turkish": _ANATOLIAN,
    "armenian": _D("folk", "harmonic minor", instruments=("duduk",)),
    "arabic": _ARABIC,
    "arab": _ARABIC,
    "arabian": _ARABIC,
    "egyptian": _ARABIC,
    "middle eastern": _ARABIC,
    "levantine": _ARABIC,
    "bedouin": _ARABIC,
    "belly dance": _ARABIC,
    "maqam": _ARABIC,
    "taqsim": _ARABIC,
    "desert": _ARABIC,
    "zaffa": _ARABIC,
    "moroccan": _D("folk", "minor", instruments=("guembri", "castanets")),
    "gnawa": _D("folk", "minor", instruments=("guembri", "castanets")),
    "gnawa trance": _D("folk", "minor", instruments=("guembri", "castanets")),
    "afghan": _D("folk", band=(("harmonium", "chords"), ("rubab", "melody"), ("tabla", "drums"))),
    "uzbek": _D("folk", band=(("dutar", "chords"), ("ghijak", "melody"), ("doira", "drums"))),
    "silk road": _ANATOLIAN,
    "pakistani": _D("indian classical", instruments=("harmonium",)),
    "qawwali": _D("indian classical", instruments=("harmonium", "choir")),
    "south indian": _D("indian classical"),
    "georgian": _VOICES,
    "persian": _PERSIAN,
    "iranian": _PERSIAN,
    "indian": _D("bollywood"),
    "japanese": _D("folk", "phrygian", band=_JAPANESE_BAND),
    "enka": _D("folk", "minor", instruments=("shamisen",)),
    "tea ceremony": _D("folk", "phrygian", mood="calm", band=_JAPANESE_BAND),
    "teahouse": _D("folk", "phrygian", mood="calm", band=_JAPANESE_BAND),
    "kyoto": _D("folk", "phrygian", mood="calm", band=_JAPANESE_BAND),
    "geisha": _D("folk", "phrygian", band=_JAPANESE_BAND),
    "samurai": _SAMURAI,
    "ninja": _SAMURAI,
    "tokyo": _D("city pop"),
    "okinawan": _D(
        "folk",
        "major",
        band=(("sanshin", "melody"), ("shinobue", "counter"), ("taiko drum", "percussion")),
    ),
    "chinese": _D("folk", band=_CHINESE_BAND),
    "chinese orchestra": _D(
        "folk",
        band=(*_CHINESE_BAND, ("pipa", "chords"), ("drums", "drums")),
    ),
    "kung fu": _CHINESE_FESTIVAL,
    "dragon boat": _CHINESE_FESTIVAL,
    "beijing opera": _CHINESE_OPERA,
    "peking opera": _CHINESE_OPERA,
    "shanghai": _D("jazz"),
    "korean": _KOREAN,
    "fan dance": _KOREAN,
    "pansori": _D("folk", band=(("voice", "melody"), ("buk", "drums"))),
    "mongolian": _MONGOLIAN,
    "steppe": _MONGOLIAN,
    "tibetan": _D("ambient", mood="calm", instruments=("singing bowl",)),
    "balinese": _GAMELAN,
    "javanese": _GAMELAN,
    "indonesian": _GAMELAN,
    "thai": _D("folk", band=(("ranat", "chords"), ("khlui", "melody"))),
    "cambodian": _KHMER,
    "khmer": _KHMER,
    "kecak": _D("folk", band=(("choir", "chords"), ("voice", "melody"))),
    "vietnamese": _D("folk", band=(("dan tranh", "chords"), ("dan bau", "melody"))),
    "hawaiian": _D("folk", "major", instruments=("ukulele", "pedal steel")),
    "polynesian": _D("folk", "major", instruments=("ukulele",)),
    "aboriginal": _ABORIGINAL,
    "australian": _ABORIGINAL,
    "outback": _ABORIGINAL,
    "native american": _D("ambient", instruments=("native american flute",)),
    "andean": _ANDEAN,
    "peruvian": _ANDEAN,
    "bolivian": _ANDEAN,
    "appalachian": _D("bluegrass", instruments=("banjo", "fiddle")),
    "old time": _D("bluegrass", instruments=("banjo", "fiddle")),
    "hoedown": _D("bluegrass", instruments=("banjo", "fiddle")),
    "americana": _D("folk", instruments=("acoustic guitar",)),
    "caribbean": _D("calypso", "major", instruments=("steel drums",)),
    "west african": _WEST_AFRICAN,
    "malian": _WEST_AFRICAN,
    "senegalese": _WEST_AFRICAN,
    "african": _D("afrobeat"),
    "south african": _SOUTH_AFRICAN,
    "township": _SOUTH_AFRICAN,
    "township jive": _SOUTH_AFRICAN,
    "mbaqanga": _SOUTH_AFRICAN,
    "kwela": _D("highlife", instruments=("pennywhistle",)),
    "desert blues": _D("blues", instruments=("electric guitar", "ngoni")),
    "ethiopian": _D("jazz", "phrygian", instruments=("vibraphone",)),
    "ethio jazz": _D("jazz", "phrygian", instruments=("vibraphone",)),
    "brazilian": _D("bossa nova"),
    "cuban": _D("salsa", instruments=("tres",)),
    "cuban son": _D("salsa", instruments=("tres",)),
    "mexican": _D("mariachi"),
    "son jarocho": _D("mariachi", instruments=("jarana", "harp")),
    "jarocho": _D("mariachi", instruments=("jarana", "harp")),
    "norteno": _NORTENO,
    "tejano": _NORTENO,
    "hungarian": _D("folk", "harmonic minor", instruments=("violin", "cimbalom")),
    "csardas": _D("folk", "harmonic minor", instruments=("violin", "cimbalom")),
    "gypsy": _ROMANI,
    "romani": _ROMANI,
    "russian": _D("folk", "minor", instruments=("balalaika",)),
    "ukrainian": _UKRAINIAN,
    "hopak": _UKRAINIAN,
    "kolomyjka": _UKRAINIAN,
    "kolomyika": _UKRAINIAN,
    "troika": _D("folk", "minor", instruments=("balalaika",)),
    "greek": _D("folk", instruments=("bouzouki",)),
    "sirtaki": _D("folk", instruments=("bouzouki",)),
    "italian": _D("folk", instruments=("mandolin",)),
    "french": _D("folk", instruments=("accordion",)),
    "parisian": _D("folk", meter="3/4", instruments=("accordion",)),
    "musette": _D("folk", meter="3/4", instruments=("accordion",)),
    "bal musette": _D("folk", meter="3/4", instruments=("accordion",)),
    "basque": _D("folk", instruments=("trikitixa", "txalaparta")),
    "portuguese": _D("folk", "minor", instruments=("portuguese guitar",)),
    "fado": _D("folk", "minor", instruments=("portuguese guitar",)),
    "viennese": _D("classical", meter="3/4"),
    "mazurka": _D("classical", meter="3/4"),
    "joropo": _D("folk", meter="3/4", instruments=("harp",)),
    "forro": _D("cumbia", instruments=("accordion",)),
    "vallenato": _D("cumbia", instruments=("accordion",)),
    "choro": _D("bossa nova", instruments=("flute", "cavaquinho")),
    "frevo": _D("samba", instruments=("brass",)),
    "maracatu": _D("samba"),
    "capoeira": _D("samba"),
    "kompa": _D("calypso"),
    "zouk": _D("calypso"),
    "soukous": _D("highlife", instruments=("electric guitar",)),
    "kuduro": _D("afrobeat"),
    "dixieland": _D("swing", instruments=("clarinet", "trumpet", "banjo")),
    "new orleans": _D("swing", instruments=("clarinet", "trumpet")),
    "gregorian": _D("classical", "dorian", instruments=("choir",)),
    "israeli": _D("klezmer"),
    "hora": _D("klezmer"),
    "jewish": _D("klezmer"),
    "arabian nights": _ARABIC,
    "ceilidh": _D("celtic"),
    "step dance": _D("celtic"),
    "bhangra": _D("bollywood", instruments=("dhol", "tumbi")),
    "sevillanas": _D("flamenco", "phrygian dominant", "3/4"),
    "argentinian": _D("tango"),
    "argentine": _D("tango"),
    "milonga": _D("tango"),
    "chacarera": _D("folk", meter="6/8", instruments=("bombo",)),
    "huayno": _ANDEAN,
    "venezuelan": _D("folk", meter="3/4", instruments=("harp", "cuatro")),
    "colombian": _D("cumbia"),
    "dominican": _D("bachata"),
    "puerto rican": _D("salsa"),
    "bomba": _D("salsa"),
    "danzon": _D("salsa", instruments=("flute", "violin")),
    "jamaican": _D("reggae"),
    "mento": _D("calypso", instruments=("banjo",)),
    "trinidad": _D("calypso", "major", instruments=("steel drums",)),
    "trinidadian": _D("calypso", "major", instruments=("steel drums",)),
    "hula": _D("folk", "major", instruments=("ukulele", "pedal steel")),
    "tahitian": _D("folk", "major", instruments=("ukulele",)),
    "anime": _D("pop"),
    "anime opening": _D("pop", mood="energetic"),
    "dragon dance": _D("folk", mood="energetic", instruments=("drums",)),
    "lion dance": _D("folk", mood="energetic", instruments=("drums",)),
    "freylekhs": _D("klezmer"),
    "romanian": _D("klezmer", instruments=("violin", "cimbalom")),
    "lautari": _D("klezmer", instruments=("violin", "cimbalom")),
    "bulgarian": _D("folk", "harmonic minor", "7/8", instruments=("gaida",)),
    "kopanitsa": _D("folk", "harmonic minor", "11/8", instruments=("gaida",)),
    "finnish": _D("folk", "minor", instruments=("kantele",)),
    "zimbabwean": _D("folk", instruments=("mbira",)),
    "zulu": _VOICES,
    "sufi": _D("takht", "phrygian dominant", instruments=("ney",)),
    "caravan": _ARABIC,
    "highland": _D("celtic", instruments=("bagpipe",)),
    "galician": _D("celtic", instruments=("bagpipe",)),
    "luau": _D("folk", "major", instruments=("ukulele", "pedal steel")),
    "island": _D("folk", "major", instruments=("ukulele",)),
    "rumba": _D("salsa"),
    "ranchera": _D("mariachi"),
    "polish": _D("folk", instruments=("accordion",)),
    "paris": _D("folk", meter="3/4", instruments=("accordion",)),
    "traditional": _D("folk"),
    "traditional jazz": _D("swing", instruments=("clarinet", "trumpet", "banjo")),
    "trad jazz": _D("swing", instruments=("clarinet", "trumpet", "banjo")),
}

#: Place words that name a tradition's own genre or dance, not a nation or a landscape.
STYLE_NAMES = frozenset(
    {
        "belly dance",
        "maqam",
        "taqsim",
        "gnawa",
        "gnawa trance",
        "qawwali",
        "pansori",
        "kecak",
        "tea ceremony",
        "son jarocho",
        "jarocho",
        "csardas",
        "sirtaki",
        "musette",
        "bal musette",
        "fado",
        "mazurka",
        "joropo",
        "forro",
        "vallenato",
        "choro",
        "frevo",
        "maracatu",
        "capoeira",
        "kompa",
        "zouk",
        "soukous",
        "kuduro",
        "dixieland",
        "gregorian",
        "ceilidh",
        "bhangra",
        "sevillanas",
        "chacarera",
        "huayno",
        "bomba",
        "danzon",
        "mento",
        "hula",
        "freylekhs",
        "lautari",
        "sufi",
        "rumba",
        "ranchera",
        "hora",
        "milonga",
        "hopak",
        "kolomyjka",
        "kolomyika",
        "troika",
        "township jive",
        "mbaqanga",
        "kwela",
        "desert blues",
        "enka",
        "kopanitsa",
        "anime",
        "anime opening",
        "chinese orchestra",
        "beijing opera",
        "peking opera",
    }
)

#: Era words: the sound of the decade.
ERA_WORDS: dict[str, Descriptor] = {
    "50s": _D("doo-wop"),
    "1950s": _D("doo-wop"),
    "60s": _D("soul"),
    "1960s": _D("soul"),
    "70s": _D("funk"),
    "1970s": _D("funk"),
    "80s": _D("synthwave"),
    "1980s": _D("synthwave"),
    "eighties": _D("synthwave"),
    "90s": _D("hip-hop"),
    "1990s": _D("hip-hop"),
    "2000s": _D("pop"),
    "20s": _D("swing"),
    "1920s": _D("swing"),
    "30s": _D("swing"),
    "1930s": _D("swing"),
    "40s": _D("swing"),
    "1940s": _D("swing"),
    "roaring twenties": _D("swing"),
    "psychedelic": _D("rock", "mixolydian", instruments=("organ",)),
}

#: Use words: what a scene, a game moment or a format usually gets.
USE_WORDS: dict[str, Descriptor] = {
    "boss fight": _D("cinematic", mood="epic"),
    "boss battle": _D("cinematic", mood="epic"),
    "fight": _D(mood="energetic"),
    "victory": _D("cinematic", mood="epic"),
    "fanfare": _D("cinematic", mood="epic", instruments=("brass",)),
    "game over": _D(mood="sad"),
    "menu": _D("ambient", mood="calm"),
    "platformer": _D("chiptune", mood="happy"),
    "rpg": _D("cinematic"),
    "fantasy": _D("cinematic", mood="mysterious"),
    "dungeon": _D("ambient", mood="dark"),
    "dungeon crawler": _D("ambient", mood="dark"),
    "puzzle": _D(mood="playful"),
    "racing": _D(mood="energetic"),
    "boxing": _D(mood="energetic"),
    "stealth": _D("cinematic", mood="tense"),
    "thriller": _D("cinematic", mood="tense"),
    "underscore": _D("cinematic"),
    "documentary": _D("cinematic"),
    "drama": _D("cinematic"),
    "underwater": _D("ambient", mood="dreamy"),
    "space": _D("ambient", mood="dreamy"),
    "outer space": _D("ambient", mood="dreamy"),
    "sci fi": _D("ambient", mood="mysterious"),
    "scifi": _D("ambient", mood="mysterious"),
    "cyberpunk": _D("synthwave", mood="dark"),
    "night drive": _D("synthwave"),
    "haunted": _D("horror"),
    "pirate": _D("sea shanty"),
    "tavern": _D("celtic", mood="happy"),
    "pub": _D("celtic", mood="happy"),
    "village": _D("folk", mood="calm"),
    "saloon": _D("country", instruments=("honky-tonk piano",)),
    "detective": _D("film noir"),
    "adventure": _D(mood="epic"),
    "showdown": _D(mood="tense"),
    "duel": _D(mood="tense"),
    "cartoon": _D(mood="playful"),
    "comedy": _D(mood="playful"),
    "corporate": _D("pop", mood="happy"),
    "commercial": _D("pop", mood="happy"),
    "advert": _D("pop", mood="happy"),
    "youtube": _D("pop", mood="happy"),
    "vlog": _D("pop", mood="happy"),
    "tiktok": _D("pop", mood="energetic"),
    "podcast": _D("pop"),
    "workout": _D("house", mood="energetic"),
    "sports": _D("rock", mood="energetic"),
    "yoga": _D("ambient", mood="calm"),
    "spa": _D("ambient", mood="calm"),
    "zen": _D("ambient", mood="calm"),
    "coding": _D("lo-fi", mood="calm"),
    "coffee shop": _D("lounge", mood="calm"),
    "cafe": _D("lounge", mood="calm"),
    "coffee house": _D("lounge", mood="calm"),
    "hotel": _D("lounge", mood="calm"),
    "lobby": _D("lounge", mood="calm"),
    "monastery": _D("ambient", mood="calm", instruments=("choir",)),
    "monks": _D("ambient", mood="calm", instruments=("choir",)),
    "temple": _D("ambient", mood="calm", instruments=("bells",)),
    "rainy": _D("lo-fi", mood="melancholic"),
    "rainy day": _D("lo-fi", mood="melancholic"),
    "opera": _D("classical", instruments=("voice",)),
    "aria": _D("classical", instruments=("voice",)),
    "requiem": _D("classical", "minor", instruments=("choir",)),
    "baby": _D("lullaby"),
    "suite": _D("baroque"),
    "anthem": _D(mood="energetic"),
    "jingle": _D("pop", mood="happy"),
    "beach": _D(mood="happy"),
    "road trip": _D(mood="happy"),
    "breakdown": _D("bluegrass", mood="energetic"),
    "dawn": _D(mood="calm"),
    "evening": _D(mood="calm"),
    "cozy": _D(mood="calm"),
    "castle": _D("cinematic"),
    "rain": _D("lo-fi", mood="melancholic"),
    "garden": _D(mood="calm"),
    "lake": _D(mood="calm"),
    "porch": _D(mood="calm"),
    "mountain": _D(mood="calm"),
    "mountains": _D(mood="calm"),
    "misty": _D(mood="mysterious"),
    "summer": _D(mood="happy"),
    "sunset": _D(mood="dreamy"),
    "sunday morning": _D(mood="calm"),
    "late night": _D(mood="calm"),
    "winter": _D(mood="calm"),
}

#: Occasions: their mood when the prompt names no style (a klezmer wedding keeps klezmer's
#: own keys; a wedding with no style named is romantic).
OCCASION_WORDS: dict[str, Descriptor] = {
    "wedding": _D(mood="romantic"),
    "first dance": _D(mood="romantic"),
    "processional": _D("classical", mood="romantic"),
    "funeral": _D("classical", mood="sad"),
    "festival": _D(mood="happy"),
    "celebration": _D(mood="happy"),
    "new year": _D(mood="happy"),
    "party": _D(mood="happy"),
}

#: Every descriptor word -> its descriptor.
DESCRIPTORS: dict[str, Descriptor] = {
    **OCCASION_WORDS,
    **USE_WORDS,
    **ERA_WORDS,
    **REGION_WORDS,
}


def read_descriptors(words: Sequence[str], genre: str | None, *, genre_named: bool) -> Descriptor:
    """What the descriptor words of a prompt ask for together.

    Args:
        words: Descriptor words found, in prompt order.
        genre: The genre the prompt names (a genre or ensemble word), if any.
        genre_named: Whether a genre word was found (a place's mood then yields to it).
    """
    # A tradition's own genre or dance leads the nation's name ("brazilian forro").
    words = sorted(words, key=lambda w: w not in STYLE_NAMES)
    found = [DESCRIPTORS[w] for w in words]
    chosen = genre or next((d.genre for d in found if d.genre), None)
    agreeing = [d for d in found if d.genre is not None and _same_style(d.genre, chosen)]
    # A scene's feeling holds in any style ("8-bit boss fight" is epic chiptune); a place's
    # mood belongs to its own style.
    moods = [
        d.mood
        for w, d in zip(words, found, strict=True)
        if d.mood and (w in USE_WORDS or d in agreeing or not genre_named)
    ]
    return Descriptor(
        genre=chosen,
        mode=next((d.mode for d in agreeing if d.mode), None),
        meter=next((d.meter for d in agreeing if d.meter), None),
        mood=moods[0] if moods else None,
        instruments=tuple(dict.fromkeys(i for d in agreeing for i in d.instruments)),
        band=next((d.band for d in agreeing if d.band), ()),
    )


def place_style(words: Sequence[str]) -> str | None:
    """The style of the first place word with one ("bulgarian": folk), if any."""
    return next((REGION_WORDS[w].genre for w in words if w in REGION_WORDS), None)


def _same_style(genre: str, other: str | None) -> bool:
    """Whether two genres are one style (equal, or sub-genres of one broad genre)."""
    return other is not None and GENRES[genre].base == GENRES[other].base
