"""Which models this server serves, and the one place a client's model name is matched.

A client's ``model`` field is compared with names only: it never reaches the registry's
resolvers (which read directories and the Hugging Face cache) and is never echoed back, so
it can neither probe the server's files nor make a worker download weights. The operator
chooses the served models with ``MUSICGEN_MODELS`` (registry names, aliases and checkpoint
directories); by default the server serves its default model, every model that needs no
weights and every model whose weights are already here. Weights are fetched only by the
operator (``musicgen models download NAME``).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from typing import Any

from music_gen.engines.registry import lookup, registered, resolve
from music_gen.engines.spec import EngineOptions, ModelInfo, ModelSpec
from music_gen.errors import ModelNotFoundError, MusicGenError
from music_gen.service.settings import Settings

log = logging.getLogger("music_gen.service")

#: Seconds a list of served models is reused (checking downloads touches the disk).
CACHE_S = 30.0


def not_downloaded(spec: ModelSpec) -> str:
    """The reason a served model without weights here does not run."""
    return (
        f"its weights are not on this server, which never downloads any; the operator can "
        f"fetch them with `musicgen models download {spec.name}`"
    )


class ModelCatalog:
    """The models a server serves.

    Args:
        settings: ``models`` (the operator's list, or None for the default rule) and
            ``default_model``.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cache: tuple[float, dict[str, ModelSpec], dict[str, str]] | None = None
        self._registry: tuple[int, ...] = ()
        self._lock = threading.Lock()

    def served(self) -> dict[str, ModelSpec]:
        """Served specs by registry name, in the operator's (or the registry's) order."""
        return self._current()[1]

    def resolve(self, requested: str | None) -> str:
        """The registry name to run for a client's ``model`` field (None: the default).

        Raises:
            ModelNotFoundError: The name is not served here. The message lists the served
                models and does not repeat the name.
        """
        _, served, names = self._current()
        if requested is None:
            return resolve(self.settings.default_model).name
        name = names.get(requested) if isinstance(requested, str) else None
        if name is None:
            raise ModelNotFoundError(
                "Model not found; available models on this server: "
                f"{', '.join(served)} (see GET /models)",
                details={"available": list(served)},
            )
        return name

    def spellings(self) -> dict[str, list[str]]:
        """Registry name -> every spelling a client may send for it (the name first)."""
        _, served, names = self._current()
        spelled: dict[str, list[str]] = {name: [name] for name in served}
        for spelling, name in names.items():
            if spelling not in spelled[name]:
                spelled[name].append(spelling)
        return spelled

    def document(self, schema: dict[str, Any]) -> None:
        """Put the served models and each one's longest duration into an OpenAPI schema.

        The ``model`` field of every generation request gets the accepted names as an enum,
        and ``duration`` a maximum per model (``if``/``then``), the default model's when no
        model is named.
        """
        spelled = self.spellings()
        default = self.resolve(None)
        components = schema.get("components", {}).get("schemas", {})
        for name in ("GenerateRequest", "MultiInstrumentRequest"):
            body = components.get(name)
            if body is None or "model" not in body.get("properties", {}):
                continue
            model = body["properties"]["model"]
            for branch in model.get("anyOf", [model]):
                if branch.get("type") == "string":
                    branch["enum"] = [s for names in spelled.values() for s in names]
                    branch.pop("maxLength", None)
            clauses: list[dict[str, Any]] = []
            for registry_name, names in spelled.items():
                limit = {"properties": {"duration": {"maximum": self._max_s(registry_name)}}}
                condition: dict[str, Any] = {
                    "properties": {"model": {"enum": names}},
                    "required": ["model"],
                }
                if registry_name == default:
                    condition = {
                        "anyOf": [
                            condition,
                            {"not": {"required": ["model"]}},
                            {"properties": {"model": {"type": "null"}}, "required": ["model"]},
                        ]
                    }
                clauses.append({"if": condition, "then": limit})
            body["allOf"] = clauses

    def _max_s(self, name: str) -> float:
        return float(self.served()[name].max_duration_s)

    def infos(self) -> list[ModelInfo]:
        """What ``GET /models`` lists: each served model with its availability."""
        infos = []
        for spec in self.served().values():
            info = spec.info()
            if info.available and info.downloaded is False:
                info = dataclasses.replace(info, available=False, reason=not_downloaded(spec))
            infos.append(info)
        return infos

    @staticmethod
    def problem(spec: ModelSpec) -> str | None:
        """Why a served model cannot run here now (None when it can).

        A model whose weights are not on this machine cannot: the server never downloads.
        """
        info = spec.info()
        if info.reason is not None:
            return info.reason
        return not_downloaded(spec) if info.downloaded is False else None

    def _current(self) -> tuple[float, dict[str, ModelSpec], dict[str, str]]:
        with self._lock:
            # Registering a model (a plug-in imported late) takes effect at once.
            registry = tuple(id(spec) for spec in registered())
            stale = self._cache is None or time.monotonic() - self._cache[0] > CACHE_S
            if stale or registry != self._registry:
                served, names = self._compute()
                self._cache = (time.monotonic(), served, names)
                self._registry = registry
            assert self._cache is not None
            return self._cache

    def _compute(self) -> tuple[dict[str, ModelSpec], dict[str, str]]:
        """Served specs, and every accepted spelling -> registry name.

        Spellings are exact (the schema lists them as an enum): the name, its aliases and
        the operator's entries as written.
        """
        served: dict[str, ModelSpec] = {}
        names: dict[str, str] = {}
        if self.settings.models is not None:
            entries = list(self.settings.models)
        else:
            options = EngineOptions()
            entries = [self.settings.default_model] + [
                spec.name
                for spec in registered()
                if spec.downloaded is None or spec.downloaded(spec, options)
            ]
        for entry in entries:
            try:
                # The operator's entries (trusted) may name directories: full resolution.
                spec = lookup(entry) or resolve(entry)
            except MusicGenError as exc:
                # A typo in the operator's list serves nothing rather than failing startup.
                log.warning("MUSICGEN_MODELS entry %r is not served: %s", entry, exc.message)
                continue
            served.setdefault(spec.name, spec)
            for spelling in (entry.strip(), spec.name, *spec.aliases):
                names.setdefault(spelling, spec.name)
        return served, names
