"""AudioOutput: the audio every engine returns, with its metadata and (where known) its notes."""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import soundfile as sf

from music_gen.errors import InvalidParameterError, UnsupportedFormatError

if TYPE_CHECKING:
    import pretty_midi

#: Container formats that save() and to_bytes() write, with the libsndfile format and subtype.
FORMATS: dict[str, tuple[str, str]] = {
    "wav": ("WAV", "PCM_16"),
    "flac": ("FLAC", "PCM_16"),
    "ogg": ("OGG", "VORBIS"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
}
#: MIME type of each format, for HTTP responses.
MIME_TYPES: dict[str, str] = {
    "wav": "audio/wav",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "mp3": "audio/mpeg",
}


def normalize_format(fmt: str) -> str:
    """Lower-case a format name and check that it is one of FORMATS."""
    name = fmt.lower().lstrip(".")
    if name not in FORMATS:
        raise UnsupportedFormatError(
            f"Unsupported audio format {fmt!r}; supported formats: {', '.join(FORMATS)}",
            details={"format": fmt, "supported": list(FORMATS)},
        )
    return name


@dataclass
class AudioOutput:
    """Generated audio.

    Attributes:
        samples: float32 array of shape (channels, frames), nominally in [-1, 1].
        sample_rate: Frames per second.
        metadata: JSON-serialisable facts about how it was made (engine, model, seed, params,
            and for the composer the musical plan).
        midi: The notes, when the engine wrote notes (the composer does), else None.
        stems: One AudioOutput per instrument part, sample-aligned with this one, when the
            engine was asked for stems (composer: ``stems=True``), else None.
    """

    samples: np.ndarray
    sample_rate: int
    metadata: dict[str, Any] = field(default_factory=dict)
    midi: pretty_midi.PrettyMIDI | None = None
    stems: dict[str, AudioOutput] | None = None

    def __post_init__(self) -> None:
        samples = np.asarray(self.samples)
        if samples.ndim == 1:
            samples = samples[np.newaxis, :]
        if samples.ndim != 2:
            raise InvalidParameterError(
                f"samples must have shape (channels, frames), got {samples.shape}",
                details={"shape": list(samples.shape)},
            )
        if samples.shape[0] > samples.shape[1] and 0 < samples.shape[1] <= 8:
            # (frames, channels) given: transpose to the documented layout.
            samples = samples.T
        self.samples = np.ascontiguousarray(samples, dtype=np.float32)
        if not isinstance(self.sample_rate, (int, np.integer)) or self.sample_rate <= 0:
            raise InvalidParameterError(
                f"sample_rate must be a positive integer, got {self.sample_rate!r}",
                details={"sample_rate": str(self.sample_rate)},
            )
        self.sample_rate = int(self.sample_rate)

    @property
    def channels(self) -> int:
        """Number of channels (1 mono, 2 stereo)."""
        return int(self.samples.shape[0])

    @property
    def num_frames(self) -> int:
        """Length in frames (samples per channel)."""
        return int(self.samples.shape[1])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.num_frames / self.sample_rate

    def to_numpy(self) -> np.ndarray:
        """A copy of the samples, shape (channels, frames), float32."""
        return self.samples.copy()

    def save(self, path: str | os.PathLike[str], format: str | None = None) -> Path:
        """Write the audio to a file.

        Args:
            path: Where to write. Parent folders are created.
            format: wav, flac, ogg or mp3; by default taken from the path's suffix.

        Returns:
            The path written.
        """
        target = Path(path).expanduser()
        fmt = normalize_format(format or target.suffix or "")
        target.parent.mkdir(parents=True, exist_ok=True)
        data = self.to_bytes(fmt)
        tmp = target.with_name(f".{target.name}.partial")
        tmp.write_bytes(data)
        tmp.replace(target)  # never leave a half-written file under the real name
        return target

    def to_bytes(self, format: str = "wav") -> bytes:
        """The audio encoded as a file in memory (wav, flac, ogg or mp3)."""
        fmt = normalize_format(format)
        container, subtype = FORMATS[fmt]
        buffer = io.BytesIO()
        frames = np.clip(self.samples, -1.0, 1.0).T
        sf.write(buffer, frames, self.sample_rate, format=container, subtype=subtype)
        return buffer.getvalue()

    @classmethod
    def load(cls, path: str | os.PathLike[str] | io.BytesIO) -> AudioOutput:
        """Read an audio file written by save() (or any file libsndfile reads)."""
        data, rate = sf.read(path, dtype="float32", always_2d=True)
        return cls(samples=data.T, sample_rate=int(rate))

    def save_midi(self, path: str | os.PathLike[str]) -> Path:
        """Write the notes as a Standard MIDI File.

        Raises:
            UnsupportedOperationError: The engine that made this audio wrote no notes.
        """
        from music_gen.errors import UnsupportedOperationError

        if self.midi is None:
            raise UnsupportedOperationError(
                "This audio has no MIDI: only note-based engines (the composer) write notes",
                details={"engine": self.metadata.get("engine")},
            )
        target = Path(path).expanduser()
        target.parent.mkdir(parents=True, exist_ok=True)
        self.midi.write(str(target))
        return target

    def save_stems(self, folder: str | os.PathLike[str], format: str = "wav") -> dict[str, Path]:
        """Write each stem to ``folder/<part>.<format>``.

        Part names become safe file names: anything but letters, digits, ``.``, ``_`` and
        ``-`` turns into ``_`` ("electric piano" -> ``electric_piano.wav``).

        Raises:
            UnsupportedOperationError: This audio carries no stems.
        """
        from music_gen.errors import UnsupportedOperationError

        if not self.stems:
            raise UnsupportedOperationError(
                "This audio has no stems: ask the composer with stems=True",
                details={"engine": self.metadata.get("engine")},
            )
        fmt = normalize_format(format)
        base = Path(folder).expanduser()
        return {
            name: stem.save(base / f"{_file_stem(name)}.{fmt}") for name, stem in self.stems.items()
        }

    def __repr__(self) -> str:
        return (
            f"AudioOutput(duration={self.duration:.2f}s, sample_rate={self.sample_rate}, "
            f"channels={self.channels}, engine={self.metadata.get('engine')!r})"
        )


def _file_stem(name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return safe or "stem"
