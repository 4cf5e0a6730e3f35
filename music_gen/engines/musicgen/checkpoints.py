"""Where MusicGen checkpoints come from: the Hugging Face cache, the Hub, or a directory.

Everything here is cheap and imports neither torch nor transformers, so that listing models
and resolving names stays fast: a checkpoint counts as present when its ``config.json`` is in
the local Hugging Face cache (``huggingface_hub.try_to_load_from_cache``) or in the directory.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from music_gen.engines.spec import EngineOptions, ModelSpec
from music_gen.errors import ModelUnavailableError

#: config.json ``model_type`` values of the checkpoints this engine runs.
MODEL_TYPES = ("musicgen", "musicgen_melody")
#: Packages the engine needs (the ``musicgen`` extra).
REQUIRED_PACKAGES = ("torch", "transformers", "tokenizers", "huggingface_hub")
INSTALL_HINT = "pip install 'music-gen-ai[musicgen]'"


def hub_offline() -> bool:
    """Whether the Hugging Face Hub must not be contacted (HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE).

    Read from the environment at call time, so that setting the variable after import works.
    """
    for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(variable, "").strip().lower() in {"1", "true", "yes", "on"}:
            return True
    try:
        from huggingface_hub import constants
    except ImportError:
        return False
    return bool(constants.HF_HUB_OFFLINE)


#: Seconds to wait for the Hub (or the proxy) to accept a connection before calling it down.
HUB_PROBE_TIMEOUT_S = 2.0
#: Seconds a reachability answer is reused.
HUB_PROBE_CACHE_S = 30.0
_hub_probe: tuple[float, str, bool] | None = None


def hub_address() -> tuple[str, int]:
    """The host and port a download would connect to first (the proxy when one is set)."""
    proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy")
    endpoint = proxy
    if not endpoint:
        try:
            from huggingface_hub import constants

            endpoint = str(constants.ENDPOINT)
        except ImportError:
            endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    parsed = urlsplit(endpoint if "://" in endpoint else f"http://{endpoint}")
    default_port = 443 if parsed.scheme == "https" else 80
    return parsed.hostname or "huggingface.co", parsed.port or default_port


def hub_reachable() -> bool:
    """Whether the Hub (or the proxy) accepts a connection now, within HUB_PROBE_TIMEOUT_S.

    Checked once and reused for HUB_PROBE_CACHE_S, so that a machine without network learns it
    in seconds instead of retrying downloads.
    """
    global _hub_probe
    host, port = hub_address()
    key = f"{host}:{port}"
    now = time.monotonic()
    if _hub_probe is not None and _hub_probe[1] == key and now - _hub_probe[0] < HUB_PROBE_CACHE_S:
        return _hub_probe[2]
    try:
        with socket.create_connection((host, port), timeout=HUB_PROBE_TIMEOUT_S):
            reachable = True
    except OSError:
        reachable = False
    _hub_probe = (now, key, reachable)
    return reachable


def forget_hub_reachability() -> None:
    """Probe the Hub again at the next question (after the network or settings changed)."""
    global _hub_probe
    _hub_probe = None


def offline_reason(checkpoint: str) -> str:
    """Why the Hub cannot be used now, for messages (empty when it can)."""
    if hub_offline():
        return "HF_HUB_OFFLINE is set"
    if not hub_reachable():
        host, port = hub_address()
        return f"the Hugging Face Hub ({host}:{port}) cannot be reached: this machine is offline"
    return ""


def missing_packages() -> list[str]:
    """The required packages that are not installed (found without importing them)."""
    return [name for name in REQUIRED_PACKAGES if importlib.util.find_spec(name) is None]


def download_hint(checkpoint: str) -> str:
    """How to get a checkpoint's weights onto this machine."""
    return (
        f"download it while online with `musicgen models download {checkpoint}` (or "
        f"`hf download {checkpoint}`), or pass a local checkpoint directory as the model "
        "(--model on the command line, model= in Python)"
    )


def fetch_checkpoint(spec: ModelSpec, options: EngineOptions) -> Path:
    """Download a Hub checkpoint's files into the Hugging Face cache; returns the folder.

    Raises:
        ModelUnavailableError: Offline (HF_HUB_OFFLINE), the packages are missing, or the
            download failed; the message says which.
    """
    checkpoint = str(spec.extra.get("checkpoint", spec.name))
    if is_local_checkpoint(spec):
        return Path(checkpoint)
    offline = offline_reason(checkpoint)
    if offline:
        raise ModelUnavailableError(
            f"Cannot download {checkpoint}: {offline}; download it on a machine with network "
            "access (and HF_HUB_OFFLINE unset) and copy the Hugging Face cache over",
            details={"model": spec.name, "reason": "offline"},
        )
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise ModelUnavailableError(
            f"Cannot download {checkpoint}: huggingface_hub is missing; install it with: "
            f"{INSTALL_HINT}",
            details={"model": spec.name},
        ) from exc
    try:
        folder = snapshot_download(
            checkpoint, cache_dir=str(options.cache_dir) if options.cache_dir else None
        )
    except Exception as exc:  # network, authorisation and missing repositories alike
        raise ModelUnavailableError(
            f"Could not download {checkpoint}: {type(exc).__name__}: {exc}",
            details={"model": spec.name},
        ) from exc
    return Path(folder)


def is_local_checkpoint(spec: ModelSpec) -> bool:
    """Whether the spec names a checkpoint directory rather than a Hub repository."""
    return bool(spec.extra.get("local"))


def cached_config_path(checkpoint: str, cache_dir: Path | None = None) -> Path | None:
    """The cached ``config.json`` of a Hub checkpoint, or None when it is not in the cache."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    try:
        found = try_to_load_from_cache(
            checkpoint, "config.json", cache_dir=str(cache_dir) if cache_dir else None
        )
    except Exception:  # malformed repo ids and unreadable caches both mean "not cached"
        return None
    return Path(found) if isinstance(found, str) else None


def is_cached(spec: ModelSpec, options: EngineOptions) -> bool:
    """Whether the checkpoint's files are on this machine (cache or directory)."""
    checkpoint = str(spec.extra.get("checkpoint", spec.name))
    if is_local_checkpoint(spec):
        return (Path(checkpoint) / "config.json").is_file()
    return cached_config_path(checkpoint, options.cache_dir) is not None


def availability_problem(spec: ModelSpec, options: EngineOptions) -> str | None:
    """Why a MusicGen checkpoint cannot run here, or None when it can.

    A Hub checkpoint that is not cached is available while the Hub may be contacted (it is
    downloaded on first load) and unavailable when HF_HUB_OFFLINE is set.
    """
    missing = missing_packages()
    if missing:
        return f"missing Python packages {', '.join(missing)}; install them with: {INSTALL_HINT}"
    checkpoint = str(spec.extra.get("checkpoint", spec.name))
    if is_local_checkpoint(spec):
        if not (Path(checkpoint) / "config.json").is_file():
            return f"the checkpoint directory {checkpoint} has no config.json"
        return None
    if not is_cached(spec, options):
        offline = offline_reason(checkpoint)
        if offline:
            where = f" in {options.cache_dir}" if options.cache_dir else ""
            return (
                f"the weights of {checkpoint} are not in the local Hugging Face cache{where} "
                f"and {offline}; {download_hint(checkpoint)}"
            )
    return None


def read_config(config_path: Path) -> dict[str, Any] | None:
    """A MusicGen config.json as a dict, or None when it is not a MusicGen config."""
    try:
        config = json.loads(config_path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict) or config.get("model_type") not in MODEL_TYPES:
        return None
    return config
