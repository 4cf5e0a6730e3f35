"""The model registry: names, aliases, availability with reasons, helpful errors."""

from __future__ import annotations

import numpy as np
import pytest

from music_gen import AudioOutput, ModelNotFoundError, MusicGenerator, list_models
from music_gen.engines.base import Engine, EngineCapabilities, ProgressCallback
from music_gen.engines.registry import (
    DEFAULT_MODEL,
    lookup,
    registered,
    resolve,
    temporarily_registered,
    unregister,
)
from music_gen.engines.spec import ModelSpec
from music_gen.params import GenerationParams


def test_lists_composer_and_musicgen_checkpoints():
    names = {info.name for info in list_models()}
    assert "composer" in names
    for size in ("small", "medium", "large", "melody"):
        assert f"facebook/musicgen-{size}" in names
    assert "facebook/musicgen-stereo-small" in names


def test_every_entry_says_why_when_unavailable():
    for info in list_models():
        data = info.to_dict()
        assert {"name", "engine", "size", "quality", "sample_rate", "max_duration_s"} <= set(data)
        assert info.available or info.reason, info.name


def test_composer_allows_ten_minutes():
    composer = next(info for info in list_models() if info.name == "composer")
    assert composer.max_duration_s >= 600
    assert composer.sample_rate == 44100 and composer.channels == 2


@pytest.mark.parametrize("alias", ["musicgen-small", "FACEBOOK/MUSICGEN-SMALL", " musicgen-small "])
def test_aliases_resolve(alias):
    assert resolve(alias).name == "facebook/musicgen-small"


def test_unknown_model_lists_available():
    with pytest.raises(ModelNotFoundError) as info:
        MusicGenerator(model="no-such-model")
    assert info.value.code == "MODEL_NOT_FOUND"
    assert "composer" in info.value.message
    assert "composer" in info.value.details["available"]


def test_bad_device_is_rejected():
    from music_gen import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="device"):
        MusicGenerator(device="tpu")


def test_generator_loads_lazily_and_closes():
    generator = MusicGenerator()
    assert not generator.loaded  # building a generator loads nothing
    generator.load()
    assert generator.loaded
    generator.close()
    assert not generator.loaded


class SilenceEngine(Engine):
    """The smallest engine there is: silence of the asked length."""

    @property
    def capabilities(self) -> EngineCapabilities:
        return EngineCapabilities(max_duration_s=10.0, sample_rate=8000, channels=1)

    def generate(
        self, params: GenerationParams, *, progress: ProgressCallback | None = None
    ) -> AudioOutput:
        samples = np.zeros(round(params.duration_s * 8000), dtype=np.float32)
        return AudioOutput(samples=samples, sample_rate=8000, metadata={"model": self.model_name})


def _silence(name: str = "test-silence", aliases: tuple[str, ...] = ("hush",)) -> ModelSpec:
    return ModelSpec(
        name=name,
        engine="silence",
        size="0",
        quality="test",
        sample_rate=8000,
        channels=1,
        max_duration_s=10.0,
        description="silence, for tests",
        factory=lambda spec, options: SilenceEngine(),
        check=lambda spec, options: None,
        aliases=aliases,
    )


def test_built_in_engines_are_found_default_first():
    engines = [spec.engine for spec in registered()]
    assert engines[0] == "composer" and resolve(DEFAULT_MODEL).engine == "composer"
    assert engines.count("musicgen") == 10


def test_a_temporarily_registered_engine_generates_then_is_gone():
    with temporarily_registered(_silence()):
        assert resolve("HUSH").name == "test-silence"
        assert "test-silence" in {info.name for info in list_models()}
        audio = MusicGenerator("hush").generate("anything", duration=0.5)
        assert audio.num_frames == 4000 and audio.metadata["model"] == "test-silence"
    for name in ("test-silence", "hush"):
        with pytest.raises(ModelNotFoundError):
            resolve(name)
    assert "test-silence" not in {info.name for info in list_models()}


def test_leaving_restores_a_replaced_spec_and_an_unregistered_one():
    composer = resolve("composer")
    names = [spec.name for spec in registered()]
    with temporarily_registered(_silence("composer", aliases=("quiet",))):
        assert resolve("default").engine == "silence"  # the old alias follows the name
        unregister("facebook/musicgen-small")
        assert lookup("musicgen-small") is None
    assert resolve("composer") is composer and resolve("default") is composer
    assert lookup("quiet") is None
    assert [spec.name for spec in registered()] == names


def test_unregister_removes_name_and_aliases():
    with temporarily_registered(_silence()):
        assert unregister("Hush").name == "test-silence"
        assert lookup("test-silence") is None and lookup("hush") is None
        with pytest.raises(ModelNotFoundError, match="available models"):
            unregister("test-silence")
