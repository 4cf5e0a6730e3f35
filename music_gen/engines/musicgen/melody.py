"""Melody conditioning: reading the caller's melody and turning it into chroma features.

MusicGen-Melody is conditioned on a chromagram of the melody (the dominant pitch class per
frame, one-hot over 12 classes). Transformers' MusicgenMelodyFeatureExtractor computes it with
torchaudio, which is not a dependency here; :func:`chroma_features` computes the same features
with ``torch.stft`` (Hann window, power spectrum, librosa chroma filter bank, inf-norm, argmax
one-hot), and the engine passes them to ``generate()`` as ``input_features`` explicitly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from music_gen.audio import AudioOutput
from music_gen.engines.musicgen.loading import MelodyFeatures
from music_gen.errors import InvalidParameterError
from music_gen.mixing.resampling import resample


def read_audio_input(value: Any, field: str) -> tuple[np.ndarray, int]:
    """Validate an audio argument: an AudioOutput or a (samples, sample_rate) pair.

    Returns:
        float32 samples (channels, frames) and the sample rate.

    Raises:
        InvalidParameterError: Not one of the accepted forms, empty, or not finite.
    """
    if isinstance(value, AudioOutput):
        samples, rate = value.samples, value.sample_rate
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        samples, rate = value
    else:
        raise InvalidParameterError(
            f"{field} must be an AudioOutput or a (samples, sample_rate) pair, "
            f"got {type(value).__name__}",
            details={"field": field, "type": type(value).__name__},
        )
    if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)) or rate <= 0:
        raise InvalidParameterError(
            f"{field} sample rate must be a positive integer, got {rate!r}",
            details={"field": field},
        )
    try:
        data = np.asarray(samples, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"{field} samples must be a numeric array: {exc}", details={"field": field}
        ) from exc
    if data.size == 0:
        raise InvalidParameterError(f"{field} is empty", details={"field": field})
    if data.ndim == 1:
        data = data[np.newaxis, :]
    if data.ndim != 2:
        raise InvalidParameterError(
            f"{field} samples must have shape (frames,) or (channels, frames), got {data.shape}",
            details={"field": field, "shape": list(data.shape)},
        )
    if data.shape[0] > data.shape[1] and data.shape[1] <= 8:
        data = data.T  # (frames, channels) given
    if not np.isfinite(data).all():
        raise InvalidParameterError(
            f"{field} contains NaN or infinite samples", details={"field": field}
        )
    return data, int(rate)


def chroma_features(
    samples: np.ndarray, rate: int, settings: MelodyFeatures, device: torch.device
) -> torch.Tensor:
    """One-hot chroma of a melody, (1, frames, num_chroma), as MusicGen-Melody expects.

    The melody is mixed to mono, resampled to the feature extractor's rate and cut to its
    chunk length (30 s for the facebook checkpoints).
    """
    from transformers.audio_utils import chroma_filter_bank

    mono = resample(samples.mean(axis=0, keepdims=True), rate, settings.sample_rate)[0]
    mono = mono[: int(settings.chunk_length_s * settings.sample_rate)]
    wave = torch.from_numpy(np.ascontiguousarray(mono)).float()
    if wave.shape[-1] < settings.n_fft:
        pad = settings.n_fft - wave.shape[-1]
        wave = torch.nn.functional.pad(wave, (pad // 2, pad - pad // 2))
    window = torch.hann_window(settings.n_fft)
    spectrum = torch.stft(
        wave,
        n_fft=settings.n_fft,
        hop_length=settings.hop_length,
        window=window,
        center=True,
        pad_mode="reflect",
        return_complex=True,
    )
    power = spectrum.abs().pow(2) / window.pow(2).sum()
    filters = torch.from_numpy(
        chroma_filter_bank(
            sampling_rate=settings.sample_rate,
            num_frequency_bins=settings.n_fft,
            tuning=0,
            num_chroma=settings.num_chroma,
        )
    ).float()
    chroma = filters @ power  # (num_chroma, frames)
    chroma = torch.nn.functional.normalize(chroma, p=float("inf"), dim=0, eps=1e-6)
    one_hot = torch.zeros_like(chroma.T)
    one_hot.scatter_(-1, chroma.T.argmax(-1, keepdim=True), 1.0)
    return one_hot[None].to(device)
