"""The composer playing live: an endless stream of bars that a listener can steer.

The music is planned a segment at a time (:mod:`live_plan`): a piece of about 48 s for the
current prompt, tempo and key, whose bars (the intro only at the very start, never the
outro) are played one after another; when they run out the next segment is written for the
same prompt with fresh notes. Time is counted in
beats of the stream; a tempo map turns beats into frames, so a tempo ramp only has to say
how long each beat lasts.

Notes are handed to one persistent synthesizer (:class:`LiveSynth`) shortly before they
sound. A steer picks the first beat, bar or phrase line far enough ahead that its lead-in
(a fill, a pivot chord, a tempo ramp) is still unplayed, withdraws the notes scheduled from
there, and writes the transition and the new segment. Everything is drawn from the seed and
placed by beat positions, so the same steers at the same positions give the same audio.
"""

from __future__ import annotations

import bisect
import math
import secrets
from dataclasses import dataclass
from typing import Any

import numpy as np

from music_gen.engines.composer.drums import CRASH, KICK
from music_gen.engines.composer.live_plan import (
    Segment,
    Target,
    band_mix,
    mix_offset_db,
    parse_key,
    target_of,
    write_segment,
)
from music_gen.engines.composer.live_synth import LiveNote, LiveSynth, PartSetup
from music_gen.engines.composer.ranges import melody_range
from music_gen.engines.composer.render import SAMPLE_RATE, Renderer
from music_gen.engines.composer.transitions import (
    FILL_VELOCITY,
    PIVOT_BASS_VELOCITY,
    PIVOT_VELOCITY,
    IntensityMix,
    Written,
    active_parts,
    cadence,
    dominant_bass,
    dominant_chord,
    drum_fill,
    intensity_mix,
    mixed_notes,
    rising_run,
)
from music_gen.errors import InvalidParameterError
from music_gen.live import (
    LiveOptions,
    LiveSession,
    SteerResult,
    check_at,
    check_intensity,
    check_prompt,
    check_tempo,
)

#: Bars of a phrase (steers ``at="phrase"`` land on multiples of it from a segment's start).
PHRASE_BARS = 4
#: Notes are scheduled this long before the block that plays them (covers early humanised
#: onsets and lets the synthesizer see every event of a block).
SCHEDULE_AHEAD_S = 0.1
#: Written notes this close before a beat (humanised onsets) belong to it, when a segment
#: stops or a transition silences the written part from that beat.
HUMANISED_BEATS = 0.03
#: Gain added at intensity 0 (none at 1), so quiet music is not left far below the full band.
INTENSITY_MAKEUP_DB = 4.0
#: Seconds over which the master gain moves to a new level (a segment, an intensity).
GAIN_GLIDE_S = 1.0
#: Integrated loudness (LUFS) the session plays at when a segment's notes sound as written
#: (the level its master gain aims at). Fitted so that levelled sessions of ten prompts (two
#: seeds each, 30 s at intensity 0.5) measure the target on average; each lies within 2.5 LU.
WRITTEN_LEVEL_LUFS = -15.7
#: Length of the fade that ends a stream, in seconds.
FADE_S = 0.03
#: An ending slows to this fraction of the tempo over its cadence.
RITARDANDO = 0.85


@dataclass(frozen=True)
class _Overlay:
    """A transition note at a beat of the stream."""

    beat: float
    channel: int
    pitch: int
    length: float
    velocity: int


class ComposerLiveSession(LiveSession):
    """The composer's :class:`LiveSession` (made by ``ComposerEngine.live``).

    Args:
        renderer: The engine's renderer (its SoundFont).
        prompt: What to play.
        options: Intensity, seed, sampling and chunk length.

    Raises:
        InvalidPromptError, InvalidParameterError: A bad prompt or option.
    """

    def __init__(self, renderer: Renderer, prompt: str, options: LiveOptions) -> None:
        self.sample_rate = SAMPLE_RATE
        self.channels = 2
        self.options = options
        self.seed = options.seed if options.seed is not None else secrets.randbits(32)
        self._target = Target(check_prompt(prompt), options.intensity)
        self._chunk_frames = max(1, round(options.chunk_s * SAMPLE_RATE))
        self._beat_frames: list[float] = [0.0]
        self._ramps: list[tuple[int, int, float, float]] = []
        self._steps: list[tuple[float, float]] = [(0.0, options.intensity)]
        self._overlays: list[_Overlay] = []
        self._segments: list[Segment] = []
        self._count = 0
        self._done_beat = 0.0
        self._end_frame: int | None = None
        self._ending = False
        self._finished = False
        first = write_segment(self._target, 0, first=True, seed=self.seed, options=self.options)
        self._segments.append(first)
        self._synth = LiveSynth(renderer, first.gain * _intensity_gain(options.intensity))

    # --- public -------------------------------------------------------------------------

    @property
    def position_frame(self) -> int:
        """Frames handed out so far."""
        return self._synth.position

    @property
    def finished(self) -> bool:
        """Whether the stream has ended."""
        return self._finished

    @property
    def plan(self) -> dict[str, Any]:
        """The plan playing now."""
        beat = self._beat_at(self.position_frame)
        return self._plan_dict(self._segment_at(math.floor(beat)), self._mix_at(beat))

    def planned_loudness_lufs(self, intensity: float) -> float:
        """The music playing now at ``intensity``, in LUFS, from its notes (see
        :meth:`LiveSession.planned_loudness_lufs`)."""
        mix = intensity_mix(check_intensity(intensity))
        segment = self._segment_at(math.floor(self._beat_at(self.position_frame)))
        makeup_db = 20.0 * math.log10(_intensity_gain(mix.intensity))
        return WRITTEN_LEVEL_LUFS + mix_offset_db(segment, mix) + makeup_db

    def steer(
        self,
        prompt: str | None = None,
        *,
        intensity: float | None = None,
        tempo_bpm: float | None = None,
        key: str | None = None,
        at: str = "bar",
    ) -> SteerResult:
        """Change what plays (see :meth:`LiveSession.steer`)."""
        if self._ending or self._end_frame is not None:
            raise InvalidParameterError(
                "The session is stopping; it cannot be steered", details={"field": "type"}
            )
        at = check_at(at)
        if prompt is None and intensity is None and tempo_bpm is None and key is None:
            raise InvalidParameterError(
                "A steer needs at least one of prompt, intensity, tempo_bpm or key",
                details={"fields": ["prompt", "intensity", "tempo_bpm", "key"]},
            )
        old = self._target
        new = Target(
            prompt=check_prompt(prompt) if prompt is not None else old.prompt,
            intensity=check_intensity(intensity) if intensity is not None else old.intensity,
            tempo_bpm=(
                check_tempo(tempo_bpm)
                if tempo_bpm is not None
                else (None if prompt is not None else old.tempo_bpm)
            ),
            key=(parse_key(key) if key is not None else (None if prompt is not None else old.key)),
        )
        position_beat = self._beat_at(self.position_frame)
        current = self._segment_at(math.floor(position_beat))
        if prompt is None and tempo_bpm is None and key is None:
            start = self._boundary(at, 0, position_beat)
            self._cut(start, rewrite=False)
            self._set_intensity(start, new.intensity)
            self._glide(self._segment_at(start), start)
            before = self._mix_at(start - 1e-6) if start > 0 else intensity_mix(0.0)
            after = intensity_mix(new.intensity)
            band = self._segment_at(start)
            if not band.drums(before) and band.drums(after):
                # The drums come in with a crash on the downbeat.
                self._overlays.append(_Overlay(start, 9, CRASH, 2.0, 100))
            self._target = new
            return self._result(start, start, at, current, after)
        segment = write_segment(
            new, self._count + 1, first=False, seed=self.seed, options=self.options
        )
        self._count += 1
        key_change = (segment.plan.tonic_pc, segment.plan.mode) != (
            current.plan.tonic_pc,
            current.plan.mode,
        )
        tempo_change = abs(segment.plan.tempo_bpm - current.plan.tempo_bpm) > 0.5
        lead = current.beats_per_bar if tempo_change else (2 if key_change and at != "beat" else 1)
        start = self._boundary(at, lead, position_beat)
        transition = start - lead
        self._cut(transition)
        playing = self._segment_at(transition)
        for seg in self._segments:
            if seg.stop_beat > start:
                seg.end_beat = start
        self._segments = [s for s in self._segments if s.start_beat < start]
        segment.start_beat = start
        self._segments.append(segment)
        if tempo_change:
            self._ramps.append((transition, start, playing.plan.tempo_bpm, segment.plan.tempo_bpm))
        before = self._mix_at(transition)
        self._set_intensity(start, new.intensity)
        self._lead_in(playing, segment, transition, start, before, key_change)
        self._glide(segment, start, lead_beat=transition)
        self._target = new
        # Humanised onsets just before the transition's first beat already belong to it.
        early = transition - HUMANISED_BEATS
        return self._result(start, early, at, segment, intensity_mix(new.intensity))

    def stop(self, ending: bool = True) -> int:
        """End the stream (see :meth:`LiveSession.stop`); returns the frame it ends at."""
        if self._end_frame is not None:
            return self._end_frame
        position = self.position_frame
        if not ending:
            self._end_frame = position + max(1, round(FADE_S * SAMPLE_RATE))
            self._synth.withdraw(lambda n: n.on_frame >= position)
            self._synth.release_by(self._end_frame, drums=True)
            self._done_beat = math.inf
            return self._end_frame
        position_beat = self._beat_at(position)
        start = self._boundary("bar", 1, position_beat)
        transition = start - 1
        self._cut(transition)
        playing = self._segment_at(transition)
        for seg in self._segments:
            if seg.stop_beat > start:
                seg.end_beat = start
        self._segments = [s for s in self._segments if s.start_beat < start]
        self._ending = True
        bar = playing.beats_per_bar
        tempo = playing.plan.tempo_bpm
        self._ramps.append((start, start + 3 * bar, tempo, tempo * RITARDANDO))
        mix = self._mix_at(transition)
        self._lead_in(playing, playing, transition, start, mix, key_change=False)
        melody = playing.part(mix, "melody", "counter", "chords", "pad")
        chords = playing.part(mix, "chords", "pad", "melody", "counter")
        bass = playing.part(mix, "bass") or chords
        low = melody_range(melody)[0] if melody is not None else 67
        written = cadence(playing.plan.tonic_pc, playing.plan.is_minor, bar, low)
        scale = max(0.7, mix.velocity_scale)
        for role, part in (("chords", chords), ("bass", bass), ("melody", melody)):
            if part is not None:
                self._overlay(part.channel, start, written[role], scale)
        if playing.drums(mix):
            self._overlay(9, start + bar, [(0.0, CRASH, 4.0, 104), (0.0, KICK, 1.0, 104)], 1.0)
        last = self._frame(start + 2.5 * bar)
        self._end_frame = round(last + self.options.tail_s * SAMPLE_RATE)
        return self._end_frame

    def __next__(self) -> np.ndarray:
        if self._finished:
            raise StopIteration
        position = self.position_frame
        count = self._chunk_frames
        if self._end_frame is not None:
            count = min(count, self._end_frame - position)
            if count <= 0:
                self._finished = True
                raise StopIteration
        self._schedule(position + count + round(SCHEDULE_AHEAD_S * SAMPLE_RATE))
        block = self._synth.render(count)
        self._forget_before(self._beat_at(position) - 1.0)
        if self._end_frame is not None:
            fade = max(1, round(FADE_S * SAMPLE_RATE))
            fade_start = self._end_frame - fade
            if position + count > fade_start:
                lo = max(fade_start, position)
                ramp = np.cos(np.linspace(0.0, np.pi / 2, fade)).astype(np.float32) ** 2
                block[:, lo - position :] *= ramp[lo - fade_start : position + count - fade_start]
            if position + count >= self._end_frame:
                self._finished = True
        return block

    def close(self) -> None:
        """Release the synthesizer."""
        self._synth.close()
        self._finished = True

    def _segment_at(self, beat: float) -> Segment:
        """The segment playing at a beat (continuations are written as they are needed)."""
        while self._segments[-1].stop_beat <= beat and not self._ending:
            last = self._segments[-1]
            self._count += 1
            follow = write_segment(
                target_of(last), self._count, first=False, seed=self.seed, options=self.options
            )
            follow.start_beat = last.stop_beat
            self._segments.append(follow)
        for segment in reversed(self._segments):
            if segment.start_beat <= beat:
                return segment
        return self._segments[0]

    # --- time ---------------------------------------------------------------------------

    def _tempo(self, beat: int) -> float:
        for first, last, begin, end in self._ramps:
            if first <= beat < last:
                return begin + (end - begin) * (beat - first + 1) / (last - first + 1)
        return self._segment_at(beat).plan.tempo_bpm

    def _extend(self, beat: int) -> None:
        frames = self._beat_frames
        while len(frames) <= beat + 1:
            k = len(frames) - 1
            frames.append(frames[k] + SAMPLE_RATE * 60.0 / self._tempo(k))

    def _frame(self, beat: float) -> float:
        """Frame of a beat position of the stream."""
        beat = max(beat, 0.0)
        whole = math.floor(beat)
        self._extend(whole)
        start = self._beat_frames[whole]
        return start + (beat - whole) * (self._beat_frames[whole + 1] - start)

    def _beat_at(self, frame: float) -> float:
        """Beat position of a frame of the stream."""
        frames = self._beat_frames
        while frames[-1] <= frame:
            self._extend(len(frames))
        whole = bisect.bisect_right(frames, frame) - 1
        return whole + (frame - frames[whole]) / (frames[whole + 1] - frames[whole])

    def _boundary(self, at: str, lead: int, position_beat: float) -> int:
        """The first ``at`` line with ``lead`` unplayed beats before it."""
        beat = max(math.ceil(position_beat - 1e-9) + lead, 0)
        while True:
            segment = self._segment_at(beat)
            offset = beat - segment.start_beat
            step = {"beat": 1, "bar": segment.beats_per_bar}.get(
                at, PHRASE_BARS * segment.beats_per_bar
            )
            if offset % step == 0 and beat - lead >= position_beat - 1e-9:
                return beat
            beat += 1

    # --- changes ------------------------------------------------------------------------

    def _cut(self, beat: int, *, rewrite: bool = True) -> None:
        """Withdraw the notes scheduled from ``beat`` on, to be scheduled again.

        With ``rewrite`` the plan from ``beat`` on (transitions, ramps) is forgotten too, to
        be rewritten by the caller; without, only how the notes are played changes (an
        intensity), and a transition already planned stays.
        """
        if rewrite:
            del self._beat_frames[beat + 1 :]
            self._ramps = [(a, min(b, beat), x, y) for a, b, x, y in self._ramps if a < beat]
            self._overlays = [o for o in self._overlays if o.beat < beat]
            for segment in self._segments:
                segment.hushed = [(a, min(b, beat), d) for a, b, d in segment.hushed if a < beat]
        self._done_beat = min(self._done_beat, beat)
        self._synth.withdraw(lambda n: n.beat >= beat)
        self._synth.withdraw_setups(round(self._frame(beat)) - round(0.03 * SAMPLE_RATE))

    def _forget_before(self, beat: float) -> None:
        """Drop what only music before ``beat`` (all scheduled already) needs."""
        done = min(beat, self._done_beat)
        while len(self._segments) > 1 and self._segments[0].stop_beat < done:
            self._segments.pop(0)
        if len(self._overlays) > 64:
            self._overlays = [o for o in self._overlays if o.beat + o.length >= done]
        self._ramps = [r for r in self._ramps if r[1] >= done]
        while len(self._steps) > 1 and self._steps[1][0] <= done:
            self._steps.pop(0)

    def _set_intensity(self, beat: float, intensity: float) -> None:
        self._steps = [s for s in self._steps if s[0] < beat]
        self._steps.append((beat, intensity))

    def _glide(self, segment: Segment, beat: float, *, lead_beat: float | None = None) -> None:
        """Move the master gain to the segment's level at the intensity playing at ``beat``.

        The move starts at ``beat`` and takes GAIN_GLIDE_S, except a fall after a lead-in
        from ``lead_beat`` (a steer's transition): it spans the lead-in and arrives by
        ``beat``, so the fill or run builds at the coming music's level and the new section
        does not come in louder than it then plays (quiet music is turned up further than
        loud music, so a gain kept from calm music would overshoot a battle by 10 dB).
        """
        gain = segment.gain * _intensity_gain(self._mix_at(beat).intensity)
        frame = round(self._frame(beat))
        if lead_beat is not None and gain < self._synth.gain_at(frame):
            begin = max(round(self._frame(lead_beat)), self.position_frame)
            if begin < frame:
                self._synth.glide(begin, gain, frame - begin)
                return
        self._synth.glide(frame, gain, round(GAIN_GLIDE_S * SAMPLE_RATE))

    def _mix_at(self, beat: float) -> IntensityMix:
        value = self._steps[0][1]
        for start, intensity in self._steps:
            if start <= beat + 1e-9:
                value = intensity
        return intensity_mix(value)

    def _lead_in(
        self,
        playing: Segment,
        coming: Segment,
        transition: int,
        start: int,
        mix: IntensityMix,
        key_change: bool,
    ) -> None:
        """Write the transition from ``transition`` into the downbeat at ``start``."""
        lead = start - transition
        scale = max(0.7, mix.velocity_scale)
        after = intensity_mix(self._steps[-1][1])
        self._synth.release_by(round(self._frame(start)))
        if key_change:
            playing.hushed.append((transition, start, False))
            self._synth.release_by(round(self._frame(transition)))
            chords = playing.part(mix, "chords", "pad", "melody", "counter")
            bass = playing.part(mix, "bass")
            tonic = coming.plan.tonic_pc
            # The pivot is played as the parts it stands in for play, not above them.
            if chords is not None:
                loud = playing.typical_velocity(chords, PIVOT_VELOCITY)
                pivot = dominant_chord(tonic, lead, velocity=loud)
                self._overlay(chords.channel, start, pivot, scale)
            if bass is not None:
                loud = playing.typical_velocity(bass, PIVOT_BASS_VELOCITY)
                self._overlay(bass.channel, start, dominant_bass(tonic, lead, velocity=loud), scale)
        fill = min(lead, 2 if lead >= 4 else 1)
        if playing.drums(mix) or coming.drums(after):
            playing.hushed.append((start - fill, start, True))
            # A fill builds to the drums of the section it leads into: no louder than their
            # downbeat, and not doubling the crash or kick that section plays there itself.
            hits = coming.downbeat_drums(after) if coming.start_beat == start else {}
            notes = drum_fill(fill, peak_velocity=max(hits.values(), default=FILL_VELOCITY))
            self._overlay(9, start, [n for n in notes if n[0] < 0 or n[1] not in hits], 1.0)
            return
        melody = playing.part(mix, "melody", "counter", "chords")
        if melody is not None:
            playing.hushed.append((start - fill, start, False))
            low, high = melody_range(melody)
            run = rising_run(coming.plan.tonic_pc, coming.plan.mode, fill, low, high)
            self._overlay(melody.channel, start, run, scale)

    def _overlay(self, channel: int, downbeat: float, notes: list[Written], scale: float) -> None:
        for offset, pitch, length, velocity in notes:
            level = max(1, min(127, round(velocity * scale)))
            self._overlays.append(_Overlay(downbeat + offset, channel, pitch, length, level))

    # --- scheduling ---------------------------------------------------------------------

    def _schedule(self, until_frame: int) -> None:
        """Hand the synthesizer every note that starts before ``until_frame``."""
        low, high = self._done_beat, self._beat_at(until_frame)
        if high <= low:
            return
        notes: list[LiveNote] = []
        position = self._synth.position
        for segment in list(self._segments):
            if segment.stop_beat <= low or segment.start_beat >= high:
                continue
            if low <= segment.start_beat < high:
                frame = max(position, round(self._frame(segment.start_beat) - 0.02 * SAMPLE_RATE))
                for part in segment.plan.parts:
                    self._synth.setup(PartSetup(frame, part))
                if segment.start_beat > 0:
                    self._glide(segment, segment.start_beat)
            notes.extend(self._segment_notes(segment, low, high))
        for overlay in self._overlays:
            if low <= overlay.beat < high:
                on = max(position, round(self._frame(overlay.beat)))
                off = round(self._frame(overlay.beat + overlay.length))
                notes.append(
                    LiveNote(
                        on, max(off, on + 1), overlay.channel, overlay.pitch, overlay.velocity,
                        overlay.beat,
                    )
                )  # fmt: skip
        self._done_beat = high
        self._synth.add(notes)

    def _segment_notes(self, segment: Segment, low: float, high: float) -> list[LiveNote]:
        beats = segment.beats_per_bar
        first = max(0, math.floor((low - segment.start_beat) / beats) - 1)
        last = math.floor((high - segment.start_beat) / beats) + 1
        stop = segment.stop_beat
        cut = segment.end_beat is not None
        position = self._synth.position
        notes = []
        for rel in range(first, last + 1):
            for note in segment.notes.get(segment.first_bar + rel, ()):
                beat = max(segment.start_beat + rel * beats + note.offset, segment.start_beat)
                if not low <= beat < high or beat >= stop - HUMANISED_BEATS:
                    continue
                if any(
                    a - HUMANISED_BEATS <= beat < b - HUMANISED_BEATS and d == note.part.is_drum
                    for a, b, d in segment.hushed
                ):
                    continue
                end = beat + note.length
                if cut:
                    end = min(end, stop)
                on = max(position, round(self._frame(beat)))
                off = max(on + 1, round(self._frame(end)))
                mix = band_mix(segment, self._mix_at(beat))
                for pitch, velocity in mixed_notes(
                    note.part, note.pitch, note.offset, note.velocity, mix
                ):
                    notes.append(LiveNote(on, off, note.part.channel, pitch, velocity, beat))
        return notes

    # --- reporting ----------------------------------------------------------------------

    def _plan_dict(self, segment: Segment, mix: IntensityMix) -> dict[str, Any]:
        plan = segment.plan.to_dict()
        plan.pop("sections", None)
        plan["intensity"] = mix.intensity
        plan["active_parts"] = active_parts(segment.plan.parts, band_mix(segment, mix))
        return plan

    def _result(
        self, start: int, transition: float, at: str, segment: Segment, mix: IntensityMix
    ) -> SteerResult:
        return SteerResult(
            effect_frame=round(self._frame(start)),
            transition_frame=max(self.position_frame, round(self._frame(transition))),
            at=at,
            plan=self._plan_dict(segment, mix),
        )


def _intensity_gain(intensity: float) -> float:
    """Make-up gain for quiet intensities: the level still rises with intensity (more parts,
    harder playing), by about INTENSITY_MAKEUP_DB less than it would."""
    return float(10 ** (INTENSITY_MAKEUP_DB * (1.0 - intensity) / 20))
