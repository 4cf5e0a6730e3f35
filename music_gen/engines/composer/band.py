"""Who plays: the genre's band (or a named ensemble) with the named instruments featured.

The band rule: instruments a prompt names join the genre's band, each in the role it
naturally plays (a sax or fiddle the melody, a clavinet or rhythm guitar the chords, a slap
bass the bass line, taiko or timpani the percussion), taking over the band's part in that
role; the rhythm section fills in. Only a prompt that limits the band ("solo piano", "flute
and harp only", "trio", "unaccompanied") or names one keyboard, guitar or mallet instrument
and nothing else plays the named instruments alone; "without drums" and "no bass" take parts
out. A place with its own ensemble ("japanese": koto, shakuhachi, taiko) plays it in place
of the genre's band. Groove, timbre and articulation words then adjust the parts (see
:mod:`grooves`).
"""

from __future__ import annotations

from dataclasses import replace

from music_gen.engines.composer.ensembles import ENSEMBLES, Ensemble
from music_gen.engines.composer.grooves import GROOVES
from music_gen.engines.composer.instruments import INSTRUMENTS, NEAREST_NOTES, natural_role
from music_gen.engines.composer.parts import PartPlan, make_parts, prompt_parts
from music_gen.engines.composer.prompt import PromptReading, resolve_instrument
from music_gen.engines.composer.styles import Genre
from music_gen.errors import InvalidPromptError


def band_parts(
    reading: PromptReading, genre: Genre, quiet: bool, *, solo_player: bool
) -> tuple[list[PartPlan], list[str]]:
    """The parts for a prompt, and notes saying what was substituted or decided.

    Args:
        reading: The prompt's reading.
        genre: The piece's genre.
        quiet: Whether the mood asks for no drums when the band is the genre's.
        solo_player: The prompt names one keyboard, guitar or mallet instrument and no genre
            or ensemble: that player plays alone.

    Raises:
        InvalidPromptError: The prompt takes every instrument out.
        InvalidParameterError: More melodic parts than MIDI channels.
    """
    notes: list[str] = []
    named = _named(reading, genre, reading.instruments)
    ensemble = ENSEMBLES[reading.ensembles[0]] if reading.ensembles else None
    limited = bool(reading.limits) and bool(named) and (ensemble is None or not ensemble.parts)
    if limited or (solo_player and ensemble is None):
        parts = prompt_parts(reading, genre, quiet)
        if limited:
            notes.append(f"the band is the named instruments only ({', '.join(reading.limits)})")
    else:
        if reading.featured:
            # A place or era word's instruments ("nordic": nyckelharpa) join as named ones do.
            named += [n for n in _named(reading, genre, reading.featured) if n not in named]
            featured = ", ".join(reading.featured)
            notes.append(f"{', '.join(reading.descriptors)}: the style's {featured} join the band")
        band = _base(genre, ensemble, quiet, named)
        if reading.place_band and ensemble is None:
            band = _place_band(reading, genre, quiet, named)
            players = ", ".join(inst for _, inst, _ in band)
            notes.append(f"{', '.join(reading.descriptors)}: the place's own ensemble ({players})")
        entries = _merge(band, named, ensemble)
        entries = [e for e in entries if not _excluded(e[1], e[2], reading, genre)]
        if not entries:
            raise InvalidPromptError(
                f"The prompt {reading.text!r} leaves no instrument to play; name one "
                "(e.g. 'piano') or take fewer out",
                details={"excluded": list(reading.excluded)},
            )
        # A wind, string or other lead instrument answering the tune sings an inner voice in
        # its own range (a counter line follows the accompaniment's register instead).
        entries = [
            (n, i, "voice" if r == "counter" and INSTRUMENTS[i].family == "lead" else r)
            for n, i, r in entries
        ]
        parts = make_parts(entries, genre, list(reading.styles))
    notes += [NEAREST_NOTES[name] for name, _ in named if name in NEAREST_NOTES]
    kit = _kit(genre, ensemble, reading)
    parts = [replace(p, program=kit) if p.is_drum else p for p in parts]
    return _apply_grooves(parts, reading, genre), notes


def _named(reading: PromptReading, genre: Genre, words: tuple[str, ...]) -> list[tuple[str, str]]:
    """(instrument, role) of each instrument word, in prompt order, once each."""
    asked = dict(reading.instrument_roles)
    named: dict[str, str] = {}
    for word in words:
        name = resolve_instrument(word, genre.name, genre.base)
        role = asked.get(word) or natural_role(name)
        if INSTRUMENTS[name].is_drum:
            role = "drums"
        elif role == "bass" and INSTRUMENTS[name].family != "bass":
            role = natural_role(name)
        named.setdefault(name, role)
    return list(named.items())


def _base(
    genre: Genre, ensemble: Ensemble | None, quiet: bool, named: list[tuple[str, str]]
) -> list[tuple[str, str, str]]:
    """(part name, instrument, role) of the band before named instruments join it."""
    drums_named = any(role in ("drums", "percussion") for _, role in named)
    if ensemble is not None and ensemble.parts:
        parts = list(ensemble.parts)
        if quiet and not (ensemble.closed or genre.drums_always or drums_named):
            # A calm orchestral piece: no drums or timpani unless asked.
            parts = [entry for entry in parts if entry[2] not in ("drums", "percussion")]
        return parts
    band = [(inst, inst, role) for inst, role in genre.band]
    full_band = ensemble is not None
    if not (genre.drums_always or full_band or drums_named) and (quiet or not genre.has_drums):
        band = [entry for entry in band if entry[2] != "drums"]
    return band


def _place_band(
    reading: PromptReading, genre: Genre, quiet: bool, named: list[tuple[str, str]]
) -> list[tuple[str, str, str]]:
    """(part name, instrument, role) of a place's own ensemble; a calm piece leaves its drums
    out unless asked for."""
    drums_named = any(role in ("drums", "percussion") for _, role in named)
    band = []
    for word, role in reading.place_band:
        inst = resolve_instrument(word, genre.name, genre.base)
        if role in ("drums", "percussion") and quiet and not drums_named:
            continue
        band.append((inst, inst, role))
    return band


def _merge(
    band: list[tuple[str, str, str]],
    named: list[tuple[str, str]],
    ensemble: Ensemble | None,
) -> list[tuple[str, str, str]]:
    """The band with each named instrument in its role: it takes over the first band part of
    that role not yet taken (a closed ensemble keeps its players and adds the newcomers)."""
    entries = list(band)
    claimed: set[int] = set()
    closed = ensemble is not None and ensemble.closed
    present = {inst for _, inst, _ in entries}
    for name, role in named:
        if name in present and closed:
            continue
        if closed and name in ("strings", "violin") and "violin" in present:
            continue
        # The band's own part for this instrument (in an ensemble, in the role the instrument
        # naturally plays, or a leading role), else the first part of its natural role.
        slot = next(
            (
                i
                for i, (_, inst, r) in enumerate(entries)
                if i not in claimed
                and inst == name
                and (ensemble is not None or r == role or r not in ("counter", "pad"))
            ),
            None,
        )
        if slot is None and role != "percussion":
            slot = next(
                (i for i, (_, _, r) in enumerate(entries) if i not in claimed and r == role),
                None,
            )
        if slot is not None and not closed:
            part_name = entries[slot][0] if entries[slot][1] == name else name
            entries[slot] = (part_name, name, entries[slot][2])
            claimed.add(slot)
            continue
        if role == "melody" and any(r == role for _, _, r in entries):
            role = "counter"
        entries.append((name, name, role))
        claimed.add(len(entries) - 1)
    # A band part doubling a named instrument in a supporting role would only thicken it.
    named_names = {name for name, _ in named}
    entries = [
        e
        for i, e in enumerate(entries)
        if i in claimed or e[1] not in named_names or e[2] not in ("counter", "pad")
    ]
    return _unique_names(entries)


def _unique_names(entries: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    taken: set[str] = set()
    result = []
    for name, inst, role in entries:
        candidate = name if name not in taken else f"{name} {role}"
        index = 2
        while candidate in taken:
            candidate = f"{name} {index}"
            index += 1
        taken.add(candidate)
        result.append((candidate, inst, role))
    return result


def _excluded(inst: str, role: str, reading: PromptReading, genre: Genre) -> bool:
    """Whether "no drums", "without bass", "no guitars" takes this part out."""
    family = INSTRUMENTS[inst].family
    for word in reading.excluded:
        if word == "drums" and (role == "drums" or family == "drums"):
            return True
        if word == "bass" and role == "bass":
            return True
        if word == "guitar" and family == "guitar":
            return True
        if word == "synth" and "synth" in inst:
            return True
        if resolve_instrument(word, genre.name, genre.base) == inst:
            return True
    return False


def _kit(genre: Genre, ensemble: Ensemble | None, reading: PromptReading) -> int:
    kit = genre.kit
    if ensemble is not None and ensemble.kit is not None:
        kit = ensemble.kit
    for name in reading.grooves:
        groove_kit = GROOVES[name].kit
        if groove_kit is not None:
            kit = groove_kit
    return kit


def _apply_grooves(parts: list[PartPlan], reading: PromptReading, genre: Genre) -> list[PartPlan]:
    """Parts with the prompt's groove, timbre and articulation words applied."""
    result = []
    for part in parts:
        family = INSTRUMENTS[part.instrument].family
        for name in reading.grooves:
            groove = GROOVES[name]
            if part.is_drum:
                style = groove.drums or part.style
                if groove.drum_transform:
                    style = f"{style.split('+')[0]}+{groove.drum_transform}"
                    if "+" in part.style and not groove.drums:
                        style = f"{part.style}+{groove.drum_transform}"
                part = replace(part, style=style)
                continue
            if groove.comp and part.role == "chords":
                part = replace(part, style=groove.comp)
            if groove.bass and part.role == "bass":
                part = replace(part, style=groove.bass)
            program = groove.programs.get(part.instrument, groove.programs.get(family))
            if program is not None:
                part = replace(part, program=program)
            applies = (
                part.instrument in groove.families or family in groove.families
                if groove.families
                else part.role not in ("bass", "percussion")
            )
            palm_ok = groove.articulation != "palm" or part.role == "chords"
            if groove.articulation and applies and palm_ok:
                part = replace(part, articulation=groove.articulation)
        result.append(part)
    return result
