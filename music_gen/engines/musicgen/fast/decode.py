"""Fast MusicGen decoding: one fused, shape-static step per code frame, CUDA-graph replayed.

Stock ``MusicgenForConditionalGeneration.generate()`` spends most of each step in Python and
kernel-launch overhead. :func:`fast_generate_codes` produces the same codes from the same
weights through :class:`~music_gen.engines.musicgen.fast.graph.StaticDecoder`: a preallocated
KV cache, cross-attention K/V computed once, conditional and guidance rows in one batch, sampling
on the device and, on CUDA, the whole step captured in one CUDA graph.

Typical use::

    codes = fast_generate_codes(model, input_ids=ids, attention_mask=mask, max_new_tokens=500,
                                seed=0)
    audio = decode_codes(model, codes)   # what model.generate() would return

Under greedy decoding in float32 the codes equal stock ``generate()``'s; under sampling with the
device's default generator seeded by ``torch.manual_seed`` they equal stock's too (the draw uses
the algorithm of ``torch.multinomial``), up to floating-point ties.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from music_gen.engines.musicgen.codec import codes_to_audio
from music_gen.engines.musicgen.fast.graph import FusedStepFactory, SamplingSpec, StaticDecoder
from music_gen.engines.musicgen.fast.options import FastDecodeOptions, chosen_kernels
from music_gen.engines.musicgen.fast.weights import DecoderWeights
from music_gen.errors import InvalidParameterError, UnsupportedOperationError
from music_gen.params import MIN_GUIDANCE_SCALE

__all__ = [
    "decode_codes",
    "fast_generate_codes",
    "release_buffers",
    "supports",
    "unsupported_reason",
]


# Generation-config fields that make stock generate() do something this path does not. Each
# maps to the value (or predicate) under which the field is inactive.
_INACTIVE: dict[str, Callable[[Any], bool]] = {
    "num_beams": lambda v: v in (None, 1),
    "num_return_sequences": lambda v: v in (None, 1),
    "repetition_penalty": lambda v: v in (None, 1.0),
    "encoder_repetition_penalty": lambda v: v in (None, 1.0),
    "no_repeat_ngram_size": lambda v: not v,
    "encoder_no_repeat_ngram_size": lambda v: not v,
    "bad_words_ids": lambda v: v is None,
    "sequence_bias": lambda v: v is None,
    "forced_bos_token_id": lambda v: v is None,
    "forced_eos_token_id": lambda v: v is None,
    "suppress_tokens": lambda v: v is None,
    "begin_suppress_tokens": lambda v: v is None,
    "eos_token_id": lambda v: v is None,
    "min_p": lambda v: v is None,
    "top_h": lambda v: v is None,
    "typical_p": lambda v: v is None or v >= 1.0,
    "epsilon_cutoff": lambda v: v is None or not 0.0 < v < 1.0,
    "eta_cutoff": lambda v: v is None or not 0.0 < v < 1.0,
    "renormalize_logits": lambda v: not v,
    "watermarking_config": lambda v: v is None,
    "max_time": lambda v: v is None,
}


def unsupported_reason(model: Any) -> str | None:
    """Why :func:`fast_generate_codes` cannot run ``model``, or None when it can.

    Args:
        model: A loaded transformers model.

    Returns:
        A sentence naming what is not supported, or None.
    """
    name = type(model).__name__
    if name != "MusicgenForConditionalGeneration":
        return (
            f"fast decoding supports MusicgenForConditionalGeneration only, not {name} "
            "(use stock generate())"
        )
    config = model.decoder.config
    if config.audio_channels not in (1, 2):
        return f"audio_channels={config.audio_channels} is not supported (1 or 2 are)"
    gen = model.generation_config
    for field, inactive in _INACTIVE.items():
        value = getattr(gen, field, None)
        if not inactive(value):
            return f"generation_config.{field}={value!r} is not supported by fast decoding"
    return None


def _kernels_problem(model: Any, kernels: str, device: torch.device) -> str | None:
    """Why ``kernels`` cannot run ``model`` on ``device``, or None."""
    if kernels == "torch":
        return None
    try:
        from music_gen.engines.musicgen.fast import ops
    except ImportError:
        return "kernels='triton' needs the triton package (it comes with CUDA builds of torch)"
    if device.type != "cuda" and not ops.interpreted():
        return f"kernels='triton' runs on CUDA devices, this model is on {device}"
    activation = str(model.decoder.config.activation_function)
    if activation not in ops.ACTIVATIONS:
        return f"kernels='triton' has no fused {activation!r} activation (use kernels='torch')"
    return None


def supports(model: Any) -> bool:
    """Whether :func:`fast_generate_codes` can run ``model`` (see :func:`unsupported_reason`)."""
    return unsupported_reason(model) is None


@dataclass(frozen=True)
class _Sampling:
    spec: SamplingSpec
    guidance_scale: float
    temperature: float
    top_p: float


def _resolve_sampling(
    model: Any,
    do_sample: bool | None,
    temperature: float | None,
    top_k: int | None,
    top_p: float | None,
    guidance_scale: float | None,
) -> _Sampling:
    """Settings as generate() resolves them: explicit values win over the generation config."""
    gen = model.generation_config

    def pick(value: Any, field: str) -> Any:
        return value if value is not None else getattr(gen, field, None)

    sample = bool(pick(do_sample, "do_sample"))
    temp = pick(temperature, "temperature")
    k = pick(top_k, "top_k")
    p = pick(top_p, "top_p")
    scale = pick(guidance_scale, "guidance_scale")
    if temp is not None and temp <= 0:
        raise InvalidParameterError(f"temperature must be > 0, got {temp}")
    if k is not None and k < 0:
        raise InvalidParameterError(f"top_k must be >= 0 (0 turns it off), got {k}")
    if p is not None and not 0.0 <= p <= 1.0:
        raise InvalidParameterError(f"top_p must be within [0, 1], got {p}")
    if scale is not None and scale < MIN_GUIDANCE_SCALE:
        raise InvalidParameterError(
            f"guidance_scale must be >= {MIN_GUIDANCE_SCALE:g} ({MIN_GUIDANCE_SCALE:g}: no "
            f"guidance), got {scale}"
        )
    guided = scale is not None and scale > MIN_GUIDANCE_SCALE
    use_top_p = sample and p is not None and p < 1.0
    spec = SamplingSpec(
        guided=guided,
        do_sample=sample,
        # TopKLogitsWarper keeps at least min_tokens_to_keep (1) codes.
        top_k=max(int(k), 1) if sample and k else 0,
        use_top_p=use_top_p,
    )
    return _Sampling(
        spec=spec,
        guidance_scale=float(scale) if guided else 1.0,
        temperature=float(temp) if sample and temp is not None else 1.0,
        top_p=float(p) if use_top_p else 1.0,
    )


class _ModelCache:
    """Per-model fused weights and the last run's buffers."""

    def __init__(self) -> None:
        # One run at a time per model: runs share the cached buffers (and graphs).
        self.lock = threading.Lock()
        self.weights: dict[tuple[Any, ...], DecoderWeights] = {}
        self.decoder_key: tuple[Any, ...] | None = None
        self.decoder: StaticDecoder | None = None


_CACHES: weakref.WeakKeyDictionary[Any, _ModelCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def _cache_for(model: Any) -> _ModelCache:
    with _CACHES_LOCK:
        return _CACHES.setdefault(model, _ModelCache())


def release_buffers(model: Any) -> None:
    """Drop the fused weights, KV cache and CUDA graphs kept for ``model`` (frees memory)."""
    with _CACHES_LOCK:
        cache = _CACHES.pop(model, None)
    if cache is not None:
        with cache.lock:
            cache.decoder = None
            cache.weights.clear()


def _weights_for(model: Any, dtype: torch.dtype) -> DecoderWeights:
    cache = _cache_for(model)
    first = model.decoder.lm_heads[0].weight
    key = (str(first.device), dtype, first.data_ptr())
    if key not in cache.weights:
        cache.weights.clear()
        cache.decoder = None
        cache.decoder_key = None
        with torch.inference_mode():
            cache.weights[key] = DecoderWeights.from_model(model, dtype)
    return cache.weights[key]


def _encoder_states(
    model: Any,
    input_ids: torch.Tensor | None,
    attention_mask: torch.Tensor | None,
    encoder_outputs: Any,
    guided: bool,
    device: torch.device,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Text-encoder states (and mask) for all rows, guidance rows appended as generate() does."""
    if (input_ids is None) == (encoder_outputs is None):
        raise InvalidParameterError("pass exactly one of input_ids or encoder_outputs")
    if encoder_outputs is not None:
        states = encoder_outputs if torch.is_tensor(encoder_outputs) else encoder_outputs[0]
        # No mask means every token counts; the guidance rows still get a zero mask below.
        mask = attention_mask
        if mask is None:
            mask = torch.ones(states.shape[:2], dtype=torch.long, device=states.device)
    else:
        assert input_ids is not None
        input_ids = input_ids.to(device)
        mask = attention_mask if attention_mask is not None else torch.ones_like(input_ids)
        mask = mask.to(device)
        states = model.text_encoder(
            input_ids=input_ids, attention_mask=mask, return_dict=True
        ).last_hidden_state
    if states.dim() != 3:
        raise InvalidParameterError(
            f"encoder states must be [batch, seq, hidden], got shape {tuple(states.shape)}"
        )
    states = states.to(device)
    if mask is not None:
        mask = mask.to(device)
        if tuple(mask.shape) != tuple(states.shape[:2]):
            raise InvalidParameterError(
                f"attention_mask shape {tuple(mask.shape)} does not match the encoder states "
                f"{tuple(states.shape[:2])}"
            )
    if guided:
        states = torch.cat([states, torch.zeros_like(states)], dim=0)
        if mask is not None:
            mask = torch.cat([mask, torch.zeros_like(mask)], dim=0)
    return states, mask


def _start_ids(
    model: Any, batch: int, prompt_codes: torch.Tensor | None, start: int, device: torch.device
) -> torch.Tensor:
    """Decoder input ids as generate() prepares them: ``[batch * K, P]`` with the start token."""
    k = model.decoder.num_codebooks
    begin = torch.full((batch * k, 1), start, dtype=torch.long, device=device)
    if prompt_codes is None:
        return begin
    codes = prompt_codes.to(device=device, dtype=torch.long)
    if codes.dim() == 3:
        codes = codes.reshape(-1, codes.shape[-1])
    if codes.dim() != 2 or codes.shape[0] != batch * k:
        raise InvalidParameterError(
            f"prompt_codes must be [batch, {k}, frames] or [batch*{k}, frames] for batch {batch}, "
            f"got shape {tuple(prompt_codes.shape)}"
        )
    if bool((codes[:, 0] != start).all()):
        codes = torch.cat([begin, codes], dim=-1)
    return codes


def fast_generate_codes(
    model: Any,
    *,
    max_new_tokens: int,
    input_ids: torch.Tensor | None = None,
    attention_mask: torch.Tensor | None = None,
    encoder_outputs: Any = None,
    do_sample: bool | None = None,
    temperature: float | None = None,
    top_k: int | None = None,
    top_p: float | None = None,
    guidance_scale: float | None = None,
    seed: int | None = None,
    generator: torch.Generator | Sequence[torch.Generator] | None = None,
    prompt_codes: torch.Tensor | None = None,
    progress: Callable[[int, int], None] | None = None,
    observer: Callable[[int, int, torch.Tensor], None] | None = None,
    options: FastDecodeOptions | None = None,
) -> torch.Tensor:
    """Generate MusicGen audio codes with the fast decoder.

    Settings left as None are taken from ``model.generation_config``, as ``generate()`` does.

    Args:
        model: A loaded ``MusicgenForConditionalGeneration`` (eval mode).
        max_new_tokens: Decoder steps after the start token and the prompt (50 per second).
        input_ids: Tokenised text ``[batch, seq]``; the text encoder runs on it.
        attention_mask: ``[batch, seq]`` mask of ``input_ids`` (or of ``encoder_outputs``);
            defaults to all ones.
        encoder_outputs: Instead of ``input_ids``: the text encoder's last hidden state
            ``[batch, seq, hidden]`` (or an output whose first item it is), conditional rows
            only - the guidance rows are appended here.
        do_sample: Sample (True) or decode greedily (False).
        temperature: Softmax temperature when sampling.
        top_k: Keep the k most likely codes when sampling (0: all).
        top_p: Nucleus threshold when sampling (1.0: off).
        guidance_scale: Classifier-free guidance scale (1: off).
        seed: Seed of a fresh generator on the model's device (ignored if ``generator``).
        generator: Random source; None with no seed uses the device's default generator. A
            sequence gives one generator per piece (``len == batch``): each piece's draws then
            come from its own generator only, so its codes do not depend on its batch-mates.
        prompt_codes: Audio codes to continue, ``[batch, K, frames]`` or ``[batch*K, frames]``,
            as stock's ``decoder_input_ids``.
        progress: Called as ``progress(steps_done, steps_total)`` after each step.
        observer: Called as ``observer(step, steps_total, ids)`` before each step, where ``ids``
            is the delayed-pattern sequence so far, ``[batch * K, length]``, with the pattern's
            pad values in place (a view into a live buffer: copy what you keep). The
            ``step`` and ``ids`` length match what a logits processor sees in stock generate().
        options: How to run (graphs, dtype, buffer reuse).

    Returns:
        Codes ``[1, batch, K, frames]`` (long), delay pattern removed: the tensor stock
        ``generate()`` hands to EnCodec; :func:`decode_codes` turns it into audio.

    Raises:
        UnsupportedOperationError: The model or its generation config is not supported.
        InvalidParameterError: Bad arguments.
    """
    reason = unsupported_reason(model)
    if reason is not None:
        raise UnsupportedOperationError(reason)
    if max_new_tokens < 1:
        raise InvalidParameterError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
    opts = options or FastDecodeOptions()
    kernels = chosen_kernels(opts)
    device = model.decoder.lm_heads[0].weight.device
    problem = _kernels_problem(model, kernels, device)
    if problem is not None:
        raise UnsupportedOperationError(problem)
    use_graph = opts.use_cuda_graph if opts.use_cuda_graph is not None else device.type == "cuda"
    if use_graph and device.type != "cuda":
        raise InvalidParameterError(f"CUDA graphs need a CUDA model, this one is on {device}")
    static = use_graph or bool(opts.static_shapes)
    dtype = opts.dtype or model.decoder.lm_heads[0].weight.dtype
    sampling = _resolve_sampling(model, do_sample, temperature, top_k, top_p, guidance_scale)
    gen_config = model.generation_config
    start = gen_config.decoder_start_token_id
    start = start if start is not None else gen_config.bos_token_id
    pad = gen_config.pad_token_id
    if start is None or pad is None:
        raise UnsupportedOperationError(
            "the generation config needs decoder_start_token_id (or bos_token_id) and pad_token_id"
        )
    if generator is None and seed is not None:
        generator = torch.Generator(device=device).manual_seed(seed)

    # Buffers are made and updated under inference mode whether or not the caller is in it
    # (a buffer made in inference mode cannot be updated outside it later).
    with _cache_for(model).lock, torch.inference_mode():
        states, mask = _encoder_states(
            model, input_ids, attention_mask, encoder_outputs, sampling.spec.guided, device
        )
        rows = states.shape[0]
        batch = rows // 2 if sampling.spec.guided else rows
        ids = _start_ids(model, batch, prompt_codes, int(start), device)
        if isinstance(generator, Sequence) and len(generator) != batch:
            raise InvalidParameterError(
                f"got {len(generator)} generators for a batch of {batch} pieces"
            )
        max_length = ids.shape[-1] + max_new_tokens
        prefix, pattern = model.decoder.build_delay_pattern_mask(
            ids, pad_token_id=int(start), max_length=max_length
        )
        forced = prefix.shape[-1]
        # Runs too short for the delay pattern leave -1 in the forced head; generate() keeps the
        # input ids there, so the pattern does too (positions before `forced` are never drawn).
        pattern = pattern.clone()
        head = pattern[:, :forced]
        pattern[:, :forced] = torch.where(head == -1, prefix, head)
        weights = _weights_for(model, dtype)
        seq = states.shape[1]
        if static:
            multiple = max(opts.encoder_length_multiple, 1)
            seq = -(-seq // multiple) * multiple
        decoder = _decoder_for(
            model,
            weights,
            batch,
            max_length,
            seq,
            states.shape[2],
            sampling.spec,
            device,
            opts,
            static,
            kernels,
        )
        decoder.load(
            states,
            mask,
            pattern,
            guidance_scale=sampling.guidance_scale,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
        )
        decoder.prefill(forced - 1)
        if use_graph and not decoder.graphs:
            decoder.capture()
        codes = decoder.run(
            max_length - forced,
            generator=generator,
            progress=progress,
            observer=observer,
            use_graph=use_graph,
            static=static,
        ).clone()

    # generate() filters the pad token out to undo the delay pattern.
    kept = codes[codes != pad]
    k = model.decoder.num_codebooks
    if kept.numel() % (batch * k):
        raise UnsupportedOperationError(
            "decoded codes contain the pad token at unexpected places; use stock generate()"
        )
    return kept.reshape(batch, k, -1)[None, ...]


def _decoder_for(
    model: Any,
    weights: DecoderWeights,
    batch: int,
    max_length: int,
    encoder_length: int,
    encoder_hidden: int,
    spec: SamplingSpec,
    device: torch.device,
    opts: FastDecodeOptions,
    static: bool,
    kernels: str,
) -> StaticDecoder:
    cache = _cache_for(model)
    key = (
        batch,
        max_length,
        encoder_length,
        encoder_hidden,
        spec,
        static,
        weights.dtype,
        opts.attention_window,
        opts.attention,
        kernels,
        opts.tuning if kernels == "triton" else None,
    )
    if opts.reuse_buffers and cache.decoder is not None and cache.decoder_key == key:
        return cache.decoder
    cache.decoder = None  # free the previous buffers before allocating new ones
    decoder = StaticDecoder(
        weights,
        batch=batch,
        max_length=max_length,
        encoder_length=encoder_length,
        encoder_hidden=encoder_hidden,
        spec=spec,
        device=device,
        cache_multiple=64 if static else 1,
        attention_window=opts.attention_window,
        attention=opts.attention,
        fused_step=_fused_step(opts) if kernels == "triton" else None,
    )
    if opts.reuse_buffers:
        cache.decoder, cache.decoder_key = decoder, key
    return decoder


def _fused_step(opts: FastDecodeOptions) -> FusedStepFactory:
    """The Triton step under ``opts.tuning`` (imported here: it needs triton)."""
    from music_gen.engines.musicgen.fast.step import FusedStep

    return functools.partial(FusedStep, tuning=opts.tuning)


def decode_codes(model: Any, codes: torch.Tensor) -> torch.Tensor:
    """Turn codes from :func:`fast_generate_codes` into audio as stock ``generate()`` does.

    Args:
        model: The model the codes came from.
        codes: ``[1, batch, K, frames]`` codes.

    Returns:
        Audio ``[batch, channels, samples]`` in the audio encoder's dtype.
    """
    channels = int(model.decoder.config.audio_channels)
    return codes_to_audio(model, codes[0], channels, dtype=None)
