"""The Engine contract that every generation backend implements."""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from music_gen.audio import AudioOutput
from music_gen.errors import InvalidParameterError, UnsupportedOperationError
from music_gen.params import GenerationParams

#: Called with the fraction done, 0.0 to 1.0, as generation advances.
ProgressCallback = Callable[[float], None]


@dataclass(frozen=True)
class EngineCapabilities:
    """What an engine can do; the service and the CLI read it to offer the right options."""

    # Hard upper bound on duration_s for one generate() call.
    max_duration_s: float
    # Output sample rate in Hz.
    sample_rate: int
    # Output channels (1 mono, 2 stereo).
    channels: int
    # stream() yields audio while generating (not only after it finished).
    streaming: bool = False
    # generate_stems() gives separate, sample-aligned stems that share one plan.
    stems: bool = False
    # Outputs carry the notes (AudioOutput.midi).
    midi: bool = False
    # Accepts a melody to follow (extra["melody"]).
    melody: bool = False


@dataclass(frozen=True)
class AudioChunk:
    """A piece of a stream: frames [start_frame, start_frame + samples.shape[1])."""

    # float32 (channels, frames).
    samples: np.ndarray
    sample_rate: int
    # Index of this chunk's first frame in the whole piece.
    start_frame: int
    # True on the last chunk.
    final: bool = False


class Engine(abc.ABC):
    """A music generation backend.

    Subclasses implement :meth:`generate` and :attr:`capabilities`; the other methods have
    correct (if not the fastest) defaults built on it.
    """

    #: Registry name of the loaded model.
    model_name: str = ""
    #: generate() calls that may run at once from different threads (1: one at a time).
    max_concurrency: int = 1

    @property
    @abc.abstractmethod
    def capabilities(self) -> EngineCapabilities:
        """What this engine can do."""

    @abc.abstractmethod
    def generate(
        self, params: GenerationParams, *, progress: ProgressCallback | None = None
    ) -> AudioOutput:
        """Generate one piece of exactly ``round(params.duration_s * sample_rate)`` frames."""

    def generate_batch(
        self,
        params_list: Sequence[GenerationParams],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[AudioOutput]:
        """Generate several pieces; the default runs them one after another."""
        results: list[AudioOutput] = []
        total = max(len(params_list), 1)
        for index, params in enumerate(params_list):
            sub = _sub_progress(progress, index, total)
            results.append(self.generate(params, progress=sub))
        return results

    def stream(self, params: GenerationParams, *, chunk_s: float = 1.0) -> Iterator[AudioChunk]:
        """Yield the piece in order as chunks of about ``chunk_s`` seconds.

        The default generates the whole piece first; engines that can do better override it.
        Concatenating the chunks' samples gives exactly what generate() returns.
        """
        audio = self.generate(params)
        yield from chunk_audio(audio, chunk_s)

    def loudness_offset_db(self, params: GenerationParams, window_s: float) -> float:
        """How much louder (dB) the whole piece will be than its first ``window_s`` seconds.

        A stream's level is fixed from its opening (see :mod:`music_gen.level`); an engine
        that plans the whole piece first can say how the rest compares. The default, 0,
        means "as loud as the opening". ``params.seed`` is set when this is asked.
        """
        return 0.0

    def generate_stems(
        self,
        parts: Mapping[str, str],
        params: GenerationParams,
        *,
        progress: ProgressCallback | None = None,
    ) -> dict[str, AudioOutput]:
        """Generate one stem per named part, all sharing one musical plan.

        Args:
            parts: Instrument (part) name -> what it should play, in words.
            params: The shared parameters; ``params.prompt`` describes the whole piece.

        Returns:
            Part name -> stem; every stem has the same sample rate, channels and length.
        """
        raise UnsupportedOperationError(
            f"Engine for {self.model_name!r} cannot generate separate stems",
            details={"model": self.model_name},
        )

    def check_duration(self, params: GenerationParams) -> None:
        """Raise InvalidParameterError when duration_s is above this engine's maximum."""
        limit = self.capabilities.max_duration_s
        if params.duration_s > limit:
            raise InvalidParameterError(
                f"duration {params.duration_s:g}s is above the maximum of {limit:g}s "
                f"for model {self.model_name!r}",
                details={"field": "duration", "value": params.duration_s, "max": limit},
            )

    def close(self) -> None:
        """Release what the engine holds (models, synthesizers). Safe to call twice.

        The default holds nothing, so there is nothing to release.
        """
        return None


def chunk_audio(audio: AudioOutput, chunk_s: float) -> Iterator[AudioChunk]:
    """Cut finished audio into consecutive chunks of about ``chunk_s`` seconds."""
    if not chunk_s > 0:
        raise InvalidParameterError(
            f"chunk_s must be > 0, got {chunk_s}", details={"field": "chunk_s"}
        )
    step = max(1, round(chunk_s * audio.sample_rate))
    total = audio.num_frames
    for start in range(0, total, step):
        end = min(start + step, total)
        yield AudioChunk(
            samples=audio.samples[:, start:end],
            sample_rate=audio.sample_rate,
            start_frame=start,
            final=end >= total,
        )


def _sub_progress(
    progress: ProgressCallback | None, index: int, total: int
) -> ProgressCallback | None:
    if progress is None:
        return None

    def report(fraction: float) -> None:
        progress((index + min(max(fraction, 0.0), 1.0)) / total)

    return report
