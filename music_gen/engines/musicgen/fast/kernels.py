"""The Triton kernels of one fused MusicGen decoder step.

A decoder step of :class:`~music_gen.engines.musicgen.fast.graph.StaticDecoder` run as torch
ops launches about 17 small kernels per layer; at batch 1 each moves a few hundred kilobytes
and the step is bound by launch latency, not by memory bandwidth. These kernels do the same
arithmetic in 9 launches per layer (:mod:`~music_gen.engines.musicgen.fast.ops` launches
them, :class:`~music_gen.engines.musicgen.fast.step.FusedStep` strings them together):

* :func:`linear_kernel` - a GEMM for the few rows of a decoding step with the layer norm
  folded into its prologue (each program normalises the rows it reads) and the next op in its
  epilogue: the residual add, the GELU/ReLU of the feed-forward, or, for the fused q/k/v
  projection, the write of k and v into the KV cache at the current position;
* :func:`attention_kernel` - single-query attention, split over the key axis so that short
  batches still fill the GPU, reading the cache only up to the current position (a device
  value, so one CUDA graph serves every step); :func:`combine_kernel` merges the splits;
* :func:`embed_kernel` - the codebook embeddings summed with the position embedding;
* :func:`sample_kernel` - guidance, temperature, top-k, top-p, the draw and the delay
  pattern for one (sequence, codebook) in one program.

Every kernel takes a ``PDL`` switch: under programmatic dependent launch it first waits for
the kernel before it (:func:`await_previous`).

Kernels run on CUDA; with ``TRITON_INTERPRET=1`` set before triton is first imported they run
in Triton's interpreter on CPU tensors, which is how the tests check them against torch.
"""

from __future__ import annotations

import triton
import triton.language as tl
from triton.language.extra.cuda import gdc_launch_dependents, gdc_wait

__all__ = [
    "GELU",
    "QKV",
    "RELU",
    "RESIDUAL",
    "STORE",
    "attention_kernel",
    "await_previous",
    "combine_kernel",
    "embed_kernel",
    "linear_kernel",
    "merge_splits",
    "sample_kernel",
]

#: ``EPILOGUE`` codes of :func:`linear_kernel`: store the product, apply GELU or ReLU, add a
#: residual, or split q/k/v with k and v written to the KV cache.
STORE, GELU, RELU, RESIDUAL, QKV = 0, 1, 2, 3, 4


@triton.jit
def await_previous(PDL: tl.constexpr):
    """Under programmatic dependent launch, wait for the kernel before this one, then let the
    next one be scheduled (it waits likewise): launches overlap, memory accesses do not."""
    if PDL:
        gdc_wait()
        gdc_launch_dependents()


@triton.jit
def linear_kernel(
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
    await_previous(PDL)
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
def attention_kernel(
    q_ptr,
    k_ptr,
    v_ptr,
    mask_ptr,
    pos_ptr,
    out_ptr,
    part_ptr,
    count_ptr,
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
    MERGE: tl.constexpr,
    BLOCK_L: tl.constexpr,
    BLOCK_S: tl.constexpr,
    BLOCK_D: tl.constexpr,
    PDL: tl.constexpr,
):
    """One query row per (row, head) against keys ``[split * chunk, ...)`` of its split.

    With one split the normalised output is stored; with several, each stores its running
    ``(acc, max, sum)`` for :func:`combine_kernel` - or, with ``MERGE``, counts itself in on
    ``count_ptr[row * HEADS + head]`` and the last split to arrive merges them all (and resets
    the count), which saves the combine launch. ``k`` and ``v`` share strides.
    """
    await_previous(PDL)
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
        if MERGE:
            # Every thread's partial is written before the (releasing) count; the split that
            # sees all others counted (acquiring) reads them past the non-coherent L1.
            tl.debug_barrier()
            arrived = tl.atomic_add(count_ptr + rh, 1, sem="acq_rel", scope="gpu")
            if arrived == SPLITS - 1:
                merge_splits(
                    part_ptr, out_ptr, stride_om, rh, HEADS, HEAD_DIM, SPLITS, BLOCK_S, BLOCK_D
                )
                tl.atomic_xchg(count_ptr + rh, 0, sem="relaxed", scope="gpu")


@triton.jit
def merge_splits(
    part_ptr,
    out_ptr,
    stride_om,
    rh,
    HEADS: tl.constexpr,
    HEAD_DIM: tl.constexpr,
    SPLITS: tl.constexpr,
    BLOCK_S: tl.constexpr,
    BLOCK_D: tl.constexpr,
):
    """Merge the per-split softmax partials of (row, head) ``rh`` into its attention output."""
    row = rh // HEADS
    head = rh % HEADS
    rs = tl.arange(0, BLOCK_S)
    rd = tl.arange(0, BLOCK_D)
    s_ok = rs < SPLITS
    parts = part_ptr + (rh * SPLITS + rs) * (BLOCK_D + 2)
    maxes = tl.load(parts + BLOCK_D, mask=s_ok, other=float("-inf"), cache_modifier=".cg")
    sums = tl.load(parts + BLOCK_D + 1, mask=s_ok, other=0.0, cache_modifier=".cg")
    # Split 0 always holds key 0, so the largest max is finite; empty splits weigh 0.
    weights = tl.exp(maxes - tl.max(maxes, 0))
    accs = tl.load(
        parts[:, None] + rd[None, :], mask=s_ok[:, None], other=0.0, cache_modifier=".cg"
    )
    result = tl.sum(weights[:, None] * accs, 0) / tl.sum(weights * sums, 0)
    tl.store(
        out_ptr + row * stride_om + head * HEAD_DIM + rd,
        result.to(out_ptr.dtype.element_ty),
        mask=rd < HEAD_DIM,
    )


@triton.jit
def combine_kernel(
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
    await_previous(PDL)
    merge_splits(
        part_ptr, out_ptr, stride_om, tl.program_id(0), HEADS, HEAD_DIM, SPLITS, BLOCK_S, BLOCK_D
    )


@triton.jit
def embed_kernel(
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
    await_previous(PDL)
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


@triton.jit
def sample_kernel(
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
    await_previous(PDL)
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
