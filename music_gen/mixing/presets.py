"""Mix presets: per role (drums, bass, keys, ...; :mod:`music_gen.mixing.roles`), a level, a
pan position and an effect chain, plus effects on the summed bus and a mastering target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from music_gen.errors import InvalidParameterError
from music_gen.mixing.effects import Effect, parse_chain
from music_gen.mixing.roles import DEFAULT_ROLE, ROLES


@dataclass(frozen=True)
class RoleMix:
    """How a preset treats one role."""

    # Fader level in dB.
    level_db: float = 0.0
    # Pan position, -1 (left) .. 1 (right).
    pan: float = 0.0
    # Insert effects, in order.
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True)
class Preset:
    """A named mix: per-role settings, bus effects and a mastering target."""

    name: str
    description: str
    roles: Mapping[str, RoleMix]
    target_lufs: float = -14.0
    headroom_db: float = 1.0
    # Effects on the summed mix, before mastering.
    bus_effects: tuple[Effect, ...] = ()
    # Facts for docs and list_presets().
    extra: dict[str, Any] = field(default_factory=dict)

    def role(self, role: str) -> RoleMix:
        """Settings for a role (the preset's "other" settings when it does not name it)."""
        return self.roles.get(role) or self.roles.get(DEFAULT_ROLE) or RoleMix()


def _role(level_db: float = 0.0, pan: float = 0.0, *effects: dict[str, Any]) -> RoleMix:
    return RoleMix(level_db, pan, parse_chain(list(effects), "preset effects"))


def _fx(kind: str, **params: float) -> dict[str, Any]:
    return {"type": kind, **params}


def _preset(
    name: str,
    description: str,
    roles: dict[str, RoleMix],
    *,
    target_lufs: float,
    headroom_db: float = 1.0,
    bus: tuple[dict[str, Any], ...] = (),
) -> Preset:
    unknown = set(roles) - set(ROLES)
    if unknown:  # a typo in the table below must not pass silently
        raise InvalidParameterError(f"preset {name}: unknown roles {sorted(unknown)}")
    return Preset(
        name,
        description,
        roles,
        target_lufs,
        headroom_db,
        parse_chain(list(bus), "preset bus effects"),
    )


_ROOM = _fx("reverb", room_size=0.35, damping=0.6, wet_level=0.18, dry_level=0.85, width=0.8)
_HALL = _fx("reverb", room_size=0.9, damping=0.35, wet_level=0.35, dry_level=0.7, width=1.0)

PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        _preset(
            "jazz_club",
            "Small club: warm, roomy, upright bass centre, ride-led drums, "
            "piano slightly left, horns right; dynamic master.",
            {
                "drums": _role(-4.0, 0.1, _fx("highpass", cutoff_hz=60), _ROOM),
                "bass": _role(
                    -2.0,
                    0.0,
                    _fx("low_shelf", cutoff_hz=120, gain_db=2.0),
                    _fx("compressor", threshold_db=-20, ratio=2.5, attack_ms=20),
                ),
                "keys": _role(-3.0, -0.3, _fx("high_shelf", cutoff_hz=8000, gain_db=-2.0), _ROOM),
                "guitar": _role(-4.0, 0.35, _ROOM),
                "brass": _role(-3.0, 0.3, _ROOM),
                "lead": _role(-2.0, 0.2, _ROOM),
                "vocals": _role(-1.0, 0.0, _fx("compressor", threshold_db=-18, ratio=2.5), _ROOM),
                "pad": _role(-8.0, -0.5, _ROOM),
                "other": _role(-4.0, 0.0, _ROOM),
            },
            target_lufs=-16.0,
        ),
        _preset(
            "rock_arena",
            "Big arena: punchy compressed drums, driven guitars wide, "
            "long plate-like reverb, loud master.",
            {
                "drums": _role(
                    -2.0,
                    0.0,
                    _fx("compressor", threshold_db=-16, ratio=4, attack_ms=5),
                    _fx("peak_eq", cutoff_hz=4000, gain_db=2.0, q=1.0),
                    _HALL,
                ),
                "bass": _role(
                    -3.0,
                    0.0,
                    _fx("compressor", threshold_db=-20, ratio=4),
                    _fx("distortion", drive_db=6),
                    _fx("gain", gain_db=-6),
                ),
                "guitar": _role(
                    -5.0,
                    -0.6,
                    _fx("distortion", drive_db=20),
                    _fx("gain", gain_db=-12),
                    _fx("peak_eq", cutoff_hz=3000, gain_db=2.0),
                ),
                "keys": _role(-6.0, 0.4, _HALL),
                "lead": _role(
                    -3.0, 0.15, _fx("delay", delay_s=0.375, feedback=0.3, mix=0.2), _HALL
                ),
                "vocals": _role(-1.0, 0.0, _fx("compressor", threshold_db=-20, ratio=4), _HALL),
                "pad": _role(-9.0, 0.5, _HALL),
                "brass": _role(-5.0, 0.4, _HALL),
                "other": _role(-5.0, 0.0, _HALL),
            },
            target_lufs=-9.0,
            bus=(_fx("compressor", threshold_db=-12, ratio=2, attack_ms=30),),
        ),
        _preset(
            "lofi_bedroom",
            "Lo-fi: dull top, gentle saturation, chorus wobble, short room, quiet master.",
            {
                "drums": _role(
                    -4.0,
                    0.0,
                    _fx("lowpass", cutoff_hz=6000),
                    _fx("distortion", drive_db=4),
                    _fx("gain", gain_db=-3),
                ),
                "bass": _role(-3.0, 0.0, _fx("lowpass", cutoff_hz=2000)),
                "keys": _role(
                    -2.0,
                    -0.2,
                    _fx("chorus", rate_hz=0.6, depth=0.3, mix=0.35),
                    _fx("lowpass", cutoff_hz=5000),
                    _ROOM,
                ),
                "guitar": _role(-3.0, 0.3, _fx("chorus", rate_hz=0.5, depth=0.3, mix=0.3), _ROOM),
                "lead": _role(-3.0, 0.15, _fx("lowpass", cutoff_hz=5000), _ROOM),
                "pad": _role(-7.0, -0.4, _fx("lowpass", cutoff_hz=4000), _ROOM),
                "other": _role(-4.0, 0.0, _fx("lowpass", cutoff_hz=5000), _ROOM),
            },
            target_lufs=-16.0,
            bus=(_fx("lowpass", cutoff_hz=9000), _fx("high_shelf", cutoff_hz=4000, gain_db=-2.0)),
        ),
        _preset(
            "cinematic_hall",
            "Film score hall: wide strings and pads, big hall reverb, "
            "soft percussion, wide dynamics.",
            {
                "drums": _role(-6.0, 0.0, _HALL),
                "bass": _role(
                    -4.0, 0.0, _fx("reverb", room_size=0.9, wet_level=0.2, dry_level=0.8)
                ),
                "keys": _role(-4.0, -0.25, _HALL),
                "pad": _role(-2.0, -0.45, _HALL),
                "brass": _role(-3.0, 0.35, _HALL),
                "lead": _role(-2.0, 0.1, _HALL),
                "vocals": _role(-2.0, 0.0, _HALL),
                "guitar": _role(-5.0, 0.3, _HALL),
                "other": _role(-4.0, 0.2, _HALL),
            },
            target_lufs=-18.0,
        ),
        _preset(
            "edm_club",
            "Club: heavy kick and sub centre, compressed and bright, "
            "ping of delay on leads, very loud master.",
            {
                "drums": _role(
                    0.0,
                    0.0,
                    _fx("compressor", threshold_db=-14, ratio=4, attack_ms=3),
                    _fx("low_shelf", cutoff_hz=90, gain_db=3.0),
                ),
                "bass": _role(
                    -1.0,
                    0.0,
                    _fx("lowpass", cutoff_hz=4000),
                    _fx("compressor", threshold_db=-18, ratio=6, attack_ms=5),
                ),
                "pad": _role(
                    -8.0,
                    -0.4,
                    _fx("highpass", cutoff_hz=200),
                    _fx("chorus", rate_hz=0.3, depth=0.4, mix=0.3),
                    _HALL,
                ),
                "lead": _role(
                    -4.0,
                    0.2,
                    _fx("delay", delay_s=0.25, feedback=0.35, mix=0.25),
                    _fx("phaser", rate_hz=0.4, depth=0.4, mix=0.2),
                ),
                "keys": _role(-6.0, -0.25, _fx("highpass", cutoff_hz=150), _ROOM),
                "other": _role(-6.0, 0.0, _fx("highpass", cutoff_hz=150), _ROOM),
            },
            target_lufs=-8.0,
            bus=(_fx("compressor", threshold_db=-10, ratio=2, attack_ms=10),),
        ),
        _preset(
            "acoustic_room",
            "Acoustic session: natural levels, small wooden room, light compression.",
            {
                "drums": _role(-5.0, 0.0, _ROOM),
                "bass": _role(-3.0, 0.0, _fx("compressor", threshold_db=-22, ratio=2)),
                "guitar": _role(-2.0, -0.35, _fx("highpass", cutoff_hz=80), _ROOM),
                "keys": _role(-3.0, 0.3, _ROOM),
                "vocals": _role(0.0, 0.0, _fx("compressor", threshold_db=-20, ratio=2), _ROOM),
                "lead": _role(-2.0, 0.2, _ROOM),
                "other": _role(-4.0, 0.0, _ROOM),
            },
            target_lufs=-16.0,
        ),
        _preset(
            "studio_clean",
            "Neutral reference: balanced levels, no reverb, light "
            "high-pass on non-bass parts, streaming loudness.",
            {
                "drums": _role(-2.0, 0.0),
                "bass": _role(-3.0, 0.0),
                "keys": _role(-4.0, -0.2, _fx("highpass", cutoff_hz=60)),
                "guitar": _role(-4.0, 0.25, _fx("highpass", cutoff_hz=80)),
                "lead": _role(-2.0, 0.1, _fx("highpass", cutoff_hz=100)),
                "pad": _role(-7.0, -0.35, _fx("highpass", cutoff_hz=100)),
                "other": _role(-4.0, 0.0, _fx("highpass", cutoff_hz=60)),
            },
            target_lufs=-14.0,
        ),
    )
}


def get_preset(name: object) -> Preset:
    """The preset of that name.

    Raises:
        InvalidParameterError: No such preset; the message lists them.
    """
    if not isinstance(name, str) or name not in PRESETS:
        raise InvalidParameterError(
            f"Unknown mix preset {name!r}; available presets: {', '.join(PRESETS)}",
            details={"field": "preset", "value": str(name), "valid": list(PRESETS)},
        )
    return PRESETS[name]


def list_presets() -> dict[str, str]:
    """Every mix preset's name and description.

    Example:
        >>> "jazz_club" in list_presets()
        True
    """
    return {name: preset.description for name, preset in PRESETS.items()}
