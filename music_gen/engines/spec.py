"""What a model is to the registry: ModelSpec, the options engines run with, ModelInfo.

A leaf module: engine packages build their specs from these types and the registry keeps them,
so neither has to import the other for its types.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from music_gen.engines.base import Engine


@dataclass(frozen=True)
class EngineOptions:
    """Where and how to run an engine."""

    # "auto" (CUDA when present, else CPU), "cpu", "cuda" or "cuda:N".
    device: str = "auto"
    # torch dtype (or its name, "float16") for neural engines; None picks the engine default.
    dtype: Any = None
    # Where model weights are cached; None uses the library default (Hugging Face's cache).
    cache_dir: Path | None = None
    # Pieces an engine may render at once where it can (the composer: worker processes);
    # 1 renders in this process, one at a time.
    processes: int = 1


@dataclass(frozen=True)
class ModelInfo:
    """What list_models() reports for one model."""

    name: str
    engine: str
    size: str
    quality: str
    sample_rate: int
    channels: int
    max_duration_s: float
    description: str
    aliases: tuple[str, ...]
    # Whether it can run here, now.
    available: bool
    # When not available: why, and how to fix it.
    reason: str | None = None
    # Whether the weights are already on this machine (None: the engine downloads nothing).
    downloaded: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (the REST API's /models entries)."""
        data = asdict(self)
        data["aliases"] = list(self.aliases)
        return data


#: Builds an engine for a spec.
EngineFactory = Callable[["ModelSpec", EngineOptions], "Engine"]
#: Returns None when the model can run with these options, else the reason it cannot.
AvailabilityCheck = Callable[["ModelSpec", EngineOptions], "str | None"]
#: Returns whether the model's weights are on this machine (checked cheaply, offline).
DownloadCheck = Callable[["ModelSpec", EngineOptions], bool]
#: Fetches the model's weights onto this machine; returns where they are.
Fetcher = Callable[["ModelSpec", EngineOptions], Path]
#: Turns a name no spec matches (a local checkpoint directory, say) into a spec, or None.
Resolver = Callable[[str], "ModelSpec | None"]


@dataclass(frozen=True)
class ModelSpec:
    """A model a user can name: its facts and how to build, check and fetch it."""

    name: str
    engine: str
    size: str
    quality: str
    sample_rate: int
    channels: int
    max_duration_s: float
    description: str
    factory: EngineFactory
    check: AvailabilityCheck
    aliases: tuple[str, ...] = ()
    # Engine-specific facts (checkpoint id, architecture flags).
    extra: dict[str, Any] = field(default_factory=dict)
    # For engines with downloadable weights: whether they are here already.
    downloaded: DownloadCheck | None = None
    # For engines with downloadable weights: how to fetch them (`musicgen models download`).
    fetch: Fetcher | None = None

    def info(self, options: EngineOptions | None = None) -> ModelInfo:
        """This model's ModelInfo, with availability checked now."""
        opts = options or EngineOptions()
        reason = self.check(self, opts)
        return ModelInfo(
            name=self.name,
            engine=self.engine,
            size=self.size,
            quality=self.quality,
            sample_rate=self.sample_rate,
            channels=self.channels,
            max_duration_s=self.max_duration_s,
            description=self.description,
            aliases=self.aliases,
            available=reason is None,
            reason=reason,
            downloaded=self.downloaded(self, opts) if self.downloaded is not None else None,
        )
