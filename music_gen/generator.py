"""MusicGenerator: the facade users meet first."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, overload

from music_gen.audio import AudioOutput
from music_gen.engines.base import AudioChunk, Engine, ProgressCallback
from music_gen.engines.registry import DEFAULT_MODEL, load_engine, resolve
from music_gen.engines.spec import EngineOptions, ModelInfo
from music_gen.errors import (
    InvalidParameterError,
    InvalidPromptError,
    UnsupportedOperationError,
)
from music_gen.level import WINDOW_S, level_all, level_audio, level_live, level_stream
from music_gen.live import (
    DEFAULT_CHUNK_S,
    DEFAULT_INTENSITY,
    DEFAULT_LIVE_TOP_K,
    DEFAULT_TAIL_S,
    LiveOptions,
    LiveSession,
)
from music_gen.params import (
    DEFAULT_DURATION_S,
    DEFAULT_GUIDANCE_SCALE,
    DEFAULT_LOUDNESS_LUFS,
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_K,
    DEFAULT_TOP_P,
    GenerationParams,
    check_loudness_lufs,
)

_DEVICES = ("auto", "cpu", "cuda", "mps")


class _Unset:
    """Default of generate()'s generation arguments: "not given", so that a GenerationParams
    passed with any of them is refused (the values used are GenerationParams' defaults)."""

    def __repr__(self) -> str:
        return "<GenerationParams default>"


_UNSET: Any = _Unset()


class MusicGenerator:
    """Generate music from text with one model.

    Args:
        model: A registry name ("composer", "facebook/musicgen-small", ...) or, for MusicGen,
            a local checkpoint directory. See :func:`music_gen.list_models`.
        device: "auto", "cpu", "cuda" or "cuda:N".
        dtype: torch dtype (or its name) for neural models; None picks the engine default.
        cache_dir: Where model weights are cached.
        processes: Pieces rendered at once where the engine can (the composer renders in
            this many worker processes); 1 renders here, one at a time.

    The engine is loaded on first use, so building a generator is cheap; call
    :meth:`load` to pay the cost up front. A generator is safe to share between threads
    (generations run one at a time, or ``processes`` at a time where the engine can).

    Example:
        >>> generator = MusicGenerator()
        >>> audio = generator.generate("Calm piano melody", duration=30.0, seed=7)
        >>> audio.save("calm.wav")
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        device: str = "auto",
        dtype: Any = None,
        cache_dir: str | os.PathLike[str] | None = None,
        *,
        processes: int = 1,
    ) -> None:
        if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
            raise InvalidParameterError(
                f"processes must be an integer >= 1, got {processes!r}",
                details={"field": "processes", "value": str(processes)},
            )
        if not isinstance(device, str) or not (device in _DEVICES or device.startswith("cuda:")):
            raise InvalidParameterError(
                f"device must be one of {', '.join(_DEVICES)} or 'cuda:N', got {device!r}",
                details={"field": "device", "value": str(device)},
            )
        self._spec = resolve(model)
        self.model = self._spec.name
        self.options = EngineOptions(
            device=device,
            dtype=dtype,
            cache_dir=Path(cache_dir).expanduser() if cache_dir is not None else None,
            processes=processes,
        )
        self._engine: Engine | None = None
        self._lock = threading.RLock()
        self._slots: threading.BoundedSemaphore | None = None

    @property
    def info(self) -> ModelInfo:
        """The model's registry entry, with availability checked now."""
        return self._spec.info(self.options)

    @property
    def sample_rate(self) -> int:
        """Sample rate of the audio this generator returns."""
        return self._spec.sample_rate

    @property
    def loaded(self) -> bool:
        """Whether the engine is loaded (generation will not have to load it first)."""
        return self._engine is not None

    @property
    def engine(self) -> Engine:
        """The loaded engine (loaded now if it was not)."""
        return self.load()

    def load(self) -> Engine:
        """Load the engine now.

        Raises:
            ModelUnavailableError: The model cannot run here; the message says how to fix it.
        """
        with self._lock:
            if self._engine is None:
                self._engine = load_engine(self.model, self.options)
                self._slots = threading.BoundedSemaphore(max(1, self._engine.max_concurrency))
            return self._engine

    def _generation_lock(self, engine: Engine) -> AbstractContextManager[Any]:
        """What a generation holds: one of the engine's slots where it runs several at once,
        else the generator's lock (one at a time)."""
        if engine.max_concurrency > 1 and self._slots is not None:
            return self._slots
        return self._lock

    def close(self) -> None:
        """Release the engine; the next call loads it again."""
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None

    def __enter__(self) -> MusicGenerator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def make_params(
        self,
        prompt: str,
        duration: float = DEFAULT_DURATION_S,
        temperature: float = DEFAULT_TEMPERATURE,
        top_k: int = DEFAULT_TOP_K,
        top_p: float = DEFAULT_TOP_P,
        seed: int | None = None,
        *,
        guidance_scale: float = DEFAULT_GUIDANCE_SCALE,
        loudness_lufs: float | None = DEFAULT_LOUDNESS_LUFS,
        **extra: Any,
    ) -> GenerationParams:
        """Validate arguments into GenerationParams (raises for bad input, loads nothing)."""
        params = GenerationParams(
            prompt=prompt,
            duration_s=duration,
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
            seed=seed,
            guidance_scale=guidance_scale,
            extra=extra,
            loudness_lufs=loudness_lufs,
        )
        return self._check_duration(params)

    def _check_duration(self, params: GenerationParams) -> GenerationParams:
        """``params``, unless its duration is above the model's maximum."""
        if params.duration_s > self._spec.max_duration_s:
            raise InvalidParameterError(
                f"duration {params.duration_s:g}s is above the maximum of "
                f"{self._spec.max_duration_s:g}s for model {self.model!r}",
                details={
                    "field": "duration",
                    "value": params.duration_s,
                    "max": self._spec.max_duration_s,
                },
            )
        return params

    @overload
    def generate(
        self, prompt: GenerationParams, *, progress: ProgressCallback | None = None
    ) -> AudioOutput: ...

    @overload
    def generate(
        self,
        prompt: str,
        duration: float = DEFAULT_DURATION_S,
        temperature: float = DEFAULT_TEMPERATURE,
        top_k: int = DEFAULT_TOP_K,
        top_p: float = DEFAULT_TOP_P,
        seed: int | None = None,
        *,
        guidance_scale: float = DEFAULT_GUIDANCE_SCALE,
        loudness_lufs: float | None = DEFAULT_LOUDNESS_LUFS,
        progress: ProgressCallback | None = None,
        **extra: Any,
    ) -> AudioOutput: ...

    def generate(
        self,
        prompt: str | GenerationParams,
        duration: float = _UNSET,
        temperature: float = _UNSET,
        top_k: int = _UNSET,
        top_p: float = _UNSET,
        seed: int | None = _UNSET,
        *,
        guidance_scale: float = _UNSET,
        loudness_lufs: float | None = _UNSET,
        progress: ProgressCallback | None = None,
        **extra: Any,
    ) -> AudioOutput:
        """Generate one piece.

        Args:
            prompt: What to play, in words; or a whole :class:`~music_gen.GenerationParams`,
                in which case no other generation argument may be given (only ``progress``).
            duration: Length in seconds; the result has exactly round(duration * sample_rate)
                frames.
            temperature: 0.01 to 100; higher is more adventurous.
            top_k: Keep the k most likely options at each choice (0: no cut).
            top_p: Nucleus cut in (0, 1] (1.0: no cut).
            seed: Same seed and parameters give the same audio; None draws one.
            guidance_scale: Classifier-free guidance for neural models (1: none).
            loudness_lufs: Integrated loudness of the result (BS.1770, true peak at most
                -1 dBTP); None keeps the engine's own level. ``metadata["loudness_lufs"]``
                and ``metadata["true_peak_dbtp"]`` report what was measured.
            progress: Called with the fraction done.
            **extra: Engine-specific options (for MusicGen melody models, ``melody=``).

        Arguments left out take :class:`~music_gen.GenerationParams`' defaults.

        Raises:
            InvalidPromptError, InvalidParameterError: Bad input, or a GenerationParams
                together with other generation arguments (nothing is generated).
            ModelUnavailableError: The model cannot run here.
            GenerationError: The engine failed.
        """
        given: dict[str, Any] = {
            name: value
            for name, value in (
                ("duration", duration),
                ("temperature", temperature),
                ("top_k", top_k),
                ("top_p", top_p),
                ("seed", seed),
                ("guidance_scale", guidance_scale),
                ("loudness_lufs", loudness_lufs),
            )
            if value is not _UNSET
        }
        if isinstance(prompt, GenerationParams):
            mixed = [*given, *extra]
            if mixed:
                raise InvalidParameterError(
                    "generate() takes a GenerationParams or a prompt with keyword arguments, "
                    f"not both; got a GenerationParams and {', '.join(mixed)} (change fields "
                    "with params.with_(...))",
                    details={"field": mixed[0], "arguments": mixed},
                )
            params = self._check_duration(prompt)
        else:
            params = self.make_params(prompt, **given, **extra)
        engine = self.load()
        with self._generation_lock(engine):
            audio = engine.generate(params, progress=progress)
        return level_audio(audio, params.loudness_lufs)

    def generate_batch(
        self,
        prompts: Sequence[str],
        *,
        progress: ProgressCallback | None = None,
        **kwargs: Any,
    ) -> list[AudioOutput]:
        """Generate one piece per prompt with the same other arguments as generate().

        With a seed, prompt i uses seed + i so that equal prompts still differ.
        """
        if isinstance(prompts, str) or not isinstance(prompts, Sequence):
            raise InvalidPromptError(
                "prompts must be a list of strings", details={"field": "prompts"}
            )
        if not prompts:
            raise InvalidPromptError("prompts cannot be empty", details={"field": "prompts"})
        first = self.make_params(prompts[0], **kwargs)  # validates the shared arguments
        params_list = [
            self.make_params(
                prompt,
                **{
                    **kwargs,
                    "seed": None if first.seed is None else (first.seed + index) % 2**32,
                },
            )
            for index, prompt in enumerate(prompts)
        ]
        engine = self.load()
        with self._lock:
            results = engine.generate_batch(params_list, progress=progress)
        return level_all(results, [p.loudness_lufs for p in params_list])

    def generate_many(
        self,
        params_list: Sequence[GenerationParams],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[AudioOutput]:
        """Generate one piece per GenerationParams (from :meth:`make_params`), in one batch
        where the engine can (MusicGen), each with its own prompt, duration and seed."""
        engine = self.load()
        with self._lock:
            results = engine.generate_batch(params_list, progress=progress)
        return level_all(results, [p.loudness_lufs for p in params_list])

    def generate_continuation(
        self,
        audio: AudioOutput | tuple[Any, int],
        prompt: str,
        duration: float = DEFAULT_DURATION_S,
        temperature: float = DEFAULT_TEMPERATURE,
        top_k: int = DEFAULT_TOP_K,
        top_p: float = DEFAULT_TOP_P,
        seed: int | None = None,
        *,
        guidance_scale: float = DEFAULT_GUIDANCE_SCALE,
        loudness_lufs: float | None = DEFAULT_LOUDNESS_LUFS,
        progress: ProgressCallback | None = None,
        **extra: Any,
    ) -> AudioOutput:
        """Continue a piece of audio in the style the prompt describes (MusicGen models).

        ``temperature``, ``top_k``, ``top_p``, ``seed``, ``guidance_scale``, ``loudness_lufs``,
        ``progress`` and ``**extra`` are as for generate().

        Args:
            audio: The audio to continue: an AudioOutput or a (samples, sample_rate) pair.
            prompt: What the continuation should sound like, in words.
            duration: Length of the whole result in seconds, the audio prompt included.

        Returns:
            The audio prompt followed by the continuation.

        Raises:
            UnsupportedOperationError: The model cannot continue audio.
            InvalidParameterError: Bad audio, or a duration not longer than the audio.
        """
        params = self.make_params(
            prompt, duration, temperature, top_k, top_p, seed,
            guidance_scale=guidance_scale, loudness_lufs=loudness_lufs, **extra,
        )  # fmt: skip
        engine = self.load()
        continuation = getattr(engine, "generate_continuation", None)
        if continuation is None:
            raise UnsupportedOperationError(
                f"Model {self.model!r} cannot continue audio; use a MusicGen model",
                details={"model": self.model},
            )
        with self._lock:
            result: AudioOutput = continuation(audio, params, progress=progress)
        return level_audio(result, params.loudness_lufs)

    def stream(
        self,
        prompt: str,
        duration: float = DEFAULT_DURATION_S,
        *,
        chunk_s: float = 1.0,
        **kwargs: Any,
    ) -> Iterator[AudioChunk]:
        """Yield the piece as it is generated, in chunks of about ``chunk_s`` seconds.

        Takes the arguments of generate() (but ``progress``). At a loudness target (the
        default) the gain is fixed from the first few seconds, which are held back until
        measured (see :mod:`music_gen.level`); a piece that short equals generate() exactly.
        """
        params = self.make_params(prompt, duration, **kwargs)
        if params.seed is None:
            # One seed for the stream and the engine's look at the piece's dynamics.
            params = params.with_(seed=secrets.randbits(32))
        engine = self.load()
        with self._lock:
            offset = 0.0
            if params.loudness_lufs is not None:
                offset = engine.loudness_offset_db(params, WINDOW_S)
            chunks = engine.stream(params, chunk_s=chunk_s)
            yield from level_stream(chunks, params.loudness_lufs, offset_db=offset)

    def live(
        self,
        prompt: str,
        *,
        intensity: float = DEFAULT_INTENSITY,
        seed: int | None = None,
        temperature: float = DEFAULT_TEMPERATURE,
        top_k: int = DEFAULT_LIVE_TOP_K,
        top_p: float = DEFAULT_TOP_P,
        chunk_s: float = DEFAULT_CHUNK_S,
        tail_s: float = DEFAULT_TAIL_S,
        loudness_lufs: float | None = DEFAULT_LOUDNESS_LUFS,
    ) -> LiveSession:
        """An endless stream of music that follows steers (the composer only).

        Args:
            prompt: What to play, in words.
            intensity: 0..1 at the start (density, dynamics, register, drums, layers).
            seed: Same seed and same steers at the same positions give the same audio.
            temperature: As generate().
            top_k: As generate().
            top_p: As generate().
            chunk_s: Seconds of audio per chunk the session yields.
            tail_s: Seconds of decay after the final chord of an ending.
            loudness_lufs: Integrated loudness at intensity 0.5 (BS.1770; softer intensities
                play below it, fuller ones above), true peak at most -1 dBTP, from the first
                chunk on; None keeps the engine's level. See :func:`music_gen.level.level_live`.

        Returns:
            A :class:`~music_gen.live.LiveSession`: iterate it for float32 (2, n) chunks,
            ``steer()`` it, ``stop()`` it. It does not hold the generator's lock, so other
            generations can run while it plays.

        Raises:
            UnsupportedOperationError: The model cannot play live (only the composer can).
            InvalidPromptError, InvalidParameterError: A bad prompt or option.
        """
        options = LiveOptions(
            intensity=intensity,
            seed=seed,
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
            chunk_s=chunk_s,
            tail_s=tail_s,
        )
        target_lufs = check_loudness_lufs(loudness_lufs)
        engine = self.load()
        live = getattr(engine, "live", None)
        if live is None:
            raise UnsupportedOperationError(
                f"Model {self.model!r} cannot play live; use the composer (model='composer')",
                details={"model": self.model, "supported": ["composer"]},
            )
        session: LiveSession = live(prompt, options)
        return level_live(session, target_lufs)

    def __repr__(self) -> str:
        return f"MusicGenerator(model={self.model!r}, device={self.options.device!r})"
