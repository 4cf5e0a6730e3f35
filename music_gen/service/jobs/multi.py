"""Multi-instrument tasks: stems and a mix from music_gen.MultiInstrumentGenerator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from music_gen.audio import AudioOutput
from music_gen.errors import ModelUnavailableError


def generate_multi(
    model: str,
    params: dict[str, Any],
    duration_s: float,
    progress: Callable[[float], None],
) -> dict[str, AudioOutput]:
    """Run a multi-instrument request; returns part name -> stem, plus "mix"."""
    try:
        from music_gen import MultiInstrumentGenerator  # type: ignore[attr-defined]
    except ImportError as exc:
        raise ModelUnavailableError(
            "Multi-instrument generation is not available in this installation",
            details={"reason": str(exc)},
        ) from exc
    generator = MultiInstrumentGenerator(model=model)
    mix_settings: dict[str, Any] = {"preset": params.get("mix_preset")}
    result: dict[str, AudioOutput] = generator.generate_multi_track(
        dict(params["instruments"]), duration_s, mix_settings
    )
    progress(1.0)
    return result
