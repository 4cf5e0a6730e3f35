"""Generation parameters and their validation.

:class:`GenerationParams` is what every engine receives. Building one validates it, so an
engine never sees a bad value and nothing is written for bad input.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from music_gen.errors import InvalidParameterError, InvalidPromptError

#: Longest accepted prompt, in characters.
MAX_PROMPT_CHARS = 2000
#: Largest accepted seed (seeds are unsigned 32-bit so every backend can honour them).
MAX_SEED = 2**32 - 1

DEFAULT_DURATION_S = 10.0
DEFAULT_TEMPERATURE = 1.0
DEFAULT_TOP_K = 250
DEFAULT_TOP_P = 1.0
DEFAULT_GUIDANCE_SCALE = 3.0
#: Integrated loudness (LUFS, ITU-R BS.1770) every piece leaves MusicGenerator at by default.
DEFAULT_LOUDNESS_LUFS = -14.0
#: Accepted loudness targets, in LUFS.
LOUDNESS_LUFS_RANGE = (-60.0, 0.0)


@dataclass(frozen=True)
class GenerationParams:
    """One generation request, validated on construction.

    Raises:
        InvalidPromptError: The prompt is not a non-empty string of at most MAX_PROMPT_CHARS.
        InvalidParameterError: Any number is of the wrong type, not finite or out of range.
    """

    # What to generate, in words ("calm piano melody in D minor, 80 bpm").
    prompt: str
    # Length of the result in seconds; engines deliver exactly round(duration_s * sample_rate)
    # frames. Upper bound is the engine's max_duration_s, checked by the engine.
    duration_s: float = DEFAULT_DURATION_S
    # Softmax temperature over every probabilistic choice; > 0. Higher is more adventurous.
    temperature: float = DEFAULT_TEMPERATURE
    # Keep only the k most likely options at each choice; 0 disables the cut.
    top_k: int = DEFAULT_TOP_K
    # Nucleus sampling: keep the smallest set of options whose probability reaches top_p;
    # in (0, 1], 1.0 disables the cut.
    top_p: float = DEFAULT_TOP_P
    # Seed for every random choice; None draws a fresh one (reported in the output metadata).
    seed: int | None = None
    # Classifier-free guidance strength for neural engines (ignored by the composer); >= 1.
    guidance_scale: float = DEFAULT_GUIDANCE_SCALE
    # Engine-specific extra options, passed through untouched (validated by the engine).
    extra: dict[str, Any] = field(default_factory=dict)
    # Integrated loudness the result is brought to (LUFS, BS.1770, true peak <= -1 dBTP) by
    # MusicGenerator; None leaves the engine's level untouched. Engines ignore it.
    loudness_lufs: float | None = DEFAULT_LOUDNESS_LUFS

    def __post_init__(self) -> None:
        _check_prompt(self.prompt)
        object.__setattr__(self, "duration_s", _finite("duration", self.duration_s))
        if self.duration_s <= 0:
            raise InvalidParameterError(
                f"duration must be > 0 seconds, got {self.duration_s}",
                details={"field": "duration", "value": self.duration_s},
            )
        object.__setattr__(self, "temperature", _finite("temperature", self.temperature))
        if self.temperature <= 0:
            raise InvalidParameterError(
                f"temperature must be > 0, got {self.temperature}",
                details={"field": "temperature", "value": self.temperature},
            )
        object.__setattr__(self, "top_k", _integer("top_k", self.top_k))
        if self.top_k < 0:
            raise InvalidParameterError(
                f"top_k must be >= 0 (0 disables it), got {self.top_k}",
                details={"field": "top_k", "value": self.top_k},
            )
        object.__setattr__(self, "top_p", _finite("top_p", self.top_p))
        if not 0.0 < self.top_p <= 1.0:
            raise InvalidParameterError(
                f"top_p must be in (0, 1], got {self.top_p}",
                details={"field": "top_p", "value": self.top_p},
            )
        if self.seed is not None:
            seed = _integer("seed", self.seed)
            if not 0 <= seed <= MAX_SEED:
                raise InvalidParameterError(
                    f"seed must be in [0, {MAX_SEED}], got {seed}",
                    details={"field": "seed", "value": seed},
                )
            object.__setattr__(self, "seed", seed)
        object.__setattr__(self, "guidance_scale", _finite("guidance_scale", self.guidance_scale))
        if self.guidance_scale < 1.0:
            raise InvalidParameterError(
                f"guidance_scale must be >= 1, got {self.guidance_scale}",
                details={"field": "guidance_scale", "value": self.guidance_scale},
            )
        if self.loudness_lufs is not None:
            loudness = _finite("loudness_lufs", self.loudness_lufs)
            low, high = LOUDNESS_LUFS_RANGE
            if not low <= loudness <= high:
                raise InvalidParameterError(
                    f"loudness_lufs must be in [{low:g}, {high:g}] LUFS or None (keep the "
                    f"engine's level), got {loudness:g}",
                    details={"field": "loudness_lufs", "value": loudness},
                )
            object.__setattr__(self, "loudness_lufs", loudness)
        if not isinstance(self.extra, dict):
            raise InvalidParameterError(
                "extra must be a dict",
                details={"field": "extra", "type": type(self.extra).__name__},
            )

    def with_(self, **changes: Any) -> GenerationParams:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The parameters as a JSON-serialisable dict (for metadata)."""
        return asdict(self)


def _check_prompt(prompt: object) -> None:
    if not isinstance(prompt, str):
        raise InvalidPromptError(
            f"prompt must be a string, got {type(prompt).__name__}",
            details={"field": "prompt", "type": type(prompt).__name__},
        )
    if not prompt.strip():
        raise InvalidPromptError("Prompt cannot be empty", details={"field": "prompt"})
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidPromptError(
            f"prompt is {len(prompt)} characters; the maximum is {MAX_PROMPT_CHARS}",
            details={"field": "prompt", "length": len(prompt), "max_length": MAX_PROMPT_CHARS},
        )


def _finite(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidParameterError(
            f"{name} must be a number, got {type(value).__name__}",
            details={"field": name, "type": type(value).__name__},
        )
    number = float(value)
    if not math.isfinite(number):
        raise InvalidParameterError(
            f"{name} must be a finite number, got {value}", details={"field": name}
        )
    return number


def _integer(name: str, value: object) -> int:
    if isinstance(value, bool):
        raise InvalidParameterError(
            f"{name} must be an integer, got bool", details={"field": name, "type": "bool"}
        )
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise InvalidParameterError(
        f"{name} must be an integer, got {value!r}",
        details={"field": name, "type": type(value).__name__},
    )
