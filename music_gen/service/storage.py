"""Audio files on disk under random ids; converted formats are cached next to the original.

No user input ever reaches a path: names are ``<random id>.<format>`` where the id is drawn
here and checked against a strict pattern, and the format is one of the known four.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from pathlib import Path

from music_gen.audio import AudioOutput, normalize_format
from music_gen.errors import ServiceUnavailableError
from music_gen.service.exceptions import ResourceNotFoundError

_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class AudioStorage:
    """A folder of audio files named by random ids.

    Args:
        root: The folder (created when missing).
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._convert_lock = threading.Lock()

    @staticmethod
    def new_id() -> str:
        """A fresh unguessable file id."""
        return secrets.token_urlsafe(18)

    @staticmethod
    def is_valid_id(file_id: str) -> bool:
        """Whether a string has the shape of a file id (checked before any lookup)."""
        return _ID.fullmatch(file_id) is not None

    def path(self, file_id: str, fmt: str) -> Path:
        """Where a file id's audio in a format lives (whether or not it exists yet)."""
        if not _ID.fullmatch(file_id):
            raise ResourceNotFoundError(f"No audio file {file_id!r}")
        return self.root / f"{file_id}.{normalize_format(fmt)}"

    def save(self, audio: AudioOutput, fmt: str) -> tuple[str, int]:
        """Encode and store audio; returns (file id, size in bytes)."""
        file_id = self.new_id()
        data = audio.to_bytes(fmt)
        _write_atomic(self.path(file_id, fmt), data)
        return file_id, len(data)

    def get(self, file_id: str, stored_fmt: str, fmt: str | None = None) -> Path:
        """The path of a stored file in ``fmt`` (converting once and caching the result).

        Raises:
            ResourceNotFoundError: The original file is missing.
            UnsupportedFormatError: ``fmt`` is not wav, flac, ogg or mp3.
        """
        wanted = normalize_format(fmt or stored_fmt)
        original = self.path(file_id, stored_fmt)
        if not original.is_file():
            raise ResourceNotFoundError(f"No audio file {file_id!r}")
        target = self.path(file_id, wanted)
        if target.is_file():
            return target
        with self._convert_lock:
            if not target.is_file():
                data = AudioOutput.load(original).to_bytes(wanted)
                try:
                    _write_atomic(target, data)
                except OSError as exc:
                    raise ServiceUnavailableError(
                        f"The audio could not be converted to {wanted}: the server cannot "
                        f"store files now; the {normalize_format(stored_fmt)} original is "
                        "still available; try again later",
                        details={"format": wanted, "reason": "storage_unwritable"},
                    ) from exc
        return target

    def save_midi(self, data: bytes) -> str:
        """Store a Standard MIDI File; returns its file id."""
        file_id = self.new_id()
        _write_atomic(self.midi_path(file_id), data)
        return file_id

    def midi_path(self, file_id: str) -> Path:
        """Where a file id's MIDI lives (whether or not it exists)."""
        if not _ID.fullmatch(file_id):
            raise ResourceNotFoundError(f"No MIDI file {file_id!r}")
        return self.root / f"{file_id}.mid"

    def writable(self) -> bool:
        """Whether a file can be written in the folder now (readiness)."""
        try:
            _write_atomic(self.root / ".ready-check", b"ok")
            (self.root / ".ready-check").unlink()
        except OSError:
            return False
        return True

    def delete(self, file_id: str) -> None:
        """Remove a file id's audio in every format (and its MIDI, for a MIDI id)."""
        for fmt in ("wav", "flac", "ogg", "mp3"):
            self.path(file_id, fmt).unlink(missing_ok=True)
        self.midi_path(file_id).unlink(missing_ok=True)


def _write_atomic(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
