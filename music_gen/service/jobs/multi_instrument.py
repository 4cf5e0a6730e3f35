"""Multi-instrument tasks: stems and a mix from music_gen.MultiInstrumentGenerator."""

from __future__ import annotations

from typing import Any

from music_gen.audio import AudioOutput
from music_gen.engines.base import ProgressCallback
from music_gen.params import DEFAULT_TEMPERATURE, DEFAULT_TOP_K, DEFAULT_TOP_P
from music_gen.service.jobs.generators import GeneratorPool


def generate_multi_instrument(
    generators: GeneratorPool,
    model: str,
    params: dict[str, Any],
    duration_s: float,
    progress: ProgressCallback,
) -> dict[str, AudioOutput]:
    """Run a multi-instrument request; returns part name -> stem, plus "mix"."""
    generator = generators.get(model)
    mix_settings = dict(params.get("mix_settings") or {})
    if params.get("mix_preset"):
        mix_settings["preset"] = params["mix_preset"]
    return generator.generate_multi_track(
        dict(params["instruments"]),
        duration_s,
        mix_settings or None,
        temperature=params.get("temperature", DEFAULT_TEMPERATURE),
        top_k=params.get("top_k", DEFAULT_TOP_K),
        top_p=params.get("top_p", DEFAULT_TOP_P),
        seed=params.get("seed"),
        progress=progress,
    )
