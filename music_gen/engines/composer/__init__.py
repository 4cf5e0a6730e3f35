"""The composer: an offline engine that writes an arrangement for a prompt and renders it.

Prompt -> :mod:`prompt` (what was asked) -> :mod:`plan` (genre, tempo, key, form, chords,
parts) -> :mod:`arrange` (melody, harmony, bass and drum notes) -> :mod:`render` (FluidSynth).
"""

from music_gen.engines.composer.engine import ComposerEngine

__all__ = ["ComposerEngine"]
