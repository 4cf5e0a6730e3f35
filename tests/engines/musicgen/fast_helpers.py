"""In-memory tiny MusicGen models and stock generate()'s codes, for the fast-decoder tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch
import transformers

VOCAB = 64
# Two prompts of different lengths: the second is padded.
IDS = torch.tensor([[5, 6, 7, 8, 9], [9, 10, 11, 0, 0]])
MASK = (IDS != 0).long()


def tiny_model(channels: int = 1, text_hidden: int = 32, init_std: float = 0.02) -> Any:
    """A random MusicgenForConditionalGeneration (eval mode, seeded) built from configs.

    A larger ``init_std`` for the decoder makes its attention sharp, so that greedy codes
    depend on every cached position (with the default, they barely do).
    """
    t5 = transformers.T5Config(
        vocab_size=100, d_model=text_hidden, d_ff=64, num_layers=2, num_heads=2, d_kv=16
    )
    codec = transformers.EncodecConfig(
        audio_channels=1,
        sampling_rate=8000,
        num_filters=4,
        codebook_size=VOCAB,
        codebook_dim=16,
        upsampling_ratios=[4, 4],
        hidden_size=16,
        num_residual_layers=1,
        target_bandwidths=[20.0],
    )
    decoder = transformers.MusicgenDecoderConfig(
        vocab_size=VOCAB,
        pad_token_id=VOCAB,
        bos_token_id=VOCAB,
        hidden_size=48,
        num_hidden_layers=2,
        num_attention_heads=4,
        ffn_dim=96,
        num_codebooks=4 * channels,
        audio_channels=channels,
        max_position_embeddings=256,
        initializer_factor=init_std,
    )
    config = transformers.MusicgenConfig(
        text_encoder=t5.to_dict(), audio_encoder=codec.to_dict(), decoder=decoder.to_dict()
    )
    torch.manual_seed(0)
    return transformers.MusicgenForConditionalGeneration(config).eval()


@contextlib.contextmanager
def _captured_codes(model: Any) -> Iterator[list[torch.Tensor]]:
    """Collect the codes stock generate() hands to EnCodec (left, then right for stereo)."""
    calls: list[torch.Tensor] = []
    original = model.audio_encoder.decode

    def capture(codes: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        calls.append(codes.clone())
        return original(codes, *args, **kwargs)

    model.audio_encoder.decode = capture
    try:
        yield calls
    finally:
        del model.audio_encoder.decode


def stock_codes(model: Any, **kwargs: Any) -> torch.Tensor:
    """The codes stock generate() decodes, ``[1, batch, K, frames]`` (stereo interleaved)."""
    with _captured_codes(model) as calls, torch.no_grad():
        model.generate(**kwargs)
    if len(calls) == 1:
        return calls[0]
    left, right = calls
    codes = torch.empty((*left.shape[:2], 2 * left.shape[2], left.shape[3]), dtype=left.dtype)
    codes[:, :, 0::2], codes[:, :, 1::2] = left, right
    return codes
