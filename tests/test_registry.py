"""The model registry: names, aliases, availability with reasons, helpful errors."""

from __future__ import annotations

import pytest

from music_gen import ModelNotFoundError, MusicGenerator, list_models
from music_gen.engines.registry import resolve


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
