"""MusicgenEngine: text to music with transformers MusicGen (melody, continuation, streaming)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from music_gen.audio import AudioOutput
from music_gen.engines.base import AudioChunk, Engine, EngineCapabilities, ProgressCallback
from music_gen.engines.musicgen.codec import audio_to_codes, codes_to_audio
from music_gen.engines.musicgen.decoding import DECODERS, Conditioning, SamplingSettings
from music_gen.engines.musicgen.loading import LoadedCheckpoint, load_checkpoint
from music_gen.engines.musicgen.longform import generate_codes, plan_windows
from music_gen.engines.musicgen.melody import chroma_features, read_audio_input
from music_gen.engines.musicgen.rows import row_generators
from music_gen.engines.spec import EngineOptions, ModelSpec
from music_gen.errors import (
    GenerationError,
    InvalidParameterError,
    MusicGenError,
    UnsupportedOperationError,
)
from music_gen.mixing.resampling import resample
from music_gen.params import GenerationParams

#: Longest piece one call may generate.
MAX_DURATION_S = 600.0
#: Keys accepted in GenerationParams.extra.
EXTRA_KEYS = ("melody", "extend_stride_s", "decoder")


@dataclass(frozen=True)
class _Request:
    """One validated request, ready for the decoder."""

    params: GenerationParams
    melody: tuple[np.ndarray, int] | None
    stride_s: float | None
    decoder: str


class MusicgenEngine(Engine):
    """Meta's MusicGen through Hugging Face transformers.

    Args:
        loaded: A checkpoint loaded by :func:`load_checkpoint`.
        model_name: The registry name, for metadata.

    Use :meth:`from_spec` (the registry does) rather than building one directly.
    """

    def __init__(self, loaded: LoadedCheckpoint, model_name: str = "") -> None:
        self.loaded = loaded
        self.model_name = model_name

    @classmethod
    def from_spec(cls, spec: ModelSpec, options: EngineOptions) -> MusicgenEngine:
        """Load the spec's checkpoint with the options' device, dtype and cache.

        Raises:
            ModelUnavailableError: The weights cannot be found or loaded (with how to fix it).
        """
        return cls(load_checkpoint(spec, options), model_name=spec.name)

    @property
    def capabilities(self) -> EngineCapabilities:
        """Sample rate and channels from the checkpoint's configs; melody for melody models."""
        return EngineCapabilities(
            max_duration_s=MAX_DURATION_S,
            sample_rate=self.loaded.sample_rate,
            channels=self.loaded.channels,
            streaming=True,
            melody=self.loaded.melody is not None,
        )

    @property
    def window_s(self) -> float:
        """Seconds the decoder generates in one window (longer pieces are continued)."""
        return self.loaded.window_frames / self.loaded.frame_rate

    # --- generation --------------------------------------------------------------------------

    def generate(
        self, params: GenerationParams, *, progress: ProgressCallback | None = None
    ) -> AudioOutput:
        """Generate exactly ``round(params.duration_s * sample_rate)`` frames of audio."""
        return self.generate_batch([params], progress=progress)[0]

    def generate_batch(
        self,
        params_list: Sequence[GenerationParams],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[AudioOutput]:
        """Generate several pieces in one padded batch.

        Requests that share sampling settings (temperature, top-k, top-p, guidance, stride,
        decoder) run as one batch; their text is padded to the longest prompt and every piece
        is generated to the longest duration, then cut. Each piece samples from its own
        generator seeded with its own seed (see rows.py), so a piece is the same whether it
        runs alone or with others.
        """
        requests = [self._request(params) for params in params_list]
        results: list[AudioOutput | None] = [None] * len(requests)
        groups: dict[tuple[Any, ...], list[int]] = {}
        for index, request in enumerate(requests):
            groups.setdefault(_group_key(request), []).append(index)
        for number, indices in enumerate(groups.values()):
            sub = _sub_progress(progress, number, len(groups))
            outputs = self._run([requests[i] for i in indices], progress=sub)
            for index, output in zip(indices, outputs, strict=True):
                results[index] = output
        return [result for result in results if result is not None]

    def generate_continuation(
        self,
        audio: AudioOutput | tuple[np.ndarray, int],
        params: GenerationParams,
        *,
        progress: ProgressCallback | None = None,
    ) -> AudioOutput:
        """Continue a piece of audio: the result is the prompt followed by new music.

        The prompt is encoded by EnCodec and the decoder continues its codes; the whole
        result (prompt included) is decoded from codes, so the join has no seam.

        Args:
            audio: The audio to continue (any sample rate; it is resampled).
            params: ``duration_s`` is the length of the whole result, prompt included.

        Raises:
            InvalidParameterError: Bad audio, or a duration not longer than the prompt.
        """
        samples, rate = read_audio_input(audio, "audio")
        samples = resample(samples, rate, self.loaded.sample_rate)
        prompt_s = samples.shape[1] / self.loaded.sample_rate
        if params.duration_s <= prompt_s:
            raise InvalidParameterError(
                f"duration {params.duration_s:g}s must be longer than the audio prompt "
                f"({prompt_s:.2f}s): it is the length of the whole result",
                details={"field": "duration", "value": params.duration_s, "prompt_s": prompt_s},
            )
        request = self._request(params)
        prompt_codes = audio_to_codes(
            self.loaded.model,
            samples,
            self.loaded.channels,
            self.loaded.device,
            self.loaded.dtype,
        )
        outputs = self._run([request], progress=progress, prompt_codes=prompt_codes)
        outputs[0].metadata["prompt_duration_s"] = prompt_s
        return outputs[0]

    def stream(self, params: GenerationParams, *, chunk_s: float = 1.0) -> Iterator[AudioChunk]:
        """Yield decoded audio chunks of about ``chunk_s`` seconds while tokens are generated.

        Concatenated, the chunks are the audio generate() gives for the same parameters and
        seed, to within the codec's tiny window-edge differences (see streaming.py).
        """
        from music_gen.engines.musicgen.streaming import stream_pieces

        if not chunk_s > 0:
            raise InvalidParameterError(
                f"chunk_s must be > 0, got {chunk_s}", details={"field": "chunk_s"}
            )
        request = self._request(params)
        seed = _seed_of(request.params)
        total_frames, total_samples = self._lengths(request.params.duration_s)
        conditioning = self._conditioning([request])

        def run(on_codes: Callable[[torch.Tensor], None]) -> torch.Tensor:
            # The frames drawn past the end (see _codes) are not the piece's: decoding them as
            # lookahead would make the stream's last chunk differ from generate()'s.
            def report(codes: torch.Tensor) -> None:
                on_codes(codes[..., :total_frames])

            with self._seeded(seed), torch.inference_mode():
                return self._codes(
                    conditioning,
                    request,
                    total_frames,
                    generators=row_generators([seed], self.loaded.device),
                    on_codes=report,
                )

        yield from stream_pieces(
            run,
            lambda codes: self._decode(codes)[0],
            hop_length=self.loaded.hop_length,
            frame_rate=self.loaded.frame_rate,
            sample_rate=self.loaded.sample_rate,
            total_samples=total_samples,
            chunk_s=chunk_s,
        )

    def close(self) -> None:
        """Drop the model (frees its memory once nothing else holds it)."""
        self.loaded.model = None
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    # --- internals ---------------------------------------------------------------------------

    def _request(self, params: GenerationParams) -> _Request:
        if not isinstance(params, GenerationParams):
            raise InvalidParameterError(
                "params must be a GenerationParams", details={"type": type(params).__name__}
            )
        self.check_duration(params)
        unknown = sorted(set(params.extra) - set(EXTRA_KEYS))
        if unknown:
            raise InvalidParameterError(
                f"unknown option(s) {', '.join(unknown)} for MusicGen; valid extra options: "
                f"{', '.join(EXTRA_KEYS)}",
                details={"field": "extra", "unknown": unknown, "valid": list(EXTRA_KEYS)},
            )
        melody = None
        if params.extra.get("melody") is not None:
            if self.loaded.melody is None:
                raise UnsupportedOperationError(
                    f"model {self.model_name!r} is not melody-conditioned; use a melody "
                    "checkpoint such as facebook/musicgen-melody",
                    details={"model": self.model_name},
                )
            melody = read_audio_input(params.extra["melody"], "melody")
        stride = params.extra.get("extend_stride_s")
        if stride is not None:
            if isinstance(stride, bool) or not isinstance(stride, (int, float)):
                raise InvalidParameterError(
                    f"extend_stride_s must be a number of seconds, got {stride!r}",
                    details={"field": "extend_stride_s"},
                )
            plan_windows(self.loaded.window_frames, self.loaded.frame_rate, float(stride))
        decoder = params.extra.get("decoder", "auto")
        if decoder not in DECODERS:
            raise InvalidParameterError(
                f"decoder must be one of {', '.join(DECODERS)}, got {decoder!r}",
                details={"field": "decoder", "value": str(decoder)},
            )
        return _Request(params=params, melody=melody, stride_s=stride, decoder=decoder)

    def _lengths(self, duration_s: float) -> tuple[int, int]:
        total_samples = round(duration_s * self.loaded.sample_rate)
        frames = -(-total_samples // self.loaded.hop_length)  # ceil
        return max(1, frames), total_samples

    def _run(
        self,
        requests: list[_Request],
        *,
        progress: ProgressCallback | None,
        prompt_codes: torch.Tensor | None = None,
    ) -> list[AudioOutput]:
        seeds = [_seed_of(r.params) for r in requests]
        lengths = [self._lengths(r.params.duration_s) for r in requests]
        total_frames = max(frames for frames, _ in lengths)
        try:
            conditioning = self._conditioning(requests)
            # The global generator is seeded too (with the first seed) and restored after, so
            # anything else that draws from it stays reproducible and the caller's is untouched.
            with self._seeded(seeds[0]), torch.inference_mode():
                codes = self._codes(
                    conditioning,
                    requests[0],
                    total_frames,
                    generators=row_generators(seeds, self.loaded.device),
                    progress=progress,
                    prompt_codes=prompt_codes,
                )
                audio = self._decode_rows(codes, [frames for frames, _ in lengths])
        except MusicGenError:
            raise
        except (RuntimeError, ValueError) as exc:
            raise GenerationError(
                f"MusicGen generation failed: {exc}", details={"model": self.model_name}
            ) from exc
        if progress is not None:
            progress(1.0)
        prompt_frames = 0 if prompt_codes is None else prompt_codes.shape[-1]
        outputs = []
        for row, (request, seed, (frames, samples)) in enumerate(
            zip(requests, seeds, lengths, strict=True)
        ):
            outputs.append(
                AudioOutput(
                    samples=_fit(audio[row], samples),
                    sample_rate=self.loaded.sample_rate,
                    metadata=self._metadata(request, seed, max(1, frames - prompt_frames)),
                )
            )
        return outputs

    def _codes(
        self,
        conditioning: Conditioning,
        request: _Request,
        total_frames: int,
        *,
        generators: list[torch.Generator],
        progress: ProgressCallback | None = None,
        prompt_codes: torch.Tensor | None = None,
        on_codes: Callable[[torch.Tensor], None] | None = None,
    ) -> torch.Tensor:
        params = request.params
        plan = plan_windows(self.loaded.window_frames, self.loaded.frame_rate, request.stride_s)
        if prompt_codes is not None:
            total_frames = max(1, total_frames - prompt_codes.shape[-1])
        # The last K - 1 frames of a run are drawn while the first codebooks already pad (the
        # delay pattern), so they depend on where the run ends. Running a few frames past the
        # end and dropping them makes a piece's codes independent of the run's length: the
        # same whether it runs alone or batched with longer pieces.
        lookahead = self.loaded.num_codebooks // self.loaded.channels - 1
        codes = generate_codes(
            self.loaded.model,
            conditioning,
            total_frames=total_frames + lookahead,
            plan=plan,
            sampling=SamplingSettings(
                temperature=params.temperature,
                top_k=params.top_k,
                top_p=params.top_p,
                guidance_scale=params.guidance_scale,
            ),
            channels=self.loaded.channels,
            prompt_codes=prompt_codes,
            on_codes=on_codes,
            on_progress=progress,
            decoder=request.decoder,
            generators=generators,
        )
        return codes[..., : codes.shape[-1] - lookahead]

    def _decode_rows(self, codes: torch.Tensor, frames: list[int]) -> list[np.ndarray]:
        # Each piece is decoded from its own frames only: EnCodec looks a few frames ahead, so
        # decoding a batch-mate's longer codes would change the end of a shorter piece.
        audio: list[np.ndarray] = [np.empty(0)] * len(frames)
        for length in sorted(set(frames)):
            rows = [row for row, count in enumerate(frames) if count == length]
            decoded = self._decode(codes[rows, :, :length])
            for index, row in enumerate(rows):
                audio[row] = decoded[index]
        return audio

    def _decode(self, codes: torch.Tensor) -> np.ndarray:
        with torch.inference_mode():
            audio = codes_to_audio(self.loaded.model, codes, self.loaded.channels)
        return audio.cpu().numpy()

    def _conditioning(self, requests: list[_Request]) -> Conditioning:
        loaded = self.loaded
        tokens = loaded.tokenizer(
            [r.params.prompt for r in requests], padding=True, return_tensors="pt"
        )
        input_ids = tokens["input_ids"].to(loaded.device)
        mask = tokens["attention_mask"].to(loaded.device)
        if loaded.melody is None:
            with torch.inference_mode():
                hidden = loaded.model.text_encoder(
                    input_ids=input_ids, attention_mask=mask
                ).last_hidden_state
            return Conditioning(
                batch_size=len(requests), encoder_hidden_states=hidden, attention_mask=mask
            )
        kwargs: dict[str, Any] = {"input_ids": input_ids, "attention_mask": mask}
        if any(r.melody is not None for r in requests):
            kwargs["input_features"] = self._melody_batch(requests)
        return Conditioning(batch_size=len(requests), generate_kwargs=kwargs)

    def _melody_batch(self, requests: list[_Request]) -> torch.Tensor:
        settings = self.loaded.melody
        assert settings is not None
        features: list[torch.Tensor | None] = [
            None
            if r.melody is None
            else chroma_features(r.melody[0], r.melody[1], settings, self.loaded.device)[0]
            for r in requests
        ]
        length = max(f.shape[0] for f in features if f is not None)
        rows = []
        for feature in features:
            if feature is None:
                # The model's own "no melody" input: the first chroma bin set everywhere.
                feature = torch.zeros((1, settings.num_chroma), device=self.loaded.device)
                feature[:, 0] = 1.0
            repeats = -(-length // feature.shape[0])
            rows.append(feature.repeat(repeats, 1)[:length])
        return torch.stack(rows).to(self.loaded.dtype)

    @contextlib.contextmanager
    def _seeded(self, seed: int) -> Iterator[None]:
        devices = [self.loaded.device] if self.loaded.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices, device_type=self.loaded.device.type):
            torch.manual_seed(seed)
            yield

    def _metadata(self, request: _Request, seed: int, frames: int) -> dict[str, Any]:
        params = request.params.to_dict()
        params["seed"] = seed
        extra = dict(params.get("extra", {}))
        if request.melody is not None:
            samples, rate = request.melody
            extra["melody"] = {"sample_rate": rate, "duration_s": samples.shape[1] / rate}
        params["extra"] = extra
        return {
            "engine": "musicgen",
            "model": self.model_name,
            "seed": seed,
            "params": params,
            "device": str(self.loaded.device),
            "dtype": str(self.loaded.dtype).removeprefix("torch."),
            "frame_rate": self.loaded.frame_rate,
            "tokens": int(frames),
            "codebooks": self.loaded.num_codebooks,
            "window_s": self.window_s,
        }


def _seed_of(params: GenerationParams) -> int:
    return params.seed if params.seed is not None else secrets.randbelow(2**32)


def _group_key(request: _Request) -> tuple[Any, ...]:
    p = request.params
    return (p.temperature, p.top_k, p.top_p, p.guidance_scale, request.stride_s, request.decoder)


def _fit(audio: np.ndarray, samples: int) -> np.ndarray:
    """Cut or zero-pad (channels, n) audio to exactly ``samples`` frames."""
    if audio.shape[-1] >= samples:
        return audio[:, :samples]
    return np.pad(audio, ((0, 0), (0, samples - audio.shape[-1])))


def _sub_progress(
    progress: ProgressCallback | None, index: int, total: int
) -> ProgressCallback | None:
    if progress is None:
        return None

    def report(fraction: float) -> None:
        progress((index + min(max(fraction, 0.0), 1.0)) / total)

    return report
