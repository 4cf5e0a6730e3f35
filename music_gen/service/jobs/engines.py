"""One MusicGenerator per model, loaded lazily and shared by every worker."""

from __future__ import annotations

import threading

from music_gen.generator import MusicGenerator


class GeneratorPool:
    """The generators of this process, one per model.

    Args:
        device: Device for neural engines.
    """

    def __init__(self, device: str = "auto") -> None:
        self.device = device
        self._generators: dict[str, MusicGenerator] = {}
        self._lock = threading.Lock()

    def get(self, model: str) -> MusicGenerator:
        """The generator for a model name (its engine loads on first use).

        Raises:
            ModelNotFoundError: Unknown model name.
        """
        probe = MusicGenerator(model=model, device=self.device)
        with self._lock:
            return self._generators.setdefault(probe.model, probe)

    def load(self, model: str) -> MusicGenerator:
        """The generator for a model, with its engine loaded now."""
        generator = self.get(model)
        generator.load()
        return generator

    def is_loaded(self, model: str) -> bool:
        """Whether the model's engine is loaded in this process."""
        generator = self._generators.get(model)
        return generator is not None and generator._engine is not None

    def close(self) -> None:
        """Release every engine."""
        with self._lock:
            for generator in self._generators.values():
                generator.close()
            self._generators.clear()
