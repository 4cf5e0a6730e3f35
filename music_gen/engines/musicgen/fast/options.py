"""How the fast decoder runs: its options and the launch settings of its Triton kernels.

Nothing here imports triton: the options are built and checked whether or not it is installed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from music_gen.errors import InvalidParameterError

__all__ = ["KERNELS", "KERNELS_ENV", "FastDecodeOptions", "Tuning", "chosen_kernels"]


@dataclass(frozen=True)
class Tuning:
    """Launch settings of the fused Triton kernels (benchmarks sweep them).

    Given to the fast decoder as :attr:`FastDecodeOptions.tuning`; a decoder kept from a run
    under other settings is rebuilt on the next run.

    Attributes:
        block_n: Output columns per program of :func:`linear`; None picks by width (16 up to
            2048 columns, 32 up to 8192, then 64), so that even small layers spread over many
            programs.
        block_k: Reduction slice per loop iteration of :func:`linear` (at most the width);
            None sizes each weight tile to about 8 KiB (256 for 16 half-precision columns,
            128 for 32, 64 for 64), so that a program keeps the same number of bytes in flight
            whatever its width.
        num_warps: Warps per program of :func:`linear`.
        num_stages: Software-pipelining depth of :func:`linear`'s loop.
        attention_block_l: Keys per loop iteration of the attention kernel.
        attention_waves: Self-attention programs per streaming multiprocessor (the key axis is
            split until there are this many).
        attention_splits: Split the self-attention's keys this many ways instead (at most one
            split per 16 keys).
        interpreter_block_n: ``block_n`` in Triton's interpreter, where every program costs
            milliseconds of Python whatever its size (None: as on the GPU).
        merge_in_attention: The last split of the self-attention merges the splits (an atomic
            count per row and head) instead of a separate combine launch.
        pdl: Programmatic dependent launch (Hopper and later): each kernel is scheduled while
            the one before it finishes and waits for it before touching memory, which hides
            the gap between launches.
        sm_count: Streaming multiprocessors the self-attention splits are sized for; None
            reads the device's (4 off CUDA). Naming them plans launches for another GPU, as
            the compile benchmark does on PyTorch's ``meta`` device.
        capability: Compute capability that decides whether PDL is used; None reads the
            device's (off CUDA: none, so no PDL).
    """

    block_n: int | None = None
    block_k: int | None = None
    num_warps: int = 4
    num_stages: int = 3
    attention_block_l: int = 64
    attention_waves: int = 2
    attention_splits: int | None = None
    interpreter_block_n: int | None = 64
    merge_in_attention: bool = False
    pdl: bool = False
    sm_count: int | None = None
    capability: tuple[int, int] | None = None


@dataclass(frozen=True)
class FastDecodeOptions:
    """How the fast path runs (not what it generates).

    Attributes:
        use_cuda_graph: Capture the step in a CUDA graph; None means "on CUDA devices".
        dtype: Compute dtype of the decoder; None keeps the model's own dtype.
        reuse_buffers: Keep the last run's buffers (and graphs) for the model and reuse them
            when the next call has the same shapes; costs the KV cache's memory between calls
            (:func:`release_buffers` frees it). Runs on one model are serialised either way.
        encoder_length_multiple: Pad the text length to a multiple of this under static shapes
            so that prompts of similar length share one captured graph (padding is masked out).
        static_shapes: Run the exact op sequence a CUDA graph records (whole-cache attention
            under a mask, padded text length) even without a graph; None means "when graphs
            are used". Eager runs otherwise attend only to the filled part of the cache.
        attention_window: Under static shapes, self-attention reads the KV cache up to the end
            of the current window of this many positions (one graph per window), so early
            steps of long runs do not read the whole cache.
        attention: ``"sdpa"`` (PyTorch's fused attention) or ``"matmul"`` (two matmuls and a
            softmax, which can launch faster for a single query row).
        kernels: ``"torch"`` runs each step as torch ops; ``"triton"`` as fused Triton kernels
            (layer norms, residual adds, the activation and the KV-cache write folded into the
            projections; attention reads the cache only up to the current position), CUDA only.
            None: the ``MUSICGEN_FAST_KERNELS`` environment variable, else ``"torch"``.
        tuning: Launch settings of the Triton kernels (read when they run).
    """

    use_cuda_graph: bool | None = None
    dtype: torch.dtype | None = None
    reuse_buffers: bool = True
    encoder_length_multiple: int = 32
    static_shapes: bool | None = None
    attention_window: int = 128
    attention: str = "sdpa"
    kernels: str | None = None
    tuning: Tuning = Tuning()


#: Values of :attr:`FastDecodeOptions.kernels`.
KERNELS = ("torch", "triton")
#: Environment variable that picks the kernels when the options leave them unset.
KERNELS_ENV = "MUSICGEN_FAST_KERNELS"


def chosen_kernels(opts: FastDecodeOptions) -> str:
    """The step implementation ``opts`` asks for: its ``kernels``, else :data:`KERNELS_ENV`.

    Raises:
        InvalidParameterError: The value is not one of :data:`KERNELS`.
    """
    if opts.kernels is not None:
        kernels, source = opts.kernels, "kernels"
    else:
        kernels, source = os.environ.get(KERNELS_ENV, "") or "torch", KERNELS_ENV
    if kernels not in KERNELS:
        raise InvalidParameterError(
            f"{source} must be one of {', '.join(KERNELS)}, got {kernels!r}"
        )
    return kernels
