"""EnCodec: audio codes to samples and back, mono and stereo (interleaved codebooks)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


@torch.no_grad()
def codes_to_audio(
    model: Any,
    codes: torch.Tensor,
    channels: int,
    *,
    dtype: torch.dtype | None = torch.float32,
) -> torch.Tensor:
    """Decode codes (batch, codebooks, frames) into audio (batch, channels, samples).

    The one place where codes become audio (the engine, streaming and the fast decoder's
    ``decode_codes`` all come here). Stereo checkpoints interleave the codebooks: even ones
    are the left channel, odd ones the right.

    Args:
        model: The MusicGen model whose EnCodec decodes.
        codes: Codes (batch, codebooks, frames).
        channels: Audio channels of the checkpoint (1 or 2).
        dtype: Dtype of the audio; None keeps EnCodec's own.

    Returns:
        Audio (batch, channels, samples).
    """
    codec = model.audio_encoder
    # Call the class's decode: while a stream runs, decode_tokens has the instance's decode
    # swapped for a code catcher in the decoding thread.
    decode = type(codec).decode
    parts = [codes] if channels == 1 else [codes[:, 0::2], codes[:, 1::2]]
    audio = [
        decode(codec, part[None, ...], audio_scales=[None] * codes.shape[0]).audio_values
        for part in parts
    ]
    joined = torch.cat(audio, dim=1)
    return joined if dtype is None else joined.to(dtype)


@torch.no_grad()
def audio_to_codes(
    model: Any, samples: np.ndarray, channels: int, device: torch.device, dtype: torch.dtype
) -> torch.Tensor:
    """Encode audio (channels, samples) at the codec's rate into codes (1, codebooks, frames).

    Mono audio given to a stereo checkpoint is used for both channels; stereo audio given to a
    mono checkpoint is mixed down.
    """
    codec = model.audio_encoder
    data = np.asarray(samples, dtype=np.float32)
    if channels == 1:
        data = data.mean(axis=0, keepdims=True)
    elif data.shape[0] == 1:
        data = np.repeat(data, 2, axis=0)
    else:
        data = data[:2]
    codebooks = int(model.decoder.config.num_codebooks) // channels
    bandwidth = _bandwidth_for(codec.config, codebooks)
    encoded = []
    for channel in range(channels):
        values = torch.from_numpy(data[channel : channel + 1][None]).to(device=device, dtype=dtype)
        out = codec.encode(values, bandwidth=bandwidth)
        encoded.append(out.audio_codes[0, :, :codebooks])  # (1, codebooks, frames)
    if channels == 1:
        return encoded[0]
    left, right = encoded
    codes = left.new_empty((1, 2 * codebooks, left.shape[-1]))
    codes[:, 0::2] = left
    codes[:, 1::2] = right
    return codes


def _bandwidth_for(config: Any, codebooks: int) -> float:
    # The smallest configured bandwidth that gives the decoder's number of codebooks.
    bits = int(getattr(config, "codebook_nbits", 10))
    for bandwidth in sorted(config.target_bandwidths):
        if int(1000 * bandwidth // (config.frame_rate * bits)) >= codebooks:
            return float(bandwidth)
    return float(max(config.target_bandwidths))
