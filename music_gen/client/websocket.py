"""What the stream (``/ws/stream``) and live (``/ws/live``) WebSocket clients share.

Both protocols send JSON text messages: a ``started`` message that names the audio format
(``sample_rate``, ``channels``, ``encoding``), then ``audio_chunk`` messages in order (``seq``,
``data`` as base64 of interleaved little-endian PCM, ``start_frame``, ``timestamp``).
:class:`ChunkProtocol` decodes that part without I/O and leaves the other message types to its
subclasses; :class:`SyncSocket` and :class:`AsyncSocket` open, read and close one connection
with the ``websockets`` client and turn its failures into the API's exceptions.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any, Generic, NoReturn, TypeVar

import numpy as np

from music_gen.client.backoff import parse_retry_after
from music_gen.client.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ProtocolError,
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


class ChunkProtocol:
    """The ``started`` and ``audio_chunk`` messages of a WebSocket session (no I/O)."""

    def __init__(self) -> None:
        self.sample_rate: int | None = None
        self.channels: int | None = None
        self.encoding: str | None = None
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
        elif kind == "audio_chunk":
            return self._chunk(message)
        else:
            self._handle(kind, message)
        return None

    def _handle(self, kind: Any, message: dict[str, Any]) -> None:
        """Handle a message other than started and audio_chunk; unknown types are skipped.

        Skipping what it does not know (keep-alives, progress) keeps a client working with a
        newer server.
        """

    def _fail(self, message: dict[str, Any]) -> NoReturn:
        """End the session with the error a fatal ``error`` message carries."""
        self.finished = True
        error = message.get("error")
        raise error_from_envelope(error if isinstance(error, dict) else {})

    def _started(self, message: dict[str, Any]) -> None:
        encoding = str(message.get("encoding", "pcm_s16le"))
        if encoding not in ENCODINGS:
            raise ProtocolError(
                f"Unsupported stream encoding {encoding!r}; this client decodes "
                f"{', '.join(ENCODINGS)}"
            )
        self.sample_rate = int(message["sample_rate"])
        self.channels = int(message["channels"])
        self.encoding = encoding

    def _chunk(self, message: dict[str, Any]) -> StreamChunk:
        if self.sample_rate is None or self.channels is None or self.encoding is None:
            raise ProtocolError("audio_chunk arrived before started")
        seq = int(message.get("seq", self._next_seq))
        if seq != self._next_seq:
            raise ProtocolError(f"Chunk {seq} arrived where chunk {self._next_seq} was due")
        pcm = base64.b64decode(message.get("data", ""))
        dtype, scale = ENCODINGS[self.encoding]
        flat = np.frombuffer(pcm, dtype=dtype)
        if flat.size % self.channels:
            raise ProtocolError(
                f"Chunk {seq} holds {flat.size} samples, not a whole number of "
                f"{self.channels}-channel frames"
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


P = TypeVar("P", bound=ChunkProtocol)


class Session(Generic[P]):
    """What every WebSocket session shows once the server started it."""

    def __init__(self, options: ClientOptions, protocol: P) -> None:
        self._options = options
        self._protocol = protocol

    @property
    def sample_rate(self) -> int | None:
        """Frames per second, once started."""
        return self._protocol.sample_rate

    @property
    def channels(self) -> int | None:
        """Channels, once started."""
        return self._protocol.channels


class _Socket:
    """One WebSocket connection's settings and the API errors its failures become."""

    def __init__(self, options: ClientOptions, path: str, *, name: str, until: str) -> None:
        self._options = options
        self._url = options.websocket_url(path)
        # "stream" or "live", and what a dropped connection cut short: for error messages.
        self._name = name
        self._until = until
        self._connection: Any = None

    @property
    def is_open(self) -> bool:
        """True between a successful open and close."""
        return self._connection is not None

    def _connect_options(self) -> dict[str, Any]:
        """Keyword arguments of websockets' connect(), the same for the sync and async clients."""
        return {
            "additional_headers": self._options.auth_headers(),
            "open_timeout": self._options.timeout_s,
            "max_size": MAX_MESSAGE_BYTES,
            # Read everything as it arrives: a caller that handles chunks slowly (playing them,
            # say) buffers here instead of making the server wait and drop the stream.
            "max_queue": None,
            "proxy": None,
        }

    def _refused(self, exc: Exception) -> APIError:
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
            return error_from_envelope(
                error,
                status_code=response.status_code,
                retry_after_s=parse_retry_after(response.headers.get("Retry-After")),
            )
        return APIConnectionError(f"Could not open the {self._name} WebSocket: {exc}")

    def _timed_out(self) -> APIConnectionError:
        return APITimeoutError(f"No {self._name} message for {self._options.timeout_s:g}s")

    def _lost(self, exc: Exception) -> APIConnectionError:
        return APIConnectionError(f"The {self._name} connection closed before {self._until}: {exc}")


class SyncSocket(_Socket):
    """A connection through the synchronous ``websockets`` client."""

    def __init__(self, options: ClientOptions, path: str, *, name: str, until: str) -> None:
        super().__init__(options, path, name=name, until=until)
        self._exit = contextlib.ExitStack()

    def open(self, first: str) -> None:
        """Connect and send the first message."""
        from websockets.exceptions import ConnectionClosed, InvalidHandshake
        from websockets.sync.client import connect

        try:
            # websockets wants its sync connection opened as a context manager.
            self._connection = self._exit.enter_context(
                connect(self._url, **self._connect_options())
            )
        except (InvalidHandshake, OSError, TimeoutError) as exc:
            raise self._refused(exc) from exc
        # Refused at once (a bad key in the header): the reason is queued, so read on.
        with contextlib.suppress(ConnectionClosed):
            self._connection.send(first)

    def send(self, text: str) -> None:
        """Send one message."""
        self._connection.send(text)

    def recv(self) -> str | bytes:
        """The next message, within the client's timeout."""
        from websockets.exceptions import ConnectionClosed

        try:
            raw: str | bytes = self._connection.recv(timeout=self._options.timeout_s)
        except TimeoutError as exc:
            raise self._timed_out() from exc
        except ConnectionClosed as exc:
            raise self._lost(exc) from exc
        return raw

    def close(self) -> None:
        """Close the connection."""
        self._connection = None
        self._exit.close()


class AsyncSocket(_Socket):
    """A connection through the asyncio ``websockets`` client."""

    async def open(self, first: str) -> None:
        """Connect and send the first message."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        try:
            self._connection = await connect(self._url, **self._connect_options())
        except (InvalidHandshake, OSError, TimeoutError) as exc:
            raise self._refused(exc) from exc
        # Refused at once (a bad key in the header): the reason is queued, so read on.
        with contextlib.suppress(ConnectionClosed):
            await self._connection.send(first)

    async def send(self, text: str) -> None:
        """Send one message."""
        await self._connection.send(text)

    async def recv(self) -> str | bytes:
        """The next message, within the client's timeout."""
        from websockets.exceptions import ConnectionClosed

        try:
            raw: str | bytes = await asyncio.wait_for(
                self._connection.recv(), timeout=self._options.timeout_s
            )
        except TimeoutError as exc:
            raise self._timed_out() from exc
        except ConnectionClosed as exc:
            raise self._lost(exc) from exc
        return raw

    async def close(self) -> None:
        """Close the connection."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()
