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
:class:`AsyncAudioStream` with the asyncio one.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import numpy as np

from music_gen.audio import AudioOutput
from music_gen.client.backoff import parse_retry_after
from music_gen.client.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ProtocolError,
    StreamConsumedError,
    error_from_envelope,
)
from music_gen.client.options import ClientOptions

#: PCM encodings the client decodes: name -> (numpy dtype, full scale).
ENCODINGS: dict[str, tuple[str, float]] = {
    "pcm_s16le": ("<i2", 32768.0),
    "pcm_f32le": ("<f4", 1.0),
}
#: Largest WebSocket message accepted, in bytes (a long chunk of stereo PCM in base64).
MAX_MESSAGE_BYTES = 64 * 2**20


@dataclass(frozen=True)
class StreamChunk:
    """One piece of streamed audio: frames [start_frame, start_frame + frames)."""

    # Position in the stream, 0, 1, 2...
    seq: int
    # float32 (channels, frames) in [-1, 1), decoded from pcm.
    samples: np.ndarray = field(repr=False)
    # The raw interleaved little-endian PCM bytes as sent.
    pcm: bytes = field(repr=False)
    sample_rate: int
    # Index of the first frame in the whole piece.
    start_frame: int
    # Start of the chunk in seconds of audio.
    timestamp: float

    @property
    def frames(self) -> int:
        """Number of frames in this chunk."""
        return int(self.samples.shape[1])


@dataclass(frozen=True)
class StreamResult:
    """The ``completed`` message: where the stored file is and what was generated."""

    task_id: str
    audio_url: str | None
    duration: float | None
    metadata: dict[str, Any] = field(default_factory=dict)


class _Protocol:
    """Message handling shared by the sync and async streams (no I/O)."""

    def __init__(self) -> None:
        self.task_id: str | None = None
        self.sample_rate: int | None = None
        self.channels: int | None = None
        self.encoding: str | None = None
        self.result: StreamResult | None = None
        self.cancelled = False
        self.finished = False
        self._next_seq = 0
        self._next_frame = 0

    def feed(self, raw: str | bytes) -> StreamChunk | None:
        """Handle one server message; return a chunk when it carried audio."""
        try:
            message = json.loads(raw)
        except ValueError as exc:
            raise ProtocolError("The server sent a message that is not JSON") from exc
        if not isinstance(message, dict):
            raise ProtocolError("The server sent a non-object message")
        kind = message.get("type")
        if kind == "started":
            self._started(message)
            return None
        if kind == "audio_chunk":
            return self._chunk(message)
        if kind == "completed":
            duration = message.get("duration")
            self.result = StreamResult(
                task_id=str(message.get("task_id", self.task_id)),
                audio_url=message.get("audio_url"),
                duration=float(duration) if isinstance(duration, (int, float)) else None,
                metadata=dict(message.get("metadata") or {}),
            )
            self.finished = True
            return None
        if kind == "cancelled":
            self.cancelled = True
            self.finished = True
            return None
        if kind == "error":
            self.finished = True
            error = message.get("error")
            raise error_from_envelope(error if isinstance(error, dict) else {})
        # Unknown message types (keep-alives, progress) are skipped for forward compatibility.
        return None

    def _started(self, message: dict[str, Any]) -> None:
        encoding = str(message.get("encoding", "pcm_s16le"))
        if encoding not in ENCODINGS:
            raise ProtocolError(
                f"Unsupported stream encoding {encoding!r}; this client decodes "
                f"{', '.join(ENCODINGS)}",
            )
        self.task_id = str(message.get("task_id", ""))
        self.sample_rate = int(message["sample_rate"])
        self.channels = int(message["channels"])
        self.encoding = encoding

    def _chunk(self, message: dict[str, Any]) -> StreamChunk:
        if self.sample_rate is None or self.channels is None or self.encoding is None:
            raise ProtocolError("audio_chunk arrived before started")
        seq = int(message.get("seq", self._next_seq))
        if seq != self._next_seq:
            raise ProtocolError(
                f"Chunk {seq} arrived where chunk {self._next_seq} was due",
            )
        pcm = base64.b64decode(message.get("data", ""))
        dtype, scale = ENCODINGS[self.encoding]
        flat = np.frombuffer(pcm, dtype=dtype)
        if flat.size % self.channels:
            raise ProtocolError(
                f"Chunk {seq} holds {flat.size} samples, not a whole number of "
                f"{self.channels}-channel frames",
            )
        samples = (flat.reshape(-1, self.channels).T / scale).astype(np.float32)
        start = int(message.get("start_frame", self._next_frame))
        self._next_seq += 1
        self._next_frame = start + samples.shape[1]
        return StreamChunk(
            seq=seq,
            samples=samples,
            pcm=pcm,
            sample_rate=self.sample_rate,
            start_frame=start,
            timestamp=float(message.get("timestamp", start / self.sample_rate)),
        )

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


def _handshake_error(exc: Exception) -> APIError:
    """Map a failed WebSocket opening handshake to the API's exception."""
    from websockets.exceptions import InvalidStatus

    if isinstance(exc, InvalidStatus):
        response = exc.response
        body: Any = None
        try:
            body = json.loads(response.body or b"null")
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            error = {"message": f"WebSocket handshake refused with HTTP {response.status_code}"}
        retry_after = response.headers.get("Retry-After")
        return error_from_envelope(
            error, status_code=response.status_code, retry_after_s=parse_retry_after(retry_after)
        )
    return APIConnectionError(f"Could not open the stream WebSocket: {exc}")


class _StreamBase:
    def __init__(self, options: ClientOptions, request: dict[str, Any]) -> None:
        self._options = options
        self._request = {"type": "generate", "stream": True, **request}
        self._protocol = _Protocol()
        self._iterated = False

    @property
    def task_id(self) -> str | None:
        """The task's id, once the server started it."""
        return self._protocol.task_id

    @property
    def sample_rate(self) -> int | None:
        """Frames per second, once started."""
        return self._protocol.sample_rate

    @property
    def channels(self) -> int | None:
        """Channels, once started."""
        return self._protocol.channels

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

    def _lost(self, exc: Exception) -> APIConnectionError:
        return APIConnectionError(
            f"The stream connection closed before the generation finished: {exc}",
        )


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
        self._connection: Any = None
        self._exit = contextlib.ExitStack()

    def __iter__(self) -> Iterator[StreamChunk]:
        self._claim()
        return self._run()

    def _run(self) -> Iterator[StreamChunk]:
        from websockets.exceptions import ConnectionClosed, InvalidHandshake
        from websockets.sync.client import connect

        try:
            # websockets wants its sync connection opened as a context manager.
            self._connection = self._exit.enter_context(
                connect(self._options.ws_url, **_connect_options(self._options))
            )
        except (InvalidHandshake, OSError, TimeoutError) as exc:
            raise _handshake_error(exc) from exc
        try:
            # Refused at once (a bad key in the header): the reason is queued, so read on.
            with contextlib.suppress(ConnectionClosed):
                self._connection.send(json.dumps(self._request))
            while not self._protocol.finished:
                try:
                    raw = self._connection.recv(timeout=self._options.timeout_s)
                except TimeoutError as exc:
                    raise APITimeoutError(
                        f"No stream message for {self._options.timeout_s:g}s"
                    ) from exc
                except ConnectionClosed as exc:
                    raise self._lost(exc) from exc
                chunk = self._protocol.feed(raw)
                if chunk is not None:
                    yield chunk
        finally:
            self.close()

    def cancel(self) -> None:
        """Ask the server to stop; iteration ends when it confirms."""
        if self._connection is not None and not self._protocol.finished:
            self._connection.send(json.dumps({"type": "cancel"}))

    def to_audio(self) -> AudioOutput:
        """Read the whole stream and return it as one AudioOutput."""
        chunks = list(self)
        return self._protocol.to_audio(chunks)

    def close(self) -> None:
        """Close the connection (the server cancels an unfinished generation)."""
        self._connection = None
        self._exit.close()

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
        self._connection: Any = None

    def __aiter__(self) -> AsyncIterator[StreamChunk]:
        self._claim()
        return self._run()

    async def _run(self) -> AsyncIterator[StreamChunk]:
        import asyncio

        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        try:
            self._connection = await connect(
                self._options.ws_url, **_connect_options(self._options)
            )
        except (InvalidHandshake, OSError, TimeoutError) as exc:
            raise _handshake_error(exc) from exc
        try:
            # Refused at once (a bad key in the header): the reason is queued, so read on.
            with contextlib.suppress(ConnectionClosed):
                await self._connection.send(json.dumps(self._request))
            while not self._protocol.finished:
                try:
                    raw = await asyncio.wait_for(
                        self._connection.recv(), timeout=self._options.timeout_s
                    )
                except TimeoutError as exc:
                    raise APITimeoutError(
                        f"No stream message for {self._options.timeout_s:g}s"
                    ) from exc
                except ConnectionClosed as exc:
                    raise self._lost(exc) from exc
                chunk = self._protocol.feed(raw)
                if chunk is not None:
                    yield chunk
        finally:
            await self.aclose()

    async def cancel(self) -> None:
        """Ask the server to stop; iteration ends when it confirms."""
        if self._connection is not None and not self._protocol.finished:
            await self._connection.send(json.dumps({"type": "cancel"}))

    async def to_audio(self) -> AudioOutput:
        """Read the whole stream and return it as one AudioOutput."""
        chunks = [chunk async for chunk in self]
        return self._protocol.to_audio(chunks)

    async def aclose(self) -> None:
        """Close the connection (the server cancels an unfinished generation)."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()

    async def __aenter__(self) -> AsyncAudioStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _connect_options(options: ClientOptions) -> dict[str, Any]:
    """Keyword arguments of websockets' connect(), the same for the sync and async clients."""
    return {
        "additional_headers": options.auth_headers(),
        "open_timeout": options.timeout_s,
        "max_size": MAX_MESSAGE_BYTES,
        # Read everything as it arrives: a caller that handles chunks slowly (playing them,
        # say) buffers here instead of making the server wait and drop the stream.
        "max_queue": None,
        "proxy": None,
    }
