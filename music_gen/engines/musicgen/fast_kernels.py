"""Triton kernels for one MusicGen decoder step: fewer, fused launches.

A decoder step of :class:`~music_gen.engines.musicgen.fast_graph.StaticDecoder` run as torch
ops launches about 17 small kernels per layer; at batch 1 each moves a few hundred kilobytes
and the step is bound by launch latency, not by memory bandwidth. These kernels do the same
arithmetic in 9 launches per layer (:class:`~music_gen.engines.musicgen.fast_step.FusedStep`
strings them together):

* :func:`_linear_kernel` - a GEMM for the few rows of a decoding step with the layer norm
  folded into its prologue (each program normalises the rows it reads) and the next op in its
  epilogue: the residual add, the GELU/ReLU of the feed-forward, or, for the fused q/k/v
  projection, the write of k and v into the KV cache at the current position;
* :func:`_attention_kernel` - single-query attention, split over the key axis so that short
  batches still fill the GPU, reading the cache only up to the current position (a device
  value, so one CUDA graph serves every step); :func:`_combine_kernel` merges the splits;
* :func:`_embed_kernel` - the codebook embeddings summed with the position embedding;
* :func:`_sample_kernel` - guidance, temperature, top-k, top-p, the draw and the delay
  pattern for one (sequence, codebook) in one program.

Kernels run on CUDA; with ``TRITON_INTERPRET=1`` set before this module is imported they run
in Triton's interpreter on CPU tensors, which is how the tests check them against torch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import triton
import triton.language as tl
from triton.language.extra.cuda import gdc_launch_dependents, gdc_wait

__all__ = [
    "ACTIVATIONS",
    "GELU",
    "QKV",
    "RELU",
    "RESIDUAL",
    "STORE",
    "TUNING",
    "AttentionShape",
    "Tuning",
    "attention",
    "embed",
    "interpreted",
    "kernel_settings",
    "linear",
    "sample",
]

#: Epilogues of :func:`linear`: store the product, apply GELU or ReLU, add a residual, or split
#: q/k/v with k and v written to the KV cache.
STORE, GELU, RELU, RESIDUAL, QKV = 0, 1, 2, 3, 4
#: Feed-forward activations (``config.activation_function``) the fused kernels implement.
ACTIVATIONS = {"gelu": GELU, "relu": RELU}


def interpreted() -> bool:
    """Whether Triton runs kernels in its CPU interpreter (``TRITON_INTERPRET=1``)."""
    return os.environ.get("TRITON_INTERPRET", "0") not in ("", "0")


@triton.jit
def _await_previous(PDL: tl.constexpr):
    """Under programmatic dependent launch, wait for the kernel before this one, then let the
    next one be scheduled (it waits likewise): launches overlap, memory accesses do not."""
    if PDL:
        gdc_wait()
        gdc_launch_dependents()


@triton.jit
def _linear_kernel(
    x_ptr,
    w_ptr,
    out_ptr,
    res_ptr,
    ln_w_ptr,
    ln_b_ptr,
    kv_ptr,
    pos_ptr,
    M,
    N,
    K,
    stride_xm,
    stride_wn,
    stride_om,
    stride_rm,
    kv_stride_which,
    kv_stride_row,
    kv_stride_head,
    kv_stride_pos,
    eps,
    HIDDEN: tl.constexpr,
    HEAD_DIM: tl.constexpr,
    HAS_LN: tl.constexpr,
    EPILOGUE: tl.constexpr,
    PRECISION: tl.constexpr,
    BLOCK_M: tl.constexpr,
    BLOCK_N: tl.constexpr,
    BLOCK_K: tl.constexpr,
    PDL: tl.constexpr,
):
    """``out[M, N] = epilogue(layer_norm?(x)[M, K] @ w[N, K].T)``, fp32 accumulation."""
    _await_previous(PDL)
    pid_n = tl.program_id(0)
    pid_m = tl.program_id(1)
    rm = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    rn = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    rk = tl.arange(0, BLOCK_K)
    m_ok = rm < M
    n_ok = rn < N
    x_rows = x_ptr + rm[:, None] * stride_xm
    if HAS_LN:
        # Two passes over the rows (they are tiny and cached): mean, then variance.
        total = tl.zeros([BLOCK_M], dtype=tl.float32)
        for k0 in range(0, K, BLOCK_K):
            kk = k0 + rk
            ok = m_ok[:, None] & (kk < K)[None, :]
            total += tl.sum(tl.load(x_rows + kk[None, :], mask=ok, other=0.0).to(tl.float32), 1)
        mean = total / K
        spread = tl.zeros([BLOCK_M], dtype=tl.float32)
        for k0 in range(0, K, BLOCK_K):
            kk = k0 + rk
            ok = m_ok[:, None] & (kk < K)[None, :]
            xv = tl.load(x_rows + kk[None, :], mask=ok, other=0.0).to(tl.float32)
            centred = tl.where(ok, xv - mean[:, None], 0.0)
            spread += tl.sum(centred * centred, 1)
        rstd = 1.0 / tl.sqrt(spread / K + eps)
    acc = tl.zeros([BLOCK_M, BLOCK_N], dtype=tl.float32)
    for k0 in range(0, K, BLOCK_K):
        kk = k0 + rk
        k_ok = kk < K
        ok = m_ok[:, None] & k_ok[None, :]
        xv = tl.load(x_rows + kk[None, :], mask=ok, other=0.0)
        wv = tl.load(
            w_ptr + rn[:, None] * stride_wn + kk[None, :],
            mask=n_ok[:, None] & k_ok[None, :],
            other=0.0,
        )
        if HAS_LN:
            gamma = tl.load(ln_w_ptr + kk, mask=k_ok, other=0.0).to(tl.float32)
            beta = tl.load(ln_b_ptr + kk, mask=k_ok, other=0.0).to(tl.float32)
            normed = (xv.to(tl.float32) - mean[:, None]) * rstd[:, None]
            xv = tl.where(ok, normed * gamma[None, :] + beta[None, :], 0.0)
        acc += tl.dot(xv.to(wv.dtype), tl.trans(wv), input_precision=PRECISION)

    ok = m_ok[:, None] & n_ok[None, :]
    if EPILOGUE == 1:
        acc = 0.5 * acc * (1.0 + tl.math.erf(acc * 0.7071067811865476))
    if EPILOGUE == 2:
        acc = tl.maximum(acc, 0.0)
    if EPILOGUE == 3:
        # In place is safe: each element of the residual is read and written by one program.
        acc += tl.load(res_ptr + rm[:, None] * stride_rm + rn[None, :], mask=ok, other=0.0).to(
            tl.float32
        )
    out = out_ptr + rm[:, None] * stride_om + rn[None, :]
    if EPILOGUE == 4:
        # Columns [0, H) are q; [H, 2H) k and [2H, 3H) v go to the cache at the current position.
        is_q = rn < HIDDEN
        tl.store(out, acc.to(out_ptr.dtype.element_ty), mask=ok & is_q[None, :])
        col = tl.maximum(rn - HIDDEN, 0)
        which = col // HIDDEN
        within = col % HIDDEN
        position = tl.load(pos_ptr)
        cache = (
            kv_ptr
            + which * kv_stride_which
            + (within // HEAD_DIM) * kv_stride_head
            + within % HEAD_DIM
            + position * kv_stride_pos
        )
        tl.store(
            cache[None, :] + rm[:, None] * kv_stride_row,
            acc.to(kv_ptr.dtype.element_ty),
            mask=ok & (rn >= HIDDEN)[None, :],
        )
    else:
        tl.store(out, acc.to(out_ptr.dtype.element_ty), mask=ok)


@triton.jit
def _attention_kernel(
    q_ptr,
    k_ptr,
    v_ptr,
    mask_ptr,
    pos_ptr,
    out_ptr,
    part_ptr,
    stride_qm,
    stride_kr,
    stride_kh,
    stride_kl,
    stride_mr,
    stride_om,
    length,
    chunk,
    scale,
    HEADS: tl.constexpr,
    HEAD_DIM: tl.constexpr,
    CAUSAL: tl.constexpr,
    HAS_MASK: tl.constexpr,
    SPLITS: tl.constexpr,
    BLOCK_L: tl.constexpr,
    BLOCK_D: tl.constexpr,
    PDL: tl.constexpr,
):
    """One query row per (row, head) against keys ``[split * chunk, ...)`` of its split.

    With one split the normalised output is stored; with several, each stores its running
    ``(acc, max, sum)`` for :func:`_combine_kernel`. ``k`` and ``v`` share strides.
    """
    _await_previous(PDL)
    rh = tl.program_id(0)
    split = tl.program_id(1)
    row = rh // HEADS
    head = rh % HEADS
    rd = tl.arange(0, BLOCK_D)
    d_ok = rd < HEAD_DIM
    q = tl.load(q_ptr + row * stride_qm + head * HEAD_DIM + rd, mask=d_ok, other=0.0)
    q = q.to(tl.float32) * scale
    start = split * chunk
    end = tl.minimum(start + chunk, length)
    if CAUSAL:
        end = tl.minimum(end, tl.load(pos_ptr).to(tl.int32) + 1)
    base = row * stride_kr + head * stride_kh
    m_i = tl.zeros([1], dtype=tl.float32) - float("inf")
    l_i = tl.zeros([1], dtype=tl.float32)
    acc = tl.zeros([BLOCK_D], dtype=tl.float32)
    for s in range(start, end, BLOCK_L):
        rl = s + tl.arange(0, BLOCK_L)
        l_ok = rl < end
        where = base + rl[:, None] * stride_kl + rd[None, :]
        tile_ok = l_ok[:, None] & d_ok[None, :]
        keys = tl.load(k_ptr + where, mask=tile_ok, other=0.0).to(tl.float32)
        scores = tl.sum(keys * q[None, :], 1)
        if HAS_MASK:
            scores += tl.load(mask_ptr + row * stride_mr + rl, mask=l_ok, other=0.0).to(tl.float32)
        scores = tl.where(l_ok, scores, float("-inf"))
        m_new = tl.maximum(m_i, tl.max(scores, 0))
        alpha = tl.exp(m_i - m_new)
        p = tl.exp(scores - m_new)
        values = tl.load(v_ptr + where, mask=tile_ok, other=0.0).to(tl.float32)
        acc = acc * alpha + tl.sum(p[:, None] * values, 0)
        l_i = l_i * alpha + tl.sum(p, 0)
        m_i = m_new
    if SPLITS == 1:
        result = acc / l_i
        tl.store(
            out_ptr + row * stride_om + head * HEAD_DIM + rd,
            result.to(out_ptr.dtype.element_ty),
            mask=d_ok,
        )
    else:
        part = part_ptr + (rh * SPLITS + split) * (BLOCK_D + 2)
        tl.store(part + rd, acc)
        tl.store(part + BLOCK_D + tl.arange(0, 1), m_i)
        tl.store(part + BLOCK_D + 1 + tl.arange(0, 1), l_i)


@triton.jit
def _combine_kernel(
    part_ptr,
    out_ptr,
    stride_om,
    HEADS: tl.constexpr,
    HEAD_DIM: tl.constexpr,
    SPLITS: tl.constexpr,
    BLOCK_S: tl.constexpr,
    BLOCK_D: tl.constexpr,
    PDL: tl.constexpr,
):
    """Merge the per-split softmax partials of one (row, head) into its attention output."""
    _await_previous(PDL)
    rh = tl.program_id(0)
    row = rh // HEADS
    head = rh % HEADS
    rs = tl.arange(0, BLOCK_S)
    rd = tl.arange(0, BLOCK_D)
    s_ok = rs < SPLITS
    parts = part_ptr + (rh * SPLITS + rs) * (BLOCK_D + 2)
    maxes = tl.load(parts + BLOCK_D, mask=s_ok, other=float("-inf"))
    sums = tl.load(parts + BLOCK_D + 1, mask=s_ok, other=0.0)
    # Split 0 always holds key 0, so the largest max is finite; empty splits weigh 0.
    weights = tl.exp(maxes - tl.max(maxes, 0))
    accs = tl.load(parts[:, None] + rd[None, :], mask=s_ok[:, None], other=0.0)
    result = tl.sum(weights[:, None] * accs, 0) / tl.sum(weights * sums, 0)
    tl.store(
        out_ptr + row * stride_om + head * HEAD_DIM + rd,
        result.to(out_ptr.dtype.element_ty),
        mask=rd < HEAD_DIM,
    )


@triton.jit
def _embed_kernel(
    tokens_ptr,
    embed_ptr,
    table_ptr,
    pos_ptr,
    out_ptr,
    batch,
    stride_e,
    stride_t,
    stride_o,
    HIDDEN: tl.constexpr,
    CODEBOOKS: tl.constexpr,
    TABLE_ROWS: tl.constexpr,
    BLOCK_H: tl.constexpr,
    PDL: tl.constexpr,
):
    """``out[r] = sum_k embed[k * TABLE_ROWS + tokens[r % batch, k]] + table[pos]``."""
    _await_previous(PDL)
    r = tl.program_id(0)
    rh = tl.program_id(1) * BLOCK_H + tl.arange(0, BLOCK_H)
    ok = rh < HIDDEN
    item = r % batch
    acc = tl.zeros([BLOCK_H], dtype=tl.float32)
    for k in tl.static_range(CODEBOOKS):
        token = tl.load(tokens_ptr + item * CODEBOOKS + k)
        row = embed_ptr + (token + k * TABLE_ROWS) * stride_e
        acc += tl.load(row + rh, mask=ok, other=0.0).to(tl.float32)
    # Rounded as torch rounds: the codebook sum first, then the sum with the position.
    summed = acc.to(out_ptr.dtype.element_ty).to(tl.float32)
    position = tl.load(table_ptr + tl.load(pos_ptr) * stride_t + rh, mask=ok, other=0.0)
    tl.store(
        out_ptr + r * stride_o + rh,
        (summed + position.to(tl.float32)).to(out_ptr.dtype.element_ty),
        mask=ok,
    )


@dataclass
class Tuning:
    """Launch settings of the kernels, one set per process (benchmarks sweep them).

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
        interpreter_block_n: ``block_n`` in Triton's interpreter, where every program costs
            milliseconds of Python whatever its size (None: as on the GPU).
        pdl: Programmatic dependent launch (Hopper and later): each kernel is scheduled while
            the one before it finishes and waits for it before touching memory, which hides
            the gap between launches.
    """

    block_n: int | None = None
    block_k: int | None = None
    num_warps: int = 4
    num_stages: int = 3
    attention_block_l: int = 64
    attention_waves: int = 2
    interpreter_block_n: int | None = 64
    pdl: bool = False


#: The settings in use.
TUNING = Tuning()


@triton.jit
def _sample_kernel(
    logits_ptr,
    noise_ptr,
    pattern_ptr,
    codes_ptr,
    tokens_ptr,
    pos_ptr,
    guidance_ptr,
    temperature_ptr,
    top_p_cut_ptr,
    batch,
    stride_logits,
    stride_noise,
    stride_pattern,
    stride_codes,
    VOCAB: tl.constexpr,
    CODEBOOKS: tl.constexpr,
    GUIDED: tl.constexpr,
    SAMPLE: tl.constexpr,
    TOP_K: tl.constexpr,
    TOP_P: tl.constexpr,
    BLOCK_V: tl.constexpr,
    PDL: tl.constexpr,
):
    """Guidance, warpers and the draw for one (sequence, codebook); writes the next code.

    The order and arithmetic are those of the torch step: ``uncond + (cond - uncond) * scale``,
    ``/ temperature``, top-k (below the k-th best -> -inf), top-p (the smallest codes whose
    probabilities sum to at most ``1 - top_p`` -> -inf, the best always kept), then
    ``argmax(softmax / noise)`` with ``Exp(1)`` noise - or ``argmax`` when greedy. Forced
    positions of the delay pattern override the choice.
    """
    _await_previous(PDL)
    j = tl.program_id(0)
    item = j // CODEBOOKS
    book = j % CODEBOOKS
    rv = tl.arange(0, BLOCK_V)
    ok = rv < VOCAB
    column = book * VOCAB + rv
    scores = tl.load(logits_ptr + item * stride_logits + column, mask=ok, other=0.0)
    if GUIDED:
        uncond = tl.load(logits_ptr + (item + batch) * stride_logits + column, mask=ok, other=0.0)
        scores = uncond + (scores - uncond) * tl.load(guidance_ptr)
    # Lanes past the vocabulary never win.
    scores = tl.where(ok, scores, float("-inf"))
    if SAMPLE:
        scores = scores / tl.load(temperature_ptr)
        if TOP_K > 0:
            best_first = tl.sort(scores, descending=True)
            kth = tl.max(tl.where(rv == TOP_K - 1, best_first, float("-inf")), 0)
            scores = tl.where(scores < kth, float("-inf"), scores)
        if TOP_P:
            worst_first = tl.sort(scores)
            shifted = tl.exp(worst_first - tl.max(worst_first, 0))
            cumulative = tl.cumsum(shifted / tl.sum(shifted, 0), 0)
            drop = (cumulative <= tl.load(top_p_cut_ptr)) & (rv < BLOCK_V - 1)
            # Everything at or below the largest dropped score goes (ties aside, the same set).
            cut = tl.max(tl.where(drop, worst_first, float("-inf")), 0)
            scores = tl.where(scores <= cut, float("-inf"), scores)
        shifted = tl.exp(scores - tl.max(scores, 0))
        probs = shifted / tl.sum(shifted, 0)
        noise = tl.load(noise_ptr + j * stride_noise + rv, mask=ok, other=1.0)
        choice = tl.argmax(probs / noise, 0)
    else:
        choice = tl.argmax(scores, 0)
    position = tl.load(pos_ptr)
    forced = tl.load(pattern_ptr + j * stride_pattern + position + 1)
    code = tl.where(forced == -1, choice.to(tl.int64), forced)
    tl.store(codes_ptr + j * stride_codes + position + 1, code)
    tl.store(tokens_ptr + j, code)


def _pdl(device: torch.device) -> dict[str, Any]:
    """Launch options and the kernels' PDL switch for ``device`` under :data:`TUNING`."""
    on = (
        TUNING.pdl
        and device.type == "cuda"
        and not interpreted()
        and torch.cuda.get_device_capability(device) >= (9, 0)
    )
    return {"PDL": True, "launch_pdl": True} if on else {"PDL": False}


def _blocks(m: int, n: int, k: int, element_size: int) -> tuple[int, int, int]:
    # Decoding steps have a handful of rows: tiles of 16 rows (the smallest tensor-core tile),
    # narrow column blocks so that even small layers spread over many programs.
    block_m = 16 if m <= 16 else 32
    block_n = TUNING.block_n or (16 if n <= 2048 else 32 if n <= 8192 else 64)
    if TUNING.interpreter_block_n is not None and interpreted():
        block_n = TUNING.interpreter_block_n
    block_k = TUNING.block_k or min(256, max(16, 8192 // (block_n * element_size)))
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
) -> torch.Tensor:
    """``out = epilogue(layer_norm(x) @ weight.T)`` in one launch (see :func:`_linear_kernel`).

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

    Returns:
        ``out``.
    """
    m, k = x.shape
    n = weight.shape[0]
    if x.stride(1) != 1 or weight.stride(1) != 1 or out.stride(1) != 1:
        raise ValueError("linear() needs x, weight and out with contiguous rows")
    block_m, block_n, block_k = _blocks(m, n, k, weight.element_size())
    ln_w, ln_b, eps = layer_norm if layer_norm is not None else (weight, weight, 0.0)
    res = residual if residual is not None else out
    cache = kv if kv is not None else out
    pos = position if position is not None else out
    kv_strides = kv.stride()[:4] if kv is not None else (0, 0, 0, 0)
    grid = (triton.cdiv(n, block_n), triton.cdiv(m, block_m))
    _linear_kernel[grid](
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
        num_warps=TUNING.num_warps,
        num_stages=TUNING.num_stages,
        **_pdl(x.device),
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
    ) -> None:
        self.rows, self.heads, self.head_dim, self.length = rows, heads, head_dim, length
        self.causal = causal
        self.splits = max(1, min(splits, triton.cdiv(length, 16)))
        self.chunk = triton.cdiv(length, self.splits)
        self.block_d = max(16, triton.next_power_of_2(head_dim))
        self.block_l = block_l or TUNING.attention_block_l
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

    Returns:
        ``out``.
    """
    if keys.stride() != values.stride():
        raise ValueError("keys and values must share strides")
    if spec.splits > 1 and partials is None:
        raise ValueError("split attention needs a partials buffer")
    part = partials if partials is not None else out
    grid = (spec.rows * spec.heads, spec.splits)
    _attention_kernel[grid](
        q,
        keys,
        values,
        mask if mask is not None else q,
        position if position is not None else q,
        out,
        part,
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
        BLOCK_L=spec.block_l,
        BLOCK_D=spec.block_d,
        **_pdl(q.device),
    )
    if spec.splits > 1:
        _combine_kernel[(spec.rows * spec.heads,)](
            part,
            out,
            out.stride(0),
            HEADS=spec.heads,
            HEAD_DIM=spec.head_dim,
            SPLITS=spec.splits,
            BLOCK_S=max(2, triton.next_power_of_2(spec.splits)),
            BLOCK_D=spec.block_d,
            **_pdl(q.device),
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

    Returns:
        ``out``.
    """
    rows, hidden = out.shape
    block_h = 256
    _embed_kernel[(rows, triton.cdiv(hidden, block_h))](
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
        **_pdl(out.device),
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
) -> None:
    """Choose the codes of position ``position + 1`` (see :func:`_sample_kernel`).

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
    """
    vocab = noise.shape[1]
    codebooks = tokens.shape[0] // batch
    _sample_kernel[(batch * codebooks,)](
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
        **_pdl(logits.device),
    )


def kernel_settings() -> dict[str, Any]:
    """Triton's version and mode, for benchmark reports."""
    return {"triton": triton.__version__, "interpreted": interpreted()}
