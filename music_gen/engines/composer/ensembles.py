"""Ensembles as words people use: string quartet, big band, orchestra, power trio, choir.

An :class:`Ensemble` is a fixed set of parts, each an instrument in a role, and the genre it
implies when the prompt names none. A closed ensemble (a quartet, a trio, a cappella) is the
whole band; an open one (big band, orchestra) is the band named instruments join.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ensemble:
    """A named group of players."""

    name: str
    words: tuple[str, ...]
    # Genre when the prompt names none.
    genre: str
    # (part name, instrument, role) of each player; empty for "rhythm section" and "band",
    # which keep the genre's own band.
    parts: tuple[tuple[str, str, str], ...]
    # Whether the ensemble is the whole band (named instruments replace its players
    # rather than join them).
    closed: bool
    description: str
    # GM drum kit for its drums (None: the genre's).
    kit: int | None = None


#: Every ensemble by name.
ENSEMBLES: dict[str, Ensemble] = {
    e.name: e
    for e in (
        Ensemble(
            "string quartet",
            ("string quartet", "strings quartet", "quartet for strings"),
            "classical",
            (
                ("violin I", "violin", "melody"),
                ("violin II", "violin", "voice"),
                ("viola", "viola", "voice"),
                ("cello", "cello", "bass"),
            ),
            True,
            "violin I (the tune), violin II and viola (inner voices), cello (the bass)",
        ),
        Ensemble(
            "string trio",
            ("string trio",),
            "classical",
            (
                ("violin", "violin", "melody"),
                ("viola", "viola", "voice"),
                ("cello", "cello", "bass"),
            ),
            True,
            "violin, viola and cello",
        ),
        Ensemble(
            "string orchestra",
            ("string orchestra", "chamber strings"),
            "classical",
            (
                ("violins", "violin", "melody"),
                ("strings", "strings", "chords"),
                ("violas", "viola", "voice"),
                ("cellos", "cello", "voice"),
                ("basses", "contrabass", "bass"),
            ),
            False,
            "violins, violas, cellos and basses",
        ),
        Ensemble(
            "orchestra",
            (
                "orchestra",
                "orchestral",
                "symphony orchestra",
                "full orchestra",
                "symphonic",
                "symphony",
                "film score",
                "movie score",
                "trailer",
                "trailer music",
            ),
            "cinematic",
            (
                ("violins", "violin", "melody"),
                ("strings", "strings", "chords"),
                ("horns", "french horn", "voice"),
                ("woodwinds", "flute", "voice"),
                ("cellos", "cello", "voice"),
                ("basses", "contrabass", "bass"),
                ("timpani", "timpani", "percussion"),
                ("percussion", "drums", "drums"),
            ),
            False,
            "strings, horns, woodwinds, basses, timpani and orchestral percussion (kit 48)",
            kit=48,
        ),
        Ensemble(
            "big band",
            ("big band", "jazz orchestra", "swing band"),
            "swing",
            (
                ("trumpets", "trumpet", "melody"),
                ("alto sax", "alto sax", "voice"),
                ("tenor sax", "tenor sax", "voice"),
                ("trombones", "trombone", "voice"),
                ("baritone sax", "baritone sax", "voice"),
                ("piano", "piano", "chords"),
                ("upright bass", "upright bass", "bass"),
                ("drums", "drums", "drums"),
            ),
            False,
            "trumpets, saxes and trombones over piano, upright bass and drums",
        ),
        Ensemble(
            "brass band",
            ("brass band", "brass quintet", "brass ensemble"),
            "march",
            (
                ("trumpet", "trumpet", "melody"),
                ("trumpet II", "trumpet", "voice"),
                ("french horn", "french horn", "voice"),
                ("trombone", "trombone", "voice"),
                ("tuba", "tuba", "bass"),
            ),
            True,
            "two trumpets, french horn, trombone and tuba",
        ),
        Ensemble(
            "wind quintet",
            ("wind quintet", "woodwind quintet", "woodwinds"),
            "classical",
            (
                ("flute", "flute", "melody"),
                ("oboe", "oboe", "voice"),
                ("clarinet", "clarinet", "voice"),
                ("french horn", "french horn", "voice"),
                ("bassoon", "bassoon", "bass"),
            ),
            True,
            "flute, oboe, clarinet, french horn and bassoon",
        ),
        Ensemble(
            "piano trio",
            ("piano trio", "jazz trio"),
            "jazz",
            (
                ("piano", "piano", "melody"),
                ("piano left hand", "piano", "chords"),
                ("upright bass", "upright bass", "bass"),
                ("drums", "drums", "drums"),
            ),
            True,
            "piano (tune and comping), upright bass and drums",
        ),
        Ensemble(
            "power trio",
            ("power trio", "rock trio", "guitar trio"),
            "rock",
            (
                ("guitar", "overdriven guitar", "chords"),
                ("lead guitar", "overdriven guitar", "melody"),
                ("bass", "bass", "bass"),
                ("drums", "drums", "drums"),
            ),
            True,
            "guitar (riffs and lead), bass and drums",
        ),
        Ensemble(
            "choir",
            ("a cappella", "acapella", "a capella", "acappella", "vocal ensemble", "choir only"),
            "classical",
            (
                ("sopranos", "voice", "melody"),
                ("choir", "choir", "chords"),
                ("bass voices", "bass voices", "bass"),
            ),
            True,
            "voices alone: sopranos (the tune), the choir's chords and bass voices",
        ),
        Ensemble(
            "rhythm section",
            ("rhythm section", "full band", "whole band", "with a band", "backing band"),
            "",
            (),
            False,
            "the genre's drums, bass and chords, whatever the mood",
        ),
    )
}

#: Word -> ensemble name.
ENSEMBLE_WORDS: dict[str, str] = {word: e.name for e in ENSEMBLES.values() for word in e.words}
