"""What intensity does to a band, and the notes of live transitions and endings.

Intensity (0..1) decides, note by note, what of an arrangement plays: soft and sparse at 0
(accompaniment on the beats only, no drums, no extra layers), full at 1 (every note, drums,
an added bass, pad and drums where the band has none, the melody doubled an octave up,
louder). Transitions are written in beats relative to the new section's downbeat: a drum
fill or a rising scale run into it, the new key's dominant seventh before a key change, and
the cadence (V7 - I) that ends a live stream.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from music_gen.engines.composer.drums import (
    CLAP,
    CRASH,
    FLOOR_TOM,
    HIGH_TOM,
    KICK,
    LOW_TOM,
    MID_TOM,
    SIDE_STICK,
    SNARE,
)
from music_gen.engines.composer.instruments import INSTRUMENTS
from music_gen.engines.composer.parts import DRUM_CHANNEL, MELODIC_CHANNELS, PartPlan
from music_gen.engines.composer.plan import PiecePlan
from music_gen.engines.composer.styles import GENRES
from music_gen.engines.composer.theory import scale_pitches

#: Drums that still play at "light" drum intensity (the rest of the kit waits).
LIGHT_DRUMS = frozenset({KICK, SNARE, SIDE_STICK, CLAP, CRASH})
#: Onsets this close (in beats) to a grid line count as on it (humanisation, swing).
GRID_TOLERANCE_BEATS = 0.08
#: Name prefix of the parts intensity adds to a band.
LAYER_PREFIX = "layer "
_SYNTH_GENRES = ("house", "techno", "hip-hop", "lo-fi", "ambient")
_UPRIGHT_GENRES = ("jazz", "blues", "bossa nova", "folk", "classical", "cinematic", "country")


@dataclass(frozen=True)
class IntensityMix:
    """What plays at one intensity."""

    intensity: float
    # Velocity multiplier (dynamics).
    velocity_scale: float
    # The band's own drums: "off", "light" (kick, snare, crash; hats on the beat) or "full".
    drums: str
    # Added layers: drums (bands without), bass (bands without), a sustained pad.
    layer_drums: str
    layer_bass: bool
    layer_pad: bool
    # Counter-melodies play.
    counter: bool
    # Chord and bass onsets kept on this grid in beats (1: beats only, 0.5: eighths, 0: all).
    accompaniment_grid: float
    # The melody doubled an octave up (register and an extra layer).
    double_melody: bool


def intensity_mix(intensity: float) -> IntensityMix:
    """The mix for an intensity in [0, 1] (monotonic: more plays as it rises)."""
    i = min(max(float(intensity), 0.0), 1.0)
    return IntensityMix(
        intensity=i,
        velocity_scale=0.75 + 0.35 * i,
        drums="off" if i < 0.3 else ("light" if i < 0.55 else "full"),
        layer_drums="off" if i < 0.6 else ("light" if i < 0.75 else "full"),
        layer_bass=i >= 0.4,
        layer_pad=i >= 0.55,
        counter=i >= 0.4,
        accompaniment_grid=1.0 if i < 0.15 else (0.5 if i < 0.4 else 0.0),
        double_melody=i >= 0.8,
    )


def _on_grid(offset_beats: float, grid: float) -> bool:
    if grid <= 0:
        return True
    position = offset_beats / grid
    return abs(position - round(position)) * grid <= GRID_TOLERANCE_BEATS


def mixed_notes(
    part: PartPlan, pitch: int, offset_beats: float, velocity: int, mix: IntensityMix
) -> list[tuple[int, int]]:
    """The (pitch, velocity) pairs one written note becomes at this mix (none: silent).

    ``offset_beats`` is the note's onset within its bar, in beats.
    """
    layer = part.name.startswith(LAYER_PREFIX)
    if part.is_drum:
        level = mix.layer_drums if layer else mix.drums
        if level == "off" or (
            level == "light" and pitch not in LIGHT_DRUMS and not _on_grid(offset_beats, 1.0)
        ):
            return []
    elif not _plays(part, layer, mix) or (
        part.role in ("chords", "bass", "pad")
        and not _on_grid(offset_beats, mix.accompaniment_grid)
    ):
        return []
    scaled = max(1, min(127, round(velocity * mix.velocity_scale)))
    notes = [(pitch, scaled)]
    if part.role == "melody" and not part.is_drum and mix.double_melody and pitch + 12 <= 100:
        notes.append((pitch + 12, max(1, round(scaled * 0.7))))
    return notes


def _plays(part: PartPlan, layer: bool, mix: IntensityMix) -> bool:
    """Whether a melodic part plays at all at this mix."""
    if layer and part.role == "bass":
        return mix.layer_bass
    if layer and part.role == "pad":
        return mix.layer_pad
    return part.role != "counter" or mix.counter


def active_parts(parts: tuple[PartPlan, ...], mix: IntensityMix) -> list[str]:
    """Names of the parts that play at this mix."""
    names = []
    for part in parts:
        if mixed_notes(part, 60 if not part.is_drum else KICK, 0.0, 64, mix):
            names.append(part.name)
    return names


def with_layers(plan: PiecePlan) -> PiecePlan:
    """The plan with the parts intensity may add: drums, bass and a pad where it has none."""
    used = {p.channel for p in plan.parts}
    free = [c for c in MELODIC_CHANNELS if c not in used]
    extra: list[PartPlan] = []
    genre = GENRES.get(plan.genre)
    if not any(p.is_drum for p in plan.parts):
        drums = INSTRUMENTS["drums"]
        extra.append(
            PartPlan(
                name=LAYER_PREFIX + "drums",
                instrument="drums",
                program=plan.kit,
                role="drums",
                is_drum=True,
                style=(genre.drums if genre else "") or "pop",
                channel=DRUM_CHANNEL,
                pan=drums.pan,
                level=drums.level,
            )
        )
    if not any(p.role == "bass" for p in plan.parts) and free:
        name = (
            "synth bass"
            if plan.genre in _SYNTH_GENRES
            else ("upright bass" if plan.genre in _UPRIGHT_GENRES else "bass")
        )
        inst = INSTRUMENTS[name]
        extra.append(
            PartPlan(
                name=LAYER_PREFIX + "bass",
                instrument=name,
                program=inst.program,
                role="bass",
                is_drum=False,
                style=genre.bass if genre else "root",
                channel=free.pop(0),
                pan=inst.pan,
                level=inst.level,
            )
        )
    if not any(p.role == "pad" for p in plan.parts) and free:
        name = "pad" if plan.genre in _SYNTH_GENRES else "strings"
        inst = INSTRUMENTS[name]
        extra.append(
            PartPlan(
                name=LAYER_PREFIX + "pad",
                instrument=name,
                program=inst.program,
                role="pad",
                is_drum=False,
                style="pad",
                channel=free.pop(0),
                pan=inst.pan,
                level=inst.level * 0.8,
            )
        )
    return replace(plan, parts=plan.parts + tuple(extra))


# --- transition notes ----------------------------------------------------------------------
# Each is (offset in beats from the downbeat of the new music, pitch, length in beats,
# velocity); offsets before the downbeat are negative.
Written = tuple[float, int, float, int]
#: Velocities of a key change's pivot chord and its bass, and the loudest of a drum fill,
#: when nothing sets them (no written part to take the dynamics from).
PIVOT_VELOCITY, PIVOT_BASS_VELOCITY = 78, 92
FILL_VELOCITY = 112


def drum_fill(beats: float, *, peak_velocity: int = FILL_VELOCITY) -> list[Written]:
    """A sixteenth-note fill over the last ``beats`` before the downbeat, rising by 40
    velocity steps to ``peak_velocity``, then a crash and a kick on the downbeat."""
    steps = max(2, round(beats * 4))
    pattern = [SNARE, SNARE, HIGH_TOM, HIGH_TOM, MID_TOM, MID_TOM, LOW_TOM, FLOOR_TOM]
    notes: list[Written] = []
    for k in range(steps):
        drum = pattern[min(k * len(pattern) // steps, len(pattern) - 1)]
        velocity = max(1, peak_velocity - 40 + round(40 * k / max(steps - 1, 1)))
        notes.append((-beats + k * 0.25, drum, 0.25, velocity))
    downbeat = max(1, peak_velocity - 4)
    notes.append((0.0, CRASH, 2.0, downbeat))
    notes.append((0.0, KICK, 0.5, downbeat))
    return notes


def rising_run(tonic_pc: int, mode: str, beats: float, low: int, high: int) -> list[Written]:
    """A scale run in sixteenths rising into the downbeat, ending on the new key's fifth."""
    steps = max(2, round(beats * 4))
    scale = scale_pitches(tonic_pc, mode, low, high)
    if not scale:
        return []
    fifths = [p for p in scale if (p - tonic_pc) % 12 == 7]
    top = fifths[len(fifths) // 2] if fifths else scale[len(scale) // 2]
    index = scale.index(top)
    run = [scale[max(0, index - (steps - 1 - k))] for k in range(steps)]
    return [
        (-beats + k * 0.25, pitch, 0.25, 62 + round(36 * k / max(steps - 1, 1)))
        for k, pitch in enumerate(run)
    ]


def dominant_chord(
    tonic_pc: int, beats: float, low: int = 53, *, velocity: int = PIVOT_VELOCITY
) -> list[Written]:
    """The dominant seventh of a key (root, third, fifth, seventh), held the last ``beats``,
    at ``velocity`` with the root a little louder."""
    root = (tonic_pc + 7) % 12
    base = low + (root - low) % 12
    accent = min(127, velocity + 6)
    return [(-beats, base + i, beats, velocity if i else accent) for i in (0, 4, 7, 10)]


def dominant_bass(
    tonic_pc: int, beats: float, *, velocity: int = PIVOT_BASS_VELOCITY
) -> list[Written]:
    """The dominant's root in the bass under :func:`dominant_chord`."""
    root = (tonic_pc + 7) % 12
    return [(-beats, 36 + (root - 36) % 12, beats, velocity)]


def cadence(
    tonic_pc: int, minor: bool, beats_per_bar: int, melody_low: int
) -> dict[str, list[Written]]:
    """An ending: a bar of V7, then the tonic chord held for a bar, by role.

    Offsets count from the cadence's first downbeat. Roles: "chords", "bass", "melody".
    """
    bar = float(beats_per_bar)
    dominant = [(o + bar, p, ln, v) for o, p, ln, v in dominant_chord(tonic_pc, bar)]
    base = 53 + (tonic_pc - 53) % 12
    third = 3 if minor else 4
    tonic = [(bar, base + i, bar * 1.5, 80) for i in (0, third, 7, 12)]
    bass = [(o + bar, p, ln, v) for o, p, ln, v in dominant_bass(tonic_pc, bar)]
    bass.append((bar, 36 + (tonic_pc - 36) % 12, bar * 1.5, 90))
    leading = melody_low + (tonic_pc - 1 - melody_low) % 12
    melody = [(bar - 1.0, leading, 1.0, 84), (bar, leading + 1, bar * 1.5, 88)]
    return {"chords": dominant + tonic, "bass": bass, "melody": melody}
