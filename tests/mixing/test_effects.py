"""Effect specs: validation, every effect runs through pedalboard, values users can hear."""

from __future__ import annotations

import math

import numpy as np
import pytest

from music_gen import AudioMixer, InvalidParameterError
from music_gen.audio import AudioOutput
from music_gen.mixing import EFFECTS
from music_gen.mixing.effects import parse_chain

from .signals import sine

MIXER = AudioMixer()


@pytest.mark.parametrize("kind", sorted(EFFECTS))
@pytest.mark.parametrize("channels", [1, 2])
def test_every_effect_runs_with_defaults_and_keeps_shape(kind: str, channels: int) -> None:
    audio = sine(440.0, 0.5, 0.3, channels=channels)
    out = MIXER.apply_effects(audio, [{"type": kind}])
    assert out.samples.shape == audio.samples.shape
    assert out.sample_rate == audio.sample_rate
    assert out.samples.dtype == np.float32
    assert np.all(np.isfinite(out.samples))
    assert out.metadata["effects"][0]["type"] == kind


@pytest.mark.parametrize("kind", sorted(EFFECTS))
def test_every_effect_accepts_its_range_ends(kind: str) -> None:
    spec = EFFECTS[kind]
    audio = sine(440.0, 0.25, 0.3, sr=48000)
    for end in ("low", "high"):
        effect = {"type": kind}
        for param in spec.params:
            value = getattr(param, end)
            if param.below_nyquist:
                value = min(value, 20000.0)
            effect[param.name] = value
        out = MIXER.apply_effects(audio, [effect])
        assert np.all(np.isfinite(out.samples)), (kind, end)


def test_gain_effect_scales_by_its_decibels() -> None:
    audio = sine(440.0, 0.5, 0.5)
    out = MIXER.apply_effects(audio, [{"type": "gain", "gain_db": -6.0}])
    ratio = np.max(np.abs(out.samples)) / np.max(np.abs(audio.samples))
    assert ratio == pytest.approx(10 ** (-6 / 20), rel=1e-3)


def test_chain_runs_in_order_compressor_then_reverb_adds_a_tail() -> None:
    frames = 44100
    burst = np.zeros(frames, dtype=np.float32)
    burst[:2205] = sine(440.0, 0.05, 0.8).samples[0]
    audio = AudioOutput(burst, 44100)
    wet = MIXER.apply_effects(
        audio,
        [{"type": "compressor", "threshold_db": -18, "ratio": 3}, {"type": "reverb"}],
    )
    assert wet.num_frames == frames
    tail = wet.samples[:, 11025:]  # 250 ms after the burst ended
    assert np.sqrt(np.mean(tail**2)) > 1e-4  # the reverb rings on
    assert not np.any(audio.samples[:, 11025:])


def test_lowpass_attenuates_a_tone_over_four_octaves_above_by_6_db_per_octave() -> None:
    audio = sine(8000.0, 0.5, 0.5)
    out = MIXER.apply_effects(audio, [{"type": "lowpass", "cutoff_hz": 500.0}])
    rms_in = np.sqrt(np.mean(audio.samples**2))
    rms_out = np.sqrt(np.mean(out.samples[:, 2000:] ** 2))
    assert 20 * np.log10(rms_out / rms_in) == pytest.approx(-24.0, abs=2.0)


@pytest.mark.parametrize(
    ("chain", "needle"),
    [
        ([{"type": "flanger9000"}], "valid types: reverb"),
        ([{"room_size": 0.3}], "unknown effect type None"),
        ([{"type": "reverb", "size": 0.3}], "valid parameters: room_size, damping"),
        ([{"type": "reverb", "room_size": 1.5}], "valid range is [0, 1]"),
        ([{"type": "reverb", "room_size": math.nan}], "finite"),
        ([{"type": "delay", "delay_s": math.inf}], "finite"),
        ([{"type": "compressor", "ratio": 0.5}], "valid range is [1, 30]"),
        ([{"type": "gain", "gain_db": "loud"}], "must be a number"),
        ([{"type": "gain", "gain_db": True}], "must be a number"),
        ([{"type": "highpass", "cutoff_hz": 30000}], "valid range"),
        ("reverb", "must be a list of effect dicts"),
        (["reverb"], "must be a dict with a 'type' key"),
    ],
)
def test_invalid_effects_are_clear_errors(chain: object, needle: str) -> None:
    audio = sine(440.0, 0.1)
    with pytest.raises(InvalidParameterError) as info:
        MIXER.apply_effects(audio, chain)  # type: ignore[arg-type]
    assert needle in info.value.message
    assert info.value.code == "INVALID_PARAMETER"


def test_frequency_above_nyquist_of_the_audio_is_an_error() -> None:
    audio = sine(440.0, 0.1, sr=16000)
    with pytest.raises(InvalidParameterError, match="Nyquist"):
        MIXER.apply_effects(audio, [{"type": "lowpass", "cutoff_hz": 9000}])


def test_parse_fills_defaults_and_round_trips() -> None:
    (effect,) = parse_chain([{"type": "delay", "delay_s": 0.25}])
    assert effect.to_dict() == {"type": "delay", "delay_s": 0.25, "feedback": 0.0, "mix": 0.5}
    assert parse_chain([effect.to_dict()]) == (effect,)


def test_non_finite_audio_is_rejected() -> None:
    audio = sine(440.0, 0.1)
    audio.samples[0, 10] = np.nan
    with pytest.raises(InvalidParameterError, match="NaN"):
        MIXER.apply_effects(audio, [{"type": "reverb"}])
