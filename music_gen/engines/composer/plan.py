"""PiecePlan: every decision about a piece before a note is written.

A plan fixes genre, mood, tempo, key, meter, swing, the parts (instrument, role, style), the
form (sections of whole bars scaled to the duration) and the chords of every bar. Whatever
the prompt leaves open is drawn from genre and mood tables by the :class:`Chooser`, so the
same seed and prompt always give the same plan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from music_gen.engines.composer.band import band_parts
from music_gen.engines.composer.grooves import GROOVES
from music_gen.engines.composer.instruments import INSTRUMENTS
from music_gen.engines.composer.keys import choose_key
from music_gen.engines.composer.meters import (
    METER_GENRES,
    METERS,
    SLOWEST_COMPOUND_BPM,
    Meter,
)
from music_gen.engines.composer.moods import (
    CLASSICAL_TEMPO_MARKS,
    INSTRUMENT_GENRES,
    MOOD_GENRES,
    MOODS,
    SOLO_GENRES,
)
from music_gen.engines.composer.parts import (
    PartPlan,
    PartRequest,
    fit_meter,
    requested_parts,
    tune_to_key,
)
from music_gen.engines.composer.prompt import PromptReading, read_prompt, resolve_instrument
from music_gen.engines.composer.sampling import Chooser
from music_gen.engines.composer.sections import SectionPlan, plan_sections
from music_gen.engines.composer.styles import GENRES, Genre
from music_gen.engines.composer.theory import (
    MINOR_MODES,
    pitch_name,
)
from music_gen.engines.composer.vocabulary import normalize

#: Seconds before the end at which the last notes are released, so their decay fits.
TAIL_S = 0.6
#: Below this tempo sparse melodies get one density step busier.
SLOW_TEMPO_BPM = 92.0
_MODAL_PROGRESSIONS = {
    "dorian": (("i7 | IV7 | i7 | IV7", "i7 | ii7 | i7 | IV7"), ("bIIImaj7 | IV7 | i7 | i7",)),
    "mixolydian": (("I | bVII | IV | I", "I | I | bVII | IV"), ("IV | bVII | I | I",)),
    "lydian": (("I | II | I | II", "Imaj7 | II | vii | II"), ("V | II | I | I",)),
    "phrygian": (("i | bII | i | bII", "i | bII | bVII | i"), ("bVII | bII | i | i",)),
    "phrygian dominant": (("I | bII | I | bII", "I | iv | bII | I"), ("iv | bII | I | I",)),
}
_GENRE_SOURCES = {
    "meter": "the meter",
    "tempo": "the Italian tempo mark",
    "solo": "the solo instrument and the mood",
    "instrument": "the instrument",
    "mood": "the mood",
}
#: Reverb level of a mix whose prompt does not ask for more or less.
DEFAULT_REVERB = 0.35
#: The genre of a prompt in which nothing was recognised (said in the plan's notes).
DEFAULT_GENRE = "pop"


@dataclass(frozen=True)
class PiecePlan:
    """Every decision about the piece; notes are written from it."""

    prompt: str
    genre: str
    mood: str
    tempo_bpm: float
    tonic_pc: int
    mode: str
    flats: bool
    meter: str
    # Swing: offbeat delay as a fraction of a beat, on 8ths or 16ths.
    swing: float
    swing_unit: str
    parts: tuple[PartPlan, ...]
    sections: tuple[SectionPlan, ...]
    duration_s: float
    # Melody rhythm density: "sparse", "medium", "busy" or "long".
    density: str
    # Velocity scale of the mood, ~0.7 .. 1.15.
    energy: float
    kit: int
    unrecognized: tuple[str, ...]
    progression_a: str
    progression_b: str
    # Where the genre came from: "prompt" (a genre or ensemble word), "meter", "tempo" (an
    # Italian tempo mark), "solo", "instrument", "mood" or "default" (nothing in the prompt
    # was recognised).
    genre_from: str = "prompt"
    # The genre's family (its own name for a broad genre).
    genre_family: str = ""
    ensemble: str | None = None
    grooves: tuple[str, ...] = ()
    # What was decided or substituted, in words ("General MIDI has no mandolin: ...").
    notes: tuple[str, ...] = ()
    # Typos read as known words: (as written, as read).
    corrections: tuple[tuple[str, str], ...] = ()
    # Reverb level of the mix, 0..1.
    reverb: float = DEFAULT_REVERB

    @property
    def beats_per_bar(self) -> int:
        """Counted beats per bar (6/8 counts two dotted quarters, 12/8 four)."""
        return METERS[self.meter].beats

    @property
    def time_signature(self) -> Meter:
        """The meter's beats, beat length and subdivision."""
        return METERS[self.meter]

    @property
    def beat_s(self) -> float:
        """Seconds per counted beat."""
        return 60.0 / self.tempo_bpm

    @property
    def bar_s(self) -> float:
        """Seconds per bar."""
        return self.beats_per_bar * self.beat_s

    @property
    def total_bars(self) -> int:
        """Bars in the piece, the final chord's bar included."""
        return sum(s.num_bars for s in self.sections)

    @property
    def end_s(self) -> float:
        """When the last notes are released."""
        return self.duration_s - min(TAIL_S, 0.25 * self.duration_s)

    @property
    def key_name(self) -> str:
        """``"D minor"``, ``"F# major"``, ``"D dorian"``."""
        return f"{self.tonic_name} {self.mode}"

    @property
    def tonic_name(self) -> str:
        """The tonic spelled for the key."""
        return pitch_name(self.tonic_pc, flats=self.flats)

    @property
    def is_minor(self) -> bool:
        """Whether the tonic triad is minor."""
        return self.mode in MINOR_MODES

    def section_times(self) -> list[tuple[float, float]]:
        """(start_s, end_s) of each section; the last ends at duration_s."""
        times = []
        for index, section in enumerate(self.sections):
            start = section.start_bar * self.bar_s
            end = (section.start_bar + section.num_bars) * self.bar_s
            if index == len(self.sections) - 1:
                end = self.duration_s
            times.append((round(start, 4), round(min(end, self.duration_s), 4)))
        return times

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-serialisable metadata."""
        first_a = next((s for s in self.sections if s.label == "A"), self.sections[0])
        times = self.section_times()
        return {
            "genre": self.genre,
            "mood": self.mood,
            "tempo_bpm": round(self.tempo_bpm, 3),
            "key": self.key_name,
            "tonic": self.tonic_name,
            "mode": self.mode,
            "meter": self.meter,
            "swing": round(self.swing, 3),
            "instruments": list(dict.fromkeys(p.instrument for p in self.parts)),
            "parts": [p.to_dict() for p in self.parts],
            "progression": [c.symbol for bar in first_a.bars[:8] for c in bar],
            "progression_roman": {"A": self.progression_a, "B": self.progression_b},
            "form": [s.label for s in self.sections],
            "sections": [
                {
                    "label": s.label,
                    "start_s": start,
                    "end_s": end,
                    "bars": s.num_bars,
                    "chords": [" ".join(c.symbol for c in bar) for bar in s.bars],
                }
                for s, (start, end) in zip(self.sections, times, strict=True)
            ],
            "total_bars": self.total_bars,
            "bar_s": round(self.bar_s, 6),
            "density": self.density,
            "unrecognized_words": list(self.unrecognized),
            "genre_from": self.genre_from,
            "genre_family": self.genre_family or self.genre,
            "ensemble": self.ensemble,
            "grooves": list(self.grooves),
            "kit": self.kit,
            "reverb": self.reverb,
            "notes": list(self.notes),
            "corrections": {typo: word for typo, word in self.corrections},
        }


def build_plan(
    prompt: str,
    duration_s: float,
    chooser: Chooser,
    *,
    part_requests: Sequence[PartRequest] = (),
) -> PiecePlan:
    """Plan a piece for a prompt (and, for a multi-instrument piece, the named parts).

    Raises:
        InvalidParameterError: A requested part names no known instrument, or there are more
            parts than MIDI channels.
    """
    full_text = " ".join([prompt, *(r.prompt for r in part_requests)])
    reading = read_prompt(full_text)
    own = read_prompt(prompt)
    mood_name = reading.mood or "neutral"
    mood = MOODS[mood_name]
    genre, genre_from = _genre_for(reading, own, mood_name, chooser)
    notes: list[str] = []
    if genre_from == "default":
        notes.append(
            f"nothing in the prompt was recognised; playing the default style, {genre.name}"
            " (see `musicgen styles` for the words the composer knows)"
        )
    elif genre_from != "prompt":
        notes.append(f"genre {genre.name} chosen from {_GENRE_SOURCES[genre_from]}")
    if genre.note and genre_from == "prompt":
        notes.append(f"{genre.name}: {genre.note}")
    meter = reading.meter or genre.meter
    tempo = _choose_tempo(reading, genre, mood.tempo_scale, chooser)
    if METERS[meter].eighth_beats and not reading.tempo_explicit:
        # Genre ranges and tempo words count quarters; 7/8 counts eighths.
        tempo *= 2
    elif reading.tempo_bpm is None and meter != genre.meter:
        scale = METERS[meter].range_scale
        if scale != 1.0:
            tempo = max(float(round(tempo * scale)), min(tempo, SLOWEST_COMPOUND_BPM))
    anthem = "anthem" in full_text.lower()
    mode, tonic_pc, flats = choose_key(reading, genre, mood_name, chooser, anthem=anthem)
    swing_asked = reading.swing
    if swing_asked is None and any(GROOVES[g].swing for g in reading.grooves):
        swing_asked = True
    if swing_asked is not None:
        swing = (genre.swing or 0.16) if swing_asked else 0.0
    else:
        swing = genre.swing
    if part_requests:
        parts = requested_parts(part_requests, genre, reading)
    else:
        solo_player = genre_from in ("solo", "meter", "tempo") and _solo_instrument(own) is not None
        parts, band_notes = band_parts(own, genre, mood.quiet, solo_player=solo_player)
        notes += band_notes
    density = genre.melody
    order = ["long", "sparse", "medium", "busy"]
    if mood.density and density != "long":
        density = order[min(max(order.index(density) + mood.density, 1), 3)]
    if tempo < SLOW_TEMPO_BPM and density in ("long", "sparse"):
        # Slow pieces need more notes a beat to stay a tune (quarters and eighths at 70 BPM).
        density = order[order.index(density) + 1]
    prog_a, prog_b = _choose_progressions(genre, mode, chooser)
    sections = plan_sections(
        duration_s, tempo, meter, genre, mode, tonic_pc, flats, prog_a, prog_b,
        chooser.spawn("form"),
    )  # fmt: skip
    return PiecePlan(
        prompt=prompt,
        genre=genre.name,
        mood=mood_name,
        tempo_bpm=tempo,
        tonic_pc=tonic_pc,
        mode=mode,
        flats=flats,
        meter=meter,
        swing=swing,
        swing_unit=genre.swing_unit,
        parts=tuple(tune_to_key(fit_meter(p, meter), tonic_pc) for p in parts),
        sections=tuple(sections),
        duration_s=duration_s,
        density=density,
        energy=mood.energy,
        kit=next((p.program for p in parts if p.is_drum), genre.kit),
        unrecognized=reading.unrecognized,
        progression_a=prog_a,
        progression_b=prog_b,
        genre_from=genre_from,
        genre_family=genre.base,
        ensemble=reading.ensembles[0] if reading.ensembles else None,
        grooves=reading.grooves,
        notes=tuple(notes),
        corrections=reading.corrections,
        reverb=next(
            (r for g in reversed(reading.grooves) if (r := GROOVES[g].reverb) is not None),
            DEFAULT_REVERB,
        ),
    )


def _genre_for(
    reading: PromptReading, own: PromptReading, mood: str, chooser: Chooser
) -> tuple[Genre, str]:
    """The genre and where it came from (see ``PiecePlan.genre_from``)."""
    if reading.genre:
        return GENRES[reading.genre], "prompt"
    if reading.meter in METER_GENRES:
        # Waltzes, minuets, 12/8 ballads, 5/4: genres at home in the meter.
        table = METER_GENRES[reading.meter]
        return GENRES[chooser.choose(list(table), list(table.values()))], "meter"
    if CLASSICAL_TEMPO_MARKS & set(normalize(reading.text).split()):
        # "adagio for strings", "presto violin": a score's marking.
        return GENRES["classical"], "tempo"
    for word in own.instruments:
        home = INSTRUMENT_GENRES.get(resolve_instrument(word, "pop"))
        if home is not None:
            return GENRES[home], "instrument"
    if _solo_instrument(own) is not None:
        # "Calm piano melody", "romantic guitar": a genre a solo player lives in.
        return _choose_genre(mood, chooser, SOLO_GENRES), "solo"
    if own.limits and own.instruments:
        # "cello and piano duet": a genre a small group lives in.
        return _choose_genre(mood, chooser, SOLO_GENRES), "solo"
    if not reading.recognised:
        return GENRES[DEFAULT_GENRE], "default"
    return _choose_genre(mood, chooser, MOOD_GENRES), "mood"


def _choose_genre(mood: str, chooser: Chooser, tables: dict[str, dict[str, float]]) -> Genre:
    table = tables[mood]
    names = list(table)
    return GENRES[chooser.choose(names, [table[n] for n in names])]


def _solo_instrument(reading: PromptReading) -> str | None:
    """The instrument of a prompt that names one polyphonic instrument and nothing else."""
    if len(reading.instruments) != 1:
        return None
    name = resolve_instrument(reading.instruments[0], "pop")
    return name if INSTRUMENTS[name].family in ("keys", "guitar", "mallet") else None


def _choose_tempo(reading: PromptReading, genre: Genre, scale: float, chooser: Chooser) -> float:
    if reading.tempo_bpm is not None:
        return float(reading.tempo_bpm)
    low, high = genre.tempo_bpm
    target = (low + high) / 2 * scale
    candidates = [round(low + (high - low) * i / 6) for i in range(7)]
    candidates = [c for c in candidates if c > 0]
    # Keep to tempos near the mood's target (a calm piece is not drawn at the range's top).
    candidates = [c for c in candidates if abs(c - target) <= 0.15 * target] or candidates
    weights = [math.exp(-(((c - target) / max(high - low, 8)) ** 2) * 12) for c in candidates]
    return float(chooser.choose(candidates, weights))


def _choose_progressions(genre: Genre, mode: str, chooser: Chooser) -> tuple[str, str]:
    a_options: tuple[str, ...]
    b_options: tuple[str, ...]
    if mode in _MODAL_PROGRESSIONS and genre.name != "blues":
        a_options, b_options = _MODAL_PROGRESSIONS[mode]
    elif mode in MINOR_MODES:
        a_options, b_options = genre.minor_a, genre.minor_b
    else:
        a_options, b_options = genre.major_a, genre.major_b
    return chooser.choose(list(a_options)), chooser.choose(list(b_options))
