"""Every bad generation parameter gets a clear, typed error with the right code."""

from __future__ import annotations

import math

import pytest

from music_gen import GenerationParams, InvalidParameterError, InvalidPromptError
from music_gen.params import MAX_PROMPT_CHARS


def test_defaults_are_valid_and_serialisable():
    params = GenerationParams(prompt="calm piano")
    data = params.to_dict()
    assert data["prompt"] == "calm piano"
    assert data["duration_s"] == 10.0
    assert 0 < data["top_p"] <= 1


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t"])
def test_empty_prompt(prompt):
    with pytest.raises(InvalidPromptError) as info:
        GenerationParams(prompt=prompt)
    assert info.value.code == "INVALID_PROMPT"
    assert "empty" in info.value.message.lower()


@pytest.mark.parametrize("prompt", [None, 42, ["piano"], b"piano"])
def test_prompt_wrong_type(prompt):
    with pytest.raises(InvalidPromptError, match="string"):
        GenerationParams(prompt=prompt)


def test_prompt_too_long():
    GenerationParams(prompt="a" * MAX_PROMPT_CHARS)
    with pytest.raises(InvalidPromptError) as info:
        GenerationParams(prompt="a" * (MAX_PROMPT_CHARS + 1))
    assert info.value.details["max_length"] == MAX_PROMPT_CHARS


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("duration_s", 0, "> 0"),
        ("duration_s", -1.5, "> 0"),
        ("duration_s", math.nan, "finite"),
        ("duration_s", math.inf, "finite"),
        ("duration_s", "10", "number"),
        ("duration_s", True, "number"),
        ("temperature", 0, "[0.01, 100]"),
        ("temperature", -0.1, "[0.01, 100]"),
        ("temperature", math.nan, "finite"),
        ("top_k", -1, ">= 0"),
        ("top_k", 2.5, "integer"),
        ("top_k", "50", "integer"),
        ("top_p", 0, "(0, 1]"),
        ("top_p", 1.01, "(0, 1]"),
        ("top_p", math.inf, "finite"),
        ("seed", -1, "seed"),
        ("seed", 2**32, "seed"),
        ("seed", "7", "integer"),
        ("guidance_scale", 0.5, ">= 1"),
    ],
)
def test_bad_numbers(field, value, fragment):
    with pytest.raises(InvalidParameterError) as info:
        GenerationParams(prompt="piano", **{field: value})
    assert info.value.code == "INVALID_PARAMETER"
    assert fragment in info.value.message
    assert info.value.details["field"] in (field, field.removesuffix("_s"))


def test_integral_floats_are_accepted_as_integers():
    params = GenerationParams(prompt="piano", top_k=50.0, seed=7.0)
    assert params.top_k == 50 and isinstance(params.top_k, int)
    assert params.seed == 7


def test_with_revalidates():
    params = GenerationParams(prompt="piano")
    assert params.with_(duration_s=3.0).duration_s == 3.0
    with pytest.raises(InvalidParameterError):
        params.with_(duration_s=-3.0)


def test_error_envelope_shape():
    with pytest.raises(InvalidPromptError) as info:
        GenerationParams(prompt="")
    body = info.value.to_dict()
    assert set(body) == {"code", "message", "details"}


@pytest.mark.parametrize("temperature", [5e-324, 1e-300, 1e-6, 0.009999, 100.001, 1e300])
def test_temperature_outside_its_range_is_refused(temperature: float) -> None:
    from music_gen.params import MAX_TEMPERATURE, MIN_TEMPERATURE

    with pytest.raises(InvalidParameterError) as info:
        GenerationParams("x", temperature=temperature)
    assert f"[{MIN_TEMPERATURE:g}, {MAX_TEMPERATURE:g}]" in info.value.message
    for edge in (MIN_TEMPERATURE, MAX_TEMPERATURE):
        assert GenerationParams("x", temperature=edge).temperature == edge


def test_guidance_scale_of_one_is_the_smallest_accepted() -> None:
    from music_gen.params import MIN_GUIDANCE_SCALE

    assert GenerationParams("x", guidance_scale=MIN_GUIDANCE_SCALE).guidance_scale == 1.0
    with pytest.raises(InvalidParameterError, match="guidance_scale must be >= 1"):
        GenerationParams("x", guidance_scale=math.nextafter(MIN_GUIDANCE_SCALE, 0.0))
