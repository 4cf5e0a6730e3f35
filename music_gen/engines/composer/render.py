"""Rendering notes to audio with FluidSynth and a General MIDI SoundFont.

Notes become note-on/off events at exact sample positions; FluidSynth renders float audio
between events, block by block, so rendering can stream. Each render uses a fresh synthesizer
(FluidSynth keeps the SoundFont's samples cached while the engine holds it loaded), which makes
the output a pure function of the notes: same notes, same samples, bit for bit.

The output level is fixed before rendering (a master gain from the number of parts), and a
smooth peak limiter that works sample by sample keeps every sample within +-0.97. Because
neither depends on audio yet to come, streamed chunks equal the whole render exactly.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from music_gen.engines.composer.arrange import TimedNote
from music_gen.engines.composer.plan import PartPlan
from music_gen.errors import ModelUnavailableError

SAMPLE_RATE = 44100
#: Environment variable naming the SoundFont to use.
SOUNDFONT_ENV = "MUSICGEN_SOUNDFONT"
#: Where General MIDI SoundFonts usually live.
SOUNDFONT_PATHS = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/soundfonts/default.sf2",
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/usr/local/share/soundfonts/default.sf2",
    "/opt/homebrew/share/soundfonts/default.sf2",
    "/usr/local/share/sounds/sf2/FluidR3_GM.sf2",
)
INSTALL_HINT = (
    "install FluidSynth and a General MIDI SoundFont (Debian/Ubuntu: "
    "apt-get install fluidsynth fluid-soundfont-gm; macOS: brew install fluid-synth) or set "
    f"{SOUNDFONT_ENV}=/path/to/soundfont.sf2"
)
#: Limiter: samples below the knee pass unchanged; above it they bend smoothly to the ceiling.
LIMITER_KNEE = 0.75
LIMITER_CEILING = 0.97
#: Length of the fade that ends every piece, in seconds.
FADE_OUT_S = 0.03
#: FluidSynth's own output gain (its default is 0.2); the master gain comes after it.
SYNTH_GAIN = 0.5


def find_soundfont() -> Path:
    """The General MIDI SoundFont to use: $MUSICGEN_SOUNDFONT, else the usual system paths.

    Raises:
        ModelUnavailableError: None was found (or the variable names a missing file); the
            message says how to install one.
    """
    configured = os.environ.get(SOUNDFONT_ENV)
    if configured:
        path = Path(configured).expanduser()
        if path.is_file():
            return path
        raise ModelUnavailableError(
            f"{SOUNDFONT_ENV} points to {configured!r}, which is not a file; {INSTALL_HINT}",
            details={"soundfont": configured, "hint": INSTALL_HINT},
        )
    for candidate in SOUNDFONT_PATHS:
        path = Path(candidate)
        if path.is_file():
            return path
    raise ModelUnavailableError(
        f"No General MIDI SoundFont found (looked in {', '.join(SOUNDFONT_PATHS)}); {INSTALL_HINT}",
        details={"searched": list(SOUNDFONT_PATHS), "hint": INSTALL_HINT},
    )


def soundfont_problem() -> str | None:
    """None when FluidSynth and a GM SoundFont are usable, else what is missing and the fix."""
    try:
        load_fluidsynth()
    except ModelUnavailableError as exc:
        return exc.message
    try:
        find_soundfont()
    except ModelUnavailableError as exc:
        return exc.message
    return None


def load_fluidsynth() -> ModuleType:
    """Import pyfluidsynth, or raise ModelUnavailableError saying how to install it."""
    try:
        # pyfluidsynth prints where it found the library when $CI is set; keep our
        # stdout clean (`musicgen models --json` is parsed by programs).
        with contextlib.redirect_stdout(io.StringIO()):
            import fluidsynth
    except (ImportError, OSError) as exc:
        raise ModelUnavailableError(
            f"FluidSynth cannot be loaded ({exc}); pip install pyfluidsynth and {INSTALL_HINT}",
            details={"hint": INSTALL_HINT},
        ) from exc
    return fluidsynth


@dataclass(frozen=True)
class _Event:
    frame: int
    # 0 note-off, 1 note-on: offs first at equal frames so a repeated note restrikes.
    kind: int
    channel: int
    pitch: int
    velocity: int


#: Mean-square output per unit of note power, by instrument family (fitted on FluidR3_GM
#: renders of prompts across every genre; sustained sounds weigh more than decaying ones).
_FAMILY_POWER = {
    "keys": 0.0017,
    "guitar": 0.0066,
    "mallet": 0.0083,
    "pad": 0.018,
    "lead": 0.020,
    "bass": 0.011,
    "drums": 0.0066,
    "perc": 0.011,
}
#: Drum kits louder than the standard one (the electronic kits).
_KIT_POWER = {24: 2.0, 25: 3.0}
#: RMS level the master gain aims for (about -17 dBFS); the limiter catches the peaks.
TARGET_RMS = 0.14


def estimated_rms(
    parts: Sequence[PartPlan],
    notes: dict[str, list[TimedNote]],
    seconds: float,
    *,
    velocity_exponent: float = 4.0,
) -> float:
    """A rough RMS of the mix at unit gain, from the notes alone (no audio needed).

    FluidSynth's default velocity and volume curves make a note's amplitude roughly
    proportional to (velocity/127)^2 and (volume/127)^2, so a part's power is the
    time-average of the fourth powers of its velocities, weighted by its family's loudness.
    Comparing passages of one piece, ``velocity_exponent=6`` tracks the measured loudness
    better (soft passages are quieter than the square law says).
    """
    from music_gen.engines.composer.instruments import INSTRUMENTS

    power = 0.0
    for part in parts:
        part_power = 0.0
        for note in notes[part.name]:
            # Drums and plucked notes decay: count at most a little of each.
            length = min(note.end_s - note.start_s, 0.5 if part.is_drum else 2.0)
            part_power += (note.velocity / 127) ** velocity_exponent * length
        family = INSTRUMENTS[part.instrument].family
        weight = _FAMILY_POWER[family] * (_KIT_POWER.get(part.program, 1.0) if part.is_drum else 1)
        power += part_power * part.level**4 * weight
    return float(math.sqrt(power / max(seconds, 1e-3)))


def master_gain(
    parts: Sequence[PartPlan], notes: dict[str, list[TimedNote]], seconds: float
) -> float:
    """The fixed gain that brings these notes near TARGET_RMS (known before rendering)."""
    level = estimated_rms(parts, notes, seconds)
    return float(min(max(TARGET_RMS / max(level, 1e-6), 0.05), 20.0))


#: Pitch-bend range set on every channel: a full octave, so any tuning is one bend.
_BEND_RANGE_SEMITONES = 12


def set_up_channel(synth: Any, sfid: int, part: PartPlan) -> None:
    """Give ``part``'s channel its program (or drum kit), volume, pan, reverb send and tuning."""
    synth.program_select(part.channel, sfid, 128 if part.is_drum else 0, part.program)
    synth.cc(part.channel, 7, round(127 * part.level))
    synth.cc(part.channel, 10, round(64 + 63 * part.pan))
    synth.cc(part.channel, 91, 40 if part.is_drum else 70)
    # RPN 0 (pitch-bend sensitivity) to the range, then the bend itself.
    for controller, value in ((101, 0), (100, 0), (6, _BEND_RANGE_SEMITONES), (38, 0)):
        synth.cc(part.channel, controller, value)
    synth.pitch_bend(part.channel, round(part.tune_semitones / _BEND_RANGE_SEMITONES * 8191))


def limit(block: np.ndarray) -> np.ndarray:
    """Apply the sample-wise soft limiter in place and return the block."""
    magnitude = np.abs(block)
    over = magnitude > LIMITER_KNEE
    if over.any():
        span = LIMITER_CEILING - LIMITER_KNEE
        bent = LIMITER_KNEE + span * np.tanh((magnitude[over] - LIMITER_KNEE) / span)
        block[over] = np.sign(block[over]) * bent
    return block


class Renderer:
    """Renders parts' notes with one SoundFont.

    Args:
        soundfont: Path to a .sf2 file.

    Raises:
        ModelUnavailableError: FluidSynth is missing or the SoundFont cannot be loaded.
    """

    def __init__(self, soundfont: Path) -> None:
        self.soundfont = Path(soundfont)
        if not self.soundfont.is_file():
            raise ModelUnavailableError(
                f"SoundFont {str(self.soundfont)!r} is not a file; {INSTALL_HINT}",
                details={"soundfont": str(self.soundfont), "hint": INSTALL_HINT},
            )
        self._fs = load_fluidsynth()
        self._write_float = self._fs.cfunc(
            "fluid_synth_write_float",
            ctypes.c_int,
            ("synth", ctypes.c_void_p, 1),
            ("len", ctypes.c_int, 1),
            ("lout", ctypes.c_void_p, 1),
            ("loff", ctypes.c_int, 1),
            ("lincr", ctypes.c_int, 1),
            ("rout", ctypes.c_void_p, 1),
            ("roff", ctypes.c_int, 1),
            ("rincr", ctypes.c_int, 1),
        )
        # Held for the engine's lifetime: FluidSynth shares loaded samples between synths,
        # so the fresh synth of each render loads the SoundFont from memory.
        self._resident, self._resident_id = self._new_synth()

    def _new_synth(self) -> tuple[Any, int]:
        synth = self._fs.Synth(gain=SYNTH_GAIN, samplerate=float(SAMPLE_RATE))
        synth.setting("synth.reverb.active", 1)
        synth.setting("synth.chorus.active", 0)
        synth.setting("synth.polyphony", 256)
        sfid = synth.sfload(str(self.soundfont))
        if sfid < 0:
            synth.delete()
            raise ModelUnavailableError(
                f"FluidSynth could not load the SoundFont {str(self.soundfont)!r}; {INSTALL_HINT}",
                details={"soundfont": str(self.soundfont), "hint": INSTALL_HINT},
            )
        return synth, sfid

    def open_synth(self, *, reverb: float = 0.35) -> tuple[Any, int]:
        """A fresh synthesizer set up as for a render, and its SoundFont id.

        For renderers that feed events as they go (live sessions); the caller deletes it.
        """
        synth, sfid = self._new_synth()
        synth.set_reverb(0.55, 0.4, 0.8, reverb)
        return synth, sfid

    def write(self, synth: Any, buffer: np.ndarray, offset: int, frames: int) -> None:
        """Render ``frames`` frames of ``synth`` into float32 (2, n) ``buffer`` from ``offset``."""
        row = buffer.ctypes.data
        count = buffer.shape[1]
        self._write_float(synth.synth, frames, row, offset, 1, row + 4 * count, offset, 1)

    def blocks(
        self,
        parts: Sequence[PartPlan],
        notes: dict[str, list[TimedNote]],
        total_frames: int,
        *,
        gain: float,
        block_frames: int = 44100,
        reverb: float = 0.35,
    ) -> Iterator[np.ndarray]:
        """Render the parts' notes; yields consecutive float32 (2, n) blocks, limited and faded.

        Every block but the last is ``block_frames`` long; together they are exactly
        ``total_frames``. The block size does not change the samples.
        """
        synth, sfid = self._new_synth()
        try:
            synth.set_reverb(0.55, 0.4, 0.8, reverb)
            events: list[_Event] = []
            for part in parts:
                set_up_channel(synth, sfid, part)
                for note in notes[part.name]:
                    on = round(note.start_s * SAMPLE_RATE)
                    off = round(note.end_s * SAMPLE_RATE)
                    events.append(_Event(on, 1, part.channel, note.pitch, note.velocity))
                    events.append(_Event(max(off, on + 1), 0, part.channel, note.pitch, 0))
            events.sort(key=lambda e: (e.frame, e.kind, e.channel, e.pitch))
            fade_frames = max(1, int(FADE_OUT_S * SAMPLE_RATE))
            fade = np.cos(np.linspace(0.0, np.pi / 2, fade_frames)).astype(np.float32) ** 2
            fade_start = total_frames - fade_frames
            position = 0
            index = 0
            while position < total_frames:
                count = min(block_frames, total_frames - position)
                buffer = np.zeros((2, count), dtype=np.float32)
                filled = 0
                while filled < count:
                    while index < len(events) and events[index].frame <= position + filled:
                        event = events[index]
                        if event.kind:
                            synth.noteon(event.channel, event.pitch, event.velocity)
                        else:
                            synth.noteoff(event.channel, event.pitch)
                        index += 1
                    until = events[index].frame if index < len(events) else total_frames
                    step = min(max(until - position - filled, 1), count - filled)
                    row = buffer.ctypes.data
                    self._write_float(synth.synth, step, row, filled, 1, row + 4 * count, filled, 1)
                    filled += step
                buffer *= np.float32(gain)
                limit(buffer)
                if position + count > fade_start:
                    lo = max(fade_start, position)
                    buffer[:, lo - position :] *= fade[
                        lo - fade_start : position + count - fade_start
                    ]
                yield buffer
                position += count
        finally:
            synth.delete()

    def close(self) -> None:
        """Release the resident synthesizer (and the cached SoundFont). Safe to call twice."""
        if self._resident is not None:
            self._resident.delete()
            self._resident = None
