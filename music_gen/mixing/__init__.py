"""Mixing and mastering: AudioMixer, effect specs (pedalboard), BS.1770 mastering, presets.

Example:
    >>> from music_gen.mixing import AudioMixer, list_presets
    >>> mixer = AudioMixer()
    >>> wet = mixer.apply_effects(audio, [{"type": "reverb", "room_size": 0.4}])
    >>> master = mixer.master(wet, target_lufs=-14.0, headroom_db=1.0)
"""

from music_gen.mixing.effects import EFFECTS, Effect, EffectSpec, ParamSpec
from music_gen.mixing.mixer import AudioMixer, pan_gains
from music_gen.mixing.presets import PRESETS, Preset, RoleMix, list_presets
from music_gen.mixing.roles import ROLES, role_for
from music_gen.mixing.settings import SETTINGS_KEYS, MixSettings, TrackMix

__all__ = [
    "EFFECTS",
    "PRESETS",
    "ROLES",
    "SETTINGS_KEYS",
    "AudioMixer",
    "Effect",
    "EffectSpec",
    "MixSettings",
    "ParamSpec",
    "Preset",
    "RoleMix",
    "TrackMix",
    "list_presets",
    "pan_gains",
    "role_for",
]
