"""Loading MusicGen checkpoints (model, tokenizer, feature extractor) onto a device and dtype."""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from music_gen.engines.musicgen.checkpoints import (
    download_hint,
    hub_offline,
    hub_reachable,
    is_cached,
    is_local_checkpoint,
    offline_reason,
)
from music_gen.engines.spec import EngineOptions, ModelSpec
from music_gen.errors import InvalidParameterError, ModelUnavailableError

_DTYPES: dict[str, torch.dtype] = {
    "float16": torch.float16,
    "fp16": torch.float16,
    "half": torch.float16,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
    "float32": torch.float32,
    "fp32": torch.float32,
    "float": torch.float32,
}
#: Longest window audiocraft trained MusicGen on; the decoder's positions allow a bit more.
TRAINED_WINDOW_S = 30.0


@dataclass(frozen=True)
class MelodyFeatures:
    """How a melody checkpoint's feature extractor turns audio into chroma (preprocessor_config)."""

    sample_rate: int
    n_fft: int
    hop_length: int
    num_chroma: int
    chunk_length_s: float


@dataclass
class LoadedCheckpoint:
    """A MusicGen checkpoint ready to generate.

    Attributes:
        model: MusicgenForConditionalGeneration or MusicgenMelodyForConditionalGeneration.
        tokenizer: The T5 tokenizer.
        melody: Chroma settings for melody checkpoints, else None.
        device: Where the model runs.
        dtype: The model's dtype.
        sample_rate: Output sample rate (the audio encoder's).
        frame_rate: Codec frames per second (audio_encoder.config.frame_rate).
        channels: Audio channels (decoder.audio_channels).
        num_codebooks: Codebooks per frame over all channels.
        window_frames: Frames the decoder generates in one window.
    """

    model: Any
    tokenizer: Any
    melody: MelodyFeatures | None
    device: torch.device
    dtype: torch.dtype
    sample_rate: int
    frame_rate: int
    channels: int
    num_codebooks: int
    window_frames: int

    @property
    def codebooks_per_channel(self) -> int:
        """Codebooks of one channel (the delay pattern's depth)."""
        return self.num_codebooks // self.channels

    @property
    def hop_length(self) -> int:
        """Audio samples per codec frame."""
        return int(self.model.audio_encoder.config.hop_length)


def resolve_device(device: str) -> torch.device:
    """Turn "auto", "cpu", "cuda" or "cuda:N" into a torch device ("auto": CUDA when present)."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelUnavailableError(
            f"device {device!r} was asked for but CUDA is not available here; "
            "use device='cpu' or 'auto'",
            details={"device": device},
        )
    if device == "mps" and not torch.backends.mps.is_available():
        raise ModelUnavailableError(
            "device 'mps' was asked for but MPS is not available here; use 'cpu' or 'auto'",
            details={"device": device},
        )
    try:
        return torch.device(device)
    except RuntimeError as exc:
        raise InvalidParameterError(
            f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}",
            details={"field": "device", "value": device},
        ) from exc


def resolve_dtype(dtype: Any, device: torch.device) -> torch.dtype:
    """The dtype to load with: a torch.dtype or its name; None is float16 on CUDA, else float32.

    float16 on a CPU is upcast to float32 with a warning (CPU half-precision kernels are slow
    or missing).
    """
    if dtype is None:
        return torch.float16 if device.type == "cuda" else torch.float32
    if isinstance(dtype, str):
        name = dtype.strip().lower().removeprefix("torch.")
        if name not in _DTYPES:
            raise InvalidParameterError(
                f"dtype must be float16, bfloat16 or float32 (or a torch.dtype), got {dtype!r}",
                details={"field": "dtype", "value": dtype},
            )
        resolved = _DTYPES[name]
    elif isinstance(dtype, torch.dtype):
        resolved = dtype
    else:
        raise InvalidParameterError(
            f"dtype must be a torch.dtype or its name, got {type(dtype).__name__}",
            details={"field": "dtype", "type": type(dtype).__name__},
        )
    if resolved not in (torch.float16, torch.bfloat16, torch.float32):
        raise InvalidParameterError(
            f"dtype must be float16, bfloat16 or float32, got {resolved}",
            details={"field": "dtype", "value": str(resolved)},
        )
    if resolved == torch.float16 and device.type == "cpu":
        warnings.warn(
            "float16 is not supported for MusicGen on the CPU; using float32 instead",
            UserWarning,
            stacklevel=4,
        )
        return torch.float32
    return resolved


def load_checkpoint(spec: ModelSpec, options: EngineOptions) -> LoadedCheckpoint:
    """Load a checkpoint's model and tokenizer (and melody settings) for generation.

    Raises:
        ModelUnavailableError: The weights are not here and cannot be downloaded, or the files
            are not a loadable MusicGen checkpoint; the message says how to fix it.
    """
    from transformers import (
        AutoConfig,
        AutoTokenizer,
        MusicgenForConditionalGeneration,
        MusicgenMelodyForConditionalGeneration,
    )
    from transformers.utils import logging as hf_logging

    device = resolve_device(options.device)
    dtype = resolve_dtype(options.dtype, device)
    checkpoint = str(spec.extra.get("checkpoint", spec.name))
    local = is_local_checkpoint(spec)
    if not local and not is_cached(spec, options):
        offline = offline_reason(checkpoint)
        if offline:  # fail in seconds rather than after the Hub client's retries
            raise ModelUnavailableError(
                f"Could not load {checkpoint}: its weights are not in the local Hugging Face "
                f"cache and {offline}. {download_hint(checkpoint)[0].upper()}"
                f"{download_hint(checkpoint)[1:]}",
                details={"model": spec.name, "checkpoint": checkpoint, "reason": "offline"},
            )
    # Cached weights load without asking the Hub for updates when it cannot answer.
    kwargs: dict[str, Any] = {"local_files_only": local or hub_offline() or not hub_reachable()}
    if options.cache_dir is not None and not local:
        kwargs["cache_dir"] = str(options.cache_dir)
    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()  # the loading bars and notes are not ours to print
    hf_logging.disable_progress_bar()
    try:
        config = AutoConfig.from_pretrained(checkpoint, **kwargs)
        model_type = getattr(config, "model_type", "")
        if model_type == "musicgen_melody":
            model_class: Any = MusicgenMelodyForConditionalGeneration
        elif model_type == "musicgen":
            model_class = MusicgenForConditionalGeneration
        else:
            raise ModelUnavailableError(
                f"{checkpoint} is a {model_type or 'unknown'} checkpoint, not MusicGen",
                details={"model": spec.name, "model_type": model_type},
            )
        model = model_class.from_pretrained(checkpoint, dtype=dtype, **kwargs)
        tokenizer = AutoTokenizer.from_pretrained(checkpoint, **kwargs)
        melody = _melody_features(checkpoint, kwargs) if model_type == "musicgen_melody" else None
    except ModelUnavailableError:
        raise
    except (OSError, ValueError, KeyError, ImportError) as exc:
        raise _unavailable(spec, checkpoint, local, exc) from exc
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    model.to(device).eval()
    frame_rate = int(model.audio_encoder.config.frame_rate)
    decoder_config = model.decoder.config
    channels = int(getattr(decoder_config, "audio_channels", 1))
    num_codebooks = int(decoder_config.num_codebooks)
    # One start token plus the delay pattern's (codebooks - 1) steps share the positions.
    room = int(decoder_config.max_position_embeddings) - num_codebooks // channels
    window_frames = max(1, min(room, math.floor(TRAINED_WINDOW_S * frame_rate)))
    return LoadedCheckpoint(
        model=model,
        tokenizer=tokenizer,
        melody=melody,
        device=device,
        dtype=dtype,
        sample_rate=int(model.audio_encoder.config.sampling_rate),
        frame_rate=frame_rate,
        channels=channels,
        num_codebooks=num_codebooks,
        window_frames=window_frames,
    )


def _melody_features(checkpoint: str, kwargs: dict[str, Any]) -> MelodyFeatures:
    # The melody feature extractor needs torchaudio just to be built; only its settings are
    # needed (the engine computes the chroma with torch.stft), so read them from the file.
    from transformers.utils import cached_file

    path = cached_file(checkpoint, "preprocessor_config.json", **kwargs)
    settings = json.loads(Path(str(path)).read_text()) if path else {}
    return MelodyFeatures(
        sample_rate=int(settings.get("sampling_rate", 32000)),
        n_fft=int(settings.get("n_fft", 16384)),
        hop_length=int(settings.get("hop_length", 4096)),
        num_chroma=int(settings.get("num_chroma", 12)),
        chunk_length_s=float(settings.get("chunk_length", 30)),
    )


def _unavailable(
    spec: ModelSpec, checkpoint: str, local: bool, exc: Exception
) -> ModelUnavailableError:
    if local:
        message = (
            f"Could not load the MusicGen checkpoint at {checkpoint}: {exc}. The directory "
            "needs config.json, the weights (model.safetensors) and the tokenizer files, as "
            "written by model.save_pretrained(dir) and processor.save_pretrained(dir)"
        )
    else:
        offline = " (HF_HUB_OFFLINE is set)" if hub_offline() else ""
        message = (
            f"Could not load {checkpoint}{offline}: {exc}. {download_hint(checkpoint)[0].upper()}"
            f"{download_hint(checkpoint)[1:]}"
        )
    return ModelUnavailableError(
        message, details={"model": spec.name, "checkpoint": checkpoint, "error": str(exc)}
    )
