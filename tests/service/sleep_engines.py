"""``python -m tests.service.sleep_engines <musicgen args>``: the CLI with test models and
"test-sleep", whose generation takes as many wall seconds as the audio it makes.

A generation that is still running when a signal arrives is what drain tests need.
"""

from __future__ import annotations

import time

from music_gen import cli
from music_gen.audio import AudioOutput
from music_gen.engines.base import ProgressCallback
from music_gen.engines.registry import register
from music_gen.engines.spec import ModelSpec
from music_gen.params import GenerationParams
from tests.service.engines import RATE, ToneEngine, register_test_engines


class SleepEngine(ToneEngine):
    """A tone that takes ``duration_s`` seconds to make, reporting progress as it goes."""

    def generate(
        self, params: GenerationParams, *, progress: ProgressCallback | None = None
    ) -> AudioOutput:
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < params.duration_s:
            if progress is not None:
                progress(min(elapsed / params.duration_s, 0.99))
            time.sleep(0.02)
        return super().generate(params, progress=progress)


def register_sleep_engine() -> None:
    """Register "test-sleep" (and the other test models)."""
    register_test_engines()
    register(
        ModelSpec(
            name="test-sleep",
            engine="test",
            size="0",
            quality="test",
            sample_rate=RATE,
            channels=1,
            max_duration_s=30.0,
            description="test engine that takes real time",
            factory=lambda spec, options: SleepEngine("tone"),
            check=lambda spec, options: None,
        )
    )


if __name__ == "__main__":
    register_sleep_engine()
    cli.main()
