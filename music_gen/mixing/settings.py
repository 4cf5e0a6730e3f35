"""MixSettings: how to mix and master a set of named tracks, validated on construction."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from music_gen.errors import InvalidParameterError
from music_gen.mixing.effects import Effect, number, parse_chain
from music_gen.mixing.mastering import check_target
from music_gen.mixing.presets import Preset, get_preset
from music_gen.mixing.roles import role_for

#: Keys a mix_settings dict accepts.
SETTINGS_KEYS: tuple[str, ...] = (
    "preset",
    "levels",
    "panning",
    "effects",
    "target_lufs",
    "headroom_db",
)
#: Accepted fader levels in dB.
LEVEL_DB_RANGE = (-120.0, 24.0)
#: Pan positions: -1 is hard left, 0 centre, 1 hard right.
PAN_RANGE = (-1.0, 1.0)
#: Mastering target without a preset (streaming loudness).
DEFAULT_TARGET_LUFS = -14.0
DEFAULT_HEADROOM_DB = 1.0


@dataclass(frozen=True)
class TrackMix:
    """The resolved settings of one track."""

    name: str
    role: str
    level_db: float
    pan: float
    effects: tuple[Effect, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (for metadata)."""
        return {
            "role": self.role,
            "level_db": self.level_db,
            "pan": self.pan,
            "effects": [effect.to_dict() for effect in self.effects],
        }


@dataclass(frozen=True)
class MixSettings:
    """How to mix and master named tracks. Explicit values override the preset's.

    Raises:
        InvalidParameterError: Unknown preset, a level, pan or mastering value that is not a
            finite number in range, or an invalid effect.

    Example:
        >>> settings = MixSettings(preset="jazz_club", levels={"piano": -3.0})
        >>> settings.track("piano").level_db
        -3.0
    """

    # A preset name (see list_presets()), or None for a flat mix (0 dB, centre, no effects).
    preset: str | None = None
    # Track name -> fader level in dB, in [-120, 24]; others get their role's preset level.
    levels: Mapping[str, float] = field(default_factory=dict)
    # Track name -> pan in [-1, 1] (constant-power law); others get their role's preset pan.
    panning: Mapping[str, float] = field(default_factory=dict)
    # Track name -> effect chain (list of effect dicts); replaces the preset's chain for it.
    effects: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    # Mastering loudness target in LUFS; None takes the preset's, else -14.
    target_lufs: float | None = None
    # Mastering true-peak headroom in dB (ceiling -headroom_db dBTP); None: preset's, else 1.
    headroom_db: float | None = None

    def __post_init__(self) -> None:
        if self.preset is not None:
            get_preset(self.preset)
        set_ = object.__setattr__
        set_(
            self,
            "levels",
            {
                name: number(f"levels[{name!r}]", value, *LEVEL_DB_RANGE)
                for name, value in _named("levels", self.levels).items()
            },
        )
        set_(
            self,
            "panning",
            {
                name: number(f"panning[{name!r}]", value, *PAN_RANGE)
                for name, value in _named("panning", self.panning).items()
            },
        )
        set_(
            self,
            "effects",
            {
                name: parse_chain(chain, f"effects[{name!r}]")
                for name, chain in _named("effects", self.effects).items()
            },
        )
        if self.target_lufs is not None or self.headroom_db is not None:
            target, headroom = check_target(
                DEFAULT_TARGET_LUFS if self.target_lufs is None else self.target_lufs,
                DEFAULT_HEADROOM_DB if self.headroom_db is None else self.headroom_db,
            )
            if self.target_lufs is not None:
                set_(self, "target_lufs", target)
            if self.headroom_db is not None:
                set_(self, "headroom_db", headroom)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | MixSettings | None) -> MixSettings:
        """Build settings from a ``mix_settings`` dict (or pass settings through).

        Raises:
            InvalidParameterError: Not a dict, an unknown key (the message lists the valid
                ones), or an invalid value.
        """
        if data is None:
            return cls()
        if isinstance(data, MixSettings):
            return data
        if not isinstance(data, Mapping):
            raise InvalidParameterError(
                f"mix_settings must be a dict, got {type(data).__name__}; "
                f"valid keys: {', '.join(SETTINGS_KEYS)}",
                details={"field": "mix_settings", "valid": list(SETTINGS_KEYS)},
            )
        unknown = sorted(str(key) for key in data if key not in SETTINGS_KEYS)
        if unknown:
            raise InvalidParameterError(
                f"Unknown mix_settings key(s): {', '.join(unknown)}; "
                f"valid keys: {', '.join(SETTINGS_KEYS)}",
                details={"field": "mix_settings", "unknown": unknown, "valid": list(SETTINGS_KEYS)},
            )
        return cls(**dict(data))

    @property
    def preset_obj(self) -> Preset | None:
        """The preset, if one is named."""
        return get_preset(self.preset) if self.preset is not None else None

    @property
    def bus_effects(self) -> tuple[Effect, ...]:
        """Effects on the summed mix (the preset's)."""
        preset = self.preset_obj
        return preset.bus_effects if preset is not None else ()

    @property
    def mastering(self) -> tuple[float, float]:
        """(target_lufs, headroom_db): explicit values, else the preset's, else -14 / 1."""
        preset = self.preset_obj
        target = self.target_lufs
        if target is None:
            target = preset.target_lufs if preset is not None else DEFAULT_TARGET_LUFS
        headroom = self.headroom_db
        if headroom is None:
            headroom = preset.headroom_db if preset is not None else DEFAULT_HEADROOM_DB
        return target, headroom

    def check_tracks(self, names: Collection[str]) -> None:
        """Raise when levels, panning or effects name a track that is not in ``names``.

        Raises:
            InvalidParameterError: The message lists the unknown and the available names.
        """
        for field_name in ("levels", "panning", "effects"):
            mapping: Mapping[str, Any] = getattr(self, field_name)
            unknown = sorted(name for name in mapping if name not in names)
            if unknown:
                raise InvalidParameterError(
                    f"{field_name} names unknown track(s) {', '.join(map(repr, unknown))}; "
                    f"tracks: {', '.join(map(repr, names))}",
                    details={"field": field_name, "unknown": unknown, "tracks": list(names)},
                )

    def track(self, name: str) -> TrackMix:
        """The resolved level, pan and effects of one track."""
        preset = self.preset_obj
        role = role_for(name)
        base = preset.role(role) if preset is not None else None
        return TrackMix(
            name=name,
            role=role,
            level_db=self.levels.get(name, base.level_db if base else 0.0),
            pan=self.panning.get(name, base.pan if base else 0.0),
            effects=tuple(self.effects.get(name, base.effects if base else ())),
        )

    def to_dict(self) -> dict[str, Any]:
        """The settings as given (effects with defaults filled in), JSON-serialisable."""
        return {
            "preset": self.preset,
            "levels": dict(self.levels),
            "panning": dict(self.panning),
            "effects": {name: [e.to_dict() for e in chain] for name, chain in self.effects.items()},
            "target_lufs": self.target_lufs,
            "headroom_db": self.headroom_db,
        }


def _named(field_name: str, mapping: object) -> dict[str, Any]:
    if mapping is None:
        return {}
    if not isinstance(mapping, Mapping):
        raise InvalidParameterError(
            f"{field_name} must be a dict of track name -> value, got {type(mapping).__name__}",
            details={"field": field_name},
        )
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            raise InvalidParameterError(
                f"{field_name} keys must be track names, got {key!r}",
                details={"field": field_name},
            )
        out[str(key)] = value
    return out
