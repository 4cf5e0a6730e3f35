"""Reading a text prompt: genre, mood, tempo, key, mode, meter, instruments and roles.

Reading is case-insensitive and ignores punctuation (``"Jazz, in F# minor; 120bpm!"``).
Phrases are matched longest first, so ``"electric piano"`` is one instrument and not a piano.
Words nothing understood are reported (minus stop words) so a caller can tell the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from music_gen.engines.composer.descriptors import DESCRIPTORS, place_style, read_descriptors
from music_gen.engines.composer.ensembles import ENSEMBLE_WORDS, ENSEMBLES
from music_gen.engines.composer.genre_words import GENRE_WORDS, WEAK_GENRE_WORDS
from music_gen.engines.composer.grooves import GROOVE_WORDS
from music_gen.engines.composer.instruments import GENERIC_INSTRUMENTS, INSTRUMENT_WORDS
from music_gen.engines.composer.meters import DANCE_METERS, METER_WORDS
from music_gen.engines.composer.moods import MOOD_WORDS, TEMPO_WORDS
from music_gen.engines.composer.prompt_band import LIMIT_WORDS, adjacent_roles, solo_limits
from music_gen.engines.composer.theory import MODE_ALIASES, parse_pitch_class
from music_gen.engines.composer.vocabulary import correct, expand, known_words, normalize

#: Lowest and highest tempo a prompt may ask for.
MIN_TEMPO_BPM = 30.0
MAX_TEMPO_BPM = 260.0


def _words(text: str) -> list[str]:
    return text.split()


#: Words that carry no musical request.
STOP_WORDS = frozenset(
    _words(
        """a an the and or with without in of for on at to by from into some very really quite
        music song songs track tune piece pieces composition style styled feel feeling vibe
        vibes sound sounds sounding like that this it its is are be plus also kind type
        sort playing plays play played featuring feature features using use made make me my
        band group ensemble section sections feat ft full one two three four five six several
        please background instrumental instrument instruments arrangement part parts line
        lines tempo key mode meter time signature bpm beats per minute minutes seconds second
        long short little bit more less over under around about than tone tones session scene"""
    )
)

#: Words that say which role a part plays.
ROLE_WORDS: dict[str, str] = {
    "melody": "melody",
    "melodic": "melody",
    "melodies": "melody",
    "lead": "melody",
    "solo": "melody",
    "theme": "melody",
    "tune": "melody",
    "riff": "melody",
    "riffs": "melody",
    "comping": "chords",
    "comp": "chords",
    "chords": "chords",
    "chord": "chords",
    "chordal": "chords",
    "accompaniment": "chords",
    "rhythm": "chords",
    "strumming": "chords",
    "strummed": "chords",
    "arpeggio": "chords",
    "arpeggios": "chords",
    "arpeggiated": "chords",
    "walking": "bass",
    "bassline": "bass",
    "groove": "drums",
    "pattern": "drums",
    "pad": "pad",
    "pads": "pad",
    "drone": "pad",
    "countermelody": "counter",
    "counter": "counter",
    "harmony": "counter",
}
#: Words that also set the playing style of their part.
STYLE_WORDS = frozenset(
    {
        "walking",
        "comping",
        "swing",
        "shuffle",
        "arpeggio",
        "arpeggios",
        "arpeggiated",
        "strumming",
        "strummed",
        "solo",
        "riff",
        "riffs",
    }
)

_SWING_WORDS = {
    "swing": True,
    "swung": True,
    "swinging": True,
    "shuffle": True,
    "straight": False,
    "straight eighths": False,
}

_TEMPO_RE = re.compile(r"(\d{2,3}(?:\.\d+)?)\s*(?:bpm|beats per minute|beats a minute)\b")
_TEMPO_WORD_RE = re.compile(r"\btempo (?:of )?(\d{2,3}(?:\.\d+)?)\b")
_MODE_WORDS = (
    r"(harmonic minor|natural minor|phrygian dominant|spanish phrygian|hijaz|freygish"
    r"|mixolydian|phrygian|dorian|lydian|aeolian|ionian"
    r"|major|minor|maj|min)"
)
_ACC = r"(#|b|\s?-?sharp|\s?-?flat)"
_KEY_PATTERNS = (
    # "in drop D", "drop C tuning": the guitars' lowest string, the key's tonic.
    re.compile(r"\b(?:in\s+)?drop\s+([a-g])" + _ACC + r"?()()(?:\s+tuning)?(?![a-z0-9#])"),
    # "in D", "in the key of F# minor", "key of Bb dorian" ("in a" needs more: "a" is a word).
    re.compile(
        r"\b(?:in the key of|key of|in)\s+([a-g])"
        + _ACC
        + r"?(?:\s*"
        + _MODE_WORDS
        + r"|(m))?(?![a-z0-9#])"
    ),
    # "D minor", "F# mixolydian".
    re.compile(r"\b([a-g])" + _ACC + r"?\s*" + _MODE_WORDS + r"\b()"),
    # "Bb", "F#", "F#m".
    re.compile(r"\b([a-g])(#|b)()(m)?(?![a-z0-9#])"),
)
_AFTER_KEY = frozenset(
    {"with", "and", "at", "for", "using", "featuring", "on", "in", "played", "plus", "by"}
)
_BARE_MODE_RE = re.compile(
    r"\b(phrygian dominant|spanish phrygian|hijaz|freygish|major|minor|dorian|phrygian|lydian"
    r"|mixolydian|aeolian|ionian|harmonic minor|natural minor)\b"
)
_NEGATION_RE = re.compile(r"\b(?:no|without|minus|except)\s+")
#: GM instrument names that typo correction never aims at (sound effects, odd names).
_GM_ONLY = frozenset(
    {"rain fx", "soundtrack fx", "crystal fx", "atmosphere fx", "brightness fx", "goblins fx"}
    | {
        "echoes fx",
        "sci-fi fx",
        "seashore",
        "bird tweet",
        "telephone ring",
        "helicopter",
        "applause",
        "gunshot",
    }
    | {"blown bottle", "breath noise", "guitar fret noise", "reverse cymbal", "tinkle bell"}
)
#: Longest phrase in words.
_MAX_PHRASE_WORDS = 6


_GENERIC_WORDS = {w: w for w in GENERIC_INSTRUMENTS}
#: Every vocabulary, in the order that wins when a phrase is in two of them.
_VOCABULARIES: dict[str, dict[str, str]] = {
    "genre": dict(GENRE_WORDS),
    "ensemble": dict(ENSEMBLE_WORDS),
    "instrument": {**INSTRUMENT_WORDS, **_GENERIC_WORDS},
    "groove": dict(GROOVE_WORDS),
    "mood": dict(MOOD_WORDS),
    "tempo": {k: str(v) for k, v in TEMPO_WORDS.items()},
    "role": dict(ROLE_WORDS),
    "limit": {w: w for w in LIMIT_WORDS},
    "descriptor": {w: w for w in DESCRIPTORS},
}
_KINDS = tuple(_VOCABULARIES)
_COMBINED: dict[str, str] = {}
for _kind, _vocabulary in _VOCABULARIES.items():
    for _phrase, _value in expand(_vocabulary).items():
        _COMBINED.setdefault(_phrase, f"{_kind}:{_value}")
#: Phrases that hold a swing word and must be read before it.
_EARLY = {p: v for p, v in _COMBINED.items() if " " in p and {"swing", "shuffle"} & set(p.split())}
_DANCE_METERS = expand(DANCE_METERS)
_EXCLUDABLE = expand({**INSTRUMENT_WORDS, **_GENERIC_WORDS, "bass line": "bass"})
_KNOWN = known_words(_COMBINED) | STOP_WORDS | known_words(METER_WORDS) | set(_SWING_WORDS)
#: Words a typo may be corrected to: the prompt words of every vocabulary, minus General MIDI's
#: sound-effect names ("bottle", "rain"), which are played only when named exactly.
_TARGETS = sorted(
    {
        w
        for kind, vocabulary in _VOCABULARIES.items()
        for phrase in vocabulary
        for w in normalize(phrase).split()
        if len(w) >= 4 and w.isalpha() and (kind != "instrument" or phrase not in _GM_ONLY)
    }
)
_PROTECTED = set(MODE_ALIASES) | {"sharp", "flat", "major", "minor", "harmonic", "natural"}


@dataclass(frozen=True)
class PromptReading:
    """What a prompt asks for; None (or empty) where it leaves a choice open."""

    text: str
    genre: str | None = None
    mood: str | None = None
    # Every mood word found, in order (the first is ``mood``).
    moods: tuple[str, ...] = ()
    tempo_bpm: float | None = None
    # True when the tempo came from a number ("120 bpm"), not a word ("fast").
    tempo_explicit: bool = False
    tonic_pc: int | None = None
    # The tonic as written ("F#", "Bb"), to keep the asker's spelling.
    tonic_name: str | None = None
    mode: str | None = None
    meter: str | None = None
    swing: bool | None = None
    # Instrument words in prompt order, canonical names (or "guitar"/"synth", genre-resolved).
    instruments: tuple[str, ...] = ()
    # Instruments the prompt excludes ("no drums").
    excluded: tuple[str, ...] = ()
    # Role words found ("melody", "chords", "bass", ...), in order.
    roles: tuple[str, ...] = ()
    # Playing-style words found ("walking", "comping", "swing", ...).
    styles: tuple[str, ...] = ()
    unrecognized: tuple[str, ...] = field(default_factory=tuple)
    # Role asked for a named instrument by a word next to it ("vibraphone solo",
    # "rhythm guitar"): (instrument word, role) pairs.
    instrument_roles: tuple[tuple[str, str], ...] = ()
    # Ensembles named ("string quartet", "big band"), canonical names.
    ensembles: tuple[str, ...] = ()
    # Groove, timbre and articulation requests ("one drop", "palm-muted"), canonical names.
    grooves: tuple[str, ...] = ()
    # Words that limit the band to the named instruments ("only", "trio", "solo piano").
    limits: tuple[str, ...] = ()
    # Typos corrected: (as written, as read).
    corrections: tuple[tuple[str, str], ...] = ()
    # Place, era and use words found ("andalusian", "80s", "boss fight"), in order.
    descriptors: tuple[str, ...] = ()
    # Instrument words those bring to their style ("nordic" folk: nyckelharpa): they join the
    # band as named instruments do, but never limit it.
    featured: tuple[str, ...] = ()
    # A place's own ensemble ("japanese": koto, shakuhachi, taiko), (instrument word, role),
    # played instead of the genre's band.
    place_band: tuple[tuple[str, str], ...] = ()

    @property
    def recognised(self) -> bool:
        """Whether anything in the prompt was understood."""
        return any(
            (
                self.genre,
                self.moods,
                self.tempo_bpm,
                self.tonic_pc is not None,
                self.mode,
                self.meter,
                self.swing is not None,
                self.instruments,
                self.excluded,
                self.roles,
                self.ensembles,
                self.grooves,
                self.descriptors,
            )
        )


class _Consumer:
    """Tracks which characters of the prompt have been understood."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.used = [False] * len(text)

    def take(self, start: int, end: int) -> None:
        for i in range(start, end):
            self.used[i] = True

    def free(self, start: int, end: int) -> bool:
        return not any(self.used[start:end])

    def find_phrases(self, vocabulary: dict[str, str]) -> list[tuple[int, str, str]]:
        """(position, phrase, value) for each vocabulary phrase found, longest phrases first."""
        tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", self.text)]
        hits = []
        for size in range(min(_MAX_PHRASE_WORDS, len(tokens)), 0, -1):
            for i in range(len(tokens) - size + 1):
                start, end = tokens[i][0], tokens[i + size - 1][1]
                phrase = self.text[start:end]
                if phrase in vocabulary and self.free(start, end):
                    self.take(start, end)
                    hits.append((start, phrase, vocabulary[phrase]))
        return sorted(hits)

    def leftover_words(self) -> list[str]:
        words = []
        for match in re.finditer(r"[a-z0-9#/\-.]+", self.text):
            if self.free(match.start(), match.end()):
                words.append(match.group())
        return words


def read_prompt(prompt: str) -> PromptReading:
    """Read what a prompt asks for.

    Example:
        >>> r = read_prompt("Upbeat jazz in Bb with walking bass, 140 bpm")
        >>> (r.genre, r.tonic_name, r.tempo_bpm, r.instruments)
        ('jazz', 'Bb', 140.0, ('bass',))
    """
    text, corrections = correct(normalize(prompt), _KNOWN, _TARGETS, _PROTECTED)
    consumer = _Consumer(text)

    tempo_bpm: float | None = None
    tempo_explicit = False
    for regex in (_TEMPO_RE, _TEMPO_WORD_RE):
        match = regex.search(text)
        if match and tempo_bpm is None:
            tempo_bpm = min(max(float(match.group(1)), MIN_TEMPO_BPM), MAX_TEMPO_BPM)
            tempo_explicit = True
            consumer.take(match.start(), match.end())

    tonic_pc, tonic_name, mode = _read_key(text, consumer)

    meter = None
    for _, phrase, value in consumer.find_phrases(METER_WORDS):
        # A written signature wins over a word for a meter ("waltz in 9/8").
        if meter is None or "/" in phrase:
            meter = value
    excluded = _read_exclusions(text, consumer)
    # Longer phrases holding a swing word ("swing band", "shuffle") go first.
    early = consumer.find_phrases(_EARLY)
    swing = None
    for _, _, value in consumer.find_phrases({k: str(v) for k, v in _SWING_WORDS.items()}):
        swing = value == "True" if swing is None else swing
    styles = [w for w in ("swing", "shuffle") if re.search(rf"\b{w}\b", text)]

    by_kind: dict[str, list[tuple[int, str, str]]] = {kind: [] for kind in _KINDS}
    for position, phrase, tagged in sorted(early + consumer.find_phrases(_COMBINED)):
        kind, value = tagged.split(":", 1)
        by_kind[kind].append((position, phrase, value))
    genre_hits, instrument_hits = by_kind["genre"], by_kind["instrument"]
    mood_hits, tempo_hits, role_hits = by_kind["mood"], by_kind["tempo"], by_kind["role"]

    if tempo_bpm is None and tempo_hits:
        tempo_bpm = float(tempo_hits[0][2])
    # A place word inside an instrument's name still places the piece ("spanish guitar").
    named_places = [
        (position, word, word)
        for position, phrase, _ in instrument_hits
        for word in phrase.split()
        if word in DESCRIPTORS
    ]
    descriptor_hits = sorted(by_kind["descriptor"] + named_places)
    descriptors = tuple(dict.fromkeys(value for _, _, value in descriptor_hits))
    genre_hits = _specific_first(genre_hits, descriptors)
    genre = genre_hits[0][2] if genre_hits else None
    if meter is None:
        # A dance fixes its meter: "irish jig" 6/8, "slip jig" 9/8, "reel" 4/4.
        meter = next((_DANCE_METERS[p] for _, p, _ in genre_hits if p in _DANCE_METERS), None)
    ensembles = tuple(dict.fromkeys(value for _, _, value in by_kind["ensemble"]))
    if genre is None and ensembles:
        # "jazz trio", "orchestral", "string quartet": the ensemble's style.
        phrase = by_kind["ensemble"][0][1]
        inner = [GENRE_WORDS[w] for w in phrase.split() if w in GENRE_WORDS]
        genre = inner[0] if inner else (ENSEMBLES[ensembles[0]].genre or None)
    if genre is None and swing and "swing" in styles:
        genre = "swing"
    moods = tuple(dict.fromkeys(value for _, _, value in mood_hits))
    instruments = tuple(dict.fromkeys(value for _, _, value in instrument_hits))
    described = read_descriptors(descriptors, genre, genre_named=bool(genre_hits))
    genre = described.genre
    mode = mode or described.mode
    meter = meter or described.meter
    moods = moods or ((described.mood,) if described.mood else ())
    featured = [INSTRUMENT_WORDS.get(w, w) for w in described.instruments]
    roles = tuple(value for _, _, value in role_hits)
    styles += [phrase for _, phrase, _ in role_hits if phrase in STYLE_WORDS]
    grooves = [value for _, _, value in by_kind["groove"]]
    if "shuffle" in styles:
        grooves.append("shuffle")
    limits = [phrase for _, phrase, _ in by_kind["limit"]]
    instrument_roles = adjacent_roles(text, instrument_hits, role_hits)
    # A place's ensemble named as one ("chinese orchestra") is a band for a solo to stand in.
    band_named = any(w in ENSEMBLE_WORDS for d in descriptors for w in d.split())
    if solo_limits(
        text, instrument_hits, role_hits, bool(genre_hits or by_kind["ensemble"] or band_named)
    ):
        limits.append("solo")

    leftovers = [
        w
        for w in consumer.leftover_words()
        if w not in STOP_WORDS and not re.fullmatch(r"[\d.\-/]+", w)
    ]
    # A correction that still means nothing is undone: the word is reported as written.
    unrecognized = []
    for word in leftovers:
        undone = next((c for c in corrections if c[1] == word), None)
        if undone is not None:
            corrections.remove(undone)
            word = undone[0]
        unrecognized.append(word)
    return PromptReading(
        text=prompt,
        genre=genre,
        mood=moods[0] if moods else None,
        moods=moods,
        tempo_bpm=tempo_bpm,
        tempo_explicit=tempo_explicit,
        tonic_pc=tonic_pc,
        tonic_name=tonic_name,
        mode=mode,
        meter=meter,
        swing=swing,
        instruments=tuple(i for i in instruments if i not in excluded),
        excluded=tuple(excluded),
        roles=roles,
        styles=tuple(dict.fromkeys(styles)),
        unrecognized=tuple(unrecognized),
        instrument_roles=tuple((w, r) for w, r in instrument_roles if w not in excluded),
        ensembles=ensembles,
        grooves=tuple(dict.fromkeys(grooves)),
        limits=tuple(dict.fromkeys(limits)),
        corrections=tuple(corrections),
        descriptors=descriptors,
        featured=tuple(
            dict.fromkeys(w for w in featured if w not in instruments and w not in excluded)
        ),
        place_band=described.band,
    )


def _specific_first(
    genre_hits: list[tuple[int, str, str]], descriptors: tuple[str, ...]
) -> list[tuple[int, str, str]]:
    """Genre hits with weak words ("dance", "acoustic") after the specific ones, and dropped
    where a place word names the style ("bulgarian dance" is a Bulgarian folk dance)."""
    strong = [hit for hit in genre_hits if hit[1] not in WEAK_GENRE_WORDS]
    if strong or place_style(descriptors) is None:
        return strong + [hit for hit in genre_hits if hit[1] in WEAK_GENRE_WORDS]
    return []


def _read_key(text: str, consumer: _Consumer) -> tuple[int | None, str | None, str | None]:
    tonic_pc = tonic_name = mode = None
    for pattern in _KEY_PATTERNS:
        for match in pattern.finditer(text):
            letter, accidental, mode_word, short_minor = match.groups()
            if letter == "a" and not accidental and not mode_word and not short_minor:
                # "in a" is the key of A only when no noun follows ("rock in A", "in A, 90
                # bpm", "in A with drums"), not in "in a calm mood".
                following = text[match.end() :].split()
                if following and following[0] not in _AFTER_KEY and not following[0][0].isdigit():
                    continue
            note = letter + (accidental or "").strip()
            tonic_pc = parse_pitch_class(note)
            tonic_name = _spell(note)
            if mode_word or short_minor:
                word = mode_word or "minor"
                word = {"maj": "major", "min": "minor"}.get(word, word)
                mode = MODE_ALIASES.get(word, word)
            consumer.take(match.start(), match.end())
            break
        if tonic_pc is not None:
            break
    if mode is None:
        bare = _BARE_MODE_RE.search(text)
        if bare and consumer.free(bare.start(), bare.end()):
            mode = MODE_ALIASES.get(bare.group(1), bare.group(1))
            consumer.take(bare.start(), bare.end())
    return tonic_pc, tonic_name, mode


def _spell(note: str) -> str:
    note = note.replace("-", "").replace(" ", "")
    note = note.replace("sharp", "#").replace("flat", "b")
    return note[0].upper() + note[1:]


def _read_exclusions(text: str, consumer: _Consumer) -> list[str]:
    excluded = []
    for match in _NEGATION_RE.finditer(text):
        rest = text[match.end() :]
        for phrase in _EXCLUDABLE_LONGEST_FIRST:
            if re.match(re.escape(phrase) + r"(?![a-z])", rest):
                start = match.end()
                consumer.take(match.start(), start + len(phrase))
                excluded.append(_EXCLUDABLE[phrase])
                break
    return excluded


_EXCLUDABLE_LONGEST_FIRST = sorted(_EXCLUDABLE, key=len, reverse=True)


def resolve_instrument(word: str, genre: str, family: str = "") -> str:
    """The canonical instrument for a prompt word, resolving generic words by genre (or, for
    a sub-genre without its own entry, by its family)."""
    if word in GENERIC_INSTRUMENTS:
        table = GENERIC_INSTRUMENTS[word]
        return table.get(genre, table.get(family, table[""]))
    return INSTRUMENT_WORDS.get(word, word)
