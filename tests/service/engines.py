"""Tiny deterministic engines for in-process service tests (no SoundFont, no weights)."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

import numpy as np

from music_gen.audio import AudioOutput
from music_gen.engines.base import Engine, EngineCapabilities, ProgressCallback
from music_gen.engines.registry import register
from music_gen.engines.spec import ModelSpec
from music_gen.errors import GenerationError
from music_gen.params import GenerationParams

RATE = 22050
#: Set to let "test-slow" generations finish; while clear they report progress and wait.
RELEASE = threading.Event()


class ToneEngine(Engine):
    """A sine tone whose pitch depends on the seed; ``mode`` picks slow or failing variants."""

    def __init__(self, mode: str = "tone") -> None:
        self.mode = mode

    @property
    def capabilities(self) -> EngineCapabilities:
        return EngineCapabilities(max_duration_s=30.0, sample_rate=RATE, channels=1)

    def generate(
        self, params: GenerationParams, *, progress: ProgressCallback | None = None
    ) -> AudioOutput:
        self.check_duration(params)
        if self.mode == "fail":
            raise GenerationError("the test engine always fails", details={"engine": "test"})
        if self.mode == "slow":
            deadline = time.monotonic() + 20.0
            while not RELEASE.is_set() and time.monotonic() < deadline:
                if progress is not None:
                    progress(0.5)
                time.sleep(0.02)
        frames = round(params.duration_s * RATE)
        seed = params.seed or 0
        t = np.arange(frames) / RATE
        samples = 0.3 * np.sin(2 * np.pi * (220 + seed % 440) * t)
        if progress is not None:
            progress(1.0)
        return AudioOutput(
            samples=samples.astype(np.float32),
            sample_rate=RATE,
            metadata={"engine": "test", "model": self.model_name, "seed": seed},
        )

    def generate_stems(
        self,
        parts: Mapping[str, str],
        params: GenerationParams,
        *,
        progress: ProgressCallback | None = None,
    ) -> dict[str, AudioOutput]:
        """One tone per part, a fifth apart, all of the same length."""
        self.check_duration(params)
        frames = round(params.duration_s * RATE)
        t = np.arange(frames) / RATE
        stems = {}
        for index, name in enumerate(parts):
            samples = 0.2 * np.sin(2 * np.pi * 220 * 1.5**index * t)
            stems[name] = AudioOutput(
                samples=samples.astype(np.float32),
                sample_rate=RATE,
                metadata={"engine": "test", "model": self.model_name, "part": name},
            )
        if progress is not None:
            progress(1.0)
        return stems


def _spec(name: str, mode: str, reason: str | None = None) -> ModelSpec:
    return ModelSpec(
        name=name,
        engine="test",
        size="0",
        quality="test",
        sample_rate=RATE,
        channels=1,
        max_duration_s=30.0,
        description=f"test engine ({mode})",
        factory=lambda spec, options: ToneEngine(mode),
        check=lambda spec, options: reason,
    )


#: test-tone, test-slow, test-fail and test-missing (never available). In-process tests
#: register them with ``registry.temporarily_registered(*TEST_SPECS)``, so that other test
#: folders, which list models, do not see them.
TEST_SPECS = (
    _spec("test-tone", "tone"),
    _spec("test-slow", "slow"),
    _spec("test-fail", "fail"),
    _spec("test-missing", "tone", reason="it is a test model that never runs"),
)


def register_test_engines() -> None:
    """Register the test models for the rest of the process (a CLI started for a test)."""
    for spec in TEST_SPECS:
        register(spec)


__all__ = ["RATE", "RELEASE", "TEST_SPECS", "ToneEngine", "register_test_engines"]
