"""The MusicGen decoder's weights, gathered once per model and laid out for one fused step."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import torch
from torch import nn

__all__ = ["DecoderWeights"]


class _LayerWeights(NamedTuple):
    self_ln: tuple[torch.Tensor, torch.Tensor, float]
    qkv_w: torch.Tensor
    self_out_w: torch.Tensor
    cross_ln: tuple[torch.Tensor, torch.Tensor, float]
    cross_q_w: torch.Tensor
    cross_k_w: torch.Tensor
    cross_v_w: torch.Tensor
    cross_out_w: torch.Tensor
    ffn_ln: tuple[torch.Tensor, torch.Tensor, float]
    fc1_w: torch.Tensor
    fc2_w: torch.Tensor


def _ln(module: nn.LayerNorm, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor, float]:
    return (module.weight.detach().to(dtype), module.bias.detach().to(dtype), float(module.eps))


@dataclass
class DecoderWeights:
    """The MusicGen decoder's weights, laid out for one fused step.

    Built once per model, device and dtype with :meth:`from_model`; q/k/v projections of
    self-attention are concatenated into one matrix, the codebook embeddings into one table and
    the language-model heads into one matrix. Other weights are the model's own tensors (no
    copy) when the dtype already matches.

    Attributes:
        layers: Per-layer weights.
        embed: Codebook embedding tables stacked, ``[num_codebooks * (vocab + 1), hidden]``.
        positions: Sinusoidal position table ``[max_positions, hidden]``.
        final_ln: The decoder's last layer norm (weight, bias, eps).
        lm_head: The codebook heads stacked, ``[num_codebooks * vocab, hidden]``.
        enc_proj: Text-to-decoder projection (weight, bias), or None when sizes already agree.
        num_heads: Attention heads.
        head_dim: Size of one head.
        num_codebooks: Parallel codebooks predicted per step.
        vocab_size: Codes per codebook (the pad/start token is ``vocab_size``).
        activation: The feed-forward activation (the model's own callable).
        activation_name: Its name in the config (``"gelu"``), for fused kernels.
        dtype: Compute dtype of the weights.
    """

    layers: list[_LayerWeights]
    embed: torch.Tensor
    positions: torch.Tensor
    final_ln: tuple[torch.Tensor, torch.Tensor, float]
    lm_head: torch.Tensor
    enc_proj: tuple[torch.Tensor, torch.Tensor] | None
    num_heads: int
    head_dim: int
    num_codebooks: int
    vocab_size: int
    activation: Callable[[torch.Tensor], torch.Tensor]
    activation_name: str
    dtype: torch.dtype

    @property
    def hidden(self) -> int:
        """Decoder hidden size."""
        return self.num_heads * self.head_dim

    @classmethod
    def from_model(cls, model: Any, dtype: torch.dtype) -> DecoderWeights:
        """Gather the weights of a ``MusicgenForConditionalGeneration`` for fused decoding.

        Args:
            model: The loaded model (any device; the weights stay where they are).
            dtype: Compute dtype (the model's own dtype avoids copies of unfused weights).

        Returns:
            The fused weight set.
        """
        causal_lm = model.decoder
        decoder = causal_lm.model.decoder
        config = causal_lm.config

        def w(linear: nn.Linear) -> torch.Tensor:
            return linear.weight.detach().to(dtype)

        layers = []
        for layer in decoder.layers:
            sa, ca = layer.self_attn, layer.encoder_attn
            qkv = torch.cat([sa.q_proj.weight, sa.k_proj.weight, sa.v_proj.weight], dim=0)
            layers.append(
                _LayerWeights(
                    self_ln=_ln(layer.self_attn_layer_norm, dtype),
                    qkv_w=qkv.detach().to(dtype),
                    self_out_w=w(sa.out_proj),
                    cross_ln=_ln(layer.encoder_attn_layer_norm, dtype),
                    cross_q_w=w(ca.q_proj),
                    cross_k_w=w(ca.k_proj),
                    cross_v_w=w(ca.v_proj),
                    cross_out_w=w(ca.out_proj),
                    ffn_ln=_ln(layer.final_layer_norm, dtype),
                    fc1_w=w(layer.fc1),
                    fc2_w=w(layer.fc2),
                )
            )
        embed = torch.cat([e.weight.detach() for e in decoder.embed_tokens], dim=0).to(dtype)
        enc_proj = None
        text_hidden = model.text_encoder.config.hidden_size
        cross_hidden = getattr(config, "cross_attention_hidden_size", None)
        if text_hidden != config.hidden_size and cross_hidden is None:
            proj = model.enc_to_dec_proj
            enc_proj = (proj.weight.detach().to(dtype), proj.bias.detach().to(dtype))
        lm_head = torch.cat([h.weight.detach() for h in causal_lm.lm_heads], dim=0).to(dtype)
        return cls(
            layers=layers,
            embed=embed,
            positions=decoder.embed_positions.weights.detach().to(dtype),
            final_ln=_ln(decoder.layer_norm, dtype),
            lm_head=lm_head,
            enc_proj=enc_proj,
            num_heads=config.num_attention_heads,
            head_dim=config.hidden_size // config.num_attention_heads,
            num_codebooks=config.num_codebooks,
            vocab_size=config.vocab_size,
            activation=decoder.layers[0].activation_fn,
            activation_name=str(config.activation_function),
            dtype=dtype,
        )

    def position_table(self, length: int) -> torch.Tensor:
        """Sinusoidal positions for ``length`` steps, extended as transformers does if needed."""
        if length <= self.positions.shape[0]:
            return self.positions
        half = self.hidden // 2
        scale = math.log(10000) / (half - 1)
        freqs = torch.exp(torch.arange(half, dtype=torch.int64).float() * -scale)
        angles = torch.arange(length, dtype=torch.int64).float().unsqueeze(1) * freqs.unsqueeze(0)
        table = torch.cat([torch.cos(angles), torch.sin(angles)], dim=1).view(length, -1)
        if self.hidden % 2 == 1:
            table = torch.cat([table, torch.zeros(length, 1)], dim=1)
        return table.to(device=self.positions.device, dtype=self.dtype)
