"""One generator per model, loaded lazily and shared by every worker."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from music_gen.engines.registry import resolve
from music_gen.errors import ModelUnavailableError
from music_gen.generator import MusicGenerator


def _generator_class() -> type[MusicGenerator]:
    # MultiInstrumentGenerator does everything MusicGenerator does plus stems and a mix, so
    # one instance (one engine) per model serves both kinds of task when it is installed.
    try:
        from music_gen.multitrack import (  # type: ignore[import-not-found,unused-ignore]
            MultiInstrumentGenerator,
        )
    except ImportError:
        return MusicGenerator
    cls: type[MusicGenerator] = MultiInstrumentGenerator
    return cls


class GeneratorPool:
    """The generators of this process, one per model.

    Args:
        device: Device for neural engines.
        composer_processes: Pieces each composer model renders at once, in worker processes
            (1: in this process, one at a time).
    """

    def __init__(self, device: str = "auto", composer_processes: int = 1) -> None:
        self.device = device
        self.composer_processes = composer_processes
        self._generators: dict[str, MusicGenerator] = {}
        self._model_locks: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def processes(self, model: str) -> int:
        """Generations of ``model`` that may run at once."""
        return self.composer_processes if resolve(model).engine == "composer" else 1

    def lock(self, model: str) -> threading.BoundedSemaphore:
        """What a worker holds while the model generates: one of :meth:`processes` slots.

        Raises:
            ModelNotFoundError: Unknown model name.
        """
        name = resolve(model).name
        with self._lock:
            slots = self._model_locks.get(name)
            if slots is None:
                slots = threading.BoundedSemaphore(self.processes(name))
                self._model_locks[name] = slots
            return slots

    def get(self, model: str) -> MusicGenerator:
        """The generator for a model name or alias (its engine loads on first use).

        Raises:
            ModelNotFoundError: Unknown model name.
        """
        name = resolve(model).name
        with self._lock:
            generator = self._generators.get(name)
            if generator is None:
                generator = _generator_class()(model=name, device=self.device)
                generator.options = replace(generator.options, processes=self.processes(name))
                self._generators[name] = generator
            return generator

    def multi(self, model: str) -> Any:
        """The model's generator as a MultiInstrumentGenerator.

        Raises:
            ModelUnavailableError: Multi-track generation is not installed.
        """
        generator = self.get(model)
        if not hasattr(generator, "generate_multi_track"):
            raise ModelUnavailableError(
                "Multi-instrument generation is not available in this installation "
                "(music_gen.multitrack is missing)",
                details={"model": model},
            )
        return generator

    def load(self, model: str) -> MusicGenerator:
        """The generator for a model, with its engine loaded now."""
        generator = self.get(model)
        generator.load()
        return generator

    def is_loaded(self, model: str) -> bool:
        """Whether the model's engine is loaded in this process."""
        generator = self._generators.get(resolve(model).name)
        # MusicGenerator has no public flag for this; its engine slot is the truth.
        return generator is not None and generator.loaded

    def close(self) -> None:
        """Release every engine."""
        with self._lock:
            for generator in self._generators.values():
                generator.close()
            self._generators.clear()
