"""MusicGen through Hugging Face transformers (the optional ``musicgen`` extra).

Importing this package needs only the core dependencies; torch and transformers are imported
when an engine is built. Importing it registers a resolver so that ``model="/path/to/dir"``
(a saved MusicGen checkpoint) and cached Hub MusicGen repositories resolve to specs.

Modules: ``checkpoints`` (where weights are, availability), ``loading`` (model, tokenizer,
device, dtype), ``decoding`` (the decode_tokens seam), ``longform`` (sliding windows),
``codec`` (EnCodec), ``melody`` (chroma conditioning), ``streaming``, ``engine``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from music_gen.engines.musicgen.checkpoints import (
    availability_problem,
    is_cached,
    resolve_checkpoint,
)
from music_gen.engines.registry import register_resolver

if TYPE_CHECKING:
    from music_gen.engines.musicgen.engine import MusicgenEngine

__all__ = ["MusicgenEngine", "availability_problem", "is_cached"]

register_resolver(resolve_checkpoint)


def __getattr__(name: str) -> Any:
    # The engine imports torch; load it only when asked for.
    if name == "MusicgenEngine":
        from music_gen.engines.musicgen.engine import MusicgenEngine

        return MusicgenEngine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
