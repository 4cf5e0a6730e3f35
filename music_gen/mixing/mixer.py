"""AudioMixer: levels, panning, effects, summing and mastering of AudioOutput tracks."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from music_gen.audio import AudioOutput
from music_gen.errors import InvalidParameterError
from music_gen.mixing import effects as fx
from music_gen.mixing.mastering import master_samples
from music_gen.mixing.resampling import resample
from music_gen.mixing.settings import DEFAULT_HEADROOM_DB, DEFAULT_TARGET_LUFS, MixSettings

#: Tracks: name -> audio, or a list of audio (named "0", "1", ... by position).
Tracks = Mapping[str, AudioOutput] | Sequence[AudioOutput]
#: Most channels master() accepts (the BS.1770 meter's limit).
MAX_MASTER_CHANNELS = 5


def pan_gains(pan: float) -> tuple[float, float]:
    """Left and right gains of the constant-power (sin/cos) pan law.

    ``pan`` -1 is hard left (1, 0), 0 is centre (-3 dB each side), 1 is hard right (0, 1);
    left² + right² is 1 everywhere.
    """
    angle = (pan + 1.0) * math.pi / 4.0
    return math.cos(angle), math.sin(angle)


class AudioMixer:
    """Mix, process and master :class:`~music_gen.audio.AudioOutput` tracks.

    Every method takes and returns AudioOutput (float32, shape (channels, frames)).

    Example:
        >>> mixer = AudioMixer()
        >>> mixed = mixer.mix_tracks(
        ...     {"piano": piano, "bass": bass},
        ...     levels={"piano": -3.0, "bass": -6.0},
        ...     panning={"piano": -0.3},
        ...     effects={"piano": [{"type": "reverb", "room_size": 0.4}]},
        ... )
        >>> master = mixer.master(mixed, target_lufs=-14.0, headroom_db=1.0)
    """

    def mix_tracks(
        self,
        tracks: Tracks,
        levels: Mapping[str, float] | None = None,
        panning: Mapping[str, float] | None = None,
        effects: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
        *,
        preset: str | None = None,
    ) -> AudioOutput:
        """Sum tracks into one stereo mix (not mastered).

        Per track, in order: resampling to the output rate, mono -> stereo duplication,
        padding with silence to the longest track, the effect chain, the level, the pan.

        Args:
            tracks: Name -> audio (or a list, named "0", "1", ...). Mono or stereo, any rates.
            levels: Name -> fader level in dB (default 0 dB, or the preset's for its role).
            panning: Name -> pan in [-1, 1], constant-power sin/cos law: centre is -3 dB on
                each side (default centre, or the preset's).
            effects: Name -> list of effect dicts (see ``music_gen.mixing.EFFECTS``); replaces
                the preset's chain for that track.
            preset: A preset name (see :func:`list_presets`): per-role levels, pans, effects
                and bus effects for every track not set explicitly.

        Returns:
            Stereo audio at the highest input sample rate, as long as the longest track
            (shorter tracks are padded with silence at the end). Its metadata["mix"] records
            what was applied to each track.

        Raises:
            InvalidParameterError: Empty input, an unknown track name in levels, panning or
                effects, a bad value or effect, or audio that is not finite.
        """
        settings = MixSettings(
            preset=preset, levels=levels or {}, panning=panning or {}, effects=effects or {}
        )
        return self._mix(tracks, settings)

    def mix(
        self,
        tracks: Tracks,
        settings: MixSettings | Mapping[str, Any] | None = None,
        *,
        progress: Callable[[float], None] | None = None,
    ) -> AudioOutput:
        """Mix with :meth:`mix_tracks` and master with :meth:`master`, as ``settings`` say.

        Args:
            tracks: As for :meth:`mix_tracks`.
            settings: A :class:`MixSettings` or a ``mix_settings`` dict with keys preset,
                levels, panning, effects, target_lufs, headroom_db.
            progress: Called with the fraction done after each track and before mastering
                (mastering a long piece takes a while too); 1.0 at the end.
        """
        resolved = MixSettings.from_dict(settings)
        mixed = self._mix(tracks, resolved, progress=progress)
        if progress is not None:
            progress(0.9)
        target_lufs, headroom_db = resolved.mastering
        mastered = self.master(mixed, target_lufs=target_lufs, headroom_db=headroom_db)
        if progress is not None:
            progress(1.0)
        return mastered

    def apply_effects(
        self, audio: AudioOutput, effects_chain: Sequence[Mapping[str, Any]]
    ) -> AudioOutput:
        """Run an effect chain over audio; same length, channels and rate out.

        Raises:
            InvalidParameterError: An unknown effect or parameter, a bad value, or a
                frequency above the audio's Nyquist frequency.
        """
        _check_audio(audio, "audio")
        chain = fx.parse_chain(effects_chain, "effects_chain")
        samples = fx.process(audio.samples, audio.sample_rate, chain)
        metadata = {
            **audio.metadata,
            "effects": [*audio.metadata.get("effects", []), *(e.to_dict() for e in chain)],
        }
        return dataclasses.replace(audio, samples=samples, metadata=metadata)

    def master(
        self,
        audio: AudioOutput,
        target_lufs: float = DEFAULT_TARGET_LUFS,
        headroom_db: float = DEFAULT_HEADROOM_DB,
    ) -> AudioOutput:
        """Bring audio to ``target_lufs`` integrated loudness (ITU-R BS.1770) with its true
        peak under ``-headroom_db`` dBTP.

        See :mod:`music_gen.mixing.mastering` for the chain. Audio below -70 LUFS (silence)
        is returned unchanged; a target that the ceiling makes unreachable is approached as
        far as the limiter allows and reported, never clipped to.

        Returns:
            The mastered audio; metadata["mastering"] holds the measured integrated_lufs,
            true_peak_dbtp, loudness_range_lu (None when shorter than 1.5 s), the gain and
            limiter drive used, target_reached and a note when something was not done.

        Raises:
            InvalidParameterError: Bad target or headroom, audio that is not finite, or more
                than 5 channels.
        """
        _check_audio(audio, "audio", max_channels=MAX_MASTER_CHANNELS)
        samples, report = master_samples(
            audio.samples, audio.sample_rate, target_lufs=target_lufs, headroom_db=headroom_db
        )
        metadata = {**audio.metadata, "mastering": report}
        return dataclasses.replace(audio, samples=samples, metadata=metadata)

    def _mix(
        self,
        tracks: Tracks,
        settings: MixSettings,
        *,
        progress: Callable[[float], None] | None = None,
    ) -> AudioOutput:
        named = _named_tracks(tracks)
        settings.check_tracks(list(named))
        rate = max(audio.sample_rate for audio in named.values())
        resampled = {
            name: resample(audio.samples, audio.sample_rate, rate) for name, audio in named.items()
        }
        frames = max(samples.shape[-1] for samples in resampled.values())
        total = np.zeros((2, frames), dtype=np.float64)
        report: dict[str, Any] = {}
        for index, (name, samples) in enumerate(resampled.items()):
            if progress is not None:
                # Tracks take 80 % of the mix, the bus and mastering the rest.
                progress(0.8 * index / len(resampled))
            plan = settings.track(name)
            stereo = np.zeros((2, frames), dtype=np.float32)
            stereo[:, : samples.shape[-1]] = samples  # (1, n) broadcasts: mono -> both sides
            processed = fx.process(stereo, rate, plan.effects)
            left, right = pan_gains(plan.pan)
            level = 10.0 ** (plan.level_db / 20.0)
            total[0] += processed[0] * (level * left)
            total[1] += processed[1] * (level * right)
            source = named[name]
            report[name] = {
                **plan.to_dict(),
                "sample_rate": source.sample_rate,
                "channels": source.channels,
                "frames": source.num_frames,
            }
        if progress is not None:
            progress(0.8)
        mixed = total.astype(np.float32)
        bus = settings.bus_effects
        mixed = fx.process(mixed, rate, bus)
        metadata = {
            "mix": {
                "preset": settings.preset,
                "sample_rate": rate,
                "frames": frames,
                "tracks": report,
                "bus_effects": [effect.to_dict() for effect in bus],
            }
        }
        return AudioOutput(samples=mixed, sample_rate=rate, metadata=metadata)


def _check_audio(audio: object, where: str, max_channels: int = 2) -> AudioOutput:
    if not isinstance(audio, AudioOutput):
        raise InvalidParameterError(
            f"{where} must be an AudioOutput, got {type(audio).__name__}",
            details={"field": where, "type": type(audio).__name__},
        )
    if audio.channels > max_channels:
        raise InvalidParameterError(
            f"{where} has {audio.channels} channels; at most {max_channels} are supported",
            details={"field": where, "channels": audio.channels, "max": max_channels},
        )
    if not np.all(np.isfinite(audio.samples)):
        raise InvalidParameterError(
            f"{where} contains NaN or infinite samples", details={"field": where}
        )
    return audio


def _named_tracks(tracks: object) -> dict[str, AudioOutput]:
    items: list[tuple[str, object]]
    if isinstance(tracks, Mapping):
        items = []
        for key, value in tracks.items():
            if not isinstance(key, str) or not key:
                raise InvalidParameterError(
                    f"track names must be non-empty strings, got {key!r}",
                    details={"field": "tracks"},
                )
            items.append((key, value))
    elif isinstance(tracks, Sequence) and not isinstance(tracks, (str, bytes)):
        items = [(str(index), value) for index, value in enumerate(tracks)]
    else:
        raise InvalidParameterError(
            "tracks must be a dict of name -> AudioOutput or a list of AudioOutput, "
            f"got {type(tracks).__name__}",
            details={"field": "tracks"},
        )
    if not items:
        raise InvalidParameterError(
            "tracks cannot be empty: give at least one AudioOutput", details={"field": "tracks"}
        )
    return {name: _check_audio(value, f"tracks[{name!r}]") for name, value in items}
