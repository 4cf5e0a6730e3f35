"""Launching the fused decoder step's Triton kernels: shapes, blocks and launch settings.

Each function here runs one kernel of :mod:`~music_gen.engines.musicgen.fast.kernels` on
torch tensors - :func:`linear`, :func:`attention`, :func:`embed`, :func:`sample` - choosing
block sizes from the shapes and the :class:`~music_gen.engines.musicgen.fast.options.Tuning`
it is given (the defaults when none is). They work on CUDA tensors, or
on CPU tensors in Triton's interpreter (:func:`interpreted`).
"""

from __future__ import annotations

import os
from typing import Any

import torch
import triton

from music_gen.engines.musicgen.fast import kernels
from music_gen.engines.musicgen.fast.kernels import GELU, QKV, RELU, RESIDUAL, STORE
from music_gen.engines.musicgen.fast.options import Tuning

__all__ = [
    "ACTIVATIONS",
    "GELU",
    "QKV",
    "RELU",
    "RESIDUAL",
    "STORE",
    "AttentionShape",
    "attention",
    "embed",
    "interpreted",
    "kernel_settings",
    "linear",
    "sample",
]

#: Feed-forward activations (``config.activation_function``) the fused kernels implement.
ACTIVATIONS = {"gelu": GELU, "relu": RELU}


def interpreted() -> bool:
    """Whether Triton runs kernels in its CPU interpreter (``TRITON_INTERPRET=1``)."""
    return os.environ.get("TRITON_INTERPRET", "0") not in ("", "0")


#: The launch settings when a caller names none.
_DEFAULT = Tuning()


def _capability(device: torch.device, tuning: Tuning) -> tuple[int, int] | None:
    if tuning.capability is not None:
        return tuning.capability
    if device.type == "cuda":
        major, minor = torch.cuda.get_device_capability(device)
        return (major, minor)
    return None


def _pdl(device: torch.device, tuning: Tuning) -> dict[str, Any]:
    """Launch options and the kernels' PDL switch for ``device`` under ``tuning``."""
    if not tuning.pdl or interpreted():
        return {"PDL": False}
    capability = _capability(device, tuning)
    on = capability is not None and capability >= (9, 0)
    return {"PDL": True, "launch_pdl": True} if on else {"PDL": False}


def _blocks(m: int, n: int, k: int, element_size: int, tuning: Tuning) -> tuple[int, int, int]:
    # Decoding steps have a handful of rows: tiles of 16 rows (the smallest tensor-core tile),
    # narrow column blocks so that even small layers spread over many programs.
    block_m = 16 if m <= 16 else 32
    block_n = tuning.block_n or (16 if n <= 2048 else 32 if n <= 8192 else 64)
    if tuning.interpreter_block_n is not None and interpreted():
        block_n = tuning.interpreter_block_n
    block_k = tuning.block_k or min(256, max(16, 8192 // (block_n * element_size)))
    block_k = min(block_k, max(16, triton.next_power_of_2(k)))
    return block_m, block_n, block_k


def linear(
    x: torch.Tensor,
    weight: torch.Tensor,
    out: torch.Tensor,
    *,
    layer_norm: tuple[torch.Tensor, torch.Tensor, float] | None = None,
    epilogue: int = STORE,
    residual: torch.Tensor | None = None,
    kv: torch.Tensor | None = None,
    position: torch.Tensor | None = None,
    head_dim: int = 1,
    tuning: Tuning = _DEFAULT,
) -> torch.Tensor:
    """``out = epilogue(layer_norm(x) @ weight.T)`` in one launch (``linear_kernel``).

    Args:
        x: ``[M, K]`` rows (last dimension contiguous).
        weight: ``[N, K]`` (contiguous).
        out: ``[M, N]`` output (for the q/k/v epilogue: ``[M, N / 3]``, the q part).
        layer_norm: (weight, bias, eps) applied to ``x`` first, or None.
        epilogue: One of the module's epilogue codes (store, GELU, ReLU, residual, q/k/v).
        residual: ``[M, N]`` added to the product (may be ``out`` itself).
        kv: For the q/k/v epilogue, one layer's cache ``[2, M, heads, length, head_dim]``.
        position: For the q/k/v epilogue, the cache position (a one-element device tensor).
        head_dim: Size of one attention head (q/k/v epilogue).
        tuning: Launch settings (block sizes, warps, stages, PDL).

    Returns:
        ``out``.
    """
    m, k = x.shape
    n = weight.shape[0]
    if x.stride(1) != 1 or weight.stride(1) != 1 or out.stride(1) != 1:
        raise ValueError("linear() needs x, weight and out with contiguous rows")
    block_m, block_n, block_k = _blocks(m, n, k, weight.element_size(), tuning)
    ln_w, ln_b, eps = layer_norm if layer_norm is not None else (weight, weight, 0.0)
    res = residual if residual is not None else out
    cache = kv if kv is not None else out
    pos = position if position is not None else out
    kv_strides = kv.stride()[:4] if kv is not None else (0, 0, 0, 0)
    grid = (triton.cdiv(n, block_n), triton.cdiv(m, block_m))
    kernels.linear_kernel[grid](
        x,
        weight,
        out,
        res,
        ln_w,
        ln_b,
        cache,
        pos,
        m,
        n,
        k,
        x.stride(0),
        weight.stride(0),
        out.stride(0),
        res.stride(0),
        *kv_strides,
        eps,
        HIDDEN=n // 3 if epilogue == QKV else n,
        HEAD_DIM=head_dim,
        HAS_LN=layer_norm is not None,
        EPILOGUE=epilogue,
        PRECISION="ieee" if weight.dtype == torch.float32 else "tf32",
        BLOCK_M=block_m,
        BLOCK_N=block_n,
        BLOCK_K=block_k,
        num_warps=tuning.num_warps,
        num_stages=tuning.num_stages,
        **_pdl(x.device, tuning),
    )
    return out


class AttentionShape:
    """Launch settings of one attention shape (fixed for a decoder's lifetime).

    Args:
        rows: Query rows.
        heads: Attention heads.
        head_dim: Size of one head.
        length: Keys in the cache (the causal bound is a runtime value).
        causal: Read keys only up to the runtime position.
        splits: Programs per (row, head) along the keys (fewer if the keys are few).
        block_l: Keys per loop iteration (None: :attr:`Tuning.attention_block_l`).
        merge: With several splits, the last split to finish merges them (no combine launch);
            None: :attr:`Tuning.merge_in_attention`.
        tuning: Launch settings (the defaults above, PDL).
    """

    def __init__(
        self,
        rows: int,
        heads: int,
        head_dim: int,
        length: int,
        *,
        causal: bool,
        splits: int,
        block_l: int | None = None,
        merge: bool | None = None,
        tuning: Tuning = _DEFAULT,
    ) -> None:
        self.rows, self.heads, self.head_dim, self.length = rows, heads, head_dim, length
        self.causal = causal
        self.splits = max(1, min(splits, triton.cdiv(length, 16)))
        self.chunk = triton.cdiv(length, self.splits)
        self.tuning = tuning
        self.merge = self.splits > 1 and bool(tuning.merge_in_attention if merge is None else merge)
        self.block_s = max(2, triton.next_power_of_2(self.splits))
        self.block_d = max(16, triton.next_power_of_2(head_dim))
        self.block_l = block_l or tuning.attention_block_l
        self.scale = head_dim**-0.5


def attention(
    spec: AttentionShape,
    q: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    out: torch.Tensor,
    *,
    mask: torch.Tensor | None = None,
    position: torch.Tensor | None = None,
    partials: torch.Tensor | None = None,
    counts: torch.Tensor | None = None,
) -> torch.Tensor:
    """Single-query attention: ``q [rows, H*D]`` over ``keys/values [rows, H, L, D]``.

    Args:
        spec: Shapes and split settings.
        q: Queries, one row per sequence.
        keys: Key cache (last two dimensions ``[L, D]``, ``D`` contiguous).
        values: Value cache, same strides as ``keys``.
        out: ``[rows, H*D]`` output.
        mask: Additive mask ``[rows, L]`` (row stride may be anything), or None.
        position: For causal attention, the last visible key (a one-element device tensor).
        partials: Scratch ``[rows * H * splits * (block_d + 2)]`` float32, when split.
        counts: ``[rows * H]`` int32 zeros, when the splits merge themselves (left at zero).

    Returns:
        ``out``.
    """
    if keys.stride() != values.stride():
        raise ValueError("keys and values must share strides")
    if spec.splits > 1 and partials is None:
        raise ValueError("split attention needs a partials buffer")
    if spec.merge and counts is None:
        raise ValueError("attention that merges its splits needs a counts buffer")
    part = partials if partials is not None else out
    grid = (spec.rows * spec.heads, spec.splits)
    kernels.attention_kernel[grid](
        q,
        keys,
        values,
        mask if mask is not None else q,
        position if position is not None else q,
        out,
        part,
        counts if counts is not None else out,
        q.stride(0),
        keys.stride(0),
        keys.stride(1),
        keys.stride(2),
        mask.stride(0) if mask is not None else 0,
        out.stride(0),
        spec.length,
        spec.chunk,
        spec.scale,
        HEADS=spec.heads,
        HEAD_DIM=spec.head_dim,
        CAUSAL=spec.causal,
        HAS_MASK=mask is not None,
        SPLITS=spec.splits,
        MERGE=spec.merge,
        BLOCK_L=spec.block_l,
        BLOCK_S=spec.block_s,
        BLOCK_D=spec.block_d,
        **_pdl(q.device, spec.tuning),
    )
    if spec.splits > 1 and not spec.merge:
        kernels.combine_kernel[(spec.rows * spec.heads,)](
            part,
            out,
            out.stride(0),
            HEADS=spec.heads,
            HEAD_DIM=spec.head_dim,
            SPLITS=spec.splits,
            BLOCK_S=spec.block_s,
            BLOCK_D=spec.block_d,
            **_pdl(q.device, spec.tuning),
        )
    return out


def embed(
    tokens: torch.Tensor,
    table: torch.Tensor,
    positions: torch.Tensor,
    position: torch.Tensor,
    out: torch.Tensor,
    *,
    batch: int,
    codebooks: int,
    tuning: Tuning = _DEFAULT,
) -> torch.Tensor:
    """Decoder input of one step: summed codebook embeddings plus the position embedding.

    Args:
        tokens: ``[batch * codebooks]`` codes (row ``r`` of ``out`` reads item ``r % batch``).
        table: The codebook tables stacked, ``[codebooks * (vocab + 1), hidden]``.
        positions: Position embeddings ``[length, hidden]``.
        position: The current position (a one-element device tensor).
        out: ``[rows, hidden]`` output.
        batch: Sequences (without guidance copies).
        codebooks: Codebooks per sequence.
        tuning: Launch settings (PDL).

    Returns:
        ``out``.
    """
    rows, hidden = out.shape
    block_h = 256
    kernels.embed_kernel[(rows, triton.cdiv(hidden, block_h))](
        tokens,
        table,
        positions,
        position,
        out,
        batch,
        table.stride(0),
        positions.stride(0),
        out.stride(0),
        HIDDEN=hidden,
        CODEBOOKS=codebooks,
        TABLE_ROWS=table.shape[0] // codebooks,
        BLOCK_H=block_h,
        **_pdl(out.device, tuning),
    )
    return out


def sample(
    logits: torch.Tensor,
    *,
    noise: torch.Tensor,
    pattern: torch.Tensor,
    codes: torch.Tensor,
    tokens: torch.Tensor,
    position: torch.Tensor,
    guidance: torch.Tensor,
    temperature: torch.Tensor,
    top_p_cut: torch.Tensor,
    batch: int,
    guided: bool,
    do_sample: bool,
    top_k: int,
    use_top_p: bool,
    tuning: Tuning = _DEFAULT,
) -> None:
    """Choose the codes of position ``position + 1`` in one launch (``sample_kernel``).

    Args:
        logits: ``[rows, codebooks * vocab]`` float32 (guidance rows after the others).
        noise: ``[batch * codebooks, vocab]`` ``Exp(1)`` draws (read when sampling).
        pattern: Delay-pattern mask ``[batch * codebooks, length]`` (-1: choose).
        codes: ``[batch * codebooks, length]`` codes; column ``position + 1`` is written.
        tokens: ``[batch * codebooks]`` next step's input, written too.
        position: The current position (a one-element device tensor; not advanced).
        guidance: Guidance scale (0-d float32 device tensor).
        temperature: Temperature (0-d float32 device tensor).
        top_p_cut: ``1 - top_p`` (0-d float32 device tensor).
        batch: Sequences.
        guided: Whether the logits hold guidance rows.
        do_sample: Draw (True) or take the argmax.
        top_k: Keep the k best codes (0: all).
        use_top_p: Apply the nucleus cut.
        tuning: Launch settings (PDL).
    """
    vocab = noise.shape[1]
    codebooks = tokens.shape[0] // batch
    kernels.sample_kernel[(batch * codebooks,)](
        logits,
        noise,
        pattern,
        codes,
        tokens,
        position,
        guidance,
        temperature,
        top_p_cut,
        batch,
        logits.stride(0),
        noise.stride(0),
        pattern.stride(0),
        codes.stride(0),
        VOCAB=vocab,
        CODEBOOKS=codebooks,
        GUIDED=guided,
        SAMPLE=do_sample,
        TOP_K=min(top_k, vocab),
        TOP_P=use_top_p,
        BLOCK_V=triton.next_power_of_2(vocab),
        **_pdl(logits.device, tuning),
    )


def kernel_settings() -> dict[str, Any]:
    """Triton's version and mode, for benchmark reports."""
    return {"triton": triton.__version__, "interpreted": interpreted()}
