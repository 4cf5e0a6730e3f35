"""What the API clients return: task states and finished, downloaded results."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from music_gen.audio import AudioOutput, normalize_format
from music_gen.client.errors import APIError, GenerationCancelledAPIError, error_from_envelope
from music_gen.errors import ErrorCode

#: Task states after which nothing changes.
TERMINAL_STATES = frozenset({"completed", "failed", "cancelled"})


@dataclass(frozen=True)
class TaskStatus:
    """One answer of ``GET /generate/{task_id}`` (or the 202 of a submission)."""

    task_id: str
    # queued, processing, completed, failed or cancelled.
    status: str
    # Fraction done, 0.0 to 1.0.
    progress: float = 0.0
    # Where the finished audio is (completed tasks only).
    audio_url: str | None = None
    # Length of the finished audio in seconds.
    duration: float | None = None
    # What the server reports about the generation (model, seed, plan, stems...).
    metadata: dict[str, Any] = field(default_factory=dict)
    # The error envelope's object, for failed tasks.
    error: dict[str, Any] | None = None
    # Seconds the server expects the task still needs, when it says.
    eta_s: float | None = None
    # The whole JSON answer, for fields this class does not name.
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskStatus:
        """Parse a task object of the API."""
        eta = data.get("eta")
        duration = data.get("duration")
        error = data.get("error")
        return cls(
            task_id=str(data.get("task_id", "")),
            status=str(data.get("status", "queued")),
            progress=float(data.get("progress") or 0.0),
            audio_url=data.get("audio_url") or None,
            duration=float(duration) if isinstance(duration, (int, float)) else None,
            metadata=dict(data.get("metadata") or {}),
            error=dict(error) if isinstance(error, dict) else None,
            eta_s=float(eta) if isinstance(eta, (int, float)) else None,
            raw=dict(data),
        )

    @property
    def done(self) -> bool:
        """True once the task completed, failed or was cancelled."""
        return self.status in TERMINAL_STATES

    def raise_for_status(self) -> None:
        """Raise the task's error when it failed or was cancelled.

        Raises:
            APIError: With the task's error code (e.g. GENERATION_FAILED, CANCELLED).
        """
        if self.status == "failed":
            error = dict(self.error or {"code": ErrorCode.GENERATION_FAILED})
            error.setdefault("message", f"Task {self.task_id} failed")
            details = dict(error.get("details") or {})
            details.setdefault("task_id", self.task_id)
            error["details"] = details
            raise error_from_envelope(error)
        if self.status == "cancelled":
            raise GenerationCancelledAPIError(
                f"Task {self.task_id} was cancelled",
                details={"task_id": self.task_id},
            )


@dataclass(frozen=True)
class GenerationResult:
    """A finished generation, downloaded.

    Attributes:
        content: The audio file's bytes, exactly as the server sent them.
        format: Their container format (wav, flac, ogg or mp3).
    """

    task_id: str
    content: bytes = field(repr=False)
    format: str
    audio_url: str
    duration: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def audio(self) -> AudioOutput:
        """The audio decoded into an AudioOutput (with this result's metadata)."""
        decoded = AudioOutput.load(io.BytesIO(self.content))
        decoded.metadata = dict(self.metadata)
        return decoded

    def save(self, path: str | os.PathLike[str], format: str | None = None) -> Path:
        """Write the audio to a file.

        The bytes are written untouched when the wanted format (by default the path's
        suffix) is the downloaded one; otherwise the audio is decoded and re-encoded.

        Returns:
            The path written.
        """
        target = Path(path).expanduser()
        wanted = normalize_format(format or target.suffix or self.format)
        if wanted != self.format:
            return self.audio.save(target, format=wanted)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        partial.write_bytes(self.content)
        partial.replace(target)
        return target


@dataclass(frozen=True)
class BatchResult:
    """A finished batch: one entry per request, in request order."""

    batch_id: str
    task_ids: list[str]
    # GenerationResult for tasks that completed, the APIError for those that did not.
    results: list[GenerationResult | APIError]

    @property
    def ok(self) -> bool:
        """True when every task completed."""
        return all(isinstance(item, GenerationResult) for item in self.results)


@dataclass(frozen=True)
class MultiInstrumentResult:
    """A finished multi-instrument generation: the mix and one stem per instrument."""

    task_id: str
    mix: GenerationResult
    stems: dict[str, GenerationResult]
    metadata: dict[str, Any] = field(default_factory=dict)

    def save(self, folder: str | os.PathLike[str], format: str | None = None) -> dict[str, Path]:
        """Write ``mix.<fmt>`` and ``<instrument>.<fmt>`` into a folder.

        Returns:
            Name ("mix" or the instrument) -> path written.
        """
        base = Path(folder).expanduser()
        fmt = normalize_format(format or self.mix.format)
        written = {"mix": self.mix.save(base / f"mix.{fmt}")}
        for name, stem in self.stems.items():
            written[name] = stem.save(base / f"{name}.{fmt}")
        return written
