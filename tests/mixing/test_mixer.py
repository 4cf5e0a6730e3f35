"""AudioMixer.mix_tracks: pan law, summing, resampling, channel matching, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from music_gen import AudioMixer, InvalidParameterError, MixSettings, list_presets
from music_gen.audio import AudioOutput
from music_gen.mixing import PRESETS, pan_gains, role_for

from .signals import decaying_chords, drum_loop, sine

MIXER = AudioMixer()
CENTRE = 1 / math.sqrt(2)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, dtype=np.float64) ** 2)))


@pytest.mark.parametrize(
    ("pan", "left", "right"), [(-1.0, 1.0, 0.0), (0.0, CENTRE, CENTRE), (1.0, 0.0, 1.0)]
)
def test_pan_law_end_points_and_centre(pan: float, left: float, right: float) -> None:
    tone = sine(440.0, 0.5, 0.5)
    mixed = MIXER.mix_tracks({"tone": tone}, panning={"tone": pan})
    assert mixed.channels == 2
    np.testing.assert_allclose(mixed.samples[0], tone.samples[0] * left, atol=1e-6)
    np.testing.assert_allclose(mixed.samples[1], tone.samples[0] * right, atol=1e-6)


def test_centre_pan_is_minus_3_db_each_side() -> None:
    tone = sine(440.0, 0.5, 0.5)
    mixed = MIXER.mix_tracks({"tone": tone})
    for side in mixed.samples:
        assert 20 * math.log10(_rms(side) / _rms(tone.samples)) == pytest.approx(-3.01, abs=0.01)


def test_power_is_constant_across_pan_positions() -> None:
    tone = sine(440.0, 0.5, 0.5)
    powers = []
    for pan in np.linspace(-1.0, 1.0, 9):
        mixed = MIXER.mix_tracks({"tone": tone}, panning={"tone": float(pan)})
        powers.append(_rms(mixed.samples[0]) ** 2 + _rms(mixed.samples[1]) ** 2)
        left, right = pan_gains(float(pan))
        assert left**2 + right**2 == pytest.approx(1.0)
    np.testing.assert_allclose(powers, powers[0], rtol=1e-5)


@pytest.mark.parametrize("channels", [1, 2])
def test_plain_mix_equals_the_sum_of_the_stems_at_centre_pan(channels: int) -> None:
    stems = {
        "drums": drum_loop(2.0),
        "keys": decaying_chords(2.0),
        "lead": sine(660.0, 2.0, 0.2, channels=channels),
    }
    mixed = MIXER.mix_tracks(stems)
    expected = sum(np.broadcast_to(s.samples, (2, s.num_frames)) for s in stems.values())
    np.testing.assert_allclose(mixed.samples, np.asarray(expected) * CENTRE, atol=1e-5)


def test_levels_in_db_scale_each_track() -> None:
    a, b = sine(440.0, 0.5, 0.5), sine(550.0, 0.5, 0.5)
    mixed = MIXER.mix_tracks({"a": a, "b": b}, levels={"a": -6.0, "b": -20.0})
    expected = (a.samples * 10 ** (-6 / 20) + b.samples * 10 ** (-20 / 20)) * CENTRE
    np.testing.assert_allclose(mixed.samples, np.vstack([expected, expected]), atol=1e-6)


@pytest.mark.parametrize(
    ("low_rate", "high_rate"), [(22050, 44100), (32000, 48000), (44100, 48000), (16000, 44100)]
)
def test_mismatched_rates_are_resampled_to_the_highest_rate(low_rate: int, high_rate: int) -> None:
    low = sine(440.0, 1.0, 0.5, sr=low_rate)
    high = sine(440.0, 1.0, 0.5, sr=high_rate, channels=2)
    mixed = MIXER.mix_tracks({"low": low, "high": high}, levels={"high": -120.0})
    assert mixed.sample_rate == high_rate
    assert mixed.num_frames == high_rate  # one second at the output rate
    # The resampled tone keeps its pitch and level: compare with a tone made at the high rate.
    reference = sine(440.0, 1.0, 0.5, sr=high_rate).samples[0] * CENTRE
    np.testing.assert_allclose(mixed.samples[0, 500:-500], reference[500:-500], atol=2e-3)
    assert mixed.metadata["mix"]["tracks"]["low"]["sample_rate"] == low_rate


def test_shorter_tracks_are_padded_with_silence_to_the_longest() -> None:
    long, short = sine(440.0, 1.0, 0.5), sine(440.0, 0.25, 0.5, channels=2)
    mixed = MIXER.mix_tracks({"long": long, "short": short}, levels={"long": -120.0})
    assert mixed.num_frames == long.num_frames
    assert np.max(np.abs(mixed.samples[:, short.num_frames :])) < 1e-5
    assert np.max(np.abs(mixed.samples[:, : short.num_frames])) > 0.3


def test_list_of_tracks_is_named_by_position() -> None:
    mixed = MIXER.mix_tracks([sine(440.0, 0.2), sine(220.0, 0.2)], levels={"1": -6.0})
    assert set(mixed.metadata["mix"]["tracks"]) == {"0", "1"}
    assert mixed.metadata["mix"]["tracks"]["1"]["level_db"] == -6.0


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"levels": {"piano": -3.0}}, "levels names unknown track(s) 'piano'"),
        ({"panning": {"piano": 0.2}}, "panning names unknown track(s) 'piano'"),
        ({"effects": {"piano": [{"type": "reverb"}]}}, "effects names unknown track(s)"),
        ({"panning": {"a": 1.5}}, "valid range is [-1, 1]"),
        ({"panning": {"a": math.nan}}, "finite"),
        ({"levels": {"a": math.inf}}, "finite"),
        ({"levels": {"a": 40.0}}, "valid range is [-120, 24]"),
        ({"effects": {"a": [{"type": "reverb", "room_size": 2}]}}, "effects['a'][0].room_size"),
        ({"effects": {"a": [{"type": "wah"}]}}, "unknown effect type 'wah'"),
        ({"preset": "polka"}, "available presets: jazz_club"),
    ],
)
def test_invalid_mix_arguments_are_clear_errors(kwargs: dict, needle: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        MIXER.mix_tracks({"a": sine(440.0, 0.1), "b": sine(220.0, 0.1)}, **kwargs)
    assert needle in info.value.message


@pytest.mark.parametrize("tracks", [{}, []])
def test_empty_input_is_an_error(tracks: object) -> None:
    with pytest.raises(InvalidParameterError, match="cannot be empty"):
        MIXER.mix_tracks(tracks)  # type: ignore[arg-type]


def test_non_audio_and_non_finite_tracks_are_errors() -> None:
    with pytest.raises(InvalidParameterError, match="must be an AudioOutput"):
        MIXER.mix_tracks({"a": np.zeros(10)})  # type: ignore[dict-item]
    bad = sine(440.0, 0.1)
    bad.samples[0, 3] = np.inf
    with pytest.raises(InvalidParameterError, match="NaN or infinite"):
        MIXER.mix_tracks({"a": bad})
    surround = AudioOutput(np.zeros((6, 1000), dtype=np.float32), 44100)
    with pytest.raises(InvalidParameterError, match="at most 2"):
        MIXER.mix_tracks({"a": surround})


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_mixes_a_band_to_finite_stereo_and_masters_to_its_target(
    preset: str,
) -> None:
    band = {
        "drums": drum_loop(3.0),
        "bass": sine(55.0, 3.0, 0.4),
        "piano": decaying_chords(3.0),
        "lead guitar": sine(880.0, 3.0, 0.1, channels=2),
    }
    mixed = MIXER.mix_tracks(band, preset=preset)
    assert mixed.samples.shape == (2, 3 * 44100)
    assert np.all(np.isfinite(mixed.samples))
    tracks = mixed.metadata["mix"]["tracks"]
    assert tracks["piano"]["role"] == "keys"
    assert tracks["piano"]["level_db"] == PRESETS[preset].role("keys").level_db
    mastered = MIXER.mix(band, {"preset": preset})
    report = mastered.metadata["mastering"]
    assert report["target_lufs"] == PRESETS[preset].target_lufs
    assert report["integrated_lufs"] == pytest.approx(PRESETS[preset].target_lufs, abs=0.5)
    assert report["true_peak_dbtp"] <= -PRESETS[preset].headroom_db


def test_explicit_settings_override_the_preset() -> None:
    band = {"piano": decaying_chords(1.0), "bass": sine(55.0, 1.0, 0.4)}
    mixed = MIXER.mix_tracks(
        band,
        preset="jazz_club",
        levels={"piano": -1.5},
        panning={"piano": 0.5},
        effects={"piano": []},
    )
    piano = mixed.metadata["mix"]["tracks"]["piano"]
    assert (piano["level_db"], piano["pan"], piano["effects"]) == (-1.5, 0.5, [])
    bass = mixed.metadata["mix"]["tracks"]["bass"]
    assert bass["level_db"] == PRESETS["jazz_club"].role("bass").level_db
    settings = MixSettings(preset="edm_club", target_lufs=-12.0)
    assert settings.mastering == (-12.0, PRESETS["edm_club"].headroom_db)


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("piano", "keys"),
        ("Jazz_Piano", "keys"),
        ("upright bass", "bass"),
        ("drums", "drums"),
        ("bassoon", "lead"),
        ("bass guitar", "bass"),
        ("guitar", "guitar"),
        ("strings", "pad"),
        ("choir", "vocals"),
        ("tenor sax", "brass"),
        ("melody", "lead"),
        ("kazoo", "other"),
        ("steel drums", "keys"),
        ("music box", "keys"),
        ("accordion", "keys"),
        ("timpani", "drums"),
        ("alto sax", "brass"),
        ("synth bass", "bass"),
        ("synth pad", "pad"),
    ],
)
def test_track_names_map_to_roles(name: str, role: str) -> None:
    assert role_for(name) == role


def test_list_presets_names_and_describes_the_required_presets() -> None:
    presets = list_presets()
    for name in (
        "jazz_club",
        "rock_arena",
        "lofi_bedroom",
        "cinematic_hall",
        "edm_club",
        "acoustic_room",
        "studio_clean",
    ):
        assert len(presets[name]) > 20


def test_mix_settings_from_dict_rejects_unknown_keys_listing_valid_ones() -> None:
    with pytest.raises(InvalidParameterError) as info:
        MixSettings.from_dict({"preset": "jazz_club", "reverb": 0.3})
    assert "reverb" in info.value.message
    assert "valid keys: preset, levels, panning, effects, target_lufs, headroom_db" in (
        info.value.message
    )


def test_every_composer_instrument_word_has_a_mix_role() -> None:
    instruments = pytest.importorskip("music_gen.engines.composer.instruments")
    words = {**instruments.INSTRUMENT_WORDS, **{name: name for name in instruments.INSTRUMENTS}}
    unmapped = [word for word in words if role_for(word) == "other"]
    assert unmapped == []


@pytest.mark.parametrize(
    ("track", "role"),
    [("oud", "guitar"), ("loud synth", "pad"), ("lute", "guitar"), ("flute", "lead")],
)
def test_short_instrument_words_match_whole_words_only(track: str, role: str) -> None:
    assert role_for(track) == role
