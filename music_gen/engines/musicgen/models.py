"""MusicGen's models, declared to the registry: Meta's Hub checkpoints by name, and a resolver
for the rest (a saved checkpoint directory, or a MusicGen repository in the local cache).

Nothing here imports torch: the engine is imported when one is built.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from music_gen.engines.base import Engine
from music_gen.engines.musicgen import checkpoints
from music_gen.engines.registry import register, register_resolver
from music_gen.engines.spec import EngineOptions, ModelSpec
from music_gen.errors import ModelNotFoundError

#: Meta's checkpoints: (Hub repository, size, quality, channels, melody-conditioned).
HUB_CHECKPOINTS = (
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
)
#: Longest piece a MusicGen model is asked for (sliding windows beyond the 30 s context).
MAX_DURATION_S = 600.0


def build_engine(spec: ModelSpec, options: EngineOptions) -> Engine:
    """The MusicgenEngine for a spec (imports torch and transformers)."""
    from music_gen.engines.musicgen.engine import MusicgenEngine

    return MusicgenEngine.from_spec(spec, options)


def _kind(channels: int, melody: bool) -> str:
    return f"{'stereo' if channels == 2 else 'mono'}{', melody-conditioned' if melody else ''}"


def hub_spec(checkpoint: str, size: str, quality: str, channels: int, melody: bool) -> ModelSpec:
    """The spec of one of Meta's Hub checkpoints, aliased by its name without ``facebook/``."""
    return ModelSpec(
        name=checkpoint,
        engine="musicgen",
        size=size,
        quality=quality,
        sample_rate=32000,
        channels=channels,
        max_duration_s=MAX_DURATION_S,
        description=(
            f"Meta MusicGen {size} ({_kind(channels, melody)}) through Hugging Face transformers."
        ),
        factory=build_engine,
        check=checkpoints.availability_problem,
        downloaded=checkpoints.is_cached,
        fetch=checkpoints.fetch_checkpoint,
        aliases=(checkpoint.split("/", 1)[1],),
        extra={"checkpoint": checkpoint, "melody": melody},
    )


def spec_from_config(name: str, checkpoint: str, config: dict[str, Any], local: bool) -> ModelSpec:
    """A ModelSpec for an unregistered MusicGen checkpoint, read from its config.json."""
    decoder = config.get("decoder", {})
    audio = config.get("audio_encoder", {})
    melody = config.get("model_type") == "musicgen_melody"
    channels = int(decoder.get("audio_channels", 1))
    size = f"{decoder.get('hidden_size', '?')}x{decoder.get('num_hidden_layers', '?')}"
    return ModelSpec(
        name=name,
        engine="musicgen",
        size=size,
        quality="unknown",
        sample_rate=int(audio.get("sampling_rate", 32000)),
        channels=channels,
        max_duration_s=MAX_DURATION_S,
        description=f"MusicGen checkpoint at {checkpoint} ({_kind(channels, melody)}).",
        factory=build_engine,
        check=checkpoints.availability_problem,
        downloaded=checkpoints.is_cached,
        extra={"checkpoint": checkpoint, "melody": melody, "local": local},
    )


def resolve_checkpoint(name: str) -> ModelSpec | None:
    """Registry resolver: a local MusicGen checkpoint directory, or a cached Hub MusicGen repo.

    Raises:
        ModelNotFoundError: ``name`` is clearly a path (absolute, ``./``, ``~``) but there is no
            MusicGen checkpoint there; the message says what is missing.
    """
    text = name.strip()
    path = Path(text).expanduser()
    looks_like_path = text.startswith(("/", "./", "../", "~", ".\\")) or os.sep in text[:1]
    if path.is_dir():
        config = checkpoints.read_config(path / "config.json")
        if config is None:
            raise ModelNotFoundError(
                f"{text!r} is a directory but holds no MusicGen config.json (model_type one of "
                f"{', '.join(checkpoints.MODEL_TYPES)}); save a checkpoint there with "
                "model.save_pretrained(dir) and processor.save_pretrained(dir)",
                details={"model": text},
            )
        resolved = str(path.resolve())
        return spec_from_config(resolved, resolved, config, local=True)
    if looks_like_path:
        raise ModelNotFoundError(
            f"No MusicGen checkpoint directory at {text!r} (it does not exist); pass a "
            "directory holding config.json and the weights, or a registered model name",
            details={"model": text},
        )
    if text.count("/") == 1 and not text.startswith("/"):
        cached = checkpoints.cached_config_path(text)
        if cached is not None:
            config = checkpoints.read_config(cached)
            if config is not None:
                return spec_from_config(text, text, config, local=False)
    return None


for _hub in HUB_CHECKPOINTS:
    register(hub_spec(*_hub))
register_resolver(resolve_checkpoint)
