"""Model names -> engine specs: register, resolve, list_models(), download.

The registry holds the mechanism only. Each engine package declares its own models in a
``models`` module (``engines/<engine>/models.py``) that calls :func:`register` (and, for names
that no spec matches, such as checkpoint directories, :func:`register_resolver`). The first
call into the registry imports every ``engines/*/models.py`` in name order: that is how the
built-in engines are found, and a new engine package is found the same way. Those modules
import their engines' heavy parts lazily, so listing models never imports torch.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from music_gen.engines.base import Engine
from music_gen.engines.spec import EngineOptions, ModelInfo, ModelSpec, Resolver
from music_gen.errors import ModelNotFoundError, ModelUnavailableError

__all__ = [
    "DEFAULT_MODEL",
    "download",
    "list_models",
    "load_engine",
    "lookup",
    "register",
    "register_resolver",
    "registered",
    "resolve",
    "temporarily_registered",
    "unregister",
]

DEFAULT_MODEL = "composer"

_SPECS: dict[str, ModelSpec] = {}
_ALIASES: dict[str, str] = {}
_RESOLVERS: list[Resolver] = []

# Discovery runs once, under a lock so that a thread never sees half the built-in models; the
# lock is reentrant because the modules it imports call register().
_discovery = threading.RLock()
_discovering = False
_discovered = False


def register(spec: ModelSpec) -> None:
    """Add (or replace) a model spec under its name and aliases (case-insensitive)."""
    _discover()
    _SPECS[spec.name] = spec
    for alias in (spec.name, *spec.aliases):
        _ALIASES[alias.lower()] = spec.name


def register_resolver(resolver: Resolver) -> None:
    """Add a fallback that turns names no spec matches (such as paths) into specs."""
    _discover()
    _RESOLVERS.append(resolver)


def unregister(name: str) -> ModelSpec:
    """Remove a registered model, by name or alias, with all its aliases; returns its spec.

    Raises:
        ModelNotFoundError: No registered model of that name; the message lists them.
    """
    spec = lookup(name)
    if spec is None:
        raise _not_found(name)
    del _SPECS[spec.name]
    for alias in [alias for alias, target in _ALIASES.items() if target == spec.name]:
        del _ALIASES[alias]
    return spec


@contextmanager
def temporarily_registered(*specs: ModelSpec) -> Iterator[None]:
    """Register ``specs`` for the duration of a ``with`` block (tests' own models).

    On leaving, the registered models and aliases are restored as they were on entering,
    including any spec that one of ``specs`` replaced.
    """
    _discover()
    saved_specs, saved_aliases = dict(_SPECS), dict(_ALIASES)
    try:
        for spec in specs:
            register(spec)
        yield
    finally:
        _SPECS.clear()
        _SPECS.update(saved_specs)
        _ALIASES.clear()
        _ALIASES.update(saved_aliases)


def resolve(name: str) -> ModelSpec:
    """Find the spec for a model name or alias (case-insensitive), else ask the resolvers.

    Raises:
        ModelNotFoundError: No model of that name; the message lists the available ones.
    """
    if not isinstance(name, str) or not name.strip():
        _discover()
        raise ModelNotFoundError(
            f"Model name must be a non-empty string; available models: {', '.join(_SPECS)}",
            details={"model": str(name), "available": list(_SPECS)},
        )
    spec = lookup(name)
    if spec is not None:
        return spec
    for resolver in _RESOLVERS:
        spec = resolver(name)
        if spec is not None:
            return spec
    raise _not_found(name)


def lookup(name: str) -> ModelSpec | None:
    """The registered spec for a name or alias (case-insensitive), or None.

    Unlike :func:`resolve`, it never consults the resolvers, so it touches no file and no
    network: it is what a server uses to match names its clients send.
    """
    _discover()
    if not isinstance(name, str):
        return None
    key = _ALIASES.get(name.strip().lower())
    return _SPECS[key] if key is not None else None


def registered() -> list[ModelSpec]:
    """Every registered spec, in registration order."""
    _discover()
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
    return [spec.info(options) for spec in registered()]


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


def _not_found(name: str) -> ModelNotFoundError:
    return ModelNotFoundError(
        f"Model {name!r} not found; available models: {', '.join(_SPECS)}",
        details={"model": name, "available": list(_SPECS)},
    )


def _discover() -> None:
    """Import every engine package's ``models`` module once, in name order."""
    global _discovering, _discovered
    if _discovered:
        return
    with _discovery:
        if _discovered or _discovering:
            return
        _discovering = True
        try:
            engines = Path(__file__).parent
            for found in pkgutil.iter_modules([str(engines)], prefix=f"{__package__}."):
                models = f"{found.name}.models"
                if found.ispkg and importlib.util.find_spec(models) is not None:
                    importlib.import_module(models)
            _discovered = True
        finally:
            _discovering = False
