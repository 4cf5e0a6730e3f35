"""Streaming generation over the API's WebSocket (``/ws/stream``).

The wire protocol (JSON text messages):

- client: ``{"type": "generate", "stream": true, "prompt", "duration", ...}`` (the parameters
  of ``POST /generate``), later optionally ``{"type": "cancel"}``;
- server: ``{"type": "started", "task_id", "sample_rate", "channels", "encoding"}``, then
  ``{"type": "audio_chunk", "seq", "data", "timestamp", "start_frame", "frames"}`` in order
  (``data`` is base64 of interleaved little-endian PCM, ``encoding`` "pcm_s16le";
  ``timestamp`` is the chunk's start in seconds of audio), then
  ``{"type": "completed", "task_id", "audio_url", "duration", "metadata"}``,
  or ``{"type": "cancelled", "task_id"}``, or ``{"type": "error", "error": {...}}``.

:class:`AudioStream` reads it with the synchronous ``websockets`` client,
:class:`AsyncAudioStream` with the asyncio one; the parts the live client shares (decoding
chunks, connecting) are in :mod:`music_gen.client.websocket`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import numpy as np

from music_gen.audio import AudioOutput
from music_gen.client.errors import ProtocolError, StreamConsumedError
from music_gen.client.options import ClientOptions
from music_gen.client.websocket import AsyncSocket, ChunkProtocol, Session, StreamChunk, SyncSocket


@dataclass(frozen=True)
class StreamResult:
    """The ``completed`` message: where the stored file is and what was generated."""

    task_id: str
    audio_url: str | None
    duration: float | None
    metadata: dict[str, Any] = field(default_factory=dict)


class _Protocol(ChunkProtocol):
    """Message handling shared by the sync and async streams (no I/O)."""

    def __init__(self) -> None:
        super().__init__()
        self.task_id: str | None = None
        self.result: StreamResult | None = None
        self.cancelled = False

    def _started(self, message: dict[str, Any]) -> None:
        super()._started(message)
        self.task_id = str(message.get("task_id", ""))

    def _handle(self, kind: Any, message: dict[str, Any]) -> None:
        if kind == "completed":
            duration = message.get("duration")
            self.result = StreamResult(
                task_id=str(message.get("task_id", self.task_id)),
                audio_url=message.get("audio_url"),
                duration=float(duration) if isinstance(duration, (int, float)) else None,
                metadata=dict(message.get("metadata") or {}),
            )
            self.finished = True
        elif kind == "cancelled":
            self.cancelled = True
            self.finished = True
        elif kind == "error":
            self._fail(message)

    def to_audio(self, chunks: list[StreamChunk]) -> AudioOutput:
        if self.sample_rate is None or self.channels is None:
            raise ProtocolError("The stream ended before it started")
        samples = (
            np.concatenate([chunk.samples for chunk in chunks], axis=1)
            if chunks
            else np.zeros((self.channels, 0), dtype=np.float32)
        )
        metadata = dict(self.result.metadata) if self.result else {}
        return AudioOutput(samples=samples, sample_rate=self.sample_rate, metadata=metadata)


#: What a dropped stream connection cut short (for its error message).
_UNTIL = "the generation finished"


class _StreamBase(Session[_Protocol]):
    def __init__(self, options: ClientOptions, request: dict[str, Any]) -> None:
        super().__init__(options, _Protocol())
        self._request = {"type": "generate", "stream": True, **request}
        self._iterated = False

    @property
    def task_id(self) -> str | None:
        """The task's id, once the server started it."""
        return self._protocol.task_id

    @property
    def result(self) -> StreamResult | None:
        """The completed message, after the last chunk."""
        return self._protocol.result

    @property
    def cancelled(self) -> bool:
        """True when the server confirmed a cancel."""
        return self._protocol.cancelled

    def _claim(self) -> None:
        if self._iterated:
            raise StreamConsumedError("A stream can be read only once")
        self._iterated = True


class AudioStream(_StreamBase):
    """A streaming generation read synchronously; iterate it for :class:`StreamChunk`s.

    Example:
        >>> with client.stream("Ambient pads", duration=20) as stream:
        ...     for chunk in stream:
        ...         play(chunk.samples)
        ...     print(stream.result.audio_url)
    """

    def __init__(self, options: ClientOptions, request: dict[str, Any]) -> None:
        super().__init__(options, request)
        self._socket = SyncSocket(options, "/ws/stream", name="stream", until=_UNTIL)

    def __iter__(self) -> Iterator[StreamChunk]:
        self._claim()
        return self._run()

    def _run(self) -> Iterator[StreamChunk]:
        self._socket.open(json.dumps(self._request))
        try:
            while not self._protocol.finished:
                chunk = self._protocol.feed(self._socket.recv())
                if chunk is not None:
                    yield chunk
        finally:
            self.close()

    def cancel(self) -> None:
        """Ask the server to stop; iteration ends when it confirms."""
        if self._socket.is_open and not self._protocol.finished:
            self._socket.send(json.dumps({"type": "cancel"}))

    def to_audio(self) -> AudioOutput:
        """Read the whole stream and return it as one AudioOutput."""
        chunks = list(self)
        return self._protocol.to_audio(chunks)

    def close(self) -> None:
        """Close the connection (the server cancels an unfinished generation)."""
        self._socket.close()

    def __enter__(self) -> AudioStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncAudioStream(_StreamBase):
    """A streaming generation read with asyncio; ``async for`` it for :class:`StreamChunk`s.

    Example:
        >>> async with client.stream("Ambient pads", duration=20) as stream:
        ...     async for chunk in stream:
        ...         play(chunk.samples)
    """

    def __init__(self, options: ClientOptions, request: dict[str, Any]) -> None:
        super().__init__(options, request)
        self._socket = AsyncSocket(options, "/ws/stream", name="stream", until=_UNTIL)

    def __aiter__(self) -> AsyncIterator[StreamChunk]:
        self._claim()
        return self._run()

    async def _run(self) -> AsyncIterator[StreamChunk]:
        await self._socket.open(json.dumps(self._request))
        try:
            while not self._protocol.finished:
                chunk = self._protocol.feed(await self._socket.recv())
                if chunk is not None:
                    yield chunk
        finally:
            await self.aclose()

    async def cancel(self) -> None:
        """Ask the server to stop; iteration ends when it confirms."""
        if self._socket.is_open and not self._protocol.finished:
            await self._socket.send(json.dumps({"type": "cancel"}))

    async def to_audio(self) -> AudioOutput:
        """Read the whole stream and return it as one AudioOutput."""
        chunks = [chunk async for chunk in self]
        return self._protocol.to_audio(chunks)

    async def aclose(self) -> None:
        """Close the connection (the server cancels an unfinished generation)."""
        await self._socket.close()

    async def __aenter__(self) -> AsyncAudioStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
