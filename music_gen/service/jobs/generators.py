"""One generator per model, loaded lazily and shared by every worker."""

from __future__ import annotations

import threading
from dataclasses import replace

from music_gen.engines.registry import resolve
from music_gen.multi_instrument import MultiInstrumentGenerator


class GeneratorPool:
    """The generators of this process, one per model.

    Each is a :class:`~music_gen.MultiInstrumentGenerator`, which does everything
    :class:`~music_gen.MusicGenerator` does plus stems and a mix, so one instance (one engine)
    per model serves every kind of task.

    Args:
        device: Device for neural engines.
        composer_processes: Pieces each composer model renders at once, in worker processes
            (1: in this process, one at a time).
    """

    def __init__(self, device: str = "auto", composer_processes: int = 1) -> None:
        self.device = device
        self.composer_processes = composer_processes
        self._generators: dict[str, MultiInstrumentGenerator] = {}
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

    def get(self, model: str) -> MultiInstrumentGenerator:
        """The generator for a model name or alias (its engine loads on first use).

        Raises:
            ModelNotFoundError: Unknown model name.
        """
        name = resolve(model).name
        with self._lock:
            generator = self._generators.get(name)
            if generator is None:
                generator = MultiInstrumentGenerator(model=name, device=self.device)
                generator.options = replace(generator.options, processes=self.processes(name))
                self._generators[name] = generator
            return generator

    def load(self, model: str) -> MultiInstrumentGenerator:
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
