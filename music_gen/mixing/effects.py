"""Effect specs: one declarative entry per effect type, run through pedalboard.

An effect is written as a dict, ``{"type": "reverb", "room_size": 0.4}``. Parameter names carry
their unit (``delay_s``, ``threshold_db``, ``cutoff_hz``); each maps onto one keyword of a
pedalboard plugin and has a closed range. :func:`parse_chain` validates a list of such dicts
into :class:`Effect` values; :func:`process` runs a chain over samples.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pedalboard

from music_gen.errors import InvalidParameterError


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of an effect type."""

    # Name users write, with its unit ("room_size", "delay_s", "cutoff_hz").
    name: str
    # Keyword of the pedalboard plugin it sets.
    plugin_arg: str
    # Inclusive range of accepted values.
    low: float
    high: float
    # Value used when the parameter is left out.
    default: float
    # What it does, for docs and error messages.
    description: str
    # A frequency that must stay below the Nyquist frequency of the audio it runs on.
    below_nyquist: bool = False


@dataclass(frozen=True)
class EffectSpec:
    """One effect type: which pedalboard plugin runs it and what it accepts."""

    # The "type" users write.
    name: str
    # Builds the plugin from keyword arguments.
    plugin: Callable[..., pedalboard.Plugin]
    params: tuple[ParamSpec, ...]
    description: str

    def param(self, name: str) -> ParamSpec | None:
        """The parameter of that name, or None."""
        for spec in self.params:
            if spec.name == name:
                return spec
        return None


def _p(
    name: str,
    plugin_arg: str,
    low: float,
    high: float,
    default: float,
    description: str,
    *,
    below_nyquist: bool = False,
) -> ParamSpec:
    return ParamSpec(name, plugin_arg, low, high, default, description, below_nyquist)


def _freq(default: float, description: str = "Corner frequency in Hz") -> ParamSpec:
    return _p(
        "cutoff_hz", "cutoff_frequency_hz", 10.0, 24000.0, default, description, below_nyquist=True
    )


def _eq_gain() -> ParamSpec:
    return _p("gain_db", "gain_db", -24.0, 24.0, 0.0, "Boost (+) or cut (-) in dB")


def _q(default: float = 0.7071) -> ParamSpec:
    return _p("q", "q", 0.1, 12.0, default, "Filter Q (higher is narrower)")


_SPECS: tuple[EffectSpec, ...] = (
    EffectSpec(
        "reverb",
        pedalboard.Reverb,
        (
            _p("room_size", "room_size", 0.0, 1.0, 0.5, "Size of the simulated room"),
            _p("damping", "damping", 0.0, 1.0, 0.5, "High-frequency absorption"),
            _p("wet_level", "wet_level", 0.0, 1.0, 0.33, "Level of the reverberated signal"),
            _p("dry_level", "dry_level", 0.0, 1.0, 0.4, "Level of the direct signal"),
            _p("width", "width", 0.0, 1.0, 1.0, "Stereo width of the reverb"),
        ),
        "Freeverb-style room reverb",
    ),
    EffectSpec(
        "delay",
        pedalboard.Delay,
        (
            _p("delay_s", "delay_seconds", 0.0, 10.0, 0.5, "Echo time in seconds"),
            _p("feedback", "feedback", 0.0, 0.95, 0.0, "Share of each echo fed back"),
            _p("mix", "mix", 0.0, 1.0, 0.5, "Wet share (0 dry, 1 wet)"),
        ),
        "Digital echo",
    ),
    EffectSpec(
        "chorus",
        pedalboard.Chorus,
        (
            _p("rate_hz", "rate_hz", 0.0, 20.0, 1.0, "Modulation rate in Hz"),
            _p("depth", "depth", 0.0, 1.0, 0.25, "Modulation depth"),
            _p("centre_delay_ms", "centre_delay_ms", 1.0, 100.0, 7.0, "Centre delay in ms"),
            _p("feedback", "feedback", -0.95, 0.95, 0.0, "Feedback"),
            _p("mix", "mix", 0.0, 1.0, 0.5, "Wet share (0 dry, 1 wet)"),
        ),
        "Chorus / flanger",
    ),
    EffectSpec(
        "phaser",
        pedalboard.Phaser,
        (
            _p("rate_hz", "rate_hz", 0.0, 20.0, 1.0, "Modulation rate in Hz"),
            _p("depth", "depth", 0.0, 1.0, 0.5, "Modulation depth"),
            _p(
                "centre_frequency_hz",
                "centre_frequency_hz",
                20.0,
                20000.0,
                1300.0,
                "Centre frequency in Hz",
                below_nyquist=True,
            ),
            _p("feedback", "feedback", -0.95, 0.95, 0.0, "Feedback"),
            _p("mix", "mix", 0.0, 1.0, 0.5, "Wet share (0 dry, 1 wet)"),
        ),
        "Phaser",
    ),
    EffectSpec(
        "compressor",
        pedalboard.Compressor,
        (
            _p("threshold_db", "threshold_db", -60.0, 0.0, -18.0, "Level where compression starts"),
            _p("ratio", "ratio", 1.0, 30.0, 3.0, "Compression ratio (n:1)"),
            _p("attack_ms", "attack_ms", 0.1, 500.0, 10.0, "Attack time in ms"),
            _p("release_ms", "release_ms", 1.0, 5000.0, 100.0, "Release time in ms"),
        ),
        "Dynamic range compressor",
    ),
    EffectSpec(
        "limiter",
        pedalboard.Limiter,
        (
            _p(
                "threshold_db",
                "threshold_db",
                -30.0,
                0.0,
                -1.0,
                "Drive point in dB; JUCE adds (3.75 - threshold_db) dB of make-up gain",
            ),
            _p("release_ms", "release_ms", 1.0, 5000.0, 100.0, "Release time in ms"),
        ),
        "JUCE two-stage limiter with make-up gain and a hard clip at 0 dBFS",
    ),
    EffectSpec(
        "gain",
        pedalboard.Gain,
        (_p("gain_db", "gain_db", -60.0, 24.0, 0.0, "Gain in dB"),),
        "Static gain",
    ),
    EffectSpec(
        "highpass", pedalboard.HighpassFilter, (_freq(80.0),), "First-order (6 dB/oct) high-pass"
    ),
    EffectSpec(
        "lowpass", pedalboard.LowpassFilter, (_freq(8000.0),), "First-order (6 dB/oct) low-pass"
    ),
    EffectSpec(
        "low_shelf", pedalboard.LowShelfFilter, (_freq(200.0), _eq_gain(), _q()), "Low shelf EQ"
    ),
    EffectSpec(
        "high_shelf", pedalboard.HighShelfFilter, (_freq(6000.0), _eq_gain(), _q()), "High shelf EQ"
    ),
    EffectSpec(
        "peak_eq", pedalboard.PeakFilter, (_freq(1000.0), _eq_gain(), _q(1.0)), "Peaking (bell) EQ"
    ),
    EffectSpec(
        "distortion",
        pedalboard.Distortion,
        (_p("drive_db", "drive_db", 0.0, 60.0, 15.0, "Drive into the tanh shaper in dB"),),
        "tanh distortion",
    ),
    EffectSpec(
        "noise_gate",
        pedalboard.NoiseGate,
        (
            _p("threshold_db", "threshold_db", -100.0, 0.0, -60.0, "Level below which it closes"),
            _p("ratio", "ratio", 1.0, 100.0, 10.0, "Expansion ratio"),
            _p("attack_ms", "attack_ms", 0.1, 500.0, 1.0, "Attack time in ms"),
            _p("release_ms", "release_ms", 1.0, 5000.0, 100.0, "Release time in ms"),
        ),
        "Downward expander / noise gate",
    ),
)

#: Every effect type by name.
EFFECTS: dict[str, EffectSpec] = {spec.name: spec for spec in _SPECS}


@dataclass(frozen=True)
class Effect:
    """One validated effect: its type and every parameter (defaults filled in)."""

    type: str
    # (name, value) pairs in the spec's order.
    params: tuple[tuple[str, float], ...]

    @property
    def spec(self) -> EffectSpec:
        """The spec of this effect's type."""
        return EFFECTS[self.type]

    def to_dict(self) -> dict[str, Any]:
        """``{"type": ..., <param>: value, ...}``, the form it is written in."""
        return {"type": self.type, **dict(self.params)}

    def plugin(self, sample_rate: int) -> pedalboard.Plugin:
        """The pedalboard plugin for audio at ``sample_rate``.

        Raises:
            InvalidParameterError: A frequency is at or above the Nyquist frequency.
        """
        specs = {param.name: param for param in self.spec.params}
        kwargs: dict[str, float] = {}
        for name, value in self.params:
            param = specs[name]
            if param.below_nyquist and value >= sample_rate / 2:
                raise InvalidParameterError(
                    f"{self.type}.{name} = {value:g} Hz must be below the Nyquist frequency "
                    f"({sample_rate / 2:g} Hz at {sample_rate} Hz)",
                    details={
                        "effect": self.type,
                        "param": name,
                        "value": value,
                        "max": sample_rate / 2,
                    },
                )
            kwargs[param.plugin_arg] = value
        return self.spec.plugin(**kwargs)


def number(field: str, value: object, low: float | None = None, high: float | None = None) -> float:
    """Check that ``value`` is a finite real number in [low, high] and return it as a float.

    Raises:
        InvalidParameterError: Wrong type, NaN/inf, or out of range (the message gives the range).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidParameterError(
            f"{field} must be a number, got {type(value).__name__}",
            details={"field": field, "type": type(value).__name__},
        )
    result = float(value)
    if not math.isfinite(result):
        raise InvalidParameterError(
            f"{field} must be a finite number, got {result}", details={"field": field}
        )
    if (low is not None and result < low) or (high is not None and result > high):
        raise InvalidParameterError(
            f"{field} = {result:g} is out of range; valid range is [{low:g}, {high:g}]",
            details={"field": field, "value": result, "min": low, "max": high},
        )
    return result


def parse_effect(effect: object, where: str = "effect") -> Effect:
    """Validate one effect dict (or pass an :class:`Effect` through).

    Raises:
        InvalidParameterError: Not a dict, unknown type, unknown parameter, or a value that is
            not a finite number in range; the message lists what is valid.
    """
    if isinstance(effect, Effect):
        return effect
    if not isinstance(effect, Mapping):
        raise InvalidParameterError(
            f"{where} must be a dict with a 'type' key, got {type(effect).__name__}",
            details={"field": where, "effect_types": list(EFFECTS)},
        )
    kind = effect.get("type")
    if not isinstance(kind, str) or kind not in EFFECTS:
        raise InvalidParameterError(
            f"{where}: unknown effect type {kind!r}; valid types: {', '.join(EFFECTS)}",
            details={"field": f"{where}.type", "value": str(kind), "valid": list(EFFECTS)},
        )
    spec = EFFECTS[kind]
    valid = [param.name for param in spec.params]
    unknown = sorted(str(key) for key in effect if key != "type" and key not in valid)
    if unknown:
        raise InvalidParameterError(
            f"{where}: unknown parameter(s) {', '.join(unknown)} for effect {kind!r}; "
            f"valid parameters: {', '.join(valid)}",
            details={"field": where, "effect": kind, "unknown": unknown, "valid": valid},
        )
    params = tuple(
        (
            param.name,
            number(f"{where}.{param.name}", effect[param.name], param.low, param.high)
            if param.name in effect
            else param.default,
        )
        for param in spec.params
    )
    return Effect(kind, params)


def parse_chain(chain: object, where: str = "effects") -> tuple[Effect, ...]:
    """Validate a list of effect dicts into a chain (applied in list order).

    Raises:
        InvalidParameterError: Not a list, or any effect in it is invalid.
    """
    if chain is None:
        return ()
    if isinstance(chain, (str, bytes, Mapping)) or not isinstance(chain, Sequence):
        raise InvalidParameterError(
            f"{where} must be a list of effect dicts, got {type(chain).__name__}",
            details={"field": where, "effect_types": list(EFFECTS)},
        )
    return tuple(parse_effect(item, f"{where}[{index}]") for index, item in enumerate(chain))


def process(samples: np.ndarray, sample_rate: int, chain: Sequence[Effect]) -> np.ndarray:
    """Run a chain over float32 (channels, frames) samples; same shape out.

    Raises:
        InvalidParameterError: A frequency parameter is above this audio's Nyquist frequency.
    """
    if not chain or samples.shape[-1] == 0:
        return samples
    board = pedalboard.Pedalboard([effect.plugin(sample_rate) for effect in chain])
    out = board(np.ascontiguousarray(samples, dtype=np.float32), float(sample_rate))
    return np.asarray(out, dtype=np.float32)
