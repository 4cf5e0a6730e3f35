"""MusicGenerator.generate() with a GenerationParams instead of keyword arguments."""

from __future__ import annotations

import numpy as np
import pytest

from music_gen import GenerationParams, InvalidParameterError, MusicGenerator
from music_gen.params import DEFAULT_DURATION_S


@pytest.fixture(scope="module")
def generator() -> MusicGenerator:
    return MusicGenerator("composer", device="cpu")


def test_params_give_the_same_piece_as_keywords(generator: MusicGenerator) -> None:
    params = GenerationParams("calm piano melody", duration_s=1.5, seed=11, temperature=0.8)
    from_params = generator.generate(params)
    from_keywords = generator.generate("calm piano melody", 1.5, temperature=0.8, seed=11)
    assert from_params.num_frames == round(1.5 * generator.sample_rate)
    assert from_params.metadata["params"] == params.to_dict()
    np.testing.assert_array_equal(from_params.samples, from_keywords.samples)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"duration": DEFAULT_DURATION_S}, "duration"),  # even the default value
        ({"seed": None}, "seed"),
        ({"top_k": 5, "loudness_lufs": None}, "top_k, loudness_lufs"),
        ({"melody": "x"}, "melody"),
    ],
)
def test_params_with_other_arguments_are_refused(
    generator: MusicGenerator, kwargs: dict[str, object], named: str
) -> None:
    with pytest.raises(InvalidParameterError, match=f"GenerationParams and {named} ") as caught:
        generator.generate(GenerationParams("x", duration_s=1.0), **kwargs)  # type: ignore[call-overload]
    assert caught.value.details["arguments"] == named.split(", ")


def test_params_over_the_models_maximum_are_refused(generator: MusicGenerator) -> None:
    limit = generator.info.max_duration_s
    with pytest.raises(InvalidParameterError, match="above the maximum") as caught:
        generator.generate(GenerationParams("x", duration_s=limit + 1))
    assert caught.value.details["max"] == limit
