"""Melodies from motifs: a two-bar idea, repeated and varied, shaped into phrases.

A motif is a rhythm plus a contour of scale steps. Phrases of four bars state the motif and
answer it with a variation (sequence, inversion or new rhythm); the last note of a phrase is
held and lands on a chord tone, and the last phrase of the piece lands on the tonic. Strong
beats snap to chord tones so the line outlines the harmony.
"""

from __future__ import annotations

from dataclasses import dataclass

from music_gen.engines.composer.instruments import INSTRUMENTS
from music_gen.engines.composer.notes import ChordSpan, Note, chord_spans, final_bar_start
from music_gen.engines.composer.plan import PartPlan, PiecePlan
from music_gen.engines.composer.ranges import accompaniment_ceiling, melody_range
from music_gen.engines.composer.sampling import Chooser
from music_gen.engines.composer.styles import GENRES
from music_gen.engines.composer.theory import scale_pitches

#: Rhythm cells (durations in beats, negative = rest) for each density, per beat count.
_CELLS: dict[str, list[tuple[tuple[float, ...], float]]] = {
    "long": [
        ((2.0, 1.0, 1.0), 3),
        ((1.0, 1.0, 2.0), 3),
        ((2.0, 2.0), 2),
        ((3.0, 1.0), 2),
        ((4.0,), 1),
    ],
    "sparse": [((2.0,), 3), ((1.0, 1.0), 3), ((1.5, 0.5), 2), ((-1.0, 1.0), 1), ((1.0,), 2)],
    "medium": [
        ((1.0,), 4),
        ((0.5, 0.5), 3),
        ((1.5, 0.5), 2),
        ((0.5, 1.0, 0.5), 2),
        ((-0.5, 0.5), 1),
        ((2.0,), 1),
    ],
    "busy": [
        ((0.5, 0.5), 4),
        ((0.25, 0.25, 0.5), 2),
        ((0.25, 0.25, 0.25, 0.25), 2),
        ((1.0,), 2),
        ((0.75, 0.25), 2),
        ((-0.5, 0.5), 1),
    ],
}
_TRIPLE_CELLS = [((1.0,), 3), ((2 / 3, 1 / 3), 3), ((1 / 3, 1 / 3, 1 / 3), 2), ((-1 / 3, 2 / 3), 1)]
_STEPS = [-4, -3, -2, -1, 0, 1, 2, 3, 4]
_STEP_WEIGHTS = [0.25, 0.5, 1.5, 5.0, 0.5, 5.0, 1.5, 0.5, 0.25]


@dataclass
class _Motif:
    durations: list[float]
    steps: list[int]


def _rhythm(plan: PiecePlan, density: str, bars: int, chooser: Chooser) -> list[float]:
    total = bars * plan.beats_per_bar
    out: list[float] = []
    filled = 0.0
    compound = plan.time_signature.compound
    while filled < total - 1e-6:
        cells = _TRIPLE_CELLS if compound else _CELLS[density]
        cell = chooser.choose([c for c, _ in cells], [w for _, w in cells])
        if filled + sum(abs(d) for d in cell) > total + 1e-6:
            cell = (total - filled,)
        out.extend(cell)
        filled += sum(abs(d) for d in cell)
    if out and out[0] < 0 and len(out) > 1:
        out[0] = -out[0]
    return out


#: Contours a motif can follow: the direction wanted at each fifth of its length.
_CONTOURS = {
    "arch": (1, 1, 0, -1, -1),
    "rise": (1, 1, 1, 0, -1),
    "fall": (-1, -1, -1, 0, 1),
    "valley": (-1, -1, 0, 1, 1),
    "wave": (1, -1, 1, -1, 0),
}


#: Fewest notes a bar of a motif may hold in 4/4, per density (scaled for other meters).
_MIN_NOTES_PER_BAR = {"long": 1.5, "sparse": 3.0, "medium": 4.0, "busy": 6.0}


def _motif(plan: PiecePlan, density: str, chooser: Chooser) -> _Motif:
    meter = plan.time_signature
    wanted = 2 * _MIN_NOTES_PER_BAR[density] * meter.beats * meter.beat_quarters / 4
    durations = _rhythm(plan, density, 2, chooser)
    for _ in range(8):
        # Redraw rhythms too thin for the density: a tune needs some motion.
        if sum(1 for d in durations if d > 0) >= wanted:
            break
        durations = _rhythm(plan, density, 2, chooser)
    names = list(_CONTOURS)
    contour = _CONTOURS[chooser.choose(names, [3, 2, 2, 1, 1])]
    steps: list[int] = []
    for k in range(len(durations)):
        if steps and abs(steps[-1]) >= 3:
            # A leap is answered by a step back the other way.
            back = -1 if steps[-1] > 0 else 1
            steps.append(back * chooser.choose([1, 2], [3, 1]))
            continue
        want = contour[min(k * len(contour) // max(len(durations), 1), len(contour) - 1)]
        weights = [
            w * (2.5 if want and s * want > 0 else (0.4 if want and s * want < 0 else 1.0))
            for s, w in zip(_STEPS, _STEP_WEIGHTS, strict=True)
        ]
        steps.append(chooser.choose(_STEPS, weights))
    return _Motif(durations, steps)


def _vary(
    motif: _Motif, chooser: Chooser, plan: PiecePlan, density: str, *, fresh: bool = False
) -> _Motif:
    # A returning section (``fresh``) answers its motif differently: no plain repeat.
    kind = chooser.choose(["repeat", "invert", "sequence", "rhythm"], [0 if fresh else 2, 2, 3, 2])
    if kind == "invert":
        return _Motif(list(motif.durations), [-s for s in motif.steps])
    if kind == "rhythm":
        durations = _rhythm(plan, density, 2, chooser)
        steps = [motif.steps[i % len(motif.steps)] for i in range(len(durations))]
        return _Motif(durations, steps)
    if kind == "sequence":
        shift = chooser.choose([1, -1, 2, -2], [3, 3, 1, 1])
        steps = list(motif.steps)
        steps[0] += shift
        return _Motif(list(motif.durations), steps)
    return _Motif(list(motif.durations), list(motif.steps))


def _contrast(
    base: _Motif, fresh: _Motif, chooser: Chooser, plan: PiecePlan, density: str
) -> _Motif:
    """A contrasting motif for a B section: a new rhythm, with either the opening motif's
    steps turned upside down (related material) or fresh ones."""
    for _ in range(8):
        if fresh.durations != base.durations:
            break
        fresh = _motif(plan, density, chooser)
    if chooser.chance(0.5):
        steps = [-base.steps[i % len(base.steps)] for i in range(len(fresh.durations))]
        return _Motif(list(fresh.durations), steps)
    return fresh


def write_melody(plan: PiecePlan, part: PartPlan, chooser: Chooser) -> list[Note]:
    """The melody of a part: motifs and phrases over the plan's chords."""
    if part.role == "counter":
        # A counter line sings just under the melody, at the top of the accompaniment.
        inst = INSTRUMENTS[part.instrument]
        ceiling = accompaniment_ceiling(plan)
        top = ceiling if ceiling is not None else inst.high - 7
        return _counter_line(plan, part, top - 12, top)
    low, high = melody_range(part)
    scale = scale_pitches(plan.tonic_pc, plan.mode, low, high)
    spans = chord_spans(plan)
    density = plan.density
    motifs: dict[str, _Motif] = {}
    notes: list[Note] = []
    tonic_index = min(range(len(scale)), key=lambda i: (scale[i] % 12 != plan.tonic_pc, i))
    # A sections start on the third of the scale (a singable opening above the tonic); B
    # sections a third higher, so the contrast is also one of register.
    starts = {"A": tonic_index + 2, "B": min(tonic_index + 4, len(scale) - 3)}
    index = starts["A"]
    beats = plan.beats_per_bar
    end_beat = final_bar_start(plan)
    last_body = len(plan.sections) - 2
    # The melody rests in the intro while others set up the groove; alone, it plays through.
    accompanied = any(p.role in ("chords", "pad", "bass", "drums") for p in plan.parts)
    statements: dict[str, int] = {}
    for section_index, section in enumerate(plan.sections):
        bars_here = section.num_bars - (1 if section.label == "outro" else 0)
        if (section.label == "intro" and accompanied) or bars_here <= 0:
            continue
        label = "A" if section.label in ("outro", "intro") else section.label
        if label not in motifs:
            base = motifs.get("A")
            motifs[label] = _motif(plan, density, chooser)
            if base is not None:
                motifs[label] = _contrast(base, motifs[label], chooser, plan, density)
        motif = motifs[label]
        returning = statements.get(label, 0) > 0
        statements[label] = statements.get(label, 0) + 1
        # Every section of a label starts where its first statement did, so A comes back
        # recognisably with the same notes; after its opening two bars a returning section
        # varies the motif afresh.
        index = starts.get(label, starts["B"])
        first_note = len(notes)
        bar = section.start_bar
        end_bar = section.start_bar + bars_here
        phrase_len = 4 if bars_here >= 4 else bars_here
        while bar < end_bar:
            phrase_bars = min(phrase_len, end_bar - bar)
            # The phrase that leads into the final chord lands on the tonic.
            closing = section_index >= last_body and bar + phrase_bars >= end_bar
            for half in range(0, phrase_bars, 2):
                length = min(2, phrase_bars - half)
                opening = half == 0 and (not returning or bar == section.start_bar)
                current = (
                    motif if opening else _vary(motif, chooser, plan, density, fresh=returning)
                )
                index = _play(
                    notes,
                    current,
                    (bar + half) * beats,
                    length * beats,
                    index,
                    scale,
                    spans,
                    plan,
                    chooser,
                    is_end=half + length >= phrase_bars,
                    closing=closing,
                    first_note=first_note,
                )
            bar += phrase_bars
    # The last note of the piece: the tonic, held with the final chord.
    final = min(
        (p for p in scale if p % 12 == plan.tonic_pc),
        key=lambda p: abs(p - scale[min(index, len(scale) - 1)]),
        default=scale[0],
    )
    notes.append(Note(final, end_beat, beats * 2, 78))
    if GENRES[plan.genre].melody_in_thirds and part.role == "melody":
        return _in_thirds(notes, scale, spans, INSTRUMENTS[part.instrument].low)
    return notes


def _in_thirds(notes: list[Note], scale: list[int], spans: list[ChordSpan], low: int) -> list[Note]:
    """The tune with a second voice under it: the chord tone a third below, else a sixth
    below, else (a passing note) the scale's third below. Over a minor tonic the second voice
    sings the minor third under the tune's tonic and fifth, and the mode is heard."""
    doubled = list(notes)
    for note in notes:
        span = _span_at(spans, note.start)
        chord = set(span.chord.pitch_classes) if span else set()
        under = [note.pitch - i for i in (3, 4, 8, 9) if (note.pitch - i) % 12 in chord]
        if not under and note.pitch in scale and scale.index(note.pitch) >= 2:
            under = [scale[scale.index(note.pitch) - 2]]
        if under and under[0] >= low:
            doubled.append(Note(under[0], note.start, note.duration, note.velocity))
    return doubled


def _play(
    notes: list[Note],
    motif: _Motif,
    start: float,
    length: float,
    index: int,
    scale: list[int],
    spans: list[ChordSpan],
    plan: PiecePlan,
    chooser: Chooser,
    *,
    is_end: bool,
    closing: bool,
    first_note: int,
) -> int:
    pos = start
    count = len(motif.durations)
    # A phrase ends on a long note: the one sounding at the last bar's second half is held.
    hold = 1.0 if plan.beats_per_bar == 2 else 2.0
    end = start + length
    for k, (dur, step) in enumerate(zip(motif.durations, motif.steps, strict=True)):
        if pos >= end - 1e-6:
            break
        if dur < 0:
            pos += -dur
            continue
        before = index
        index += step
        if index < 2 or index > len(scale) - 3:
            index -= 2 * step
        index = min(max(index, 0), len(scale) - 1)
        span = _span_at(spans, pos)
        chord_pcs = set(span.chord.pitch_classes) if span else set()
        strong = abs(pos - round(pos)) < 1e-6 and (pos % plan.beats_per_bar) in (0, 2)
        # A leap (a fourth or more) just made in this section is answered by a step back.
        leap = notes[-1].pitch - notes[-2].pitch if len(notes) - first_note >= 2 else 0
        last = k == count - 1 or pos + dur >= end - 1e-6
        if is_end and pos + dur > end - hold + 1e-6:
            last = True
        duration = dur
        if last and is_end:
            duration = start + length - pos
            targets = {plan.tonic_pc} if closing else chord_pcs or {plan.tonic_pc}
            if plan.is_minor and not closing and span and span.chord.root_pc == plan.tonic_pc:
                # Resting on the minor third makes the mode unmistakable.
                targets = {(plan.tonic_pc + 3) % 12}
            index = _nearest(scale, index, targets)
        elif abs(leap) >= 5:
            back = -1 if leap > 0 else 1
            options = [before + back, before + 2 * back]
            options = [i for i in options if 0 <= i < len(scale)] or [before]
            if strong and chord_pcs:
                # On a strong beat prefer the step back that is a chord tone.
                options.sort(key=lambda i: scale[i] % 12 not in chord_pcs)
            index = options[0]
        elif strong and chord_pcs:
            snapped = _nearest(scale, index, chord_pcs, prefer=1 if step >= 0 else -1)
            moving = len(notes) > first_note and scale[snapped] == notes[-1].pitch
            if moving and step != 0:
                # Keep the line moving: the next chord tone in the step's direction.
                direction = 1 if step > 0 else -1
                moved = _nearest(scale, snapped + 2 * direction, chord_pcs)
                snapped = moved if 1 <= moved < len(scale) - 1 else snapped
            index = snapped
        pitch = scale[index]
        accent = 12 if strong else 0
        velocity = 74 + accent + int(chooser.normal(4))
        notes.append(Note(pitch, pos, duration * 0.95, max(30, min(velocity, 120))))
        pos += dur
        if last and is_end:
            break
    return index


def _span_at(spans: list[ChordSpan], beat: float) -> ChordSpan | None:
    for span in spans:
        if span.start - 1e-6 <= beat < span.end - 1e-6:
            return span
    return spans[-1] if spans else None


def _nearest(scale: list[int], index: int, pcs: set[int], *, prefer: int = -1) -> int:
    """The scale index nearest ``index`` whose pitch class is in ``pcs`` (ties go the
    ``prefer`` way: -1 down, 1 up)."""
    best = index
    for distance in range(0, 5):
        for candidate in (index + prefer * distance, index - prefer * distance):
            if 0 <= candidate < len(scale) and scale[candidate] % 12 in pcs:
                return candidate
    return best


def _counter_line(plan: PiecePlan, part: PartPlan, low: int, high: int) -> list[Note]:
    """A slow guide-tone line (thirds and sevenths) that moves by the smallest step."""
    notes: list[Note] = []
    previous = (low + high) // 2
    scale_pcs = set(scale_pitches(plan.tonic_pc, plan.mode, 0, 11))
    for span in chord_spans(plan):
        section = plan.sections[span.section]
        if section.label == "intro":
            continue
        chord = span.chord
        guides = [pc for pc in chord.pitch_classes[1:] if pc in scale_pcs] or [chord.root_pc]
        options = [p for p in range(low, high + 1) if p % 12 in guides]
        if not options:
            continue
        pitch = min(options, key=lambda p: (abs(p - previous), p))
        previous = pitch
        notes.append(Note(pitch, span.start, span.duration * 0.98, 62))
    return notes
