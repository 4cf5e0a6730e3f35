"""One FluidSynth synthesizer that plays notes as they are scheduled, block after block.

A live stream cannot know its notes in advance, so unlike :meth:`Renderer.blocks` the synth
lives as long as the stream and takes notes while it plays. Notes that have not started yet
can be withdrawn or shortened (a steer rewrites the music ahead); notes already sounding ring
on across blocks, so block boundaries are inaudible. The output gain is fixed for the whole
stream and the limiter works sample by sample, so no block depends on another's audio.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import numpy as np

from music_gen.engines.composer.parts import PartPlan
from music_gen.engines.composer.render import Renderer, limit, set_up_channel


@dataclass(frozen=True)
class LiveNote:
    """A note at exact frames of the stream."""

    on_frame: int
    off_frame: int
    channel: int
    pitch: int
    velocity: int
    # Onset in beats of the stream (what a steer cancels by).
    beat: float


@dataclass(frozen=True)
class PartSetup:
    """Set a channel up for a part (program, volume, pan, reverb send) at a frame."""

    frame: int
    part: PartPlan


class LiveSynth:
    """A persistent synthesizer fed with :class:`LiveNote`s.

    Args:
        renderer: The engine's renderer (its SoundFont is shared, not reloaded).
        gain: Master gain applied before the limiter (changed smoothly by :meth:`glide`).
    """

    def __init__(self, renderer: Renderer, gain: float) -> None:
        self._renderer = renderer
        self._synth, self._sfid = renderer.open_synth()
        self.gain = float(gain)
        # Gain changes still to finish: (frame, gain before, gain after, ramp frames).
        self._glides: list[tuple[int, float, float, int]] = []
        #: First frame of the next block.
        self.position = 0
        self._pending: list[LiveNote] = []
        self._setups: list[PartSetup] = []
        # Sounding notes: (channel, pitch) -> frame of their note-off.
        self._sounding: dict[tuple[int, int], int] = {}

    # --- scheduling ---------------------------------------------------------------------

    def add(self, notes: Iterable[LiveNote]) -> None:
        """Schedule notes (each must start at or after :attr:`position`)."""
        self._pending.extend(notes)
        self._pending.sort(key=lambda n: (n.on_frame, n.channel, n.pitch))

    def setup(self, setup: PartSetup) -> None:
        """Schedule a channel set-up."""
        self._setups.append(setup)
        self._setups.sort(key=lambda s: (s.frame, s.part.channel))

    def withdraw(self, drop: Callable[[LiveNote], bool]) -> None:
        """Remove scheduled notes that have not started and match ``drop``."""
        self._pending = [n for n in self._pending if not drop(n)]

    def withdraw_setups(self, from_frame: int) -> None:
        """Remove channel set-ups and gain glides scheduled at or after ``from_frame``."""
        self._setups = [s for s in self._setups if s.frame < from_frame]
        self._glides = [g for g in self._glides if g[0] < from_frame]

    def glide(self, frame: int, gain: float, ramp_frames: int) -> None:
        """Move the master gain to ``gain`` linearly over ``ramp_frames`` from ``frame``."""
        frame = max(frame, self.position)
        before = self.gain_at(frame)
        self._glides = [g for g in self._glides if g[0] < frame]
        self._glides.append((frame, before, float(gain), max(1, ramp_frames)))

    def gain_at(self, frame: int) -> float:
        """The master gain at ``frame`` (at or after :attr:`position`) as scheduled now."""
        return float(self._gains(max(frame, self.position), 1)[0])

    def _gains(self, start: int, count: int) -> np.ndarray:
        frames = np.arange(start, start + count, dtype=np.float64)
        gains = np.full(count, self.gain, dtype=np.float64)
        for frame, before, after, ramp in self._glides:
            moved = frames >= frame
            progress = np.clip((frames - frame) / ramp, 0.0, 1.0)
            gains[moved] = (before + (after - before) * progress)[moved]
        return gains

    def release_by(self, frame: int, *, drums: bool = False) -> None:
        """Make every note (sounding or scheduled) end by ``frame`` (drums too if asked)."""
        frame = max(frame, self.position)
        for key, off in list(self._sounding.items()):
            if off > frame and (drums or key[0] != 9):
                self._sounding[key] = frame
        self._pending = [
            replace(n, off_frame=max(frame, n.on_frame + 1))
            if n.off_frame > frame and n.on_frame < frame and (drums or n.channel != 9)
            else n
            for n in self._pending
        ]

    @property
    def idle(self) -> bool:
        """Nothing sounds or waits to sound (release tails may still ring)."""
        return not self._pending and not self._sounding

    # --- rendering ----------------------------------------------------------------------

    def render(self, count: int) -> np.ndarray:
        """The next ``count`` frames: float32 (2, count), gained and limited."""
        buffer = np.zeros((2, count), dtype=np.float32)
        filled = 0
        while filled < count:
            now = self.position + filled
            self._fire(now)
            upcoming = self._next_event()
            step = count - filled
            if upcoming is not None:
                step = min(max(upcoming - now, 1), step)
            self._renderer.write(self._synth, buffer, filled, step)
            filled += step
        if self._glides:
            buffer *= self._gains(self.position, count).astype(np.float32)
            done = [g for g in self._glides if g[0] + g[3] <= self.position + count]
            if done:
                self.gain = done[-1][2]
                self._glides = [g for g in self._glides if g[0] + g[3] > self.position + count]
        else:
            buffer *= np.float32(self.gain)
        self.position += count
        return limit(buffer)

    def _next_event(self) -> int | None:
        candidates = []
        if self._pending:
            candidates.append(self._pending[0].on_frame)
        if self._setups:
            candidates.append(self._setups[0].frame)
        if self._sounding:
            candidates.append(min(self._sounding.values()))
        return min(candidates) if candidates else None

    def _fire(self, now: int) -> None:
        synth = self._synth
        for key, off in list(self._sounding.items()):
            if off <= now:
                synth.noteoff(key[0], key[1])
                del self._sounding[key]
        while self._setups and self._setups[0].frame <= now:
            part = self._setups.pop(0).part
            set_up_channel(synth, self._sfid, part)
        started = 0
        for note in self._pending:
            if note.on_frame > now:
                break
            key = (note.channel, note.pitch)
            if key in self._sounding:
                # A restrike ends the sounding note first, as a player would.
                synth.noteoff(*key)
            synth.noteon(note.channel, note.pitch, note.velocity)
            self._sounding[key] = max(note.off_frame, now + 1)
            started += 1
        if started:
            del self._pending[:started]

    def close(self) -> None:
        """Delete the synthesizer. Safe to call twice."""
        if self._synth is not None:
            self._synth.delete()
            self._synth = None
