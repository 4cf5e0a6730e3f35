"""Drum patterns per genre (General MIDI channel 10), with fills and crashes at section changes.

Patterns are written on a sixteenth-note grid, one string per drum: ``x`` a normal hit, ``X``
an accent, ``o`` a ghost note, ``.`` silence. Kick and snare sit on the beat in every groove
that has them, so the pulse is clear.
"""

from __future__ import annotations

from music_gen.engines.composer.notes import Note, is_section_end
from music_gen.engines.composer.plan import PartPlan, PiecePlan
from music_gen.engines.composer.sampling import Chooser

KICK, SIDE_STICK, SNARE, CLAP, HAT, PEDAL_HAT, OPEN_HAT = 36, 37, 38, 39, 42, 44, 46
LOW_TOM, MID_TOM, HIGH_TOM, CRASH, RIDE, TAMBOURINE, SHAKER = 45, 47, 50, 49, 51, 54, 70
FLOOR_TOM = 41
COWBELL, MUTE_CONGA, HIGH_CONGA, LOW_CONGA, CLAVES = 56, 62, 63, 64, 75
RIM = SIDE_STICK

_VELOCITY = {"X": 112, "x": 96, "o": 52}

#: Grooves for one 4/4 bar (16 steps).
GROOVES: dict[str, dict[int, str]] = {
    "rock": {KICK: "X.....x.X.x.....", SNARE: "....X.......X...", HAT: "x.x.x.x.x.x.x.x."},
    "pop": {
        KICK: "X.....x.X.......",
        SNARE: "....X.......X...",
        CLAP: "....x.......x...",
        HAT: "x.x.x.x.x.x.x.x.",
    },
    "funk": {KICK: "X.....x...x..x..", SNARE: "....X..o.o..X..o", HAT: "XoxoXoxoXoxoXoxo"},
    "house": {
        KICK: "X...X...X...X...",
        CLAP: "....x.......x...",
        OPEN_HAT: "..x...x...x...x.",
        HAT: "o.o.o.o.o.o.o.o.",
    },
    "techno": {
        KICK: "X...X...X...X...",
        CLAP: "....x.......x...",
        OPEN_HAT: "..x...x...x...x.",
        HAT: "oooooooooooooooo",
    },
    # The kick carries hardstyle: hard on every beat, claps on 2 and 4, open hats off the
    # beat, no sixteenth hats over it (the kick is tuned to the key: see parts.tune_to_key).
    "hardstyle": {KICK: "X...X...X...X...", CLAP: "....x.......x...", OPEN_HAT: "..x...x...x...x."},
    "hiphop": {KICK: "X......x..x.....", SNARE: "....X.......X...", HAT: "x.o.x.o.x.o.x.o."},
    "jazz": {RIDE: "X...X.x.X...X.x.", PEDAL_HAT: "....x.......x...", KICK: "o...o...o...o..."},
    "shuffle": {KICK: "X.......X.......", SNARE: "....X.......X...", HAT: "x.x.x.x.x.x.x.x."},
    "reggae": {
        KICK: "........X.......",
        SIDE_STICK: "........x.......",
        HAT: "x.o.x.o.x.o.x.o.",
        PEDAL_HAT: "....x.......x...",
    },
    # The bass drum's surdo pulse carries the beat; the cross-stick's clave (3+3+4+3+3) is
    # played light after its downbeat. Struck full it is heard as a dotted pulse, two thirds
    # of the tempo (128 read as 86).
    "bossa": {KICK: "X..oX..oX..oX..o", SIDE_STICK: "x..o..o...o..o..", HAT: "x.o.x.o.x.o.x.o."},
    "country": {KICK: "X.......X.......", SNARE: "....X.......X...", HAT: "x.x.x.x.x.x.x.x."},
    # The double kick under the guitars: every beat accented, the lead foot's eighths, the
    # other foot's sixteenths light. Sixteenths all hit hard are a drone of the kick's pitch
    # that outweighs the guitars (minor keys read major).
    "metal": {KICK: "XoxoXoxoXoxoXoxo", SNARE: "....X.......X...", RIDE: "X...X...X...X..."},
    "cinematic": {
        KICK: "X.......X.......",
        FLOOR_TOM: "x.....x.....x...",
        SNARE: "....x.......x...",
    },
    "folk": {KICK: "X.......X.......", TAMBOURINE: "....x.......x...", SHAKER: "x.x.x.x.x.x.x.x."},
    "punk": {KICK: "X.x...x.X.x...x.", SNARE: "....X.......X...", HAT: "X.x.X.x.X.x.X.x."},
    "surf": {
        KICK: "X.......X.x.....",
        SNARE: "....X.......X...",
        FLOOR_TOM: "x.x.x.x.x.x.x.x.",
        RIDE: "x...x...x...x...",
    },
    "disco": {
        KICK: "X...X...X...X...",
        SNARE: "....X.......X...",
        OPEN_HAT: "..X...X...X...X.",
        HAT: "x.o.x.o.x.o.x.o.",
    },
    "dnb": {KICK: "X.........X.....", SNARE: "....X..o.o..X...", HAT: "x.x.x.x.x.x.x.x."},
    # Dubstep's half time: the kick on 1 (and the and of 3), the snare on 3, hats accented on
    # every beat so the asked tempo stays audible. A kick on the and of 2 as well grouped
    # the bar 3+3+2 and was heard as a dotted pulse (140 read as 92).
    "halftime": {KICK: "X.........x.....", SNARE: "........X.......", HAT: "X.x.X.x.X.x.X.x."},
    # Half-time (the clap on 3), but the beat stays audible: ghost claps on 2 and 4 and
    # eighth hats accented on every beat (rolls break the pulse: "traprolls" when asked).
    "trap": {
        KICK: "X......x..X.....",
        CLAP: "....o...X...o...",
        HAT: "X.x.X.x.X.x.X.x.",
        OPEN_HAT: "..............x.",
    },
    # Asked-for rolls ("hi-hat rolls"): sixteenth bursts across the bar.
    "traprolls": {
        KICK: "X......x..X.....",
        CLAP: "........X.......",
        HAT: "x.x.xxxxx.x.x.xx",
        OPEN_HAT: "..............x.",
    },
    "soul": {KICK: "X.....x.X.......", SNARE: "....X.......X...", TAMBOURINE: "x...x...x...x..."},
    "afrobeat": {
        KICK: "X.....x...X.....",
        SNARE: "....o..x.o..x..o",
        OPEN_HAT: "..x...x...x...x.",
        SHAKER: "xoxoxoxoxoxoxoxo",
    },
    # Flamenco in four (tangos): palmas on 2, 3 and 4 (1 only touched), the cajon's bass on
    # 1 and 3. The twelve-count's accents (12, 3, 6, 8, 10) squeezed into sixteenths were
    # heard as a dotted pulse, two thirds of the tempo (140 read as 92).
    "flamenco": {CLAP: "o...X...X...X...", KICK: "X.......X......."},
    # Darbuka and riq: maqsum's dum (low conga) and tek (high conga), the riq's jingles.
    "maqsum": {
        LOW_CONGA: "X.......X.......",
        HIGH_CONGA: "..x...x.....x...",
        TAMBOURINE: "x.o.x.o.x.o.x.o.",
    },
    # Tabla on kaherva (dha ge na ti | na ka dhi na): the bayan low, the dayan's strokes high.
    "tabla": {
        LOW_CONGA: "X.x.........x...",
        HIGH_CONGA: "x.o.x.x.x.x.o.x.",
        MUTE_CONGA: "...o...o...o...o",
    },
    "march": {
        KICK: "X.......X.......",
        SNARE: "x.ooX.o.x.ooX.xx",
        CRASH: "........x.......",
    },
    "ska": {KICK: "X.......X.......", SNARE: "....X.......X...", HAT: "..x...x...x...x."},
    "onedrop": {KICK: "........X.......", RIM: "........x.......", HAT: "x.o.x.o.x.o.x.o."},
    "boombap": {KICK: "X.......X.x.....", SNARE: "....X.......X...", HAT: "x.x.x.x.x.x.x.x."},
    "blast": {KICK: "XxXxXxXxXxXxXxXx", SNARE: "xXxXxXxXxXxXxXxX", RIDE: "x.x.x.x.x.x.x.x."},
    "brushes": {SNARE: "o.xoo.xoo.xoo.xo", PEDAL_HAT: "....x.......x...", KICK: "o.......o......."},
    # A bodhran: one drum (the low tom, tuned to the key), its strokes accented on the beat.
    "celtic": {LOW_TOM: "X.x.x.x.X.x.x.x."},
    "cumbia": {
        KICK: "X.......X.......",
        SIDE_STICK: "....x.......x...",
        SHAKER: "x.xxx.xxx.xxx.xx",
        HIGH_CONGA: "......x.......x.",
    },
    "salsa": {
        KICK: "X.......X.......",
        CLAVES: "x..x..x...x.x...",
        COWBELL: "X.x.X.x.X.x.X.x.",
        HIGH_CONGA: "......xx......xx",
        LOW_CONGA: "..x.......x.....",
    },
    "samba": {
        KICK: "X.......X.......",
        FLOOR_TOM: "....x.......X...",
        SNARE: "X.oxX.oxX.oxX.ox",
        SHAKER: "XxxxXxxxXxxxXxxx",
    },
    "reggaeton": {KICK: "X...X...X...X...", SNARE: "...x..x....x..x.", HAT: "x.x.x.x.x.x.x.x."},
    # Drill's sliding half time: snare on 3, skipping hats accented on every beat as in trap
    # (unaccented, the kick and snare's offbeats were heard as two thirds of the tempo).
    "drill": {KICK: "X.........x.....", SNARE: "........X.....x.", HAT: "X.x.X.xxX.x.X.xx"},
    "garage": {
        KICK: "X.........X.....",
        SNARE: "....X.......X...",
        HAT: "..x...x...x...x.",
        SHAKER: "xoxoxoxoxoxoxoxo",
    },
}
#: Grooves for the other meters: simple ones on sixteenths (2/4 8 steps, 3/4 12, 5/4 20,
#: 7/8 14 grouped 2+2+3, 11/8 22 grouped 2+2+3+2+2),
#: 6/8 on sixteenths (12 steps of two dotted-quarter beats), 9/8 and 12/8 on the eighths
#: (three to the beat: the triplet grid of a 12/8 shuffle, backbeat on beats 2 and 4).
METER_GROOVES: dict[str, dict[int, str]] = {
    "2/4": {KICK: "X...X...", SNARE: "..X...X.", HAT: "x.x.x.x."},
    "3/4": {KICK: "X...........", SNARE: "....x...x...", HAT: "x.x.x.x.x.x."},
    "5/4": {
        KICK: "X.....x.....X.......",
        SNARE: "....X.......X...X...",
        HAT: "x.x.x.x.x.x.x.x.x.x.",
    },
    "6/8": {KICK: "X...........", SNARE: "......X.....", HAT: "x.x.x.x.x.x."},
    "7/8": {KICK: "X.......X.....", SNARE: "....X.....X...", HAT: "x.x.x.x.x.x.x."},
    "11/8": {
        KICK: "X.......X.............",
        SNARE: "....X.........X...X...",
        HAT: "x.x.x.x.x.x.x.x.x.x.x.",
    },
    "9/8": {KICK: "X.....x..", SNARE: "...x.....", HAT: "Xxxxxxxxx"},
    "12/8": {KICK: "X.....x.....", SNARE: "...X.....X..", RIDE: "X.xX.xX.xX.x"},
    # A genre's own groove in a meter ("celtic 6/8": the bodhran in a jig).
    "tarantella 6/8": {KICK: "X.....x.....", TAMBOURINE: "X.x.x.X.x.x.", SNARE: "......x....."},
    "celtic 6/8": {LOW_TOM: "X.x.x.X.x.x."},
    "celtic 9/8": {LOW_TOM: "XxxXxxXxx"},
    "celtic 12/8": {LOW_TOM: "XxxXxxXxxXxx"},
}
_FILL_PATTERNS = [
    [SNARE, SNARE, SNARE, SNARE],
    [HIGH_TOM, HIGH_TOM, MID_TOM, LOW_TOM],
    [SNARE, HIGH_TOM, MID_TOM, FLOOR_TOM],
]


def write_drums(plan: PiecePlan, part: PartPlan, chooser: Chooser) -> list[Note]:
    """The drum part: the groove, fills into new sections, crashes on their downbeats."""
    name, _, transform = part.style.partition("+")
    if plan.meter in METER_GROOVES:
        groove = METER_GROOVES.get(f"{name} {plan.meter}", METER_GROOVES[plan.meter])
    else:
        groove = GROOVES.get(name, GROOVES["pop"])
        for change in transform.split("+"):
            groove = transform_groove(groove, change)
    steps = len(next(iter(groove.values())))
    beats = plan.beats_per_bar
    step_beats = beats / steps
    notes: list[Note] = []
    final_bar = plan.total_bars - 1
    for section in plan.sections:
        for offset in range(section.num_bars):
            bar = section.start_bar + offset
            start = bar * beats
            if bar == final_bar:
                notes.append(Note(CRASH, start, beats, 100))
                notes.append(Note(KICK, start, 1.0, 104))
                continue
            if offset == 0 and section.label not in ("intro",) and bar > 0:
                notes.append(Note(CRASH, start, beats, 96))
            fill_from = steps
            if is_section_end(plan, bar) and plan.meter == "4/4" and section.label != "intro":
                fill_from = 12 if section.energy < 0.9 else 8
                notes.extend(_fill(start, fill_from, steps, step_beats, chooser))
            for drum, pattern in groove.items():
                for step, symbol in enumerate(pattern):
                    if symbol == "." or (step >= fill_from and drum != KICK):
                        continue
                    if section.label == "intro" and symbol == "o":
                        continue
                    velocity = _VELOCITY[symbol] + int(chooser.normal(3))
                    if drum in (HAT, SHAKER, RIDE) and step % (steps // beats) == 0:
                        velocity += 8
                    length = step_beats * (4 if drum in (OPEN_HAT, RIDE) else 1)
                    notes.append(Note(drum, start + step * step_beats, length, velocity))
    return notes


def transform_groove(groove: dict[int, str], transform: str) -> dict[int, str]:
    """A 4/4 groove changed by a groove word: "half" (the backbeat on 3 only), "double" (the
    groove twice in a bar), "four" (a kick on every beat), "doublekick" (the kick on every
    sixteenth), "rim" (snare as rimshot)."""
    result = dict(groove)
    backbeat = SNARE if SNARE in result else (CLAP if CLAP in result else SIDE_STICK)
    if transform == "half":
        for drum in (SNARE, CLAP, SIDE_STICK, RIM):
            if drum in result:
                result[drum] = "." * 16
        result[backbeat] = "........X......."
        if KICK in result:
            result[KICK] = "X.....x........."
    elif transform == "double":
        result = {drum: "".join(p[(2 * i) % 16] for i in range(16)) for drum, p in result.items()}
    elif transform == "four":
        result[KICK] = "X...X...X...X..."
    elif transform == "doublekick":
        result[KICK] = "Xx" * 8
    elif transform == "rim" and SNARE in result:
        result[RIM] = result.pop(SNARE)
    return result


def _fill(
    start: float, fill_from: int, steps: int, step_beats: float, chooser: Chooser
) -> list[Note]:
    pattern = chooser.choose(_FILL_PATTERNS)
    notes = []
    for k, step in enumerate(range(fill_from, steps)):
        drum = pattern[min(k * len(pattern) // (steps - fill_from), len(pattern) - 1)]
        velocity = 74 + int(28 * k / max(steps - fill_from - 1, 1))
        notes.append(Note(drum, start + step * step_beats, step_beats, velocity))
    return notes
