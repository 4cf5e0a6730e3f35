"""Articulation: how long the written notes sound (staccato, legato, palm-muted)."""

from __future__ import annotations

from dataclasses import replace

from music_gen.engines.composer.notes import Note

#: Longest a staccato note sounds, in beats.
STACCATO_BEATS = 0.3
#: Longest a palm-muted note sounds, in beats, and how much softer it is.
PALM_BEATS = 0.18
PALM_VELOCITY_DROP = 10
#: Longest a legato note is stretched to, in beats.
LEGATO_MAX_BEATS = 4.0


def articulate(notes: list[Note], articulation: str) -> list[Note]:
    """The notes played with an articulation ("" leaves them as written).

    Staccato cuts every note to at most a short value, palm-muting cuts harder and softens,
    legato stretches each note to the next onset so the line joins up.
    """
    if articulation == "staccato":
        return [replace(n, duration=min(n.duration, STACCATO_BEATS)) for n in notes]
    if articulation == "palm":
        return [
            replace(
                n,
                duration=min(n.duration, PALM_BEATS),
                velocity=max(1, n.velocity - PALM_VELOCITY_DROP),
            )
            for n in notes
        ]
    if articulation == "legato":
        onsets = sorted({n.start for n in notes})
        following = dict(zip(onsets, [*onsets[1:], None], strict=True))
        result = []
        for note in notes:
            nxt = following[note.start]
            if nxt is not None:
                joined = min(nxt - note.start + 0.02, LEGATO_MAX_BEATS)
                note = replace(note, duration=max(note.duration, joined))
            result.append(note)
        return result
    return notes
