"""Live music: one endless stream that follows the listener.

A :class:`LiveSession` plays without end from a prompt and can be steered while it plays:
a new prompt (mood, style), an intensity from 0 (sparse, soft) to 1 (full band, loud), a
tempo or a key. Each change takes effect on the next beat, bar or phrase line with a
transition a musician would write (a drum fill or a rising run into the new section, the new
key's dominant before a key change, a tempo ramp). Iterate the session for float32
``(channels, frames)`` chunks; the audio is continuous across chunks and steers.

Only the composer plays live (:meth:`music_gen.MusicGenerator.live`); other engines raise
:class:`~music_gen.errors.UnsupportedOperationError`.

Example:
    >>> from music_gen import MusicGenerator
    >>> session = MusicGenerator().live("calm exploration music", intensity=0.3, seed=7)
    >>> first = next(session)                      # float32 (2, frames)
    >>> change = session.steer(prompt="tense battle music", intensity=0.9, at="bar")
    >>> change.effect_frame, change.plan["tempo_bpm"]
    >>> session.stop(ending=True)                  # a cadence, then the chunks run out
    >>> rest = list(session)
"""

from __future__ import annotations

import abc
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from music_gen.defaults import DEFAULT_TEMPERATURE, DEFAULT_TOP_P, MAX_PROMPT_CHARS
from music_gen.errors import InvalidParameterError, InvalidPromptError

#: Where a steer may take effect: the next beat, bar or phrase (four bars) line.
STEER_POINTS = ("beat", "bar", "phrase")
#: Tempo range a steer may ask for, in BPM.
MIN_TEMPO_BPM, MAX_TEMPO_BPM = 40.0, 240.0
#: Intensity a session starts at, in 0..1.
DEFAULT_INTENSITY = 0.5
#: top_k of a live session: 0, no cut.
DEFAULT_LIVE_TOP_K = 0
#: Seconds of audio per chunk a session yields.
DEFAULT_CHUNK_S = 0.25
#: Seconds of decay after the final chord of an ending.
DEFAULT_TAIL_S = 2.0


@dataclass(frozen=True)
class LiveOptions:
    """How a live session plays (validated on construction)."""

    # 0..1 at the start: density, dynamics, register, drums and extra layers follow it.
    intensity: float = DEFAULT_INTENSITY
    # Every musical choice is drawn from it; None draws one (see LiveSession.seed).
    seed: int | None = None
    # As in generate(): higher is more adventurous.
    temperature: float = DEFAULT_TEMPERATURE
    top_k: int = DEFAULT_LIVE_TOP_K
    top_p: float = DEFAULT_TOP_P
    # Length of each chunk the iterator yields, in seconds.
    chunk_s: float = DEFAULT_CHUNK_S
    # Seconds of decay (release and reverb) after the final chord of an ending.
    tail_s: float = DEFAULT_TAIL_S

    def __post_init__(self) -> None:
        check_intensity(self.intensity)
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0
        ):
            raise InvalidParameterError(
                f"seed must be a non-negative integer or None, got {self.seed!r}",
                details={"field": "seed"},
            )
        if not _number(self.temperature) or self.temperature <= 0:
            raise InvalidParameterError(
                f"temperature must be > 0, got {self.temperature!r}",
                details={"field": "temperature"},
            )
        if isinstance(self.top_k, bool) or not isinstance(self.top_k, int) or self.top_k < 0:
            raise InvalidParameterError(
                f"top_k must be an integer >= 0, got {self.top_k!r}", details={"field": "top_k"}
            )
        if not _number(self.top_p) or not 0 < self.top_p <= 1:
            raise InvalidParameterError(
                f"top_p must be in (0, 1], got {self.top_p!r}", details={"field": "top_p"}
            )
        if not _number(self.chunk_s) or not 0.01 <= self.chunk_s <= 10.0:
            raise InvalidParameterError(
                f"chunk_s must be a number of seconds in [0.01, 10], got {self.chunk_s!r}",
                details={"field": "chunk_s"},
            )
        if not _number(self.tail_s) or not 0.0 <= self.tail_s <= 10.0:
            raise InvalidParameterError(
                f"tail_s must be a number of seconds in [0, 10], got {self.tail_s!r}",
                details={"field": "tail_s"},
            )


@dataclass(frozen=True)
class SteerResult:
    """When a steer takes effect, and the plan that plays from then on."""

    # First frame of the new music (a beat, bar or phrase line), counted from the start.
    effect_frame: int
    # First frame the transition changes (a fill, a pivot chord, a tempo ramp); equal to
    # effect_frame when the change needs no lead-in.
    transition_frame: int
    # "beat", "bar" or "phrase", as asked.
    at: str
    # The plan from effect_frame on: genre, mood, tempo_bpm, key, meter, parts, chords...,
    # with "intensity" and "active_parts" (the parts the intensity lets play).
    plan: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-serialisable data."""
        return {
            "effect_frame": self.effect_frame,
            "transition_frame": self.transition_frame,
            "at": self.at,
            "plan": self.plan,
        }


class LiveSession(abc.ABC):
    """An endless, steerable stream of music; iterate it for float32 (channels, n) chunks.

    Iteration renders on demand, one chunk per ``next()``: the caller sets the pace (a game
    pulls when its audio buffer runs low), so steers land as soon as the audio not yet
    taken allows. The session is not thread-safe; call it from one thread (or lock).
    """

    #: Frames per second of the chunks.
    sample_rate: int
    #: Channels of the chunks.
    channels: int
    #: The seed every choice was drawn from.
    seed: int

    @property
    @abc.abstractmethod
    def position_frame(self) -> int:
        """Frames handed out so far (the start of the next chunk)."""

    @property
    @abc.abstractmethod
    def finished(self) -> bool:
        """True once the stream has ended (after stop())."""

    @property
    @abc.abstractmethod
    def plan(self) -> dict[str, Any]:
        """The plan playing at :attr:`position_frame` (as in SteerResult.plan)."""

    @abc.abstractmethod
    def planned_loudness_lufs(self, intensity: float) -> float:
        """Integrated loudness (LUFS) the music playing now is expected to have at
        ``intensity``, before any levelling: the engine's estimate from what it planned, so
        that a session can be levelled from its first chunk (:func:`music_gen.level.level_live`).

        Raises:
            InvalidParameterError: ``intensity`` is not in [0, 1].
        """

    @abc.abstractmethod
    def steer(
        self,
        prompt: str | None = None,
        *,
        intensity: float | None = None,
        tempo_bpm: float | None = None,
        key: str | None = None,
        at: str = "bar",
    ) -> SteerResult:
        """Change what plays, from the next ``at`` line the audio not yet handed out allows.

        Args:
            prompt: New words for the music (mood, genre, band); None keeps the current ones.
                A new prompt that names no key or tempo lets the composer choose them anew.
            intensity: 0..1; None keeps the current one.
            tempo_bpm: New tempo (40..240), reached by a ramp over the bar before the change.
            key: New key ("E minor", "F# major", "Bb", "D dorian"), prepared by its dominant.
            at: "beat", "bar" or "phrase".

        Raises:
            InvalidParameterError, InvalidPromptError: A bad value; nothing changes.
            InvalidParameterError: The session has been stopped.
        """

    @abc.abstractmethod
    def stop(self, ending: bool = True) -> int:
        """End the stream: with a cadence and a decaying final chord, or at once (a 30 ms fade).

        Returns:
            The frame at which the stream will end (the chunks run out there).
        """

    @abc.abstractmethod
    def __next__(self) -> np.ndarray:
        """The next chunk: float32 (channels, frames); StopIteration after the end."""

    def __iter__(self) -> Iterator[np.ndarray]:
        return self

    def read(self, seconds: float) -> np.ndarray:
        """Whole chunks until at least ``seconds`` more audio, concatenated (fewer at the end)."""
        wanted = self.position_frame + math.ceil(seconds * self.sample_rate)
        parts = []
        while self.position_frame < wanted and not self.finished:
            try:
                parts.append(next(self))
            except StopIteration:
                break
        if not parts:
            return np.zeros((self.channels, 0), np.float32)
        return np.concatenate(parts, axis=1)

    def close(self) -> None:  # noqa: B027 - an optional hook
        """Release what the session holds (its synthesizer). Safe to call twice."""

    def __enter__(self) -> LiveSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_intensity(value: Any, field_name: str = "intensity") -> float:
    """``value`` as a float in [0, 1], or InvalidParameterError saying so."""
    if not _number(value) or not 0.0 <= value <= 1.0:
        raise InvalidParameterError(
            f"{field_name} must be a number from 0 to 1, got {value!r}",
            details={"field": field_name, "value": repr(value), "min": 0.0, "max": 1.0},
        )
    return float(value)


def check_tempo(value: Any) -> float:
    """``value`` as a tempo in [MIN_TEMPO_BPM, MAX_TEMPO_BPM], or InvalidParameterError."""
    if not _number(value) or not MIN_TEMPO_BPM <= value <= MAX_TEMPO_BPM:
        raise InvalidParameterError(
            f"tempo_bpm must be a number from {MIN_TEMPO_BPM:g} to {MAX_TEMPO_BPM:g}, "
            f"got {value!r}",
            details={"field": "tempo_bpm", "min": MIN_TEMPO_BPM, "max": MAX_TEMPO_BPM},
        )
    return float(value)


def check_at(value: Any) -> str:
    """``value`` if it is one of STEER_POINTS, else InvalidParameterError listing them."""
    if value not in STEER_POINTS:
        raise InvalidParameterError(
            f"at must be one of {', '.join(STEER_POINTS)}, got {value!r}",
            details={"field": "at", "valid": list(STEER_POINTS)},
        )
    return str(value)


def check_prompt(value: Any) -> str:
    """A non-empty prompt of at most MAX_PROMPT_CHARS, stripped, or InvalidPromptError."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidPromptError("prompt must be a non-empty string", details={"field": "prompt"})
    if len(value) > MAX_PROMPT_CHARS:
        raise InvalidPromptError(
            f"prompt is {len(value)} characters; the maximum is {MAX_PROMPT_CHARS}",
            details={"field": "prompt", "max": MAX_PROMPT_CHARS},
        )
    return value.strip()


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
