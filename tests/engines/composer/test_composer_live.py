"""Live sessions: continuity, determinism, steering that a listener (and estimators) can hear."""

from __future__ import annotations

from typing import Any

import librosa
import numpy as np
import pyloudnorm as pyln
import pytest

from music_gen import MusicGenerator
from music_gen.engines.composer.live_plan import parse_key
from music_gen.errors import InvalidParameterError, InvalidPromptError, UnsupportedOperationError
from music_gen.live import LiveOptions, LiveSession, SteerResult
from music_gen.mixing.loudness import integrated_loudness, sample_peak
from tests.engines.composer.estimators import estimate_key, estimate_tempo

SR = 44100


def session(engine: Any, prompt: str, **options: Any) -> LiveSession:
    options.setdefault("seed", 3)
    live: LiveSession = engine.live(prompt, LiveOptions(**options))
    return live


def after(
    live: LiveSession, change: SteerResult, seconds: float, skip_s: float = 0.0
) -> np.ndarray:
    """``seconds`` of audio from ``skip_s`` after the change's effect frame."""
    live.read((change.effect_frame - live.position_frame) / SR + skip_s)
    return live.read(seconds)


def onset_rate(samples: np.ndarray) -> float:
    """Onsets a second (librosa's onset detector)."""
    y = librosa.resample(samples.mean(axis=0), orig_sr=SR, target_sr=22050)
    return len(librosa.onset.onset_detect(y=y, sr=22050)) / (samples.shape[1] / SR)


def test_chunks_are_float32_stereo_and_chunking_does_not_change_the_samples(engine: Any) -> None:
    fine = session(engine, "lo-fi hip hop", chunk_s=0.05)
    coarse = session(engine, "lo-fi hip hop", chunk_s=0.5)
    chunk = next(fine)
    assert chunk.dtype == np.float32 and chunk.shape == (2, round(0.05 * SR))
    a = np.concatenate([chunk, fine.read(5.95)], axis=1)
    b = coarse.read(6.0)
    assert a.shape == b.shape == (2, 6 * SR)
    assert np.array_equal(a, b)
    assert np.isfinite(a).all() and np.abs(a).max() <= 0.97
    assert np.sqrt(np.mean(a**2)) > 0.005  # it plays


def test_no_jump_at_chunk_boundaries_through_steers(engine: Any) -> None:
    live = session(engine, "upbeat funk", chunk_s=0.05, intensity=0.4)
    chunks = [live.read(2.0)]
    for steer in (
        {"intensity": 1.0, "at": "beat"},
        {"key": "E minor", "at": "bar"},
        {"prompt": "calm ambient pads", "at": "beat"},
        {"tempo_bpm": 90, "at": "bar"},
    ):
        live.steer(**steer)
        chunks += [next(live) for _ in range(60)]
    audio = np.concatenate(chunks, axis=1)
    jumps = np.abs(np.diff(audio, axis=1)).max(axis=0)
    chunk = round(0.05 * SR)
    boundaries = np.arange(chunk, audio.shape[1], chunk) - 1
    inside = np.delete(jumps, boundaries)
    assert jumps[boundaries].max() <= inside.max()
    # And no chunk boundary stands out from the music around it.
    assert jumps[boundaries].max() <= np.percentile(inside, 99.99)


def test_same_seed_and_steers_give_the_same_audio(engine: Any) -> None:
    def play(seed: int) -> np.ndarray:
        live = session(engine, "jazz trio", seed=seed, chunk_s=0.1)
        parts = [live.read(1.5)]
        live.steer(intensity=0.9, at="beat")
        parts.append(live.read(1.5))
        live.steer("dark tense music", key="D minor", at="bar")
        parts.append(live.read(3.0))
        live.stop(ending=True)
        parts.append(np.concatenate(list(live), axis=1))
        return np.concatenate(parts, axis=1)

    first, second, other = play(11), play(11), play(12)
    assert np.array_equal(first, second)
    assert first.shape != other.shape or not np.array_equal(first, other)


def test_a_key_change_is_heard_in_the_new_key(engine: Any) -> None:
    live = session(engine, "calm piano melody in C major", seed=3)
    # Two phrases: a two-bar I-V intro alone reads as the dominant's key.
    assert estimate_key(live.read(16.0), SR) == (0, "major")
    change = live.steer(key="F# major", at="bar")
    assert change.plan["key"] == "F# major"
    assert live.position_frame <= change.transition_frame < change.effect_frame
    assert estimate_key(after(live, change, 12.0), SR) == (6, "major")


def test_a_tempo_change_is_heard_at_the_new_tempo(engine: Any) -> None:
    live = session(engine, "rock with drums, bass and electric guitar at 100 bpm", intensity=0.8)
    assert estimate_tempo(live.read(8.0), SR) == pytest.approx(100, rel=0.05)
    change = live.steer(tempo_bpm=150, at="bar")
    assert change.plan["tempo_bpm"] == 150
    # The ramp takes the bar before the change.
    bar_frames = 4 * 60 / 100 * SR
    assert change.effect_frame - change.transition_frame == pytest.approx(bar_frames, rel=0.25)
    assert estimate_tempo(after(live, change, 8.0, skip_s=1.6), SR) == pytest.approx(150, rel=0.05)


@pytest.mark.parametrize("prompt", ["calm piano melody", "jazz"])
def test_intensity_raises_loudness_and_onset_density(engine: Any, prompt: str) -> None:
    live = session(engine, prompt, intensity=0.0, seed=5)
    quiet = live.read(8.0)
    change = live.steer(intensity=1.0, at="bar")
    loud = after(live, change, 8.0)
    meter = pyln.Meter(SR)
    assert meter.integrated_loudness(loud.T) > meter.integrated_loudness(quiet.T) + 6.0
    assert onset_rate(loud) > 1.3 * onset_rate(quiet)
    assert set(change.plan["active_parts"]) > set(live.steer(intensity=0.0).plan["active_parts"])


@pytest.mark.parametrize("seed", [1, 2, 4])
def test_a_steer_into_louder_music_builds_to_its_level_without_overshooting(
    engine: Any, seed: int
) -> None:
    # Calm music plays quiet notes turned up, battle music loud ones turned down: the lead-in
    # (pivot chord, drum fill, crash) must build to the battle's level, not pass it.
    live = session(engine, "calm exploration music", intensity=0.3, seed=seed)
    audio = [live.read(6.0)]
    change = live.steer("tense battle music", intensity=1.0, at="bar")
    audio.append(live.read((change.effect_frame - live.position_frame) / SR + 24.0))
    samples = np.concatenate(audio, axis=1)
    steady = integrated_loudness(samples[:, change.effect_frame + 6 * SR :], SR)
    # Short-term loudness (3 s windows) over the lead-in and the new section's first bars.
    lead_in = range(change.transition_frame - 3 * SR // 2, change.effect_frame + 1, SR // 10)
    loudest = max(integrated_loudness(samples[:, x : x + 3 * SR], SR) for x in lead_in)
    assert loudest <= steady + 1.5
    assert sample_peak(samples[:, change.transition_frame :]) < 1.0


def test_a_beat_steer_takes_effect_within_a_beat(engine: Any) -> None:
    live = session(engine, "house music at 120 bpm", chunk_s=0.1)
    live.read(1.23)
    position = live.position_frame
    change = live.steer(intensity=0.1, at="beat")
    assert 0 <= change.effect_frame - position <= 0.5 * SR
    phrase = live.steer(intensity=0.9, at="phrase")
    assert (phrase.effect_frame - 0) % round(16 * 0.5 * SR) <= 1


def test_stop_with_an_ending_cadences_and_decays(engine: Any) -> None:
    live = session(engine, "happy pop song", chunk_s=0.1, tail_s=2.0)
    live.read(3.0)
    end = live.stop(ending=True)
    rest = np.concatenate(list(live), axis=1)
    assert live.finished and live.position_frame == end
    with pytest.raises(StopIteration):
        next(live)
    tail = rest[:, -SR // 2 :]
    body = rest[:, : SR // 2]
    assert np.sqrt(np.mean(tail**2)) < 0.3 * np.sqrt(np.mean(body**2))
    assert np.abs(rest[:, -1]).max() < 1e-3


def test_stop_at_once_fades_within_a_chunk(engine: Any) -> None:
    live = session(engine, "happy pop song", chunk_s=0.1)
    live.read(2.0)
    position = live.position_frame
    end = live.stop(ending=False)
    rest = np.concatenate(list(live), axis=1)
    assert end - position == rest.shape[1] <= 0.1 * SR
    assert np.abs(rest[:, -1]).max() < 1e-3


@pytest.mark.parametrize(
    ("steer", "error"),
    [
        ({"intensity": 1.5}, InvalidParameterError),
        ({"intensity": "loud"}, InvalidParameterError),
        ({"at": "soon", "intensity": 0.2}, InvalidParameterError),
        ({"key": "H minor"}, InvalidParameterError),
        ({"tempo_bpm": 900}, InvalidParameterError),
        ({"prompt": "   "}, InvalidPromptError),
        ({}, InvalidParameterError),
    ],
)
def test_a_bad_steer_raises_and_changes_nothing(
    engine: Any, steer: dict[str, Any], error: type[Exception]
) -> None:
    clean = session(engine, "lo-fi hip hop", chunk_s=0.1)
    tried = session(engine, "lo-fi hip hop", chunk_s=0.1)
    expected = clean.read(2.0)
    first = tried.read(1.0)
    with pytest.raises(error):
        tried.steer(**steer)
    assert np.array_equal(np.concatenate([first, tried.read(1.0)], axis=1), expected)


def test_keys_are_read_as_the_composer_spells_them() -> None:
    assert parse_key("E minor") == "E minor"
    assert parse_key("f#") == "F# major"
    assert parse_key("Bb major") == "Bb major"
    assert parse_key("D dorian") == "D dorian"
    with pytest.raises(InvalidParameterError, match="E minor"):
        parse_key("sunny")


def test_other_engines_cannot_play_live() -> None:
    from music_gen.engines.registry import temporarily_registered
    from tests.service.engines import TEST_SPECS

    with (
        temporarily_registered(*TEST_SPECS),
        pytest.raises(UnsupportedOperationError, match="composer"),
    ):
        MusicGenerator("test-tone").live("calm")


def test_the_generator_facade_plays_live() -> None:
    with MusicGenerator().live("calm piano melody", intensity=0.2, seed=1) as live:
        assert live.seed == 1 and live.sample_rate == SR and live.channels == 2
        assert live.plan["intensity"] == 0.2
        assert live.read(0.5).shape == (2, round(0.5 * SR))


def test_a_later_steer_before_an_earlier_one_lands_keeps_both(engine: Any) -> None:
    live = session(engine, "folk song with acoustic guitar", chunk_s=0.1)
    live.read(2.0)
    key = live.steer(key="E minor", at="phrase")
    louder = live.steer(intensity=1.0, at="beat")
    assert louder.effect_frame < key.effect_frame
    live.read((key.effect_frame - live.position_frame) / SR + 0.1)
    assert live.plan["key"] == "E minor" and live.plan["intensity"] == 1.0


def test_a_band_of_drums_alone_plays_at_intensity_zero(engine: Any) -> None:
    live = session(engine, "epic battle drums only", intensity=0.0)
    assert live.plan["active_parts"] == ["drums"]
    assert np.sqrt(np.mean(live.read(3.0) ** 2)) > 0.01
