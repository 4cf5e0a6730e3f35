"""Property tests: any in-range parameters give finite, audible, unclipped audio of the
exact length."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from music_gen.params import GenerationParams

WORDS = [
    "jazz",
    "rock",
    "calm",
    "piano",
    "drums",
    "sad",
    "techno",
    "waltz",
    "in F# minor",
    "140 bpm",
    "strings",
    "bossa nova",
    "dorian",
    "metal",
    "flute",
    "slow",
    "6/8",
    "xyzzy",
]


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
    duration_s=st.floats(min_value=0.05, max_value=3.0),
    temperature=st.floats(min_value=0.05, max_value=5.0),
    top_k=st.integers(min_value=0, max_value=300),
    top_p=st.floats(min_value=0.01, max_value=1.0),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_any_parameters_give_valid_audio(
    engine: Any,
    words: list[str],
    duration_s: float,
    temperature: float,
    top_k: int,
    top_p: float,
    seed: int,
) -> None:
    params = GenerationParams(
        " ".join(words),
        duration_s=duration_s,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        seed=seed,
    )
    audio = engine.generate(params)
    assert audio.samples.shape == (2, round(duration_s * 44100))
    assert np.isfinite(audio.samples).all()
    assert np.abs(audio.samples).max() <= 1.0
    assert np.abs(audio.samples).max() > 1e-3
