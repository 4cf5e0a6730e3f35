"""Streaming: decode audio while the tokens are still being generated.

The decoder runs in a worker thread and reports the piece's complete codec frames as they
grow. The caller's thread decodes them with EnCodec incrementally: each chunk decodes a window
of codes with ``CONTEXT_S`` of left context (already emitted) and ``LOOKAHEAD_FRAMES`` of right
context when available, and keeps only the samples of the new frames. EnCodec's convolutions
see a few frames either side and its LSTM forgets quickly, so the chunks join without clicks
and match the one-shot decode of generate() to within small window-edge differences.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import numpy as np
import torch

from music_gen.engines.base import AudioChunk
from music_gen.errors import GenerationCancelledError, GenerationError, MusicGenError

#: Seconds of already-emitted codes decoded again as left context for each chunk.
CONTEXT_S = 2.0
#: Frames past a chunk's end decoded as right context (when generated already).
LOOKAHEAD_FRAMES = 4

#: Runs the decoder, reporting codes (batch, codebooks, frames) so far; returns all codes.
CodesRun = Callable[[Callable[[torch.Tensor], None]], torch.Tensor]
#: Decodes codes (1, codebooks, frames) into audio (channels, samples).
Decode = Callable[[torch.Tensor], np.ndarray]


class _Latest:
    """The newest codes reported by the worker, and how the worker ended."""

    def __init__(self) -> None:
        self.codes: torch.Tensor | None = None
        self.result: torch.Tensor | None = None
        self.error: BaseException | None = None
        self.done = False
        self.cancelled = False
        self.changed = threading.Condition()

    def report(self, codes: torch.Tensor) -> None:
        if self.cancelled:
            # The consumer stopped listening: end the worker's generation early.
            raise GenerationCancelledError("the stream was closed before it finished")
        with self.changed:
            self.codes = codes.detach().clone()
            self.changed.notify_all()


def stream_pieces(
    run: CodesRun,
    decode: Decode,
    *,
    hop_length: int,
    frame_rate: int,
    sample_rate: int,
    total_samples: int,
    chunk_s: float,
) -> Iterator[AudioChunk]:
    """Run ``run`` in a worker thread and yield audio chunks as its codes arrive.

    Args:
        run: Generates the codes, calling its argument with the codes so far.
        decode: Codes to audio.
        hop_length: Audio samples per codec frame.
        frame_rate: Codec frames per second.
        sample_rate: Audio sample rate.
        total_samples: Exact length of the piece; the last chunk is cut to it.
        chunk_s: About how long each chunk is.

    Raises:
        GenerationError: The decoder failed in the worker.
    """
    chunk_frames = max(1, round(chunk_s * frame_rate))
    context_frames = max(1, round(CONTEXT_S * frame_rate))
    latest = _Latest()

    def work() -> None:
        try:
            result = run(latest.report)
        except BaseException as exc:  # handed to the consumer thread, raised there
            with latest.changed:
                latest.error = exc
                latest.done = True
                latest.changed.notify_all()
            return
        with latest.changed:
            latest.result = result
            latest.done = True
            latest.changed.notify_all()

    worker = threading.Thread(target=work, name="musicgen-stream", daemon=True)
    worker.start()
    emitted = 0  # frames already yielded
    start_sample = 0
    try:
        while True:
            with latest.changed:
                while True:
                    codes = latest.result if latest.done else latest.codes
                    available = 0 if codes is None else codes.shape[-1]
                    ready = available - emitted >= chunk_frames + LOOKAHEAD_FRAMES
                    if latest.done or ready:
                        break
                    latest.changed.wait()
                if latest.error is not None:
                    raise latest.error
                finished = latest.done
            if codes is None:
                break
            while True:
                remaining = codes.shape[-1] - emitted
                if not finished and remaining < chunk_frames + LOOKAHEAD_FRAMES:
                    break
                if remaining <= 0:
                    break
                take = min(chunk_frames, remaining)
                audio = _decode_window(
                    decode, codes[:1], emitted, emitted + take, context_frames, hop_length
                )
                end_sample = min(start_sample + audio.shape[-1], total_samples)
                last = finished and emitted + take >= codes.shape[-1]
                last = last or end_sample >= total_samples
                if last and end_sample < total_samples:
                    audio = np.pad(
                        audio, ((0, 0), (0, total_samples - start_sample - audio.shape[-1]))
                    )
                    end_sample = total_samples
                piece = audio[:, : end_sample - start_sample]
                if piece.shape[-1] > 0 or last:
                    yield AudioChunk(
                        samples=np.ascontiguousarray(piece, dtype=np.float32),
                        sample_rate=sample_rate,
                        start_frame=start_sample,
                        final=last,
                    )
                start_sample = end_sample
                emitted += take
                if last:
                    return
            if finished:
                return
    except MusicGenError:
        raise
    except (RuntimeError, ValueError) as exc:
        raise GenerationError(f"MusicGen streaming failed: {exc}") from exc
    finally:
        latest.cancelled = True
        worker.join()


def _decode_window(
    decode: Decode,
    codes: torch.Tensor,
    start: int,
    end: int,
    context_frames: int,
    hop_length: int,
) -> np.ndarray:
    """Audio of frames [start, end), decoded with left context and a little lookahead."""
    left = max(0, start - context_frames)
    right = min(codes.shape[-1], end + LOOKAHEAD_FRAMES)
    audio = decode(codes[..., left:right])
    offset = (start - left) * hop_length
    return audio[:, offset : offset + (end - start) * hop_length]
