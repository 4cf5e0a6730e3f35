"""Fixtures for the composer tests: one engine and a cache of renders for the session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from music_gen.audio import AudioOutput
from music_gen.engines.composer.render import soundfont_problem
from music_gen.params import GenerationParams

_PROBLEM = soundfont_problem()
if _PROBLEM is not None:  # pragma: no cover - depends on the machine
    pytest.skip(f"composer unavailable: {_PROBLEM}", allow_module_level=True)

Render = Callable[..., AudioOutput]


@pytest.fixture(scope="session")
def engine() -> Iterator[Any]:
    from music_gen.engines.composer import ComposerEngine

    composer = ComposerEngine()
    yield composer
    composer.close()


@pytest.fixture(scope="session")
def render(engine: Any) -> Render:
    """render(prompt, duration_s=6.0, seed=1, **params) -> AudioOutput, cached per arguments."""
    cache: dict[tuple[str, float, int, str], AudioOutput] = {}

    def get(prompt: str, duration_s: float = 6.0, seed: int = 1, **kwargs: Any) -> AudioOutput:
        key = (prompt, duration_s, seed, repr(sorted(kwargs.items(), key=str)))
        if key not in cache:
            extra = kwargs.pop("extra", {})
            params = GenerationParams(
                prompt, duration_s=duration_s, seed=seed, extra=dict(extra), **kwargs
            )
            cache[key] = engine.generate(params)
        return cache[key]

    return get
