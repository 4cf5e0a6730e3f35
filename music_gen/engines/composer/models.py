"""The composer's model, declared to the registry: ``composer`` (alias ``default``)."""

from __future__ import annotations

from music_gen.engines.base import Engine
from music_gen.engines.composer.engine import ComposerEngine
from music_gen.engines.composer.render import soundfont_problem
from music_gen.engines.registry import register
from music_gen.engines.spec import EngineOptions, ModelSpec


def build_engine(spec: ModelSpec, options: EngineOptions) -> Engine:
    """A ComposerEngine, or a pool of worker processes when ``options.processes`` > 1."""
    if options.processes > 1:
        # Worker processes (and threadpoolctl) only when asked for.
        from music_gen.engines.composer.pool import ComposerPool

        return ComposerPool(options.processes)
    return ComposerEngine()


def availability_problem(spec: ModelSpec, options: EngineOptions) -> str | None:
    """Why the composer cannot render here (no FluidSynth or SoundFont), or None."""
    return soundfont_problem()


register(
    ModelSpec(
        name="composer",
        engine="composer",
        size="n/a",
        quality="good",
        sample_rate=44100,
        channels=2,
        max_duration_s=900.0,
        description=(
            "Offline composer: reads the prompt, writes an arrangement as notes and renders it "
            "with FluidSynth and a General MIDI SoundFont. Fast on a CPU; stems and MIDI."
        ),
        factory=build_engine,
        check=availability_problem,
        aliases=("default",),
    )
)
