"""Chord parts: voicings with voice leading, played in the genre's comping pattern.

Every chord is voiced by :func:`theory.lead_voices`, which picks the voicing that moves least
from the previous one, so inner voices step instead of jumping. The comping style decides when
the voicing sounds: sustained (pads, ambient), repeated eighths (pop piano), strummed
(folk guitar), syncopated (funk, bossa, jazz Charleston), off-beat (reggae skank, house stabs),
broken (classical arpeggios) or power chords (rock, metal).
"""

from __future__ import annotations

from music_gen.engines.composer.instruments import INSTRUMENTS
from music_gen.engines.composer.notes import ChordSpan, Note, chord_spans, fit_octave
from music_gen.engines.composer.plan import PartPlan, PiecePlan
from music_gen.engines.composer.ranges import accompaniment_ceiling, accompaniment_range
from music_gen.engines.composer.sampling import Chooser
from music_gen.engines.composer.theory import MINOR_MODES, Chord, lead_voices

# Hit patterns for one 4/4 bar: (onset beat, duration beats, velocity).
_PATTERNS_44: dict[str, list[list[tuple[float, float, int]]]] = {
    "block": [[(0.0, 4.0, 70)]],
    "pad": [[(0.0, 4.0, 64)]],
    # Pop piano: an eighth-note pulse, or quarter-and-eighth syncopations that push beat 3.
    "pulse8": [
        [(i * 0.5, 0.45, 78 if i % 2 == 0 else 62) for i in range(8)],
        [
            (0.0, 1.0, 80),
            (1.0, 0.5, 66),
            (1.5, 1.0, 74),
            (2.5, 0.5, 62),
            (3.0, 0.5, 74),
            (3.5, 0.5, 62),
        ],
        [
            (0.0, 0.5, 80),
            (0.5, 0.5, 62),
            (1.0, 0.5, 70),
            (1.5, 1.0, 76),
            (2.5, 0.5, 64),
            (3.0, 1.0, 74),
        ],
    ],
    "ostinato": [[(i * 0.5, 0.4, 76 if i % 2 == 0 else 60) for i in range(8)]],
    "shuffle": [[(i * 0.5, 0.4, 76 if i % 2 == 0 else 58) for i in range(8)]],
    "strum": [
        [
            (0.0, 1.0, 82),
            (1.0, 0.5, 70),
            (1.5, 0.5, 60),
            (2.5, 0.5, 62),
            (3.0, 0.5, 72),
            (3.5, 0.5, 60),
        ],
        [(0.0, 1.5, 82), (1.5, 0.5, 60), (2.0, 1.0, 74), (3.0, 0.5, 70), (3.5, 0.5, 60)],
    ],
    # Rock rhythm guitar: driving eighths accented on 2 and 4, palm-muted eighths (short)
    # that ring open on the backbeats, or eighths that tie over beat 3 (a push).
    "power": [
        [(i * 0.5, 0.42, 104 if i in (2, 6) else (94 if i % 2 == 0 else 82)) for i in range(8)],
        [(i * 0.5, 0.45 if i in (2, 6) else 0.2, 106 if i in (2, 6) else 80) for i in range(8)],
        [
            (0.0, 0.42, 98),
            (0.5, 0.2, 80),
            (1.0, 0.42, 106),
            (1.5, 0.9, 96),
            (2.5, 0.2, 82),
            (3.0, 0.42, 106),
            (3.5, 0.42, 90),
        ],
    ],
    # Country boom-chick: the chord on 2 and 4 with up-strums after (bass notes on 1 and 3
    # come from _boom_chick).
    "boomchick": [
        [(1.0, 0.45, 84), (1.5, 0.3, 60), (3.0, 0.45, 84), (3.5, 0.3, 60)],
        [(1.0, 0.45, 84), (2.5, 0.3, 62), (3.0, 0.45, 84), (3.5, 0.3, 60)],
    ],
    "funk": [
        # Sixteenth-note scratches that still mark beats 1 and 3 (and 2 and 4): the groove
        # syncopates around a pulse, not instead of it.
        [
            (0.0, 0.2, 92),
            (0.75, 0.2, 62),
            (1.0, 0.2, 88),
            (1.5, 0.2, 70),
            (2.5, 0.2, 80),
            (3.0, 0.2, 88),
            (3.75, 0.2, 62),
        ],
        [
            (0.0, 0.2, 92),
            (1.0, 0.2, 86),
            (1.75, 0.2, 66),
            (2.0, 0.2, 84),
            (2.5, 0.2, 76),
            (3.0, 0.2, 86),
            (3.75, 0.2, 70),
        ],
    ],
    "jazz": [
        [(0.0, 1.2, 72), (1.5, 0.9, 66)],
        [(0.5, 0.9, 66), (2.0, 1.2, 70)],
        [(0.0, 0.9, 72), (2.5, 1.2, 66)],
        [(1.0, 0.9, 68), (2.5, 0.9, 66)],
    ],
    "skank": [
        [(1.0, 0.35, 82), (3.0, 0.35, 82)],
        [(1.0, 0.35, 82), (3.0, 0.35, 80), (3.5, 0.25, 60)],
    ],
    "bossa": [
        [(0.0, 0.9, 72), (1.5, 0.9, 66), (3.0, 0.9, 70)],
        [(0.5, 0.9, 66), (2.0, 0.9, 70), (3.5, 0.4, 62)],
    ],
    "stabs": [[(0.5, 0.3, 82), (1.5, 0.3, 82), (2.5, 0.3, 82), (3.5, 0.3, 82)]],
    "lofi": [[(0.0, 1.8, 70), (2.5, 1.4, 62)], [(0.0, 3.8, 68)]],
}
_ROOTLESS = ("jazz", "bossa", "lofi")


def _voice_range(part: PartPlan, style: str) -> tuple[int, int, int]:
    inst = INSTRUMENTS[part.instrument]
    low = max(inst.low, 48 if inst.family != "pad" else 50)
    high = min(inst.high, low + 26)
    voices = 3 if inst.family == "guitar" and style not in ("strum",) else 4
    if style == "strum":
        voices = 5
    return low, high, voices


def write_chords(plan: PiecePlan, part: PartPlan, chooser: Chooser) -> list[Note]:
    """The chord part: every chord voiced and played in the part's style, under the melody."""
    style = part.style
    if plan.meter != "4/4" and style not in ("pad", "block", "arpeggio", "waltz", "triplets"):
        # Patterns are written for 4/4; plans fit styles to the meter (parts.fit_meter).
        style = plan.time_signature.chord_style
    low, high, voices = _voice_range(part, style)
    # Without a bass part the chord part's left hand plays the roots, below the voicings.
    own_bass = not any(p.role == "bass" for p in plan.parts)
    if own_bass and style != "power":
        low, high = max(low, 52), max(low, 52) + 26
    low, high = accompaniment_range(plan, low, high)
    ceiling = accompaniment_ceiling(plan)
    notes: list[Note] = []
    previous: list[int] | None = None
    spans = chord_spans(plan)
    last_index = len(plan.sections) - 1
    bar_patterns: dict[int, list[tuple[float, float, int]]] = {}
    heard: dict[str, int] = {}
    for span in spans:
        section = plan.sections[span.section]
        if span.beat_in_bar == 0 and span.bar == section.start_bar:
            heard[section.label] = heard.get(section.label, 0) + 1
            if heard[section.label] % 2 == 0 and previous:
                # A section heard again is voiced afresh: leading from a voicing a fourth
                # higher gives other inversions.
                previous = [p + 5 for p in previous]
        chord = span.chord
        root = fit_octave(chord.root_pc, 36, 47, 43 if own_bass else 45)
        final = span.section == last_index and span.bar == plan.total_bars - 1
        if own_bass and style == "arpeggio" and not final:
            # A pianist's (guitarist's, harpist's) left hand: the bass note on the downbeat,
            # then the chord broken upwards in eighths, all below the melody.
            notes.extend(_left_hand(plan, span, root, high))
            continue
        if style == "power":
            tonic_third = None
            if chord.root_pc == plan.tonic_pc and chord.quality == "5":
                # A bare tonic fifth leaves the mode to the ear (and the distorted guitar's
                # own overtones sound a major third): the tonic chord states its third.
                tonic_third = (plan.tonic_pc + (3 if plan.mode in MINOR_MODES else 4)) % 12
            voicing = _power(
                chord,
                ceiling,
                with_third=part.instrument != "distorted guitar",
                tonic_third=tonic_third,
            )
        else:
            rootless = style in _ROOTLESS and len(chord.pitch_classes) >= 4
            previous = _within(
                lead_voices(previous, chord, low, high, voices=voices, omit_root=rootless), high
            )
            voicing = _double_minor_third(previous, chord, high, voices)
        if own_bass and (final or style not in ("arpeggio", "waltz", "power")):
            if style in _ROOTLESS and not final:
                # Jazz solo piano: rootless voicings comp above a two-beat left hand.
                notes.extend(_two_feel(plan, span, root))
            else:
                length = plan.beats_per_bar * 2 if final else span.duration
                notes.append(Note(root, span.start, length * 0.98, 70))
                third = chord.third_pc
                if third is not None:
                    # A left-hand tenth: root and the third above the octave, the mode's colour.
                    tenth = root + 12 + (third - chord.root_pc) % 12
                    if tenth not in voicing and tenth <= high:
                        notes.append(Note(tenth, span.start, length * 0.98, 62))
        # Intros sustain (rhythm guitars drive from the first bar).
        intro_hold = section.label == "intro" and style not in ("arpeggio", "power", "boomchick")
        if final or style in ("pad", "block") or intro_hold:
            length = span.duration if not final else plan.beats_per_bar * 2
            notes.extend(
                Note(p, span.start, length * 0.98, 66 if not final else 72) for p in voicing
            )
            continue
        if style == "arpeggio":
            notes.extend(_arpeggio(plan, span, voicing, root))
            continue
        if style == "waltz":
            notes.extend(_waltz(plan, span, voicing, root))
            continue
        if style == "triplets":
            notes.extend(_triplets(plan, span, voicing))
            continue
        if style == "boomchick":
            notes.extend(_boom_chick(span, chord, part))
        if span.bar not in bar_patterns:
            options = _PATTERNS_44.get(style, _PATTERNS_44["block"])
            bar_patterns[span.bar] = chooser.choose(options)
        for onset, length, velocity in bar_patterns[span.bar]:
            if span.beat_in_bar - 1e-6 <= onset < span.beat_in_bar + span.duration - 1e-6:
                start = span.start - span.beat_in_bar + onset
                # A hit tied over a chord change stops at the change.
                length = min(length, span.beat_in_bar + span.duration - onset)
                spread = 0.012 if style in ("strum", "boomchick") else 0.0
                for k, pitch in enumerate(voicing):
                    notes.append(Note(pitch, start + k * spread, length, velocity))
    return notes


def _boom_chick(span: ChordSpan, chord: Chord, part: PartPlan) -> list[Note]:
    """The "boom" of a boom-chick: the root on beat 1 and the fifth on beat 3, low on the
    instrument, for the beats of the bar this chord covers."""
    inst = INSTRUMENTS[part.instrument]
    low = inst.low
    notes = []
    for beat, pc in ((0.0, chord.root_pc), (2.0, chord.fifth_pc)):
        if span.beat_in_bar - 1e-6 <= beat < span.beat_in_bar + span.duration - 1e-6:
            pitch = fit_octave(pc, low, low + 11, low)
            notes.append(Note(pitch, span.start - span.beat_in_bar + beat, 0.9, 88))
    return notes


def _left_hand(plan: PiecePlan, span: ChordSpan, root: int, high: int) -> list[Note]:
    """Broken chord in eighths (triplet eighths in 6/8) from the bass note: root, fifth,
    octave (or seventh) and tenth, up and back down, the bass note held through the chord;
    nothing above ``high`` (the top of the accompaniment)."""
    chord = span.chord
    fifth = root + (chord.fifth_pc - chord.root_pc) % 12
    third = chord.third_pc
    tenth = root + 12 + ((third - chord.root_pc) % 12 if third is not None else 7)
    seventh = [pc for pc in chord.pitch_classes[3:4] if pc not in (chord.root_pc,)]
    top_inner = root + (seventh[0] - chord.root_pc) % 12 if seventh else root + 12
    if top_inner <= fifth:
        top_inner += 12
    tones = [p - 12 if p > high else p for p in (root, fifth, top_inner, tenth)]
    order = [0, 1, 2, 3, 2, 1]
    step = plan.time_signature.subdivision
    count = max(1, round(span.duration / step))
    notes = [Note(root, span.start, span.duration * 0.98, 68)]
    for k in range(1, count):
        pitch = tones[order[k % len(order)]]
        velocity = 56 if k % 2 else 60
        notes.append(Note(pitch, span.start + k * step, step * 2.0, velocity))
    return notes


def _two_feel(plan: PiecePlan, span: ChordSpan, root: int) -> list[Note]:
    """A jazz pianist's left-hand bass: the root on the chord's first beat, the fifth
    (below when the octave allows) on the bar's third beat (a "two feel")."""
    chord = span.chord
    half = plan.beats_per_bar / 2
    notes = [Note(root, span.start, min(span.duration, half) * 0.9, 72)]
    if span.duration > half + 1e-6:
        fifth = root + (chord.fifth_pc - chord.root_pc) % 12
        fifth = fifth - 12 if fifth - 12 >= 36 else fifth
        notes.append(Note(fifth, span.start + half, half * 0.9, 66))
    return notes


def _within(voicing: list[int], high: int) -> list[int]:
    """The voicing with any note above ``high`` taken down by octaves (a narrow range can
    leave no voicing that fits, and the fallback is stacked from the bottom)."""
    moved = {p - 12 * max(0, -((high - p) // 12)) for p in voicing}
    return sorted(moved)


def _double_minor_third(voicing: list[int], chord: Chord, high: int, voices: int) -> list[int]:
    """A minor triad voiced in three notes gets its third doubled an octave up: the minor
    third is what tells minor from major, and low roots' overtones sound a major third."""
    third = chord.third_pc
    if chord.quality != "min" or third is None or len(voicing) >= voices:
        return voicing
    above = [p for p in voicing if p % 12 == third]
    if above and above[-1] + 12 <= high and above[-1] + 12 not in voicing:
        return sorted([*voicing, above[-1] + 12])
    return voicing


def _power(
    chord: Chord, ceiling: int | None, *, with_third: bool, tonic_third: int | None = None
) -> list[int]:
    """Root, fifth and octave; with the third on top unless the guitar is too distorted for
    thirds to stay clean (metal keeps bare fifths); all under the melody's ``ceiling``.
    ``tonic_third`` (a pitch class) is the key's third, added on top of the tonic chord."""
    root = fit_octave(chord.root_pc, 40, 52, 45)
    voicing = [root, root + 7, root + 12]
    third = chord.third_pc
    if with_third and third is not None and chord.quality != "5":
        voicing.append(root + 12 + (third - chord.root_pc) % 12)
    elif tonic_third is not None:
        third = root + (tonic_third - chord.root_pc) % 12
        # Over the octave where the melody leaves room, else inside the fifth.
        voicing.append(third + 12 if ceiling is None or third + 12 <= ceiling else third)
        voicing.sort()
    if ceiling is None:
        return voicing
    # Under a low melody the octave and the third go; root and fifth always stay.
    return [p for p in voicing if p <= ceiling] if root + 7 <= ceiling else voicing[:2]


def _arpeggio(plan: PiecePlan, span: ChordSpan, voicing: list[int], root: int) -> list[Note]:
    step = plan.time_signature.subdivision
    order = [root, *voicing, *reversed(voicing[1:-1])]
    notes = []
    count = round(span.duration / step)
    for k in range(count):
        velocity = 70 if k == 0 else 58
        notes.append(Note(order[k % len(order)], span.start + k * step, step * 1.8, velocity))
    return notes


def _triplets(plan: PiecePlan, span: ChordSpan, voicing: list[int]) -> list[Note]:
    """The 12/8 ballad piano: the chord struck on every eighth, three to the beat, the beat
    accented."""
    step = plan.time_signature.subdivision
    notes: list[Note] = []
    for k in range(round(span.duration / step)):
        velocity = 70 if k % 3 == 0 else 54
        notes.extend(Note(p, span.start + k * step, step * 0.9, velocity) for p in voicing)
    return notes


def _waltz(plan: PiecePlan, span: ChordSpan, voicing: list[int], root: int) -> list[Note]:
    notes = []
    for beat in range(round(span.duration)):
        if (span.beat_in_bar + beat) % plan.beats_per_bar == 0:
            notes.append(Note(root, span.start + beat, 0.95, 72))
        else:
            notes.extend(Note(p, span.start + beat, 0.6, 58) for p in voicing)
    return notes
