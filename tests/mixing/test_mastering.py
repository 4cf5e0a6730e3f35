"""Mastering: loudness and true peak checked with an independent meter (ffmpeg ebur128)."""

from __future__ import annotations

import math
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from music_gen import AudioMixer, InvalidParameterError
from music_gen.audio import AudioOutput

from .signals import decaying_chords, drum_loop, sine

MIXER = AudioMixer()
Meter = Callable[[Path], tuple[float, float]]


def _quiet_sine(sr: int, channels: int) -> AudioOutput:
    return sine(997.0, 6.0, 0.01, sr=sr, channels=channels)  # about -43 dBFS


def _loud_noise() -> AudioOutput:
    rng = np.random.default_rng(3)
    return AudioOutput(np.clip(rng.standard_normal((2, 6 * 44100)) * 0.5, -1, 1), 44100)


def _very_dynamic() -> AudioOutput:
    # A 50 dB crescendo, a pianissimo passage, then a fortissimo drum hit section.
    sr = 44100
    t = np.arange(4 * sr) / sr
    crescendo = np.sin(2 * np.pi * 330 * t) * 10 ** ((-50 + 50 * t / 4) / 20)
    quiet = 0.003 * np.sin(2 * np.pi * 440 * t[: 2 * sr])
    loud = drum_loop(2.0).samples[0] * 1.4
    mono = np.concatenate([crescendo, quiet, loud]).astype(np.float32)
    return AudioOutput(mono, sr)


def _band() -> AudioOutput:
    band = {"drums": drum_loop(6.0), "keys": decaying_chords(6.0), "bass": sine(55, 6.0, 0.3)}
    return MIXER.mix_tracks(band, levels={"keys": 3.0})


MATERIAL: dict[str, Callable[[], AudioOutput]] = {
    "quiet_sine_mono_44k": lambda: _quiet_sine(44100, 1),
    "quiet_sine_stereo_48k": lambda: _quiet_sine(48000, 2),
    "loud_noise": _loud_noise,
    "very_dynamic": _very_dynamic,
    "drums_and_tones": _band,
}


@pytest.mark.parametrize("material", sorted(MATERIAL))
@pytest.mark.parametrize(("target", "headroom"), [(-14.0, 1.0), (-23.0, 2.0)])
def test_master_reaches_target_loudness_under_the_true_peak_ceiling(
    material: str, target: float, headroom: float, tmp_path: Path, ffmpeg_meter: Meter
) -> None:
    audio = MATERIAL[material]()
    mastered = MIXER.master(audio, target_lufs=target, headroom_db=headroom)
    assert mastered.samples.shape == audio.samples.shape
    assert mastered.sample_rate == audio.sample_rate
    assert np.all(np.isfinite(mastered.samples))
    report = mastered.metadata["mastering"]
    assert report["target_reached"] is True
    integrated, peak = ffmpeg_meter(mastered.save(tmp_path / f"{material}.wav"))
    assert integrated == pytest.approx(target, abs=0.5)
    assert peak < -headroom
    assert report["integrated_lufs"] == pytest.approx(integrated, abs=0.3)
    assert report["true_peak_dbtp"] < -headroom


def test_loud_target_needs_the_limiter_and_still_meets_both(
    tmp_path: Path, ffmpeg_meter: Meter
) -> None:
    mastered = MIXER.master(_band(), target_lufs=-9.0, headroom_db=1.0)
    report = mastered.metadata["mastering"]
    assert report["limiter_drive_db"] > 0
    integrated, peak = ffmpeg_meter(mastered.save(tmp_path / "loud.wav"))
    assert integrated == pytest.approx(-9.0, abs=0.5)
    assert peak < -1.0


def _staircase() -> AudioOutput:
    # Four 4-second steps of a tone, 4 dB apart: a loudness range of about 12 LU.
    t = np.arange(4 * 44100) / 44100
    steps = [0.3 * 10 ** (-level / 20) * np.sin(2 * np.pi * 440 * t) for level in (0, 4, 8, 12)]
    return AudioOutput(np.concatenate(steps).astype(np.float32), 44100)


def test_report_has_the_measurements() -> None:
    mastered = MIXER.master(_staircase(), target_lufs=-16.0, headroom_db=1.5)
    report = mastered.metadata["mastering"]
    for key in (
        "integrated_lufs",
        "true_peak_dbtp",
        "loudness_range_lu",
        "target_lufs",
        "headroom_db",
        "ceiling_dbtp",
        "input_lufs",
        "gain_db",
        "target_reached",
    ):
        assert key in report
    assert report["ceiling_dbtp"] == -1.5
    steady = MIXER.master(_quiet_sine(44100, 2)).metadata["mastering"]
    # Steps 12 dB apart have a wide loudness range; a steady tone has almost none.
    assert report["loudness_range_lu"] > 10.0
    assert steady["loudness_range_lu"] < 2.0


def test_loudness_range_agrees_with_ffmpeg(tmp_path: Path, ffmpeg_meter: Meter) -> None:
    mastered = MIXER.master(_staircase())
    path = mastered.save(tmp_path / "steps.wav")
    result = subprocess.run(
        ["ffmpeg", "-nostats", "-i", str(path), "-af", "ebur128", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = result.stderr[result.stderr.rfind("Summary:") :]
    match = re.search(r"LRA:\s+([\d.]+) LU", summary)
    assert match
    assert mastered.metadata["mastering"]["loudness_range_lu"] == pytest.approx(
        float(match.group(1)), abs=1.0
    )


@pytest.mark.parametrize("channels", [1, 2])
def test_silence_stays_silence(channels: int) -> None:
    silent = AudioOutput(np.zeros((channels, 44100), dtype=np.float32), 44100)
    mastered = MIXER.master(silent)
    assert not np.any(mastered.samples)
    report = mastered.metadata["mastering"]
    assert report["integrated_lufs"] is None
    assert report["true_peak_dbtp"] is None
    assert "left unchanged" in report["note"]


def test_faint_noise_below_the_gate_is_not_blown_up() -> None:
    rng = np.random.default_rng(0)
    hiss = AudioOutput((rng.standard_normal((2, 44100)) * 1e-5).astype(np.float32), 44100)
    mastered = MIXER.master(hiss)
    np.testing.assert_array_equal(mastered.samples, hiss.samples)
    assert "-70 LUFS" in mastered.metadata["mastering"]["note"]


@pytest.mark.parametrize("frames", [0, 1, 10, 4410, 17000])
def test_audio_shorter_than_a_400_ms_block_is_handled(frames: int) -> None:
    t = np.arange(frames) / 44100
    tone = AudioOutput((0.05 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :], 44100)
    mastered = MIXER.master(tone, target_lufs=-14.0, headroom_db=1.0)
    assert mastered.num_frames == frames
    assert np.all(np.isfinite(mastered.samples))
    report = mastered.metadata["mastering"]
    assert report["loudness_range_lu"] is None
    if frames >= 4410:
        assert report["integrated_lufs"] == pytest.approx(-14.0, abs=0.5)
        assert report["true_peak_dbtp"] < -1.0


def test_impossible_target_is_reported_not_clipped(tmp_path: Path, ffmpeg_meter: Meter) -> None:
    clicks = np.zeros((2, 3 * 44100), dtype=np.float32)
    clicks[:, ::44100] = 0.5
    mastered = MIXER.master(AudioOutput(clicks, 44100), target_lufs=-5.0, headroom_db=3.0)
    report = mastered.metadata["mastering"]
    assert report["target_reached"] is False
    assert "not reachable" in report["note"]
    assert report["true_peak_dbtp"] < -3.0
    _, peak = ffmpeg_meter(mastered.save(tmp_path / "clicks.wav"))
    assert peak < -3.0


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"target_lufs": math.nan}, "target_lufs must be a finite number"),
        ({"target_lufs": 3.0}, "valid range is [-60, 0]"),
        ({"headroom_db": -1.0}, "valid range is [0, 20]"),
        ({"headroom_db": "1"}, "must be a number"),
    ],
)
def test_bad_mastering_arguments_are_clear_errors(kwargs: dict, needle: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        MIXER.master(sine(440.0, 0.5), **kwargs)
    assert needle in info.value.message


def test_non_finite_input_is_rejected() -> None:
    audio = sine(440.0, 0.5)
    audio.samples[0, 0] = np.nan
    with pytest.raises(InvalidParameterError, match="NaN"):
        MIXER.master(audio)


@pytest.mark.parametrize("sr", [44100, 48000])
def test_true_peak_meter_sees_inter_sample_peaks(sr: int) -> None:
    from music_gen.mixing.loudness import sample_peak, true_peak_db

    # A tone at a quarter of the rate sampled 45 degrees off its crests: every sample is at
    # 0.707 of the true amplitude, so the sample peak reads -3 dB and the true peak 0 dB.
    t = np.arange(sr) / sr
    tone = np.sin(2 * np.pi * (sr / 4) * t + np.pi / 4)[None, :] * 0.5
    assert 20 * math.log10(sample_peak(tone) / 0.5) == pytest.approx(-3.01, abs=0.05)
    assert true_peak_db(tone) - 20 * math.log10(0.5) == pytest.approx(0.0, abs=0.2)


def _composer_problem() -> str | None:
    import importlib.util

    from music_gen.engines import registry

    if importlib.util.find_spec("music_gen.engines.composer") is None:
        return "the composer engine is not in this checkout"
    info = registry.resolve("composer").info()
    return None if info.available else info.reason


@pytest.mark.slow
@pytest.mark.skipif(_composer_problem() is not None, reason=str(_composer_problem()))
@pytest.mark.parametrize(("target", "headroom"), [(-14.0, 1.0), (-10.0, 1.0)])
def test_composer_render_masters_to_target(
    target: float, headroom: float, tmp_path: Path, ffmpeg_meter: Meter
) -> None:
    from music_gen import MusicGenerator

    render = MusicGenerator("composer").generate("Upbeat funk band", duration=8.0, seed=3)
    mastered = MIXER.master(render, target_lufs=target, headroom_db=headroom)
    assert mastered.num_frames == render.num_frames
    integrated, peak = ffmpeg_meter(mastered.save(tmp_path / "composer.wav"))
    assert integrated == pytest.approx(target, abs=0.5)
    assert peak < -headroom


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    level_db=st.floats(-60.0, 12.0),
    crest=st.sampled_from(["sine", "noise", "bursts"]),
    target=st.floats(-30.0, -8.0),
    headroom=st.floats(0.1, 3.0),
    channels=st.sampled_from([1, 2]),
)
def test_master_never_exceeds_the_ceiling_and_never_makes_nan(
    level_db: float, crest: str, target: float, headroom: float, channels: int
) -> None:
    sr = 22050
    t = np.arange(sr) / sr
    rng = np.random.default_rng(0)
    if crest == "sine":
        wave = np.sin(2 * np.pi * 220 * t)
    elif crest == "noise":
        wave = rng.standard_normal(sr) / 3
    else:
        wave = rng.standard_normal(sr) * np.exp(-(t % 0.25) * 40)
    samples = np.tile(wave * 10 ** (level_db / 20), (channels, 1)).astype(np.float32)
    mastered = MIXER.master(AudioOutput(samples, sr), target_lufs=target, headroom_db=headroom)
    report = mastered.metadata["mastering"]
    assert np.all(np.isfinite(mastered.samples))
    assert report["true_peak_dbtp"] < -headroom
    if report["target_reached"]:
        assert report["integrated_lufs"] == pytest.approx(target, abs=0.5)
    else:
        assert "not reachable" in report["note"]
