"""Bass lines in the genre's manner, always on the chord root at the downbeat.

Styles: ``root`` (held roots), ``pop`` (roots with eighth pickups), ``root_fifth`` (country,
folk), ``walking`` (jazz quarter notes with chromatic approaches), ``boogie`` (blues),
``funk`` (syncopated sixteenths), ``octave`` (disco/EDM octaves), ``rock8`` (driving eighths),
``riff8`` (metal: driving eighths turning on the third), ``wobble`` (dubstep: a half-time
riff that falls to the chord's third),
``pedal`` (ambient tonic pedal), ``drone`` (the tonic throughout), ``reggae`` (one drop)
and ``bossa`` (root-fifth dotted).
"""

from __future__ import annotations

from music_gen.engines.composer.instruments import INSTRUMENTS
from music_gen.engines.composer.notes import ChordSpan, Note, chord_spans, fit_octave
from music_gen.engines.composer.plan import PartPlan, PiecePlan
from music_gen.engines.composer.sampling import Chooser
from music_gen.engines.composer.theory import MINOR_MODES, scale_pitch_classes

# (onset within the chord, duration, degree: "r" root, "5" fifth, "8" octave, "3" third,
# "b7"/"6" as named, velocity) for one 4-beat chord.
Figure = list[tuple[float, float, str, int]]
_FIGURES: dict[str, list[Figure]] = {
    "root": [[(0.0, 3.9, "r", 90)], [(0.0, 1.9, "r", 90), (2.0, 1.9, "r", 80)]],
    "pop": [[(0.0, 1.4, "r", 92), (1.5, 0.45, "r", 70), (2.0, 1.4, "r", 84), (3.5, 0.45, "5", 70)]],
    "root_fifth": [
        [(0.0, 0.9, "r", 92), (1.0, 0.9, "5", 76), (2.0, 0.9, "r", 86), (3.0, 0.9, "5", 76)],
        [(0.0, 1.9, "r", 92), (2.0, 1.9, "5", 80)],
    ],
    "boogie": [
        [(0.0, 0.9, "r", 92), (1.0, 0.9, "3", 80), (2.0, 0.9, "5", 86), (3.0, 0.9, "6", 80)],
        [(0.0, 0.9, "r", 92), (1.0, 0.9, "b7", 80), (2.0, 0.9, "6", 86), (3.0, 0.9, "5", 80)],
    ],
    "funk": [
        [
            (0.0, 0.4, "r", 100),
            (0.75, 0.2, "8", 78),
            (1.5, 0.3, "r", 84),
            (2.0, 0.4, "r", 96),
            (2.75, 0.2, "b7", 74),
            (3.5, 0.2, "8", 80),
        ],
        [
            (0.0, 0.6, "r", 100),
            (1.0, 0.2, "r", 74),
            (1.75, 0.2, "5", 80),
            (2.0, 0.4, "r", 94),
            (3.0, 0.2, "8", 84),
            (3.75, 0.2, "5", 72),
        ],
    ],
    "octave": [
        [(i * 0.5, 0.4, "r" if i % 2 == 0 else "8", 92 if i % 2 == 0 else 80) for i in range(8)]
    ],
    "rock8": [[(i * 0.5, 0.42, "r", 92 if i % 2 == 0 else 80) for i in range(8)]],
    # A pedal riff: driving eighths that turn on the third and back twice a bar
    # (E E E G E E G E); over a bare tonic fifth the key's third, which tells minor from
    # major. Once a bar is too little against the pedal and the distorted guitars' overtones
    # (the fifth harmonic of every root is its major third).
    "riff8": [
        [
            *((i * 0.5, 0.42, "r", 92 if i % 2 == 0 else 80) for i in range(3)),
            (1.5, 0.42, "3", 86),
            (2.0, 0.42, "r", 92),
            (2.5, 0.42, "r", 80),
            (3.0, 0.42, "3", 90),
            (3.5, 0.42, "r", 80),
        ]
    ],
    # A half-time dubstep riff: the root wobbles for a beat and a half, jumps the octave and
    # falls to the chord's third before the root returns (G G' Bb G over G minor). Root and
    # octave alone say nothing of the mode, and a wobble bass's overtones add the major third
    # of every root (the fifth harmonic): the riff has to sound the minor third itself.
    "wobble": [
        [(0.0, 1.45, "r", 96), (1.5, 0.45, "8", 84), (2.0, 0.95, "3", 92), (3.0, 0.9, "r", 86)]
    ],
    "pedal": [[(0.0, 3.98, "r", 78)]],
    "reggae": [
        [
            (0.0, 0.9, "r", 96),
            (1.5, 0.4, "5", 80),
            (2.0, 0.9, "r", 90),
            (3.0, 0.4, "8", 80),
            (3.5, 0.4, "5", 76),
        ]
    ],
    "bossa": [
        [(0.0, 1.4, "r", 90), (1.5, 0.45, "5", 76), (2.0, 1.4, "5", 84), (3.5, 0.45, "r", 76)]
    ],
}


def write_bass(plan: PiecePlan, part: PartPlan, chooser: Chooser) -> list[Note]:
    """The bass part."""
    inst = INSTRUMENTS[part.instrument]
    low = max(inst.low, 28)
    centre = low + 10
    high = low + 24
    spans = chord_spans(plan)
    notes: list[Note] = []
    style = part.style
    last_index = len(plan.sections) - 1
    # A drone (a didgeridoo's) holds the tonic in the instrument's own octave throughout.
    drone_top = max(inst.high, low + 11)
    drone = fit_octave(plan.tonic_pc, low, drone_top, (low + drone_top) / 2)
    for k, span in enumerate(spans):
        root = fit_octave(span.chord.root_pc, low, high, centre)
        if style == "drone":
            notes.append(Note(drone, span.start, span.duration * 0.99, 84))
            continue
        final = span.section == last_index and span.bar == plan.total_bars - 1
        label = plan.sections[span.section].label
        if final or (label == "intro" and style not in ("octave", "wobble", "pedal")):
            notes.append(Note(root, span.start, span.duration * (2 if final else 0.98), 88))
            continue
        if style == "walking":
            following = spans[k + 1] if k + 1 < len(spans) else None
            notes.extend(_walking(plan, span, root, following, low, high, chooser))
            continue
        if style == "pedal":
            tonic = fit_octave(plan.tonic_pc, low, high, centre)
            pitch = tonic if label in ("A", "intro") else root
            notes.append(Note(pitch, span.start, span.duration * 0.99, 80))
            continue
        figures = _FIGURES.get(style, _FIGURES["root"])
        figure = chooser.choose(figures)
        scale_factor = span.duration / 4.0
        if plan.time_signature.compound:
            # The dotted-quarter pulse of 6/8, 9/8 and 12/8: the root on every counted beat,
            # the first the strongest.
            count = max(1, round(span.duration))
            figure = [(b, 0.9, "r", 90 if b == 0 else 78) for b in range(count)]
            scale_factor = span.duration / count
        elif plan.meter != "4/4":
            figure = [(0.0, span.duration * 0.95, "r", 90)]
            scale_factor = 1.0
        if _tells_the_mode(plan, span):
            figure = _with_minor_third(figure)
        for onset, length, degree, velocity in figure:
            pitch = _degree(span, root, degree, tonic_pc=plan.tonic_pc, mode=plan.mode)
            notes.append(
                Note(pitch, span.start + onset * scale_factor, length * scale_factor, velocity)
            )
    return notes


def _tells_the_mode(plan: PiecePlan, span: ChordSpan) -> bool:
    """Whether the bass should state this chord's third to tell a minor key from its major:
    over the tonic, and over the minor subdominant (iv), whose root and fifth the major
    key's IV shares; its third is the key's minor sixth. A progression that dwells on iv
    (bachata's i-iv-V7) otherwise sounds the parallel major."""
    if plan.mode not in MINOR_MODES:
        return False
    chord, tonic = span.chord, plan.tonic_pc
    minor_iv = chord.root_pc == (tonic + 5) % 12 and chord.third_pc == (tonic + 8) % 12
    return chord.root_pc == tonic or minor_iv


def _with_minor_third(figure: Figure) -> Figure:
    """A figure over the minor tonic (or iv) with the third in it: the first fifth becomes
    the third (else, in a line of at most a note a beat, the last note). Root and fifth alone
    sound the same in major and minor, and the dominant chord sounds that fifth too; the
    downbeat keeps the root, and driving eighth pedals (rock, octaves) stay pedals."""
    if len(figure) < 2 or any(step[2] == "3" for step in figure):
        return figure
    fifths = [k for k, step in enumerate(figure) if step[2] == "5"]
    if not fifths and len(figure) > 4:
        return figure
    k = fifths[0] if fifths else len(figure) - 1
    onset, length, _, velocity = figure[k]
    return [*figure[:k], (onset, length, "3", velocity), *figure[k + 1 :]]


def _degree(span: ChordSpan, root: int, degree: str, *, tonic_pc: int, mode: str) -> int:
    chord = span.chord
    if degree == "r":
        return root
    if degree == "8":
        return root + 12
    if degree == "5":
        return root + (chord.fifth_pc - chord.root_pc) % 12
    if degree == "3":
        third = chord.third_pc
        if third is None and chord.root_pc == tonic_pc:
            third = (tonic_pc + (3 if mode in MINOR_MODES else 4)) % 12
        return root + ((third - chord.root_pc) % 12 if third is not None else 7)
    if degree == "6":
        return root + 9
    if degree == "b7":
        return root + 10
    return root


def _walking(
    plan: PiecePlan,
    span: ChordSpan,
    root: int,
    following: ChordSpan | None,
    low: int,
    high: int,
    chooser: Chooser,
) -> list[Note]:
    beats = round(span.duration)
    scale = set(scale_pitch_classes(plan.tonic_pc, plan.mode)) | set(span.chord.pitch_classes)
    # The next chord's root exactly where write_bass will put it, so the approach lands.
    target = fit_octave(following.chord.root_pc, low, high, low + 10) if following else root
    pitches = [root]
    current = root
    for beat in range(1, beats):
        if beat == beats - 1:
            # Approach the next root by a half step (or from a fifth above).
            approach = chooser.choose([target - 1, target + 1, target + 7], [3, 3, 1])
            pitch = approach if low <= approach <= high else target - 1
        else:
            direction = 1 if target >= current else -1
            candidates = [current + direction * s for s in (1, 2, 3, 4)]
            candidates = [c for c in candidates if c % 12 in scale and low <= c <= high]
            pitch = chooser.choose(candidates) if candidates else current
            if pitch in (current,):
                pitch = root + 7
        pitches.append(pitch)
        current = pitch
    return [Note(p, span.start + i, 0.92, 90 if i == 0 else 80) for i, p in enumerate(pitches)]
