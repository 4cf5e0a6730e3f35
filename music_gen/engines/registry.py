"""Model names -> engine factories, and list_models().

Every model a user can name is registered here as a :class:`ModelSpec`. Engines are imported
lazily by their factories, so listing models never imports torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from music_gen.engines.base import Engine
from music_gen.errors import ModelNotFoundError, ModelUnavailableError


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
EngineFactory = Callable[["ModelSpec", EngineOptions], Engine]
#: Returns None when the model can run with these options, else the reason it cannot.
AvailabilityCheck = Callable[["ModelSpec", EngineOptions], "str | None"]
#: Returns whether the model's weights are on this machine (checked cheaply, offline).
DownloadCheck = Callable[["ModelSpec", EngineOptions], bool]
#: Fetches the model's weights onto this machine; returns where they are.
Fetcher = Callable[["ModelSpec", EngineOptions], Path]


@dataclass(frozen=True)
class ModelSpec:
    """A registered model."""

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


_SPECS: dict[str, ModelSpec] = {}
_ALIASES: dict[str, str] = {}
#: Called with a name no spec matches (a local checkpoint directory, say); may return a spec.
_RESOLVERS: list[Callable[[str], ModelSpec | None]] = []

DEFAULT_MODEL = "composer"


def register(spec: ModelSpec) -> None:
    """Add (or replace) a model spec under its name and aliases."""
    _SPECS[spec.name] = spec
    for alias in (spec.name, *spec.aliases):
        _ALIASES[alias.lower()] = spec.name


def register_resolver(resolver: Callable[[str], ModelSpec | None]) -> None:
    """Add a fallback that turns unregistered names (such as paths) into specs."""
    _RESOLVERS.append(resolver)


def resolve(name: str) -> ModelSpec:
    """Find the spec for a model name or alias (case-insensitive).

    Raises:
        ModelNotFoundError: No model of that name; the message lists the available ones.
    """
    if not isinstance(name, str) or not name.strip():
        raise ModelNotFoundError(
            f"Model name must be a non-empty string; available models: {', '.join(_SPECS)}",
            details={"model": str(name), "available": list(_SPECS)},
        )
    key = _ALIASES.get(name.strip().lower())
    if key is not None:
        return _SPECS[key]
    _load_engine_plugins()
    for resolver in _RESOLVERS:
        spec = resolver(name)
        if spec is not None:
            return spec
    raise ModelNotFoundError(
        f"Model {name!r} not found; available models: {', '.join(_SPECS)}",
        details={"model": name, "available": list(_SPECS)},
    )


def lookup(name: str) -> ModelSpec | None:
    """The registered spec for a name or alias (case-insensitive), or None.

    Unlike :func:`resolve`, it never consults the resolvers, so it touches no file and no
    network: it is what a server uses to match names its clients send.
    """
    if not isinstance(name, str):
        return None
    key = _ALIASES.get(name.strip().lower())
    return _SPECS[key] if key is not None else None


def registered() -> list[ModelSpec]:
    """Every registered spec, in registration order."""
    return list(_SPECS.values())


def download(name: str, options: EngineOptions | None = None) -> Path | None:
    """Fetch a model's weights onto this machine; None when the model needs none.

    Raises:
        ModelNotFoundError: Unknown name.
        ModelUnavailableError: The weights cannot be fetched (offline, unknown repository).
    """
    spec = resolve(name)
    if spec.fetch is None:
        return None
    return spec.fetch(spec, options or EngineOptions())


def list_models(options: EngineOptions | None = None) -> list[ModelInfo]:
    """Every registered model with whether it can run here and, if not, why."""
    return [spec.info(options) for spec in _SPECS.values()]


def load_engine(name: str, options: EngineOptions | None = None) -> Engine:
    """Build the engine for a model name.

    Raises:
        ModelNotFoundError: Unknown name.
        ModelUnavailableError: Known, but it cannot run here; the message says how to fix it.
    """
    spec = resolve(name)
    opts = options or EngineOptions()
    reason = spec.check(spec, opts)
    if reason is not None:
        raise ModelUnavailableError(
            f"Model {spec.name!r} is not available: {reason}",
            details={"model": spec.name, "reason": reason},
        )
    engine = spec.factory(spec, opts)
    engine.model_name = spec.name
    return engine


def _load_engine_plugins() -> None:
    # Engines register resolvers on import; import the optional ones that are installed.
    for module in ("music_gen.engines.musicgen",):
        try:
            importlib.import_module(module)
        except ImportError:
            continue


# --- built-in models -------------------------------------------------------------------------


def _composer_factory(spec: ModelSpec, options: EngineOptions) -> Engine:
    from music_gen.engines.composer import ComposerEngine

    if options.processes > 1:
        from music_gen.engines.composer.pool import ComposerPool

        return ComposerPool(options.processes)
    return ComposerEngine()


def _composer_check(spec: ModelSpec, options: EngineOptions) -> str | None:
    from music_gen.engines.composer.render import soundfont_problem

    return soundfont_problem()


def _musicgen_factory(spec: ModelSpec, options: EngineOptions) -> Engine:
    from music_gen.engines.musicgen import MusicgenEngine

    return MusicgenEngine.from_spec(spec, options)


def _musicgen_check(spec: ModelSpec, options: EngineOptions) -> str | None:
    try:
        module = importlib.import_module("music_gen.engines.musicgen")
    except ImportError as exc:
        return (
            f"the MusicGen engine cannot be imported ({exc}); "
            "install it with: pip install 'music-gen-ai[musicgen]'"
        )
    problem: str | None = module.availability_problem(spec, options)
    return problem


def _musicgen_fetch(spec: ModelSpec, options: EngineOptions) -> Path:
    from music_gen.engines.musicgen.checkpoints import fetch_checkpoint

    return fetch_checkpoint(spec, options)


def _musicgen_downloaded(spec: ModelSpec, options: EngineOptions) -> bool:
    try:
        module = importlib.import_module("music_gen.engines.musicgen")
    except ImportError:
        return False
    return bool(module.is_cached(spec, options))


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
        factory=_composer_factory,
        check=_composer_check,
        aliases=("default",),
    )
)

_MUSICGEN = [
    # (checkpoint, size, quality, channels, melody)
    ("facebook/musicgen-small", "300M", "good", 1, False),
    ("facebook/musicgen-medium", "1.5B", "better", 1, False),
    ("facebook/musicgen-large", "3.3B", "best", 1, False),
    ("facebook/musicgen-melody", "1.5B", "better", 1, True),
    ("facebook/musicgen-melody-large", "3.3B", "best", 1, True),
    ("facebook/musicgen-stereo-small", "300M", "good", 2, False),
    ("facebook/musicgen-stereo-medium", "1.5B", "better", 2, False),
    ("facebook/musicgen-stereo-large", "3.3B", "best", 2, False),
    ("facebook/musicgen-stereo-melody", "1.5B", "better", 2, True),
    ("facebook/musicgen-stereo-melody-large", "3.3B", "best", 2, True),
]

for _checkpoint, _size, _quality, _channels, _melody in _MUSICGEN:
    register(
        ModelSpec(
            name=_checkpoint,
            engine="musicgen",
            size=_size,
            quality=_quality,
            sample_rate=32000,
            channels=_channels,
            max_duration_s=600.0,
            description=(
                f"Meta MusicGen {_size} ({'stereo' if _channels == 2 else 'mono'}"
                f"{', melody-conditioned' if _melody else ''}) through Hugging Face transformers."
            ),
            factory=_musicgen_factory,
            check=_musicgen_check,
            downloaded=_musicgen_downloaded,
            fetch=_musicgen_fetch,
            aliases=(_checkpoint.split("/", 1)[1],),
            extra={"checkpoint": _checkpoint, "melody": _melody},
        )
    )
