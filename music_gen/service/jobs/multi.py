"""Multi-instrument tasks: stems and a mix from music_gen.MultiInstrumentGenerator."""

from __future__ import annotations

from typing import Any

from music_gen.audio import AudioOutput
from music_gen.engines.base import ProgressCallback
from music_gen.service.jobs.engines import GeneratorPool


def generate_multi(
    generators: GeneratorPool,
    model: str,
    params: dict[str, Any],
    duration_s: float,
    progress: ProgressCallback,
) -> dict[str, AudioOutput]:
    """Run a multi-instrument request; returns part name -> stem, plus "mix"."""
    generator = generators.multi(model)
    mix_settings = dict(params.get("mix_settings") or {})
    if params.get("mix_preset"):
        mix_settings["preset"] = params["mix_preset"]
    result: dict[str, AudioOutput] = generator.generate_multi_track(
        dict(params["instruments"]),
        duration_s,
        mix_settings or None,
        temperature=params.get("temperature", 1.0),
        top_k=params.get("top_k", 250),
        top_p=params.get("top_p", 1.0),
        seed=params.get("seed"),
        progress=progress,
    )
    return result
