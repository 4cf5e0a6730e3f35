"""Long-form generation: pieces longer than the decoder's window, as audiocraft does it.

The decoder attends to at most one window (30 s for the facebook checkpoints). For longer
pieces the first window is generated from the text alone; then, until the piece is long
enough, the last ``window - stride`` seconds of codes become the prompt of the next window,
which adds ``stride`` seconds. Windows are joined on codes (never on re-encoded audio) and the
whole piece is decoded by EnCodec at once, so there is no seam.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from music_gen.engines.musicgen.decoding import (
    Conditioning,
    SamplingSettings,
    decode_tokens,
)
from music_gen.errors import InvalidParameterError

#: audiocraft's default extend_stride for its 30 s window.
DEFAULT_EXTEND_STRIDE_S = 18.0
#: Reported with the codes of the whole piece so far, (batch, codebooks, frames), as they grow.
CodesObserver = Callable[[torch.Tensor], None]


@dataclass(frozen=True)
class WindowPlan:
    """How a piece is cut into decoder windows (all in codec frames)."""

    # Frames in one window (prompt + new).
    window_frames: int
    # Frames each window after the first adds.
    stride_frames: int

    @property
    def context_frames(self) -> int:
        """Frames of the previous window kept as the next window's prompt."""
        return self.window_frames - self.stride_frames


def plan_windows(window_frames: int, frame_rate: int, stride_s: float | None) -> WindowPlan:
    """The window plan for a checkpoint.

    Args:
        window_frames: The decoder's window in frames.
        frame_rate: Codec frames per second.
        stride_s: Seconds each extra window adds; None takes audiocraft's 18 s of a 30 s
            window, scaled to this window (60 %).

    Raises:
        InvalidParameterError: stride_s is not in (0, window].
    """
    window_s = window_frames / frame_rate
    if stride_s is None:
        stride_s = DEFAULT_EXTEND_STRIDE_S * window_s / 30.0
    if not 0 < stride_s <= window_s:
        raise InvalidParameterError(
            f"extend_stride_s must be in (0, {window_s:g}] seconds (the model's window), "
            f"got {stride_s}",
            details={"field": "extend_stride_s", "value": stride_s, "max": window_s},
        )
    stride = max(1, min(window_frames, round(stride_s * frame_rate)))
    return WindowPlan(window_frames=window_frames, stride_frames=stride)


def generate_codes(
    model: Any,
    conditioning: Conditioning,
    *,
    total_frames: int,
    plan: WindowPlan,
    sampling: SamplingSettings,
    channels: int,
    prompt_codes: torch.Tensor | None = None,
    on_codes: CodesObserver | None = None,
    on_progress: Callable[[float], None] | None = None,
    decoder: str = "auto",
    generators: Sequence[torch.Generator] | None = None,
) -> torch.Tensor:
    """Generate ``total_frames`` frames of codes (after any prompt), window by window.

    Args:
        model: The loaded MusicGen model.
        conditioning: Text (and melody) conditioning.
        total_frames: Frames to generate after the prompt.
        plan: Window and stride.
        sampling: Sampling settings (the RNG is seeded by the caller, once).
        channels: Audio channels of the checkpoint (stereo interleaves its codebooks).
        prompt_codes: Codes to continue, (batch, codebooks, frames), or None.
        on_codes: Called with the codes so far (prompt included) as they grow.
        on_progress: Called with the fraction of new frames done.
        decoder: Which token decoder runs (see :func:`decode_tokens`).
        generators: One random source per piece, kept across windows (see rows.py).

    Returns:
        Codes (batch, codebooks, prompt frames + total_frames).
    """
    prompt_frames = prompt_codes.shape[-1] if prompt_codes is not None else 0
    goal = prompt_frames + total_frames
    committed = prompt_codes
    num_codebooks = int(model.decoder.config.num_codebooks)
    while committed is None or committed.shape[-1] < goal:
        have = 0 if committed is None else committed.shape[-1]
        keep = min(have, plan.context_frames)
        context = committed[..., have - keep :] if committed is not None and keep > 0 else None
        new = min(goal - have, plan.window_frames - keep)
        tracker = _WindowTracker(
            committed,
            keep,
            new,
            (num_codebooks, channels),
            prompt_frames,
            total_frames,
            on_codes,
            on_progress,
        )
        window = decode_tokens(
            model,
            conditioning,
            new_frames=new,
            sampling=sampling,
            prompt_codes=context,
            observer=tracker if (on_codes or on_progress) else None,
            decoder=decoder,
            generators=generators,
        )
        fresh = window[..., keep : keep + new]
        committed = fresh if committed is None else torch.cat([committed, fresh], dim=-1)
        if on_codes is not None:
            on_codes(committed)
        if on_progress is not None:
            on_progress((committed.shape[-1] - prompt_frames) / max(total_frames, 1))
    return committed


class _WindowTracker:
    """Turns one window's per-step decoder ids into progress and the piece's codes so far."""

    def __init__(
        self,
        committed: torch.Tensor | None,
        keep: int,
        new: int,
        layout: tuple[int, int],
        prompt_frames: int,
        total_frames: int,
        on_codes: CodesObserver | None,
        on_progress: Callable[[float], None] | None,
    ) -> None:
        self.committed = committed
        self.keep = keep
        self.new = new
        self.num_codebooks, self.channels = layout
        self.prompt_frames = prompt_frames
        self.total_frames = max(total_frames, 1)
        self.on_codes = on_codes
        self.on_progress = on_progress

    def __call__(self, step: int, steps: int, ids: torch.Tensor) -> None:
        base = 0 if self.committed is None else self.committed.shape[-1]
        if self.on_progress is not None:
            done = base - self.prompt_frames + self.new * step / max(steps, 1)
            self.on_progress(min(done / self.total_frames, 1.0))
        if self.on_codes is None:
            return
        frames = undelay(ids, self.num_codebooks, self.channels)
        fresh = frames[..., self.keep : self.keep + self.new]
        if fresh.shape[-1] == 0:
            return
        self.on_codes(fresh if self.committed is None else torch.cat([self.committed, fresh], -1))


def undelay(ids: torch.Tensor, num_codebooks: int, channels: int) -> torch.Tensor:
    """The complete frames of a delayed-pattern sequence, (batch, codebooks, frames).

    In the decoder's sequence, position 0 is the start token and codebook k of frame t sits at
    position 1 + t + k (for stereo, codebooks 2c and 2c + 1 share delay c).

    Args:
        ids: Decoder ids, (batch * num_codebooks, length).
        num_codebooks: Codebooks per frame over all channels.
        channels: 1 or 2.
    """
    length = ids.shape[-1]
    depth = num_codebooks // channels
    frames = max(0, length - depth)
    grid = ids.reshape(-1, num_codebooks, length)
    parts = []
    for codebook in range(num_codebooks):
        delay = codebook // channels
        parts.append(grid[:, codebook, 1 + delay : 1 + delay + frames])
    return torch.stack(parts, dim=1)
