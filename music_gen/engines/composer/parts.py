"""Parts: which instrument plays which role, in which style, on which MIDI channel.

A prompt that limits the band ("solo piano", "flute and harp only") plays exactly the named
instruments: a lead instrument takes the melody, keys or guitars the chords, basses the bass
line; a lone piano (guitar, harp...) accompanies its own melody. (Otherwise named
instruments join the genre's band: see :mod:`band`.) For multi-instrument requests the part's
name gives the instrument and its prompt the role and style ("walking" bass, "comping"
chords, "swing" drums).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from music_gen.engines.composer.instruments import (
    INSTRUMENT_WORDS,
    INSTRUMENTS,
    Instrument,
)
from music_gen.engines.composer.meters import METERS
from music_gen.engines.composer.prompt import PromptReading, read_prompt, resolve_instrument
from music_gen.engines.composer.styles import Genre
from music_gen.engines.composer.world_instruments import DRONE_INSTRUMENTS, WORLD_ARTICULATIONS
from music_gen.errors import InvalidParameterError

DRUM_CHANNEL = 9
MELODIC_CHANNELS = [c for c in range(16) if c != DRUM_CHANNEL]
#: Pitch class of the drum that carries a groove's pitch, where that drum is a tuned one
#: (FluidR3_GM): the TR-808 kit's (GM 25) kick booms about G#1. In standard kits, the low
#: tom that plays a bodhran ("celtic" grooves) rings about D2 and the floor tom of the surf
#: beat's driving eighths about A1 (untuned, surf rock in E minor read E major). Players
#: tune these drums; an untuned one sounds one pitch whatever the key, loud enough to be
#: heard as the key.
_KICK_PITCH_CLASS = {25: 8}
_TOM_PITCH_CLASS = {"celtic": 2, "surf": 9}
#: The Standard kit's (GM 0) kick, whose thump falls from about G#2. A few kicks a bar are
#: heard as thumps; a double kick (a kick on every sixteenth) is a drone heard as a pitch,
#: and untuned its ring sits on the major third of D minor and beside E minor's tonic, so
#: metal drummers tune it to the key.
_DOUBLE_KICK_PITCH_CLASS = {0: 8}
_DOUBLE_KICK_GROOVES = frozenset({"metal", "blast"})
#: (groove, kit) -> pitch class of the drum that carries the groove's pitch, in the
#: Electronic kit (GM 24). Hardstyle's kick (about G#2) is its lead sound, hit hard on every
#: beat and tuned to the key by its producers (untuned, A minor read G major). A drum and
#: bass break is pitched to the key as a whole, its loud snare (about C) on the tonic; as
#: it was, snare and kick (G#) rang out C minor over F minor.
_GROOVE_PITCH_CLASS = {("hardstyle", 24): 8, ("dnb", 24): 0}


@dataclass(frozen=True)
class PartPlan:
    """One part: who plays what."""

    name: str
    instrument: str
    program: int
    role: str
    is_drum: bool
    # Playing style ("walking", "pulse8", "rock", ...), decided by genre and prompt words.
    style: str
    channel: int
    pan: float
    level: float
    # How notes are played: "" as written, "staccato", "legato" or "palm" (palm-muted).
    articulation: str = ""
    # Semitones the whole part is bent by: a drum kit tuned so that its pitched drum (an 808
    # kick, a bodhran tom) sounds the tonic (see tune_to_key).
    tune_semitones: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The part as plan metadata."""
        return {
            "name": self.name,
            "instrument": self.instrument,
            "program": self.program,
            "role": self.role,
            "is_drum": self.is_drum,
            "style": self.style,
            "channel": self.channel,
            "articulation": self.articulation,
            "tune_semitones": self.tune_semitones,
        }


@dataclass(frozen=True)
class PartRequest:
    """A part asked for by name, with what it should play in words (multi-instrument)."""

    name: str
    prompt: str


def _default_role(instrument: Instrument) -> str:
    return {
        "drums": "drums",
        "bass": "bass",
        "lead": "melody",
        "pad": "pad",
        "keys": "chords",
        "guitar": "chords",
        "mallet": "chords",
        "perc": "percussion",
    }[instrument.family]


def _style_for(role: str, instrument: Instrument, genre: Genre, words: Sequence[str]) -> str:
    if role == "drums":
        if "swing" in words:
            return "jazz"
        if "shuffle" in words:
            return "shuffle"
        return genre.drums or "pop"
    if role == "bass":
        if instrument.name in DRONE_INSTRUMENTS:
            return "drone"
        return "walking" if "walking" in words else genre.bass
    if role in ("chords", "pad"):
        if "comping" in words:
            return "jazz" if genre.swing or genre.base == "jazz" else genre.comp
        if any(w in words for w in ("arpeggio", "arpeggios", "arpeggiated")):
            return "arpeggio"
        if any(w in words for w in ("strumming", "strummed")):
            return "strum"
        if role == "pad" or instrument.family == "pad":
            return "pad"
        style = genre.comp
        if style == "power" and instrument.family != "guitar":
            return "pulse8"
        if style == "pulse8" and instrument.family == "guitar":
            # A pop guitar strums rather than pulsing like a piano.
            return "strum"
        if style in ("strum", "skank", "boomchick") and instrument.family not in ("guitar", "keys"):
            return "block"
        return style
    return genre.melody


def make_parts(
    entries: list[tuple[str, str, str]], genre: Genre, words: Sequence[str]
) -> list[PartPlan]:
    """Build PartPlans from (name, instrument, role) entries, assigning channels.

    Raises:
        InvalidParameterError: More melodic parts than MIDI channels.
    """
    if sum(1 for _, inst, _ in entries if not INSTRUMENTS[inst].is_drum) > len(MELODIC_CHANNELS):
        raise InvalidParameterError(
            f"at most {len(MELODIC_CHANNELS)} melodic parts are supported, got {len(entries)}",
            details={"parts": [name for name, _, _ in entries]},
        )
    parts = []
    channels = iter(MELODIC_CHANNELS)
    for name, inst_name, role in entries:
        inst = INSTRUMENTS[inst_name]
        channel = DRUM_CHANNEL if inst.is_drum else next(channels)
        parts.append(
            PartPlan(
                name=name,
                instrument=inst.name,
                program=genre.kit if inst.is_drum else inst.program,
                role="drums" if inst.is_drum else role,
                is_drum=inst.is_drum,
                style=_style_for(role, inst, genre, words),
                channel=channel,
                pan=inst.pan,
                level=inst.level,
                articulation=WORLD_ARTICULATIONS.get(inst.name, ""),
            )
        )
    return parts


def _unique(name: str, taken: set[str], role: str) -> str:
    candidate = name if name not in taken else f"{name} {role}"
    index = 2
    while candidate in taken:
        candidate = f"{name} {index}"
        index += 1
    taken.add(candidate)
    return candidate


def prompt_parts(reading: PromptReading, genre: Genre, quiet: bool) -> list[PartPlan]:
    """The parts of a prompt whose named instruments are the whole band (the prompt limits
    the band: "solo piano", "flute and harp only", or names one solo player)."""
    words = list(reading.styles)
    named = [resolve_instrument(w, genre.name, genre.base) for w in reading.instruments]
    if reading.genre and named and all(INSTRUMENTS[n].family == "bass" for n in named):
        # "Jazz with a walking bass": the genre's band, with the named bass.
        band = [(named[0] if r == "bass" else i, r) for i, r in genre.band]
        if not genre.drums_always and (quiet or not genre.has_drums):
            band = [(i, r) for i, r in band if r != "drums"]
        taken_: set[str] = set()
        return make_parts([(_unique(i, taken_, r), i, r) for i, r in band], genre, words)
    if not reading.instruments:
        band = list(genre.band)
        if not genre.drums_always and (quiet or not genre.has_drums):
            band = [(i, r) for i, r in band if r != "drums"]
        band = [(i, r) for i, r in band if i not in reading.excluded]
        taken: set[str] = set()
        entries = [(_unique(i, taken, r), i, r) for i, r in band]
        return make_parts(entries, genre, words)
    names = [resolve_instrument(w, genre.name, genre.base) for w in reading.instruments]
    names = list(dict.fromkeys(names))
    insts = [INSTRUMENTS[n] for n in names]
    leads = [i for i in insts if i.family == "lead"]
    polys = [i for i in insts if i.family in ("keys", "guitar", "mallet")]
    pads = [i for i in insts if i.family == "pad"]
    melody = leads[0] if leads else (polys[0] if polys else (pads[0] if pads else None))
    roles: list[tuple[str, str]] = []
    chords_taken = False
    for inst in insts:
        if inst.is_drum:
            roles.append((inst.name, "drums"))
        elif inst.family == "perc":
            roles.append((inst.name, "percussion"))
        elif inst.family == "bass":
            roles.append((inst.name, "bass" if len(insts) > 1 or not leads else "melody"))
        elif inst is melody:
            roles.append((inst.name, "melody"))
        elif inst.family == "lead":
            roles.append((inst.name, "counter"))
        elif inst.family == "pad":
            roles.append((inst.name, "pad" if chords_taken or polys else "chords"))
            chords_taken = True
        else:
            roles.append((inst.name, "chords" if not chords_taken else "counter"))
            chords_taken = True
    solo = not chords_taken and melody is not None and melody.polyphonic
    if solo and melody is not None:
        # A solo piano (guitar, harp...) accompanies its own melody.
        roles.append((melody.name, "chords"))
    if all(r == "bass" for _, r in roles) and roles:
        roles[0] = (roles[0][0], "melody")
    taken = set()
    entries = [(_unique(i, taken, r), i, r) for i, r in roles]
    parts = make_parts(entries, genre, words)
    if solo and reading.meter not in ("2/4", "3/4"):
        # (A waltz keeps its oom-pah-pah left hand, a polka its oom-pah.)
        parts = [_solo_accompaniment(p, genre, words, quiet) for p in parts]
    return parts


#: Genres whose solo players comp (rootless voicings over a left-hand bass) rather than
#: break chords.
_COMPING_GENRES = ("jazz", "blues", "bossa nova", "lo-fi", "hip-hop", "funk")
#: Genres whose solo players break chords in the left hand whatever the mood.
_BROKEN_CHORD_GENRES = ("classical", "folk", "ambient", "cinematic", "country")


def _solo_accompaniment(
    part: PartPlan, genre: Genre, words: Sequence[str], quiet: bool
) -> PartPlan:
    """A solo player's accompaniment: a left-hand broken chord (bass note on the downbeat,
    the chord in eighths) for quiet moods and classical or folk styles, the genre's comping
    otherwise. Styles the prompt names ("strumming", "comping") are kept."""
    asked = {"comping", "strumming", "strummed", "arpeggio", "arpeggios", "arpeggiated"}
    if part.role != "chords" or asked.intersection(words) or genre.base in _COMPING_GENRES:
        return part
    if quiet or genre.base in _BROKEN_CHORD_GENRES:
        return replace(part, style="arpeggio")
    return part


def requested_parts(
    requests: Sequence[PartRequest], genre: Genre, reading: PromptReading
) -> list[PartPlan]:
    entries = []
    words_by_part: dict[str, list[str]] = {}
    for request in requests:
        inst_name = _instrument_for_request(request, genre)
        part_reading = read_prompt(request.prompt)
        inst = INSTRUMENTS[inst_name]
        role = part_reading.roles[0] if part_reading.roles else _default_role(inst)
        if inst.is_drum:
            role = "drums"
        elif role == "drums":
            role = _default_role(inst)
        if role == "bass" and inst.family not in ("bass",) and "walking" not in part_reading.styles:
            role = _default_role(inst)
        entries.append((request.name, inst_name, role))
        words_by_part[request.name] = list(part_reading.styles)
    parts = []
    for entry in entries:
        parts.extend(make_parts([entry], genre, words_by_part[entry[0]]))
    # Channels must be distinct across parts; make_parts numbered each alone.
    channels = iter(MELODIC_CHANNELS)
    result = []
    for part in parts:
        channel = DRUM_CHANNEL if part.is_drum else next(channels)
        result.append(PartPlan(**{**part.__dict__, "channel": channel}))
    return result


def _instrument_for_request(request: PartRequest, genre: Genre) -> str:
    name = " ".join(request.name.lower().replace("_", " ").replace("-", " ").split())
    candidates = [name, name.rstrip("s"), name.rstrip("0123456789 ").strip()]
    for candidate in candidates:
        if candidate in INSTRUMENT_WORDS or candidate in ("guitar", "synth"):
            return resolve_instrument(candidate, genre.name, genre.base)
    part_reading = read_prompt(f"{request.name} {request.prompt}")
    if part_reading.instruments:
        return resolve_instrument(part_reading.instruments[0], genre.name, genre.base)
    known = sorted(set(INSTRUMENT_WORDS) | {"guitar", "synth"})
    raise InvalidParameterError(
        f"Unknown instrument {request.name!r} (part prompt {request.prompt!r}); "
        f"known instruments: {', '.join(known)}",
        details={"part": request.name, "known_instruments": known},
    )


def tune_to_key(part: PartPlan, tonic_pc: int) -> PartPlan:
    """``part`` with its drum kit tuned so its pitched drum (an 808 kick, a bodhran, a surf
    floor tom, a double kick, a hardstyle kick, a break's snare) sounds the tonic; others as
    they are. The bend is the nearest one (-6..5 semitones)."""
    if not part.is_drum:
        return part
    groove, *transforms = part.style.split("+")
    double_kick = groove in _DOUBLE_KICK_GROOVES or "doublekick" in transforms
    if groove in _TOM_PITCH_CLASS and part.program != 25:
        pitch_class = _TOM_PITCH_CLASS[groove]
    elif part.program in _KICK_PITCH_CLASS:
        pitch_class = _KICK_PITCH_CLASS[part.program]
    elif double_kick and part.program in _DOUBLE_KICK_PITCH_CLASS:
        pitch_class = _DOUBLE_KICK_PITCH_CLASS[part.program]
    elif (groove, part.program) in _GROOVE_PITCH_CLASS:
        pitch_class = _GROOVE_PITCH_CLASS[groove, part.program]
    else:
        return part
    return replace(part, tune_semitones=(tonic_pc - pitch_class + 6) % 12 - 6)


def fit_meter(part: PartPlan, meter: str) -> PartPlan:
    """The part with a style that works in ``meter`` (its ``chord_style``); pads keep
    sustaining; 4/4 styles are unchanged."""
    if meter == "4/4" or part.role not in ("chords", "pad"):
        return part
    if part.role == "pad" and part.style in ("pad", "block"):
        return part
    if part.style == "arpeggio":
        return part
    return replace(part, style=METERS[meter].chord_style)
