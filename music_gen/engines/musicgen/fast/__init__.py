"""The fast MusicGen decoder: the same codes as stock ``generate()``, a step per CUDA graph replay.

The public names are re-exported here; importing this package needs torch, not triton (the
fused Triton step is imported when ``kernels="triton"`` runs). Modules, each one concept:

* ``options`` - :class:`FastDecodeOptions` (how the path runs) and :class:`Tuning` (the
  launch settings of the Triton kernels, passed down explicitly; nothing reads a global);
* ``decode`` - :func:`fast_generate_codes`: settings resolved as ``generate()`` resolves them,
  per-model buffers, the run; :func:`decode_codes` hands the codes to EnCodec;
* ``weights`` - the decoder's weights gathered for a fused step;
* ``graph`` - :class:`~music_gen.engines.musicgen.fast.graph.StaticDecoder`: static buffers,
  the step as torch ops, CUDA-graph capture and replay;
* ``step`` - the step as fused Triton kernels on the decoder's buffers;
* ``ops`` - launching one kernel (shapes, blocks, PDL);
* ``kernels`` - the Triton kernels themselves.

Imports go one way: ``decode`` -> ``graph``/``weights``/``options``; ``step`` -> ``ops`` ->
``kernels``; ``graph`` never imports ``step`` (``decode`` hands it a factory).
"""

from music_gen.engines.musicgen.fast.decode import (
    decode_codes,
    fast_generate_codes,
    release_buffers,
    supports,
    unsupported_reason,
)
from music_gen.engines.musicgen.fast.options import (
    KERNELS,
    KERNELS_ENV,
    FastDecodeOptions,
    Tuning,
)

__all__ = [
    "KERNELS",
    "KERNELS_ENV",
    "FastDecodeOptions",
    "Tuning",
    "decode_codes",
    "fast_generate_codes",
    "release_buffers",
    "supports",
    "unsupported_reason",
]
