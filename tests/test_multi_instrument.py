"""MultiInstrumentGenerator: stems from one plan plus a mastered mix, and its validation."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pytest

from music_gen import (
    AudioOutput,
    GenerationError,
    GenerationParams,
    InvalidParameterError,
    InvalidPromptError,
    MultiInstrumentGenerator,
    UnsupportedOperationError,
)
from music_gen.engines.base import Engine, EngineCapabilities, ProgressCallback
from music_gen.engines.registry import resolve, temporarily_registered
from music_gen.engines.spec import EngineOptions, ModelSpec
from music_gen.mixing import PRESETS

SR = 32000


class StemSynthEngine(Engine):
    """Synthesizes one stem per part (drums: noise bursts; others: decaying tones)."""

    def __init__(self, broken: bool = False) -> None:
        self.calls: list[tuple[dict[str, str], GenerationParams]] = []
        self.broken = broken

    @property
    def capabilities(self) -> EngineCapabilities:
        return EngineCapabilities(max_duration_s=120.0, sample_rate=SR, channels=2, stems=True)

    def generate(
        self, params: GenerationParams, *, progress: ProgressCallback | None = None
    ) -> AudioOutput:
        stems = self.generate_stems({"lead": params.prompt}, params)
        return stems["lead"]

    def generate_stems(
        self,
        parts: Mapping[str, str],
        params: GenerationParams,
        *,
        progress: ProgressCallback | None = None,
    ) -> dict[str, AudioOutput]:
        self.calls.append((dict(parts), params))
        frames = round(params.duration_s * SR)
        t = np.arange(frames) / SR
        rng = np.random.default_rng(params.seed)
        stems: dict[str, AudioOutput] = {}
        for index, name in enumerate(parts):
            if "drum" in name:
                env = np.exp(-(t % 0.5) * 30)
                mono = 0.5 * rng.standard_normal(frames) * env
            else:
                mono = 0.3 * np.sin(2 * np.pi * 110 * (index + 1) * t) * np.exp(-(t % 1) * 2)
            length = frames + (index if self.broken else 0)
            samples = np.zeros((2, length), dtype=np.float32)
            samples[:, :frames] = mono
            meta = {"engine": "test", "model": "test-stems", "seed": params.seed, "part": name}
            stems[name] = AudioOutput(samples, SR, metadata=meta)
            if progress is not None:
                progress((index + 1) / len(parts))
        return stems


class AudioOnlyEngine(StemSynthEngine):
    def generate_stems(
        self,
        parts: Mapping[str, str],
        params: GenerationParams,
        *,
        progress: ProgressCallback | None = None,
    ) -> dict[str, AudioOutput]:
        return Engine.generate_stems(self, parts, params, progress=progress)


ENGINES: dict[str, StemSynthEngine] = {}


def _spec(name: str, make: type[StemSynthEngine], **kwargs: bool) -> ModelSpec:
    def factory(spec: ModelSpec, options: EngineOptions) -> Engine:
        engine = make(**kwargs)
        ENGINES[name] = engine
        return engine

    return ModelSpec(
        name=name,
        engine="test",
        size="n/a",
        quality="test",
        sample_rate=SR,
        channels=2,
        max_duration_s=120.0,
        description="synthesized stems for tests",
        factory=factory,
        check=lambda spec, options: None,
    )


@pytest.fixture(scope="module", autouse=True)
def test_models() -> Iterator[None]:
    with temporarily_registered(
        _spec("test-stems", StemSynthEngine),
        _spec("test-broken-stems", StemSynthEngine, broken=True),
        _spec("test-audio-only", AudioOnlyEngine),
    ):
        yield


PROMPTS = {"piano": "Jazz piano comping", "bass": "Walking bass line", "drums": "Swing pattern"}


@pytest.fixture(scope="module")
def jazz_tracks() -> dict[str, AudioOutput]:
    multi = MultiInstrumentGenerator(model="test-stems")
    progress: list[float] = []
    tracks = multi.generate_multi_track(
        PROMPTS,
        duration=4.0,
        mix_settings={"preset": "jazz_club"},
        seed=5,
        progress=progress.append,
    )
    tracks["mix"].metadata["_progress"] = progress
    return tracks


def test_returns_each_stem_then_the_mix_all_sample_aligned(
    jazz_tracks: dict[str, AudioOutput],
) -> None:
    assert list(jazz_tracks) == ["piano", "bass", "drums", "mix"]
    for audio in jazz_tracks.values():
        assert audio.sample_rate == SR
        assert audio.num_frames == 4 * SR
        assert np.all(np.isfinite(audio.samples))
    mix = jazz_tracks["mix"]
    assert mix.channels == 2
    assert mix.stems is not None and list(mix.stems) == ["piano", "bass", "drums"]


def test_mix_is_mixed_per_preset_and_mastered_to_its_target(
    jazz_tracks: dict[str, AudioOutput],
) -> None:
    meta = jazz_tracks["mix"].metadata
    preset = PRESETS["jazz_club"]
    assert meta["mix"]["preset"] == "jazz_club"
    assert meta["mix"]["tracks"]["piano"]["role"] == "keys"
    assert meta["mix"]["tracks"]["piano"]["pan"] == preset.role("keys").pan
    assert meta["mastering"]["integrated_lufs"] == pytest.approx(preset.target_lufs, abs=0.5)
    assert meta["mastering"]["true_peak_dbtp"] < -preset.headroom_db
    assert meta["parts"] == PROMPTS
    assert meta["seed"] == 5 and meta["engine"] == "test"


def test_progress_rises_to_one(jazz_tracks: dict[str, AudioOutput]) -> None:
    progress = jazz_tracks["mix"].metadata["_progress"]
    assert progress == sorted(progress)
    assert progress[-1] == 1.0 and len(progress) >= 3


def test_one_call_to_the_engine_with_the_joined_prompt_by_default(
    jazz_tracks: dict[str, AudioOutput],
) -> None:
    parts, params = ENGINES["test-stems"].calls[0]
    assert parts == PROMPTS
    assert params.prompt == "Jazz piano comping, Walking bass line, Swing pattern"
    assert params.duration_s == 4.0 and params.seed == 5


def test_stems_and_mix_save_to_files_of_the_same_length(
    jazz_tracks: dict[str, AudioOutput], tmp_path: Path
) -> None:
    for name, audio in jazz_tracks.items():
        written = AudioOutput.load(audio.save(tmp_path / f"{name}.wav"))
        assert written.num_frames == 4 * SR


def test_explicit_settings_override_the_preset_and_overall_prompt_is_used() -> None:
    multi = MultiInstrumentGenerator(model="test-stems")
    tracks = multi.generate_multi_track(
        {"piano": "comping", "bass": "walking"},
        duration=2.0,
        mix_settings={
            "preset": "jazz_club",
            "levels": {"piano": -9.0},
            "panning": {"bass": 0.4},
            "target_lufs": -20.0,
            "headroom_db": 2.0,
        },
        prompt="Late-night jazz trio",
        seed=1,
    )
    meta = tracks["mix"].metadata
    assert meta["mix"]["tracks"]["piano"]["level_db"] == -9.0
    assert meta["mix"]["tracks"]["bass"]["pan"] == 0.4
    assert meta["mastering"]["integrated_lufs"] == pytest.approx(-20.0, abs=0.5)
    assert meta["mastering"]["true_peak_dbtp"] < -2.0
    assert ENGINES["test-stems"].calls[-1][1].prompt == "Late-night jazz trio"


@pytest.mark.parametrize(
    ("prompts", "settings", "kwargs", "error", "needle"),
    [
        ({"mix": "x"}, None, {}, InvalidParameterError, "collides with the 'mix' key"),
        ({"Mix ": "x"}, None, {}, InvalidParameterError, "collides"),
        ({"a/b": "x"}, None, {}, InvalidParameterError, "is not valid"),
        ({}, None, {}, InvalidPromptError, "cannot be empty"),
        ({"piano": ""}, None, {}, InvalidPromptError, "prompts['piano']"),
        ({"piano": 3}, None, {}, InvalidPromptError, "must be a string"),
        (["piano"], None, {}, InvalidPromptError, "must be a dict"),
        ({"piano": "x"}, {"reverb": 1}, {}, InvalidParameterError, "valid keys: preset"),
        ({"piano": "x"}, {"levels": {"bass": -3}}, {}, InvalidParameterError, "'bass'"),
        ({"piano": "x"}, {"preset": "nope"}, {}, InvalidParameterError, "available presets"),
        (
            {"piano": "x"},
            {"effects": {"piano": [{"type": "x"}]}},
            {},
            InvalidParameterError,
            "unknown effect type",
        ),
        ({"piano": "x"}, None, {"duration": -1.0}, InvalidParameterError, "duration"),
        ({"piano": "x"}, None, {"duration": 500.0}, InvalidParameterError, "maximum"),
        ({"piano": "x"}, None, {"temperature": 0.0}, InvalidParameterError, "temperature"),
    ],
)
def test_bad_input_is_rejected_before_anything_is_generated(
    prompts: object, settings: object, kwargs: dict, error: type[Exception], needle: str
) -> None:
    multi = MultiInstrumentGenerator(model="test-stems")
    before = len(ENGINES["test-stems"].calls) if "test-stems" in ENGINES else 0
    kwargs = {"duration": 2.0, **kwargs}
    with pytest.raises(error) as info:
        multi.generate_multi_track(prompts, mix_settings=settings, **kwargs)  # type: ignore[arg-type]
    assert needle in str(info.value)
    after = len(ENGINES["test-stems"].calls) if "test-stems" in ENGINES else 0
    assert after == before


def test_model_without_stems_says_so() -> None:
    multi = MultiInstrumentGenerator(model="test-audio-only")
    with pytest.raises(UnsupportedOperationError, match="cannot generate separate stems"):
        multi.generate_multi_track({"piano": "x"}, duration=1.0)


def test_engine_breaking_the_stem_contract_is_a_generation_error() -> None:
    multi = MultiInstrumentGenerator(model="test-broken-stems")
    with pytest.raises(GenerationError, match="different sample rates or lengths"):
        multi.generate_multi_track({"piano": "x", "bass": "y"}, duration=1.0)


def _composer_problem() -> str | None:
    if importlib.util.find_spec("music_gen.engines.composer") is None:
        return "the composer engine is not in this checkout"
    info = resolve("composer").info()
    return None if info.available else info.reason


@pytest.mark.slow
@pytest.mark.skipif(_composer_problem() is not None, reason=str(_composer_problem()))
def test_composer_stems_and_mix_end_to_end(tmp_path: Path) -> None:
    multi = MultiInstrumentGenerator(model="composer")
    tracks = multi.generate_multi_track(
        PROMPTS, duration=8.0, mix_settings={"preset": "jazz_club"}, seed=11
    )
    assert list(tracks) == [*PROMPTS, "mix"]
    frames = {audio.num_frames for audio in tracks.values()}
    assert frames == {round(8.0 * tracks["mix"].sample_rate)}
    for name in PROMPTS:
        assert np.sqrt(np.mean(tracks[name].samples ** 2)) > 1e-4, name  # every part plays
    report = tracks["mix"].metadata["mastering"]
    assert report["integrated_lufs"] == pytest.approx(PRESETS["jazz_club"].target_lufs, abs=0.5)
    assert report["true_peak_dbtp"] < -PRESETS["jazz_club"].headroom_db


def test_mixing_reports_progress_between_generation_and_the_end(
    jazz_tracks: dict[str, AudioOutput],
) -> None:
    progress = jazz_tracks["mix"].metadata["_progress"]
    mixing = [p for p in progress if 0.9 < p < 1.0]
    assert len(mixing) >= len(jazz_tracks) - 1  # one step per stem, then mastering
    assert mixing == sorted(mixing)
