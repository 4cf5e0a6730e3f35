"""The fused decoder step: a :class:`StaticDecoder`'s step as a few Triton launches.

:class:`FusedStep` replaces the torch ops of one decoding step (about 17 launches per layer
plus a dozen for sampling) by 9 launches per layer and one for sampling, on the decoder's own
buffers, so that the step can be captured in a CUDA graph exactly as the torch step is. The
kernels are in :mod:`~music_gen.engines.musicgen.fast.kernels`, launched through
:mod:`~music_gen.engines.musicgen.fast.ops` under the :class:`Tuning` the step is built with.
"""

from __future__ import annotations

import weakref
from contextlib import nullcontext
from typing import TYPE_CHECKING

import torch
import triton

from music_gen.engines.musicgen.fast import ops
from music_gen.engines.musicgen.fast.options import Tuning

if TYPE_CHECKING:
    from music_gen.engines.musicgen.fast.graph import StaticDecoder

__all__ = ["FusedStep"]


def _sm_count(device: torch.device, tuning: Tuning) -> int:
    if tuning.sm_count is not None:
        return tuning.sm_count
    if device.type == "cuda":
        return int(torch.cuda.get_device_properties(device).multi_processor_count)
    return 4


class FusedStep:
    """One decoder step of ``decoder`` (embedding, layers, heads, sampling) in Triton kernels.

    Reads and writes the decoder's buffers: its KV cache, cross-attention K/V and mask,
    position counter, input tokens, codes, delay pattern, noise and sampling settings. Calling
    it writes the codes of position ``pos + 1`` and the next input tokens; the caller advances
    the position.

    Args:
        decoder: The decoder whose buffers the step works on.
        tuning: Launch settings of the kernels.

    Raises:
        ValueError: The model's feed-forward activation has no fused kernel.
    """

    def __init__(self, decoder: StaticDecoder, tuning: Tuning) -> None:
        weights = decoder.weights
        if weights.activation_name not in ops.ACTIVATIONS:
            raise ValueError(
                f"activation {weights.activation_name!r} has no fused kernel "
                f"(have {sorted(ops.ACTIVATIONS)})"
            )
        # A proxy, not a reference: the decoder owns this step, and a cycle would keep its
        # KV cache alive until the garbage collector ran (release_buffers() frees it at once).
        self.decoder = weakref.proxy(decoder)
        self.tuning = tuning
        self.on_cuda = decoder.device.type == "cuda"
        self.activation = ops.ACTIVATIONS[weights.activation_name]
        shape = decoder.shape
        rows, device, dtype = shape.rows, decoder.device, weights.dtype
        heads, head_dim = weights.num_heads, weights.head_dim
        self.cross_mask = decoder.cross_mask.view(rows, -1)
        # Split the keys until the programs cover the GPU the wanted number of times.
        wanted = tuning.attention_splits or triton.cdiv(
            tuning.attention_waves * _sm_count(device, tuning), rows * heads
        )
        self.self_attn = ops.AttentionShape(
            rows, heads, head_dim, shape.cache_length, causal=True, splits=wanted, tuning=tuning
        )
        self.cross_attn = ops.AttentionShape(
            rows, heads, head_dim, shape.encoder_length, causal=False, splits=1, tuning=tuning
        )
        zeros = torch.zeros
        self.x = zeros(rows, weights.hidden, dtype=dtype, device=device)
        self.q = zeros(rows, weights.hidden, dtype=dtype, device=device)
        self.attended = zeros(rows, weights.hidden, dtype=dtype, device=device)
        ffn = weights.layers[0].fc1_w.shape[0]
        self.ffn = zeros(rows, ffn, dtype=dtype, device=device)
        self.logits = zeros(rows, weights.lm_head.shape[0], dtype=torch.float32, device=device)
        split = self.self_attn
        self.partials = zeros(
            rows * heads * split.splits * (split.block_d + 2), dtype=torch.float32, device=device
        )
        # Zero between launches: the merging split resets its count.
        self.counts = zeros(rows * heads, dtype=torch.int32, device=device)

    def logits_of_step(self) -> torch.Tensor:
        """Run the network on the current tokens; returns ``[rows, codebooks * vocab]``."""
        d, wt, x, tuning = self.decoder, self.decoder.weights, self.x, self.tuning
        pos = d.pos
        ops.embed(
            d.tokens,
            wt.embed,
            d.pos_table,
            pos,
            x,
            batch=d.shape.batch,
            codebooks=wt.num_codebooks,
            tuning=tuning,
        )
        for i, layer in enumerate(wt.layers):
            kv, cross = d.kv[i], d.cross_kv[i]
            ops.linear(
                x,
                layer.qkv_w,
                self.q,
                layer_norm=layer.self_ln,
                epilogue=ops.QKV,
                kv=kv,
                position=pos,
                head_dim=wt.head_dim,
                tuning=tuning,
            )
            ops.attention(
                self.self_attn,
                self.q,
                kv[0],
                kv[1],
                self.attended,
                position=pos,
                partials=self.partials,
                counts=self.counts,
            )
            ops.linear(
                self.attended,
                layer.self_out_w,
                x,
                epilogue=ops.RESIDUAL,
                residual=x,
                tuning=tuning,
            )
            ops.linear(x, layer.cross_q_w, self.q, layer_norm=layer.cross_ln, tuning=tuning)
            ops.attention(
                self.cross_attn, self.q, cross[0], cross[1], self.attended, mask=self.cross_mask
            )
            ops.linear(
                self.attended,
                layer.cross_out_w,
                x,
                epilogue=ops.RESIDUAL,
                residual=x,
                tuning=tuning,
            )
            ops.linear(
                x,
                layer.fc1_w,
                self.ffn,
                layer_norm=layer.ffn_ln,
                epilogue=self.activation,
                tuning=tuning,
            )
            ops.linear(self.ffn, layer.fc2_w, x, epilogue=ops.RESIDUAL, residual=x, tuning=tuning)
        return ops.linear(x, wt.lm_head, self.logits, layer_norm=wt.final_ln, tuning=tuning)

    def __call__(self) -> None:
        """The whole step but the position update: logits, then the next codes."""
        # Triton launches on the current CUDA device; the model may live on another one.
        context = torch.cuda.device(self.decoder.device) if self.on_cuda else nullcontext()
        with context:
            self._step()

    def _step(self) -> None:
        d = self.decoder
        spec = d.spec
        ops.sample(
            self.logits_of_step(),
            noise=d.noise,
            pattern=d.pattern,
            codes=d.codes,
            tokens=d.tokens,
            position=d.pos,
            guidance=d.guidance,
            temperature=d.temperature,
            top_p_cut=d.top_p_cut,
            batch=d.shape.batch,
            guided=spec.guided,
            do_sample=spec.do_sample,
            top_k=spec.top_k,
            use_top_p=spec.use_top_p,
            tuning=self.tuning,
        )
