"""A shape-static MusicGen decoder step: fused weights, static KV cache, on-device sampling.

`StaticDecoder` owns every buffer one decoding run needs (self-attention KV cache, the
cross-attention K/V of the text encoder output, the delay-pattern mask, the output codes, a
device-side position counter) and runs one decoder step as a fixed sequence of tensor ops on
them. Because no shape and no host value changes from step to step, the step can be captured
once in a CUDA graph and replayed; on the CPU (or with graphs off) the same ops run eagerly and
attend only to the filled part of the cache.

The layer arithmetic mirrors ``transformers``' ``MusicgenDecoderLayer`` (pre-norm self-attention,
cross-attention and GELU feed-forward, no biases) and the sampling mirrors the logits processors
``generate()`` builds for MusicGen, in the same order: classifier-free guidance, temperature,
top-k, top-p, then a categorical draw done as ``argmax(probs / Exp(1) noise)`` - the very
algorithm ``torch.multinomial`` uses for one sample - or ``argmax`` when greedy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from music_gen.engines.musicgen.rows import fill_row_noise

if TYPE_CHECKING:
    from music_gen.engines.musicgen.fast.weights import DecoderWeights

__all__ = ["FusedStepFactory", "SamplingSpec", "StaticDecoder"]


#: Builds a decoder's fused step from the decoder (its buffers); calling the step runs one
#: decoding step but the position update.
FusedStepFactory = Callable[["StaticDecoder"], Callable[[], None]]


@dataclass(frozen=True)
class SamplingSpec:
    """The parts of the sampling set-up that fix the step's shapes and op sequence.

    Attributes:
        guided: Whether classifier-free guidance runs (conditional and unconditional rows).
        do_sample: Draw from the distribution (True) or take the argmax (False).
        top_k: Keep only the k best codes before drawing; 0 turns it off.
        use_top_p: Apply nucleus filtering (its threshold is a runtime value).
    """

    guided: bool
    do_sample: bool
    top_k: int
    use_top_p: bool


@dataclass(frozen=True)
class _Shape:
    batch: int
    rows: int
    max_length: int
    cache_length: int
    encoder_length: int
    encoder_hidden: int


class StaticDecoder:
    """Static buffers and the fixed-shape decoder step for one batch/length configuration.

    Args:
        weights: The fused weights.
        batch: Number of sequences (without the guidance copies).
        max_length: Total decoder length, start token and prompt included.
        encoder_length: Text-encoder sequence length the cross-attention buffers hold.
        encoder_hidden: Hidden size of the encoder states given to :meth:`load`.
        spec: Sampling configuration.
        device: Where the buffers live.
        cache_multiple: Round the KV-cache length up to a multiple of this.
        attention_window: Under static shapes, self-attention reads the cache in windows of
            this many positions (one CUDA graph per window end) rather than all of it.
        attention: ``"sdpa"`` (fused scaled-dot-product kernel) or ``"matmul"`` (plain
            matmuls and softmax).
        fused_step: Builds the step that replaces the torch ops on this decoder's buffers
            (:class:`~music_gen.engines.musicgen.fast.step.FusedStep`, the fused Triton
            kernels, which read the cache up to the position at run time, so one window - and
            one graph - covers all); None runs the step as torch ops.
    """

    def __init__(
        self,
        weights: DecoderWeights,
        *,
        batch: int,
        max_length: int,
        encoder_length: int,
        encoder_hidden: int,
        spec: SamplingSpec,
        device: torch.device,
        cache_multiple: int = 1,
        attention_window: int = 128,
        attention: str = "sdpa",
        fused_step: FusedStepFactory | None = None,
    ) -> None:
        self.weights = weights
        self.spec = spec
        self.device = device
        rows = batch * (2 if spec.guided else 1)
        cache_length = -(-max_length // cache_multiple) * cache_multiple
        self.shape = _Shape(batch, rows, max_length, cache_length, encoder_length, encoder_hidden)
        wt, dt = weights, weights.dtype
        n_layers, heads, head_dim = len(wt.layers), wt.num_heads, wt.head_dim
        k, v = wt.num_codebooks, wt.vocab_size
        zeros = torch.zeros
        # Zero-filled, never empty: a masked slot still meets the value matmul, and garbage
        # such as NaN would leak through a zero attention weight.
        self.kv = zeros(n_layers, 2, rows, heads, cache_length, head_dim, dtype=dt, device=device)
        self.cross_kv = zeros(
            n_layers, 2, rows, heads, encoder_length, head_dim, dtype=dt, device=device
        )
        self.cross_mask = zeros(rows, 1, 1, encoder_length, dtype=dt, device=device)
        self.pattern = zeros(batch * k, max_length, dtype=torch.long, device=device)
        self.codes = zeros(batch * k, max_length, dtype=torch.long, device=device)
        self.tokens = zeros(batch * k, dtype=torch.long, device=device)
        self.pos = zeros(1, dtype=torch.long, device=device)
        self.guidance = zeros((), dtype=torch.float32, device=device)
        self.temperature = torch.ones((), dtype=torch.float32, device=device)
        self.top_p_cut = zeros((), dtype=torch.float32, device=device)
        self.noise = torch.ones(batch * k, v, dtype=torch.float32, device=device)
        self.key_positions = torch.arange(cache_length, device=device)
        self.code_offsets = (torch.arange(k, device=device) * (v + 1)).view(1, k, 1)
        self.pos_table = wt.position_table(max_length).to(device)
        self.mask_min = torch.finfo(dt).min
        self.host_pos = 0
        if attention not in ("sdpa", "matmul"):
            raise ValueError(f"attention must be 'sdpa' or 'matmul', got {attention!r}")
        self.attention = attention
        self.fused: Callable[[], None] | None = None
        if fused_step is not None:
            self.fused = fused_step(self)
            attention_window = cache_length
        self.window = max(1, attention_window)
        self.window_ends = [
            min(start + self.window, cache_length) for start in range(0, cache_length, self.window)
        ]
        self.graphs: list[torch.cuda.CUDAGraph] = []

    # ----------------------------------------------------------------- set-up per run
    def load(
        self,
        encoder_states: torch.Tensor,
        encoder_mask: torch.Tensor | None,
        pattern: torch.Tensor,
        *,
        guidance_scale: float,
        temperature: float,
        top_p: float,
    ) -> None:
        """Fill the buffers for a new run (same shapes as this decoder was built for).

        Args:
            encoder_states: Text-encoder states for all rows ``[rows, S, H_text]`` (guidance
                rows already appended), ``S`` at most ``encoder_length``.
            encoder_mask: ``[rows, S]`` 1 for real tokens, or None for no masking.
            pattern: Delay-pattern mask ``[batch * codebooks, max_length]`` (-1 = predict).
            guidance_scale: Classifier-free guidance scale (used when guided).
            temperature: Sampling temperature.
            top_p: Nucleus threshold (used when the spec says so).
        """
        wt, shape = self.weights, self.shape
        states = encoder_states.to(device=self.device, dtype=wt.dtype)
        if wt.enc_proj is not None:
            states = F.linear(states, *wt.enc_proj)
        seq = states.shape[1]
        self.cross_mask.fill_(self.mask_min)
        if encoder_mask is not None:
            mask = encoder_mask.to(device=self.device, dtype=wt.dtype)
            # transformers zeroes padded encoder states before the cross-attention projections.
            states = states * mask[..., None]
            self.cross_mask[:, 0, 0, :seq] = (1.0 - mask) * self.mask_min
        else:
            self.cross_mask[:, 0, 0, :seq] = 0.0
        heads, head_dim = wt.num_heads, wt.head_dim
        self.cross_kv.zero_()
        for i, layer in enumerate(wt.layers):
            for j, proj in enumerate((layer.cross_k_w, layer.cross_v_w)):
                kv = F.linear(states, proj).view(shape.rows, seq, heads, head_dim)
                self.cross_kv[i, j, :, :, :seq].copy_(kv.transpose(1, 2))
        self.pattern.copy_(pattern)
        self.codes.copy_(pattern)
        self.guidance.fill_(guidance_scale)
        self.temperature.fill_(temperature)
        self.top_p_cut.fill_(1.0 - top_p)
        self.reset(0)

    def reset(self, position: int) -> None:
        """Point the step at ``position`` (its input token is taken from the codes buffer)."""
        self.host_pos = position
        self.pos.fill_(position)
        self.tokens.copy_(self.codes[:, position])

    # ----------------------------------------------------------------- the network
    def _forward(
        self,
        tokens: torch.Tensor,
        positions: torch.Tensor,
        self_mask: torch.Tensor | None,
        visible: int | None,
    ) -> torch.Tensor:
        """Decoder on ``tokens [rows, K, T]`` at ``positions [T]``; returns the hidden states."""
        wt = self.weights
        rows, _, steps = tokens.shape
        hidden, heads, head_dim = wt.hidden, wt.num_heads, wt.head_dim
        x = F.embedding(tokens + self.code_offsets, wt.embed).sum(dim=1)
        x = x + self.pos_table.index_select(0, positions)
        flat = (rows * steps, hidden)
        for i, layer in enumerate(wt.layers):
            h = F.layer_norm(x, (hidden,), *layer.self_ln)
            qkv = F.linear(h, layer.qkv_w)
            q = qkv[..., :hidden].view(rows, steps, heads, head_dim).transpose(1, 2)
            kv_new = qkv[..., hidden:].view(rows, steps, 2, heads, head_dim).permute(2, 0, 3, 1, 4)
            cache = self.kv[i]
            cache.index_copy_(3, positions, kv_new)
            keys, values = cache[0], cache[1]
            if visible is not None:
                keys, values = keys[:, :, :visible], values[:, :, :visible]
            a = self._attend(q, keys, values, self_mask)
            x = torch.addmm(x.reshape(flat), a.transpose(1, 2).reshape(flat), layer.self_out_w.t())
            x = x.view(rows, steps, hidden)

            h = F.layer_norm(x, (hidden,), *layer.cross_ln)
            q = F.linear(h, layer.cross_q_w).view(rows, steps, heads, head_dim).transpose(1, 2)
            a = self._attend(q, self.cross_kv[i, 0], self.cross_kv[i, 1], self.cross_mask)
            x = torch.addmm(x.reshape(flat), a.transpose(1, 2).reshape(flat), layer.cross_out_w.t())
            x = x.view(rows, steps, hidden)

            h = F.layer_norm(x, (hidden,), *layer.ffn_ln)
            h = wt.activation(F.linear(h, layer.fc1_w))
            x = torch.addmm(x.reshape(flat), h.reshape(rows * steps, -1), layer.fc2_w.t())
            x = x.view(rows, steps, hidden)
        return F.layer_norm(x, (hidden,), *wt.final_ln)

    def _attend(
        self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None
    ) -> torch.Tensor:
        """Attention of ``q [rows, H, T, D]`` over ``k, v [rows, H, W, D]``, additive mask."""
        if self.attention == "sdpa":
            return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        # Plain matmuls: for one query row these are batched GEMVs, often cheaper to launch than
        # a fused kernel that tiles for long queries.
        scores = torch.matmul(q, k.transpose(-1, -2))
        scale = self.weights.head_dim**-0.5
        scores = scores * scale if mask is None else torch.add(mask, scores, alpha=scale)
        probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        return torch.matmul(probs, v)

    def _row_tokens(self, column: torch.Tensor) -> torch.Tensor:
        """``[batch*K, T]`` codes -> ``[rows, K, T]`` decoder input (guidance rows repeated)."""
        k = self.weights.num_codebooks
        tokens = column.reshape(self.shape.batch, k, -1)
        return tokens.repeat(2, 1, 1) if self.spec.guided else tokens

    def prefill(self, length: int) -> None:
        """Write the KV cache for the forced positions ``[0, length)`` in one pass."""
        if length <= 0:
            return
        positions = torch.arange(length, device=self.device)
        allowed = self.key_positions[:length][None, :] <= positions[:, None]
        mask = torch.zeros(length, length, dtype=self.weights.dtype, device=self.device)
        mask.masked_fill_(~allowed, self.mask_min)
        self._forward(self._row_tokens(self.codes[:, :length]), positions, mask, visible=length)
        self.reset(length)

    def _select(self, logits: torch.Tensor) -> torch.Tensor:
        """Guidance, warpers and the draw: ``[rows*K, V]`` float32 logits -> ``[batch*K]`` codes."""
        spec = self.spec
        scores = logits
        if spec.guided:
            cond, uncond = scores.split(scores.shape[0] // 2, dim=0)
            scores = uncond + (cond - uncond) * self.guidance
        if not spec.do_sample:
            return scores.argmax(dim=-1)
        scores = scores / self.temperature
        if spec.top_k:
            # The smallest of the k best is the k-th best: no need to sort them.
            best = torch.topk(scores, min(spec.top_k, scores.shape[-1]), sorted=False)[0]
            kth = best.amin(dim=-1, keepdim=True)
            scores = scores.masked_fill(scores < kth, -math.inf)
        if spec.use_top_p:
            sorted_logits, sorted_idx = torch.sort(scores, descending=False)
            cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
            drop = cumulative <= self.top_p_cut
            drop[..., -1:] = False
            scores = scores.masked_fill(drop.scatter(1, sorted_idx, drop), -math.inf)
        probs = scores.softmax(dim=-1)
        return (probs / self.noise).argmax(dim=-1)

    def _step(self, visible: int, masked: bool) -> None:
        """One decoder step at ``pos``: writes the code for ``pos + 1`` and advances.

        Self-attention reads cache positions ``[0, visible)``; ``masked`` hides those after
        ``pos`` (needed when ``visible`` is a fixed window end rather than ``pos + 1``).
        """
        if self.fused is not None:
            self.fused()
            self.pos.add_(1)
            return
        wt = self.weights
        self_mask: torch.Tensor | None = None
        if masked:
            allowed = self.key_positions[:visible] <= self.pos
            self_mask = torch.where(allowed, 0.0, self.mask_min).to(wt.dtype).view(1, 1, 1, -1)
        h = self._forward(self._row_tokens(self.tokens), self.pos, self_mask, visible)
        logits = F.linear(h[:, -1], wt.lm_head).float()
        chosen = self._select(logits.view(-1, wt.vocab_size))
        nxt = self.pos + 1
        forced = self.pattern.index_select(1, nxt).squeeze(1)
        chosen = torch.where(forced == -1, chosen, forced)
        self.codes.index_copy_(1, nxt, chosen[:, None])
        self.tokens.copy_(chosen)
        self.pos.add_(1)

    # ----------------------------------------------------------------- running
    def _window_end(self, position: int) -> int:
        return self.window_ends[position // self.window]

    def capture(self, warmup_steps: int = 2) -> None:
        """Record the step in CUDA graphs, one per attention window (state is reset after).

        Buffers must be loaded. Warm-up steps run from the current position each time, so they
        never index past the end of the sequence; what they write is overwritten or masked.
        """
        start = self.host_pos
        current = torch.cuda.current_stream(self.device)
        graphs: list[torch.cuda.CUDAGraph] = []
        pool = None
        for end in self.window_ends:
            stream = torch.cuda.Stream(device=self.device)
            stream.wait_stream(current)
            with torch.cuda.stream(stream):
                for _ in range(warmup_steps):
                    self.reset(start)
                    self._step(end, masked=True)
                self.reset(start)
            current.wait_stream(stream)
            graph = torch.cuda.CUDAGraph()
            # One pool for all windows: they never run concurrently and keep no outputs in it.
            with torch.cuda.graph(graph, pool=pool):
                self._step(end, masked=True)
            pool = graph.pool()
            graphs.append(graph)
        self.graphs = graphs
        self.codes.copy_(self.pattern)
        self.reset(start)

    def run(
        self,
        steps: int,
        *,
        generator: torch.Generator | Sequence[torch.Generator] | None,
        progress: Callable[[int, int], None] | None = None,
        observer: Callable[[int, int, torch.Tensor], None] | None = None,
        use_graph: bool,
        static: bool,
    ) -> torch.Tensor:
        """Decode ``steps`` positions from the current one; returns the codes buffer.

        Args:
            steps: Number of steps to run.
            generator: Random source of the sampling noise (None: the device default), or one
                per piece of the batch, each drawing its own piece's rows (see rows.py).
            progress: Called as ``progress(done, steps)`` after every step.
            observer: Called as ``observer(step, steps, ids)`` before every step, ``ids`` being
                a view of the codes so far ``[batch * K, position + 1]``.
            use_graph: Replay the captured CUDA graph instead of running ops eagerly.
            static: Without a graph, still run the graph's op sequence (masked windows).
        """
        sample = self.spec.do_sample
        for i in range(steps):
            if observer is not None:
                observer(i, steps, self.codes[:, : self.host_pos + 1])
            if sample:
                if isinstance(generator, Sequence):
                    fill_row_noise(self.noise, generator)
                else:
                    self.noise.exponential_(generator=generator)
            if use_graph:
                self.graphs[self.host_pos // self.window].replay()
            elif static:
                self._step(self._window_end(self.host_pos), masked=True)
            else:
                self._step(self.host_pos + 1, masked=False)
            self.host_pos += 1
            if progress is not None:
                progress(i + 1, steps)
        return self.codes
