"""The composer: an offline engine that writes an arrangement for a prompt and renders it.

Prompt -> :mod:`prompt` (what was asked) -> :mod:`plan` (genre, tempo, key, form, chords,
parts) -> :mod:`arrange` (melody, harmony, bass and drum notes) -> :mod:`render` (FluidSynth).
"""

import contextlib
import io

# pyfluidsynth prints where it found its library when $CI is set, on stdout, where
# `musicgen models --json` writes JSON. Import it quietly once, before pretty_midi (which
# imports it too) can; later imports find it loaded. Failures are reported by render.py.
with contextlib.suppress(ImportError, OSError), contextlib.redirect_stdout(io.StringIO()):
    import fluidsynth  # noqa: F401

from music_gen.engines.composer.engine import ComposerEngine

__all__ = ["ComposerEngine"]
