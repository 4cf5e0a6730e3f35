"""The output level: every piece leaves MusicGenerator at one loudness.

Loudness is measured per ITU-R BS.1770-4 with :mod:`music_gen.mixing.loudness` (pyloudnorm,
and a 4x oversampled true-peak meter); gain, glue compression (the one mastering uses) and
peak limiting are pedalboard plug-ins run at 4x the sample rate (scipy's polyphase filter,
on a whole piece at once or on a stream block by block), so that the limiter catches true
peaks.

Levelling starts by removing the piece's DC offset (the mean of each channel): BS.1770
loudness does not hear it, but it takes headroom from one side of the waveform, so an
offset piece would hit the ceiling long before its music is loud.

A whole piece (``generate``, ``generate_batch``) goes through that chain, is measured, and
gets a final linear trim to the target (or to the ceiling, whichever is lower); a piece whose
peaks stop it short drives the limiter harder and goes again (:func:`level_samples`).

A stream cannot be measured before it is heard, so its gain is fixed once, from the first
:data:`WINDOW_S` seconds (held back until they are measured) and the engine's word on how the
rest compares (:meth:`Engine.loudness_offset_db`; the composer reads it from its notes), and
never changes after: no gain riding, no pumping. Its DC offset is fixed the same way, from
the window. Every chunk then passes the same chain, its
state carried from chunk to chunk. A stream that ends inside the window is levelled whole,
exactly as ``generate()``.

A live session (:func:`level_live`) has no end to measure and cannot wait: its first chunk
is due at once. Its gain is fixed when it starts, from the engine's estimate of how loud the
music it has planned plays at :data:`LIVE_REFERENCE_INTENSITY`
(:meth:`LiveSession.planned_loudness_lufs`; the composer reads it from its notes), and every
chunk passes the same chain at once. With no window to take its mean from, its DC offset is
removed by a first-order high-pass at :data:`LIVE_DC_CUTOFF_HZ` (the composer's samples
carry offsets up to about -35 dBFS; the cut at 20 Hz is 0.3 dB). Nothing is held back; the
chain delays the audio by its resamplers' latency only (about 1 ms). Steers (a mood, an
intensity) never move the gain: intensity stays the music's dynamics around the target, and
the glue compressor and limiter keep the loud end under the ceiling, as they do for the
climax of a piece.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np

from music_gen.audio import AudioOutput
from music_gen.engines.base import AudioChunk
from music_gen.errors import InvalidParameterError
from music_gen.live import DEFAULT_INTENSITY, LiveSession, SteerResult

# music_gen.mixing (pedalboard, scipy) is imported where it is used, so that importing
# music_gen stays light.

#: Highest true peak of a levelled piece, in dBTP.
CEILING_DBTP = -1.0
#: Seconds of a stream measured (and held back) before its gain is fixed.
WINDOW_S = 5.0
#: A live session is levelled so that this intensity plays at its target (softer intensities
#: play below it, fuller ones above, as the quiet and loud passages of a piece do).
LIVE_REFERENCE_INTENSITY = DEFAULT_INTENSITY
#: Cutoff of the high-pass that removes a live session's DC offset, in Hz.
LIVE_DC_CUTOFF_HZ = 5.0
#: A stream's limiter works this far under the ceiling, so that its true peak stays under.
STREAM_MARGIN_DB = 0.5
# A stream's limiter runs at this multiple of the sample rate, so it sees the true peaks.
_OVERSAMPLING = 4
# The peak limiter holds peaks this far under the stream's ceiling.
_LIMITER_ROOM_DB = 0.5
# Whole pieces: at most this many rounds, ending within _AIM_LU of the target (LU), with a
# final trim that keeps the true peak _TRIM_MARGIN_DB under the ceiling; the limiter is
# driven at most _MAX_DRIVE_DB past the plain gain.
_ROUNDS = 4
_AIM_LU = 0.2
_TRIM_MARGIN_DB = 0.1
_MAX_DRIVE_DB = 18.0
# Most threads a batch is levelled in (each holds a piece at 4x its sample rate).
_MAX_LEVEL_THREADS = 8
# Largest gain a stream gets from its window (a near-silent opening must not blow up the rest).
_MAX_STREAM_GAIN_DB = 30.0
# A live session's last frames fade out over this long (seconds).
_END_FADE_S = 0.005


def measure(samples: np.ndarray, sample_rate: int) -> dict[str, float | None]:
    """Integrated loudness (LUFS) and true peak (dBTP) of samples, for metadata."""
    from music_gen.mixing.loudness import finite_or_none, integrated_loudness, true_peak_db

    return {
        "loudness_lufs": finite_or_none(integrated_loudness(samples, sample_rate)),
        "true_peak_dbtp": finite_or_none(true_peak_db(samples)),
    }


def level_samples(
    samples: np.ndarray, sample_rate: int, target_lufs: float
) -> tuple[np.ndarray, dict[str, object]]:
    """A whole piece at ``target_lufs`` with its true peak under :data:`CEILING_DBTP`.

    Rounds of: the piece through the limiting chain at a gain, BS.1770 loudness and true peak
    measured, then a final linear trim (so the reported figures are exact). A round that falls
    short of the target because the ceiling stopped the trim drives the limiter harder.

    Returns:
        The samples and a report: ``loudness_lufs``, ``true_peak_dbtp``, ``gain_db`` (total
        gain before limiting and trim), ``limiter_drive_db``, ``rounds``, ``target_reached``,
        ``note``.
    """
    from music_gen.mixing.loudness import (
        ABSOLUTE_GATE_LUFS,
        finite_or_none,
        integrated_loudness,
        sample_peak,
        to_db,
        true_peak_db,
    )

    samples = np.asarray(samples, dtype=np.float32)
    report: dict[str, object] = {
        "gain_db": 0.0,
        "limiter_drive_db": 0.0,
        "rounds": 0,
        "dc_offset": 0.0,
    }
    # Measured without the offset: the K-weighting filter hears its onset as a step.
    offset = _dc_offset(samples) if samples.shape[-1] else np.zeros((1, 1), np.float32)
    centred = samples - offset
    source = integrated_loudness(centred, sample_rate)
    if not source > ABSOLUTE_GATE_LUFS:
        report.update(measure(samples, sample_rate))
        report["target_reached"] = False
        report["note"] = (
            f"below the {ABSOLUTE_GATE_LUFS:g} LUFS absolute gate (silence or faint noise): "
            "left unchanged"
        )
        return samples.copy(), report
    samples = centred
    report["dc_offset"] = round(float(np.max(np.abs(offset))), 6)
    gain = target_lufs - source
    # Plain gain, as far as the ceiling allows: all a piece with room under its peaks needs,
    # and the fallback when limiting cannot do better (material that is mostly offset or
    # clicks, whose loudness the limiter cannot raise). The true peak is never below the
    # sample peak, so when the samples alone rule plain gain out, the (costlier) true peak
    # is measured only if it comes to the fallback; until then ``plain`` is an upper bound.
    plain = CEILING_DBTP - _TRIM_MARGIN_DB - to_db(sample_peak(samples))
    source_peak = true_peak_db(samples) if plain >= gain - _AIM_LU else None
    if source_peak is not None:
        plain = min(gain, CEILING_DBTP - _TRIM_MARGIN_DB - source_peak)
    if source_peak is not None and plain >= gain - _AIM_LU:
        report.update(
            loudness_lufs=finite_or_none(source + plain),
            true_peak_dbtp=finite_or_none(source_peak + plain),
            gain_db=round(plain, 2),
            target_reached=True,
            note=None,
        )
        return (samples * np.float32(10.0 ** (plain / 20.0))).astype(np.float32), report
    drive = 0.0
    while True:
        report["rounds"] = int(report["rounds"]) + 1  # type: ignore[call-overload]
        out = _limit_whole(samples, sample_rate, gain + drive, target_lufs)
        lufs = integrated_loudness(out, sample_rate)
        peak = true_peak_db(out)
        trim = min(target_lufs - lufs, CEILING_DBTP - _TRIM_MARGIN_DB - peak)
        short = target_lufs - (lufs + trim)
        if short <= _AIM_LU or drive >= _MAX_DRIVE_DB or report["rounds"] == _ROUNDS:
            break
        drive = min(drive + short * 1.5 + 0.5, _MAX_DRIVE_DB)
    if lufs + trim < source + plain and source_peak is None:
        source_peak = true_peak_db(samples)
        plain = min(gain, CEILING_DBTP - _TRIM_MARGIN_DB - source_peak)
    if lufs + trim < source + plain and source_peak is not None:
        out, lufs, peak, trim, drive = samples, source, source_peak, plain, 0.0
        gain, short = 0.0, target_lufs - (source + plain)
    result = (out * np.float32(10.0 ** (trim / 20.0))).astype(np.float32)
    reached = abs(short) <= 0.5
    report.update(
        loudness_lufs=finite_or_none(lufs + trim),
        true_peak_dbtp=finite_or_none(peak + trim),
        gain_db=round(gain + drive + trim, 2),
        limiter_drive_db=round(drive, 2),
        target_reached=reached,
        note=None
        if reached
        else (
            f"target {target_lufs:g} LUFS is not reachable under the {CEILING_DBTP:g} dBTP "
            f"ceiling with {_MAX_DRIVE_DB:g} dB of limiting; reached {lufs + trim:.1f} LUFS "
            "instead of clipping"
        ),
    )
    return result, report


def level_audio(audio: AudioOutput, target_lufs: float | None) -> AudioOutput:
    """Bring a whole piece to ``target_lufs`` (None: leave it) and report the level.

    The samples are replaced in place (stems and MIDI are left as the engine made them);
    ``metadata`` gets ``loudness_lufs`` and ``true_peak_dbtp`` (of the result),
    ``loudness_target_lufs`` and, when levelled, ``level`` (gain, limiter drive, note).
    """
    if target_lufs is not None:
        audio.samples, report = level_samples(audio.samples, audio.sample_rate, target_lufs)
        audio.metadata["loudness_lufs"] = report.pop("loudness_lufs")
        audio.metadata["true_peak_dbtp"] = report.pop("true_peak_dbtp")
        audio.metadata["level"] = report
    else:
        audio.metadata.update(measure(audio.samples, audio.sample_rate))
    audio.metadata["loudness_target_lufs"] = target_lufs
    return audio


def _dc_offset(samples: np.ndarray) -> np.ndarray:
    """The DC offset of each channel: its mean, as a (channels, 1) float32 array."""
    return np.asarray(np.mean(samples, axis=-1, keepdims=True, dtype=np.float64), np.float32)


def level_all(pieces: Sequence[AudioOutput], targets: Sequence[float | None]) -> list[AudioOutput]:
    """:func:`level_audio` for each piece (a batch), several at once on a multi-core machine.

    The heavy parts (pedalboard's plug-ins, scipy's filters) run outside the GIL, so a
    batch's pieces are levelled in threads, at most one per core; the results keep the order.
    """
    if len(pieces) != len(targets):
        raise InvalidParameterError(
            f"one loudness target per piece: {len(pieces)} pieces, {len(targets)} targets",
            details={"field": "loudness_lufs"},
        )
    threads = min(len(pieces), os.cpu_count() or 1, _MAX_LEVEL_THREADS)
    if threads <= 1:
        return [level_audio(piece, target) for piece, target in zip(pieces, targets, strict=True)]
    with ThreadPoolExecutor(threads, thread_name_prefix="level") as pool:
        return list(pool.map(level_audio, pieces, targets))


def _board(gain_db: float, target_lufs: float) -> Any:
    """The chain run at 4x the sample rate: gain, glue compression, peak limiting."""
    import pedalboard

    ceiling_db = CEILING_DBTP - STREAM_MARGIN_DB
    return pedalboard.Pedalboard(
        [
            pedalboard.Gain(gain_db=gain_db),
            # The mastering chain's glue: 2:1 from 6 dB above the target loudness.
            pedalboard.Compressor(
                threshold_db=min(target_lufs + 6.0, 0.0),
                ratio=2.0,
                attack_ms=20.0,
                release_ms=250.0,
            ),
            # The peak limiter: a 30:1 compressor with a 10 us attack (pedalboard's Limiter
            # clips at its own threshold, which rings once resampled), and a clip at the
            # ceiling for anything that still outruns it.
            pedalboard.Compressor(
                threshold_db=ceiling_db - _LIMITER_ROOM_DB,
                ratio=30.0,
                attack_ms=0.01,
                release_ms=50.0,
            ),
            pedalboard.Clipping(threshold_db=ceiling_db),
        ]
    )


def _limit_whole(
    samples: np.ndarray, sample_rate: int, gain_db: float, target_lufs: float
) -> np.ndarray:
    """A whole piece through the chain (scipy's polyphase resampling, as mastering does, in
    one call when all the audio is at hand)."""
    from music_gen.mixing.resampling import resample_poly_cached

    frames = samples.shape[-1]
    up = resample_poly_cached(samples, _OVERSAMPLING, 1)
    limited = _board(gain_db, target_lufs)(up, float(sample_rate * _OVERSAMPLING))
    down = resample_poly_cached(limited, 1, _OVERSAMPLING)[:, :frames]
    return np.ascontiguousarray(down, dtype=np.float32)


class _StreamChain:
    """Fixed gain, glue compression and a peak limiter, run at 4x the sample rate and keeping
    their state across chunks (so the limiter acts on true peaks, as in mastering).

    ``process`` returns fewer frames than it was given at first (the filters' delay, held
    back so that the output lines up with the input); ``flush`` returns the rest, so the
    totals agree.
    """

    def __init__(self, gain_db: float, target_lufs: float, sample_rate: int, channels: int) -> None:
        from music_gen.mixing.resampling import BlockResampler

        self.rate = sample_rate
        self.channels = channels
        self.up = BlockResampler(channels, _OVERSAMPLING, up=True)
        self.down = BlockResampler(channels, _OVERSAMPLING, up=False)
        self.board = _board(gain_db, target_lufs)
        # Frames the two filters delay the audio by, held back so output lines up with input.
        self.delay = self.up.delay_frames + self.down.delay_frames
        self._skip = self.delay

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Feed frames; returns the frames ready so far."""
        high = self.up.process(np.asarray(samples, dtype=np.float32))
        if high.shape[1]:
            high = self.board(high, float(self.rate * _OVERSAMPLING), reset=False)
        out = self.down.process(high)
        skip = min(self._skip, out.shape[1])
        self._skip -= skip
        return out[:, skip:]

    def flush(self) -> np.ndarray:
        """The frames still inside the filters."""
        return self.process(np.zeros((self.channels, self.delay), np.float32))


class _DcBlocker:
    """A first-order high-pass at LIVE_DC_CUTOFF_HZ, its state carried across chunks."""

    def __init__(self, sample_rate: int, channels: int) -> None:
        from scipy.signal import butter

        self.b, self.a = butter(1, LIVE_DC_CUTOFF_HZ, "highpass", fs=sample_rate)
        self.state = np.zeros((channels, 1))

    def process(self, samples: np.ndarray) -> np.ndarray:
        """The chunk without its share of the offset."""
        from scipy.signal import lfilter

        out, self.state = lfilter(self.b, self.a, samples, axis=-1, zi=self.state)
        return np.asarray(out, np.float32)


def _faded_out(block: np.ndarray, sample_rate: int) -> np.ndarray:
    """The last block of a live session, its last :data:`_END_FADE_S` faded to zero: the DC
    blocker's state leaves the offset it was taking out of music that has stopped."""
    frames = min(block.shape[1], round(_END_FADE_S * sample_rate))
    if frames:
        ramp = np.cos(np.linspace(0.0, np.pi / 2, frames, dtype=np.float32)) ** 2
        block = block.copy()
        block[:, block.shape[1] - frames :] *= ramp
    return block


def stream_gain_db(window: np.ndarray, sample_rate: int, target_lufs: float) -> float:
    """The fixed gain that brings a stream whose opening is ``window`` to ``target_lufs``.

    Measured through the stream's own chain (the limiter takes a little loudness off the
    peaks), corrected once.
    """
    from music_gen.mixing.loudness import ABSOLUTE_GATE_LUFS, integrated_loudness

    loudness = integrated_loudness(window, sample_rate)
    if not loudness > ABSOLUTE_GATE_LUFS:
        return 0.0
    gain = min(target_lufs - loudness, _MAX_STREAM_GAIN_DB)
    trial = _limit_whole(window, sample_rate, gain, target_lufs)
    after = integrated_loudness(trial, sample_rate)
    if math.isfinite(after):
        gain = min(gain + target_lufs - after, _MAX_STREAM_GAIN_DB)
    return float(gain)


def level_stream(
    chunks: Iterable[AudioChunk],
    target_lufs: float | None,
    *,
    window_s: float = WINDOW_S,
    offset_db: float = 0.0,
) -> Iterator[AudioChunk]:
    """Chunks of a stream at ``target_lufs`` (None: passed through unchanged).

    The chunk boundaries are kept. The first ``window_s`` seconds are held back until they
    are measured; a stream that ends within them is mastered whole (as ``generate()``).
    ``offset_db`` is how much louder the whole piece is expected to be than its first
    ``window_s`` seconds (an engine that plans ahead knows; 0 otherwise).
    """
    if target_lufs is None:
        yield from chunks
        return
    held: list[AudioChunk] = []
    held_frames = 0
    chain: _StreamChain | None = None
    dc = np.zeros((1, 1), dtype=np.float32)  # the window's offset, once it is measured
    ready: list[np.ndarray] = []
    for chunk in chunks:
        if chain is None:
            held.append(chunk)
            held_frames += chunk.samples.shape[1]
            if chunk.final:
                yield from _master_whole(held, target_lufs)
                return
            if held_frames < window_s * chunk.sample_rate:
                continue
            window = np.concatenate([c.samples for c in held], axis=1)
            dc = _dc_offset(window)
            window = window - dc
            gain = stream_gain_db(window, chunk.sample_rate, target_lufs) - offset_db
            chain = _StreamChain(gain, target_lufs, chunk.sample_rate, window.shape[0])
            ready.append(chain.process(window))
        else:
            held.append(chunk)
            ready.append(chain.process(chunk.samples - dc))
        if chunk.final:
            ready.append(chain.flush())
        yield from _emit(held, ready, final=chunk.final)
    if held and chain is None:
        yield from _master_whole(held, target_lufs)


def _emit(held: list[AudioChunk], ready: list[np.ndarray], *, final: bool) -> Iterator[AudioChunk]:
    """Pop the held chunks whose frames have come out of the chain (all of them at the end)."""
    out = np.concatenate(ready, axis=1) if len(ready) > 1 else ready[0]
    ready.clear()
    offset = 0
    while held:
        frames = held[0].samples.shape[1]
        if offset + frames > out.shape[1] and not final:
            break
        piece = out[:, offset : offset + frames]
        if piece.shape[1] < frames:
            piece = np.pad(piece, ((0, 0), (0, frames - piece.shape[1])))
        yield _replace(held.pop(0), piece)
        offset += frames
    ready.append(out[:, offset:])


def _master_whole(held: list[AudioChunk], target_lufs: float) -> Iterator[AudioChunk]:
    rate = held[0].sample_rate
    whole = np.concatenate([c.samples for c in held], axis=1)
    levelled, _ = level_samples(whole, rate, target_lufs)
    offset = 0
    for chunk in held:
        frames = chunk.samples.shape[1]
        yield _replace(chunk, levelled[:, offset : offset + frames])
        offset += frames


def _replace(chunk: AudioChunk, samples: np.ndarray) -> AudioChunk:
    return AudioChunk(
        samples=np.ascontiguousarray(samples, dtype=np.float32),
        sample_rate=chunk.sample_rate,
        start_frame=chunk.start_frame,
        final=chunk.final,
    )


def level_live(session: LiveSession, target_lufs: float | None) -> LiveSession:
    """A live session at ``target_lufs`` (None: the session itself, at the engine's level).

    The gain is fixed from the engine's estimate (see the module docstring); the chunks keep
    their lengths, and the audio, steers and ending come out the chain's latency later (the
    frames reported by ``steer()`` and ``stop()`` include it).
    """
    if target_lufs is None:
        return session
    return _LevelledSession(session, target_lufs)


class _LevelledSession(LiveSession):
    """A live session whose chunks pass the stream chain at a gain fixed when it starts."""

    def __init__(self, session: LiveSession, target_lufs: float) -> None:
        self._inner = session
        self.sample_rate = session.sample_rate
        self.channels = session.channels
        self.seed = session.seed
        planned = session.planned_loudness_lufs(LIVE_REFERENCE_INTENSITY)
        #: The fixed gain before glue compression and limiting, in dB.
        self.gain_db = min(target_lufs - planned, _MAX_STREAM_GAIN_DB)
        self._chain = _StreamChain(self.gain_db, target_lufs, self.sample_rate, self.channels)
        self._dc = _DcBlocker(self.sample_rate, self.channels)
        # Primed with the chain's delay in silence: the audio then comes out that much later
        # and every chunk out is as long as the chunk in, from the first one on.
        self.latency_frames = self._chain.delay
        self._chain.process(np.zeros((self.channels, self.latency_frames), np.float32))
        self._position = 0
        self._finished = False

    @property
    def position_frame(self) -> int:
        """Frames handed out so far."""
        return self._position

    @property
    def finished(self) -> bool:
        """Whether the stream has ended (its last frames out of the chain)."""
        return self._finished

    @property
    def plan(self) -> dict[str, Any]:
        """The plan playing now."""
        return self._inner.plan

    def planned_loudness_lufs(self, intensity: float) -> float:
        """The engine's estimate, at the session's gain (before compression and limiting)."""
        return self._inner.planned_loudness_lufs(intensity) + self.gain_db

    def steer(
        self,
        prompt: str | None = None,
        *,
        intensity: float | None = None,
        tempo_bpm: float | None = None,
        key: str | None = None,
        at: str = "bar",
    ) -> SteerResult:
        """As the session's steer(), with its frames as heard after the chain."""
        result = self._inner.steer(prompt, intensity=intensity, tempo_bpm=tempo_bpm, key=key, at=at)
        return replace(
            result,
            effect_frame=result.effect_frame + self.latency_frames,
            transition_frame=result.transition_frame + self.latency_frames,
        )

    def stop(self, ending: bool = True) -> int:
        """As the session's stop(); the frame returned includes the chain's latency."""
        return self._inner.stop(ending) + self.latency_frames

    def __next__(self) -> np.ndarray:
        if self._finished:
            raise StopIteration
        try:
            block = self._chain.process(self._dc.process(next(self._inner)))
        except StopIteration:
            block = np.zeros((self.channels, 0), np.float32)
        if self._inner.finished:
            # The frames still inside the resamplers: the last ``latency_frames`` of audio.
            tail = self._chain.flush()[:, : self.latency_frames]
            tail = np.pad(tail, ((0, 0), (0, self.latency_frames - tail.shape[1])))
            block = _faded_out(np.concatenate([block, tail], axis=1), self.sample_rate)
            self._finished = True
        if block.shape[1] == 0:
            raise StopIteration
        self._position += block.shape[1]
        return np.ascontiguousarray(block, dtype=np.float32)

    def close(self) -> None:
        """Release the session's synthesizer."""
        self._inner.close()
        self._finished = True
