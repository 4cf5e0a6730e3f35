"""Token decoding: conditioning in, audio codes out.

:func:`decode_tokens` is the one place where the MusicGen decoder runs. It wraps the stock
``model.generate()`` and returns codes, shape (batch, codebooks, frames), rather than audio,
so that long-form continuation works on codes. It is also the one place where a faster
decoder is swapped in: when ``music_gen.engines.musicgen.fast`` is installed and
supports the model, ``decoder="auto"`` (the default) uses its ``fast_generate_codes`` instead
of stock ``generate()``; ``decoder="stock"`` always runs stock.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from music_gen.engines.musicgen.rows import stock_row_sampling
from music_gen.errors import InvalidParameterError, UnsupportedOperationError
from music_gen.params import (
    DEFAULT_GUIDANCE_SCALE,
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_K,
    DEFAULT_TOP_P,
    MIN_GUIDANCE_SCALE,
)

#: Token decoders :func:`decode_tokens` can run.
DECODERS = ("auto", "stock", "fast")

#: Called after every decoding step with (steps done, steps in this call, ids so far); the ids
#: are the decoder's delayed-pattern sequence, shape (batch * codebooks, length).
StepObserver = Callable[[int, int, torch.Tensor], None]


@dataclass(frozen=True)
class SamplingSettings:
    """How the next token is chosen at each step."""

    # Softmax temperature; > 0.
    temperature: float = DEFAULT_TEMPERATURE
    # Keep the k most likely codes (0: no cut; 1: greedy).
    top_k: int = DEFAULT_TOP_K
    # Nucleus cut in (0, 1]; 1.0 disables it.
    top_p: float = DEFAULT_TOP_P
    # Classifier-free guidance scale; MIN_GUIDANCE_SCALE (1) disables guidance (and halves the
    # work).
    guidance_scale: float = DEFAULT_GUIDANCE_SCALE

    def generate_kwargs(self) -> dict[str, Any]:
        """These settings as ``model.generate()`` keyword arguments."""
        return {
            "do_sample": True,
            "temperature": self.temperature,
            "top_k": self.top_k,
            "top_p": self.top_p,
            "guidance_scale": self.guidance_scale
            if self.guidance_scale > MIN_GUIDANCE_SCALE
            else None,
        }


@dataclass
class Conditioning:
    """What the decoder is conditioned on, for one batch.

    Attributes:
        batch_size: Pieces in the batch.
        generate_kwargs: Inputs for ``model.generate()`` (tokenized text, attention mask and,
            for melody checkpoints, chroma ``input_features``).
        encoder_hidden_states: The text encoder's output, (batch, tokens, hidden), when it was
            computed up front (cross-attention checkpoints), with ``attention_mask`` beside it.
        attention_mask: Mask of the text tokens, (batch, tokens).
    """

    batch_size: int
    generate_kwargs: dict[str, Any] = field(default_factory=dict)
    encoder_hidden_states: torch.Tensor | None = None
    attention_mask: torch.Tensor | None = None


class _ObserveSteps:
    """A pass-through logits processor that reports each step (progress and streaming)."""

    def __init__(self, total_steps: int, observer: StepObserver) -> None:
        self.total_steps = total_steps
        self.observer = observer
        self.step = 0

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        # Called before step `self.step` samples: input_ids hold the steps before it.
        self.observer(self.step, self.total_steps, input_ids)
        self.step += 1
        return scores


def steps_for_frames(new_frames: int, codebooks_per_channel: int) -> int:
    """Decoder steps that yield ``new_frames`` complete frames (the delay pattern adds K - 1)."""
    return new_frames + codebooks_per_channel - 1


def decode_tokens(
    model: Any,
    conditioning: Conditioning,
    *,
    new_frames: int,
    sampling: SamplingSettings,
    prompt_codes: torch.Tensor | None = None,
    observer: StepObserver | None = None,
    decoder: str = "auto",
    generators: Sequence[torch.Generator] | None = None,
) -> torch.Tensor:
    """Generate audio codes: the fast decoder where it applies, else stock ``model.generate()``.

    Args:
        model: A loaded MusicgenForConditionalGeneration (or the melody variant).
        conditioning: Text (and melody) conditioning for the batch.
        new_frames: Codec frames to add after the prompt.
        sampling: Temperature, top-k, top-p and guidance.
        prompt_codes: Codes to continue from, (batch, codebooks, frames), or None.
        observer: Called after every step (progress, streaming).
        decoder: "auto", "stock" or "fast" (see the module docstring).
        generators: One random source per piece (see rows.py), so that a piece's codes do
            not depend on its batch-mates; None samples from the device's default generator.

    Returns:
        Codes, (batch, codebooks, prompt frames + new_frames), on the model's device.

    Raises:
        UnsupportedOperationError: ``decoder="fast"`` but the fast decoder is not installed or
            does not support this model.
    """
    from transformers import LogitsProcessorList
    from transformers.modeling_outputs import BaseModelOutput

    num_codebooks = int(model.decoder.config.num_codebooks)
    channels = int(getattr(model.decoder.config, "audio_channels", 1))
    steps = steps_for_frames(new_frames, num_codebooks // channels)
    fast = _fast_decoder(model, conditioning, decoder)
    if fast is not None:
        codes = fast(
            model,
            max_new_tokens=steps,
            encoder_outputs=conditioning.encoder_hidden_states,
            attention_mask=conditioning.attention_mask,
            do_sample=True,
            temperature=sampling.temperature,
            top_k=sampling.top_k,
            top_p=sampling.top_p,
            guidance_scale=sampling.guidance_scale,
            prompt_codes=prompt_codes,
            observer=observer,
            generator=generators,
        )
        return codes[0]
    kwargs: dict[str, Any] = dict(conditioning.generate_kwargs)
    kwargs.update(sampling.generate_kwargs())
    if conditioning.encoder_hidden_states is not None:
        hidden = conditioning.encoder_hidden_states
        mask = conditioning.attention_mask
        if mask is None:
            mask = torch.ones(hidden.shape[:2], dtype=torch.long, device=hidden.device)
        if sampling.guidance_scale > MIN_GUIDANCE_SCALE:
            # Stock generate appends the null condition only when it runs the encoder itself.
            hidden = torch.cat([hidden, torch.zeros_like(hidden)], dim=0)
            mask = torch.cat([mask, torch.zeros_like(mask)], dim=0)
        kwargs["encoder_outputs"] = BaseModelOutput(last_hidden_state=hidden)
        kwargs["attention_mask"] = mask
        # Stock generate takes the batch size from `inputs`, or else from the encoder states
        # (which hold the null rows too): give it the real batch. The ids are not read again.
        kwargs["inputs"] = torch.full(
            (conditioning.batch_size, 1), -100, dtype=torch.long, device=hidden.device
        )
    if prompt_codes is not None:
        batch, codebooks, frames = prompt_codes.shape
        kwargs["decoder_input_ids"] = prompt_codes.reshape(batch * codebooks, frames)
    processors = LogitsProcessorList()
    if observer is not None:
        processors.append(_ObserveSteps(steps, observer))
    rows: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if generators is not None:
        rows = stock_row_sampling(model, generators)
    with _capture_codes(model) as captured, rows:
        model.generate(
            **kwargs,
            max_new_tokens=steps,
            logits_processor=processors,
        )
    return captured.codes(channels)


def _fast_decoder(model: Any, conditioning: Conditioning, decoder: str) -> Any:
    """The fast decoder's entry point when it should run, else None (stock runs)."""
    if decoder not in DECODERS:
        raise InvalidParameterError(
            f"decoder must be one of {', '.join(DECODERS)}, got {decoder!r}",
            details={"field": "decoder", "value": decoder},
        )
    if decoder == "stock":
        return None
    fast_decode: Any = None
    reason: str | None
    try:
        fast_decode = importlib.import_module("music_gen.engines.musicgen.fast")
    except ImportError:
        reason = "the fast decoder is not installed"
    else:
        reason = fast_decode.unsupported_reason(model)
    if reason is None and conditioning.encoder_hidden_states is None:
        reason = "the fast decoder takes text conditioning only (no melody)"
    if reason is None:
        return fast_decode.fast_generate_codes
    if decoder == "fast":
        raise UnsupportedOperationError(
            f"decoder='fast' cannot run here: {reason}", details={"reason": reason}
        )
    return None


class _CapturedCodes:
    def __init__(self) -> None:
        self.calls: list[torch.Tensor] = []

    def codes(self, channels: int) -> torch.Tensor:
        if channels == 1:
            return self.calls[0][0]
        # Stereo checkpoints decode the left (even) and right (odd) codebooks separately.
        left, right = self.calls[0][0], self.calls[1][0]
        batch, half, frames = left.shape
        codes = left.new_empty((batch, 2 * half, frames))
        codes[:, 0::2] = left
        codes[:, 1::2] = right
        return codes


@contextlib.contextmanager
def _capture_codes(model: Any) -> Iterator[_CapturedCodes]:
    # Stock generate() ends by decoding the codes to audio; take the codes there instead and
    # skip that decode (audio is made later, from the codes of every window at once).
    captured = _CapturedCodes()
    codec = model.audio_encoder

    def capture(audio_codes: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        captured.calls.append(audio_codes)
        frames = audio_codes.shape[1]
        return type("Decoded", (), {"audio_values": audio_codes.new_zeros((frames, 1, 1))})()

    codec.decode = capture
    try:
        yield captured
    finally:
        del codec.decode
