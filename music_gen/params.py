"""Generation parameters and their validation.

:class:`GenerationParams` is what every engine receives. Building one validates it, so an
engine never sees a bad value and nothing is written for bad input.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from music_gen.defaults import DEFAULT_TEMPERATURE, DEFAULT_TOP_P, MAX_PROMPT_CHARS
from music_gen.errors import InvalidParameterError, InvalidPromptError

#: Largest accepted seed (seeds are unsigned 32-bit so every backend can honour them).
MAX_SEED = 2**32 - 1

# Characters a prompt may not hold: C0 and C1 control characters other than tab, line feed
# and carriage return (NUL, escape sequences, DEL...).
_CONTROL = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f"
# Characters that show nothing: spaces, and format characters (zero-width spaces and joiners,
# direction marks, the byte order mark, variation selectors, Hangul fillers...).
_BLANK = (
    "\\t\\n\\r \\u00a0\\u00ad\\u034f\\u061c\\u115f\\u1160\\u1680\\u17b4\\u17b5"
    "\\u180b-\\u180f\\u2000-\\u200f\\u2028-\\u202f\\u205f-\\u206f\\u3000\\u3164"
    "\\ufe00-\\ufe0f\\ufeff\\uffa0\\ufff0-\\ufff8"
)
#: What a prompt must match (ECMAScript and Python syntax; the REST API's schema shows it):
#: no control characters, and at least one character that shows.
PROMPT_PATTERN = f"^[^{_CONTROL}]*[^{_CONTROL}{_BLANK}][^{_CONTROL}]*$"
_CONTROL_CHAR = re.compile(f"[{_CONTROL}\\ud800-\\udfff]")
_VISIBLE_CHAR = re.compile(f"[^{_CONTROL}{_BLANK}\\ud800-\\udfff]")

#: Longest part (instrument) name of a multi-instrument piece, in characters.
MAX_PART_NAME_CHARS = 64
#: What a part name must match in full: letters, digits, spaces, "_", "." and "-", starting
#: with a letter or a digit ("mix" is taken by the mix itself).
PART_NAME_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9 _.\-]{{0,{MAX_PART_NAME_CHARS - 1}}}$"

DEFAULT_DURATION_S = 10.0
#: Accepted temperatures. Below the minimum, logits divided by the temperature overflow to
#: infinity and sampling breaks; above the maximum every choice is already about as likely
#: as any other (and float32 engines cannot hold the number).
MIN_TEMPERATURE = 0.01
MAX_TEMPERATURE = 100.0
DEFAULT_TOP_K = 250
DEFAULT_GUIDANCE_SCALE = 3.0
#: Smallest accepted classifier-free guidance scale: 1 is no guidance (MusicGen applies it only
#: above 1, so a smaller value would silently mean the same).
MIN_GUIDANCE_SCALE = 1.0
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
    # Softmax temperature over every probabilistic choice, in [MIN_TEMPERATURE,
    # MAX_TEMPERATURE]. Higher is more adventurous.
    temperature: float = DEFAULT_TEMPERATURE
    # Keep only the k most likely options at each choice; 0 disables the cut.
    top_k: int = DEFAULT_TOP_K
    # Nucleus sampling: keep the smallest set of options whose probability reaches top_p;
    # in (0, 1], 1.0 disables the cut.
    top_p: float = DEFAULT_TOP_P
    # Seed for every random choice; None draws a fresh one (reported in the output metadata).
    seed: int | None = None
    # Classifier-free guidance strength for neural engines (ignored by the composer);
    # >= MIN_GUIDANCE_SCALE, which turns guidance off.
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
        if not MIN_TEMPERATURE <= self.temperature <= MAX_TEMPERATURE:
            raise InvalidParameterError(
                f"temperature must be in [{MIN_TEMPERATURE:g}, {MAX_TEMPERATURE:g}], "
                f"got {self.temperature}",
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
        if self.guidance_scale < MIN_GUIDANCE_SCALE:
            raise InvalidParameterError(
                f"guidance_scale must be >= {MIN_GUIDANCE_SCALE:g} ({MIN_GUIDANCE_SCALE:g}: no "
                f"guidance), got {self.guidance_scale}",
                details={"field": "guidance_scale", "value": self.guidance_scale},
            )
        object.__setattr__(self, "loudness_lufs", check_loudness_lufs(self.loudness_lufs))
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


def check_prompt(prompt: object) -> None:
    """Raise InvalidPromptError unless ``prompt`` is an acceptable prompt (see PROMPT_PATTERN)."""
    _check_prompt(prompt)


def is_part_name(name: object) -> bool:
    """Whether ``name`` matches PART_NAME_PATTERN in full (a trailing newline does not)."""
    return isinstance(name, str) and re.fullmatch(PART_NAME_PATTERN[1:-1], name) is not None


def _check_prompt(prompt: object) -> None:
    if not isinstance(prompt, str):
        raise InvalidPromptError(
            f"prompt must be a string, got {type(prompt).__name__}",
            details={"field": "prompt", "type": type(prompt).__name__},
        )
    bad = _CONTROL_CHAR.search(prompt)
    if bad is not None:
        raise InvalidPromptError(
            f"prompt holds the control character U+{ord(bad.group()):04X} at position "
            f"{bad.start()}; use plain text (tabs and line breaks are fine)",
            details={"field": "prompt", "position": bad.start()},
        )
    if _VISIBLE_CHAR.search(prompt) is None:
        raise InvalidPromptError(
            "Prompt cannot be empty (it has no visible characters)", details={"field": "prompt"}
        )
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidPromptError(
            f"prompt is {len(prompt)} characters; the maximum is {MAX_PROMPT_CHARS}",
            details={"field": "prompt", "length": len(prompt), "max_length": MAX_PROMPT_CHARS},
        )


def check_loudness_lufs(value: object) -> float | None:
    """A loudness target in LOUDNESS_LUFS_RANGE as a float, or None (keep the engine's level).

    Raises:
        InvalidParameterError: Not a finite number or out of range.
    """
    if value is None:
        return None
    loudness = _finite("loudness_lufs", value)
    low, high = LOUDNESS_LUFS_RANGE
    if not low <= loudness <= high:
        raise InvalidParameterError(
            f"loudness_lufs must be in [{low:g}, {high:g}] LUFS or None (keep the "
            f"engine's level), got {loudness:g}",
            details={"field": "loudness_lufs", "value": loudness},
        )
    return loudness


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
