"""MusicGen through Hugging Face transformers (the optional ``musicgen`` extra).

Importing this package needs only the core dependencies; torch and transformers are imported
when an engine is built.

Modules: ``models`` (the checkpoints declared to the registry, and the resolver that turns
``model="/path/to/dir"`` and cached Hub MusicGen repositories into specs), ``checkpoints``
(where weights are, availability), ``loading`` (model, tokenizer, device, dtype), ``decoding``
(the decode_tokens seam), ``longform`` (sliding windows), ``codec`` (EnCodec), ``melody``
(chroma conditioning), ``streaming``, ``engine``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from music_gen.engines.musicgen.checkpoints import availability_problem, is_cached

if TYPE_CHECKING:
    from music_gen.engines.musicgen.engine import MusicgenEngine

__all__ = ["MusicgenEngine", "availability_problem", "is_cached"]


def __getattr__(name: str) -> Any:
    # The engine imports torch; load it only when asked for.
    if name == "MusicgenEngine":
        from music_gen.engines.musicgen.engine import MusicgenEngine

        return MusicgenEngine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
