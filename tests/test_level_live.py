"""Live sessions leave MusicGenerator levelled: at the target from the first chunk, with no
audio held back, true peaks under the ceiling through steers, and the musical dynamics kept."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import correlate

from music_gen import MusicGenerator
from music_gen.engines.composer.render import soundfont_problem
from music_gen.errors import InvalidParameterError
from music_gen.level import CEILING_DBTP
from music_gen.mixing.loudness import integrated_loudness, true_peak_db

if soundfont_problem() is not None:  # pragma: no cover - depends on the machine
    pytest.skip(f"composer unavailable: {soundfont_problem()}", allow_module_level=True)

RATE = 44100
#: How far a session's loudness may lie from its target: the engine's estimate from its notes
#: (no audio is measured before the first chunk) is within 2.5 LU over ten prompts.
TOLERANCE_LU = 2.5


@pytest.fixture(scope="module")
def generator() -> MusicGenerator:
    return MusicGenerator()


@pytest.mark.parametrize(
    ("prompt", "target"),
    [
        ("calm exploration music", -14.0),
        ("tense battle music rock band", -14.0),
        ("upbeat jazz trio", -20.0),
        ("retro 8-bit chiptune", -14.0),
    ],
)
def test_a_session_plays_at_its_target_under_the_ceiling(
    generator: MusicGenerator, prompt: str, target: float
) -> None:
    with generator.live(prompt, seed=5, loudness_lufs=target) as live:
        audio = live.read(30.0)
    assert abs(integrated_loudness(audio, RATE) - target) <= TOLERANCE_LU
    assert true_peak_db(audio) <= CEILING_DBTP


def test_levelling_moves_the_engine_level_to_the_target(generator: MusicGenerator) -> None:
    # A solo piano at intensity 0.5 plays far under -14 LUFS at the engine's own level.
    with generator.live("solo piano ballad", seed=3, loudness_lufs=None) as raw:
        own = integrated_loudness(raw.read(30.0), RATE)
    with generator.live("solo piano ballad", seed=3) as live:
        levelled = integrated_loudness(live.read(30.0), RATE)
    assert own < -17.0
    assert abs(levelled + 14.0) < abs(own + 14.0) - 2.0


@pytest.mark.parametrize(("prompt", "intensity"), [("lo-fi hip hop", 1.0), ("tense battle", 0.5)])
def test_a_session_plays_without_a_dc_offset(
    generator: MusicGenerator, prompt: str, intensity: float
) -> None:
    # The engine's own output carries offsets (about -36 and -49 dBFS here), which take
    # headroom from one side of the waveform; a levelled session removes them, as levelling
    # a whole piece does.
    with generator.live(prompt, intensity=intensity, seed=1) as live:
        samples = live.read(20.0).astype(np.float64)
    offset = np.abs(samples.mean(axis=1)).max()
    assert 20 * np.log10(offset) < -60.0


def test_a_stopped_session_ends_on_silence(generator: MusicGenerator) -> None:
    # Lo-fi hip hop at full intensity carries the largest offset: the DC blocker still holds
    # it when the music stops, so the last frames are faded out (no click at the end).
    with generator.live("lo-fi hip hop", intensity=1.0, seed=1) as live:
        live.read(6.0)
        end = live.stop(ending=False)
        tail = np.concatenate(list(live), axis=1)
    assert live.position_frame == end
    assert np.abs(tail[:, -1]).max() < 1e-4


def test_the_first_chunk_is_not_held_back(generator: MusicGenerator) -> None:
    chunk_s = 0.1
    with (
        generator.live("upbeat pop with drums", seed=2, chunk_s=chunk_s) as live,
        generator.live("upbeat pop with drums", seed=2, chunk_s=chunk_s, loudness_lufs=None) as raw,
    ):
        first, raw_first = next(live), next(raw)
        # The same chunk length as the unlevelled session, from the first chunk on.
        assert first.shape == raw_first.shape == (2, round(chunk_s * RATE))
        assert live.position_frame == raw.position_frame
        # It is the same music (not silence, not a later or earlier piece of it), delayed by
        # the chain's resamplers only: about 1 ms.
        ahead = np.concatenate([first, live.read(1.0)], axis=1)[0]
        music = np.concatenate([raw_first, raw.read(1.0)], axis=1)[0]
        lags = correlate(ahead, music, mode="full", method="fft")
        lag = int(np.argmax(lags)) - (music.size - 1)
        assert 0 <= lag <= 64
        assert np.abs(first).max() > 0.01


def test_steering_louder_keeps_true_peaks_under_the_ceiling_and_the_dynamics(
    generator: MusicGenerator,
) -> None:
    def play(loudness_lufs: float | None) -> list[np.ndarray]:
        with generator.live("calm exploration music", seed=9, loudness_lufs=loudness_lufs) as live:
            calm = live.read(12.0)
            change = live.steer("tense battle music", intensity=1.0, at="beat")
            lead_in = live.read((change.effect_frame - live.position_frame) / RATE + 2.0)
            loud = live.read(20.0)
            back = live.steer("calm exploration music", intensity=0.5, at="bar")
            back_in = live.read((back.effect_frame - live.position_frame) / RATE + 2.0)
            return [calm, lead_in, loud, back_in, live.read(20.0)]

    levelled, raw = play(-14.0), play(None)
    assert true_peak_db(np.concatenate(levelled, axis=1)) <= CEILING_DBTP
    calm, _, loud, _, calm_again = (integrated_loudness(a, RATE) for a in levelled)
    # The full band stays louder than the calm music (the gain does not ride it down)...
    assert loud > calm + 0.5
    assert loud <= -14.0 + TOLERANCE_LU + 2.0
    # ...and the gain is the same before and after the loud stretch: nothing pumps or lags.
    raw_calm, _, _, _, raw_again = (integrated_loudness(a, RATE) for a in raw)
    assert abs((calm - raw_calm) - (calm_again - raw_again)) <= 0.5


def test_frames_of_steers_and_the_end_are_the_frames_heard(generator: MusicGenerator) -> None:
    with (
        generator.live("calm piano melody", seed=4) as live,
        generator.live("calm piano melody", seed=4, loudness_lufs=None) as raw,
    ):
        live.read(3.0)
        raw.read(3.0)
        change = live.steer(intensity=0.9, at="beat")
        raw_change = raw.steer(intensity=0.9, at="beat")
        latency = change.effect_frame - raw_change.effect_frame
        assert 0 < latency <= 64
        assert change.transition_frame - raw_change.transition_frame == latency
        end = live.stop(ending=False)
        assert end == raw.stop(ending=False) + latency
        before = live.position_frame
        rest = list(live)
    assert before + sum(chunk.shape[1] for chunk in rest) == end == live.position_frame
    assert live.finished
    assert np.abs(rest[-1][:, -8:]).max() < 1e-3  # faded out, not cut


@pytest.mark.parametrize("loudness", [5.0, -61.0, float("nan"), "loud"])
def test_a_bad_target_is_refused(generator: MusicGenerator, loudness: object) -> None:
    with pytest.raises(InvalidParameterError) as error:
        generator.live("calm", loudness_lufs=loudness)  # type: ignore[arg-type]
    assert error.value.details["field"] == "loudness_lufs"
