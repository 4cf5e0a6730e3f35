"""Live sessions over the API's WebSocket (``/ws/live``): endless music that follows steers.

The wire protocol is in docs/live.md. :class:`LiveStream` speaks it with the synchronous
``websockets`` client, :class:`AsyncLiveStream` with the asyncio one; both share
:class:`LiveProtocol`, which does no I/O. ``steer()`` and ``stop()`` wait for the server's
answer; audio that arrives meanwhile is kept for the iterator, so nothing is lost.

Example:
    >>> with client.live("calm exploration music", intensity=0.3) as live:
    ...     for chunk in live:
    ...         play(chunk.samples)
    ...         if enemy_spotted():
    ...             change = live.steer("tense battle music", intensity=0.9, at="beat")
"""

from __future__ import annotations

import base64
import collections
import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

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
from music_gen.client.streaming import ENCODINGS, MAX_MESSAGE_BYTES, StreamChunk
from music_gen.errors import InvalidParameterError
from music_gen.live import SteerResult


@dataclass(frozen=True)
class SteerReply(SteerResult):
    """The server's answer to a steer: SteerResult plus where playback was when it arrived."""

    # The listener's playback position (frames since the first chunk) when the steer arrived;
    # effect_frame minus this is the steer-to-audible latency.
    position_frame: int | None = None


def live_url(options: ClientOptions) -> str:
    """URL of the live WebSocket (ws:// or wss:// twin of base_url)."""
    scheme, rest = options.base_url.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws/live"


class LiveProtocol:
    """Message handling shared by the sync and async live streams (no I/O)."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.start = {"type": "start", **{k: v for k, v in request.items() if v is not None}}
        self.sample_rate: int | None = None
        self.channels: int | None = None
        self.encoding: str | None = None
        self.seed: int | None = None
        self.plan: dict[str, Any] = {}
        self.started = False
        self.finished = False
        self.stop_reason: str | None = None
        self.end_frame: int | None = None
        self.pending: collections.deque[StreamChunk] = collections.deque()
        self.replies: dict[Any, SteerReply | APIError] = {}
        self._ids = itertools.count(1)
        self._next_seq = 0

    def steer_message(self, **fields: Any) -> tuple[int, str]:
        """(id, text) of a steer message."""
        ident = next(self._ids)
        body = {"type": "steer", "id": ident, **{k: v for k, v in fields.items() if v is not None}}
        return ident, json.dumps(body)

    def feed(self, raw: str | bytes) -> StreamChunk | None:
        """Handle one server message; returns a chunk when it carried audio."""
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
        elif kind == "steered":
            self.replies[message.get("id")] = SteerReply(
                effect_frame=int(message["effect_frame"]),
                transition_frame=int(message["transition_frame"]),
                at=str(message.get("at", "bar")),
                plan=dict(message.get("plan") or {}),
                position_frame=message.get("position_frame"),
            )
        elif kind == "error" and "id" in message:
            # A refused steer or message: the music plays on.
            error = message.get("error")
            self.replies[message.get("id")] = error_from_envelope(
                error if isinstance(error, dict) else {}
            )
        elif kind == "error":
            self.finished = True
            error = message.get("error")
            raise error_from_envelope(error if isinstance(error, dict) else {})
        elif kind == "stopping":
            self.end_frame = int(message.get("end_frame", 0))
            self.stop_reason = message.get("reason")
        elif kind == "stopped":
            self.stop_reason = message.get("reason") or self.stop_reason
            self.finished = True
        return None

    def _started(self, message: dict[str, Any]) -> None:
        encoding = str(message.get("encoding", "pcm_s16le"))
        if encoding not in ENCODINGS:
            raise ProtocolError(f"Unsupported stream encoding {encoding!r}")
        self.sample_rate = int(message["sample_rate"])
        self.channels = int(message["channels"])
        self.encoding = encoding
        self.seed = message.get("seed")
        self.plan = dict(message.get("plan") or {})
        self.started = True

    def _chunk(self, message: dict[str, Any]) -> StreamChunk:
        if self.sample_rate is None or self.channels is None or self.encoding is None:
            raise ProtocolError("audio_chunk arrived before started")
        seq = int(message.get("seq", self._next_seq))
        if seq != self._next_seq:
            raise ProtocolError(f"Chunk {seq} arrived where chunk {self._next_seq} was due")
        self._next_seq += 1
        pcm = base64.b64decode(message.get("data", ""))
        dtype, scale = ENCODINGS[self.encoding]
        flat = np.frombuffer(pcm, dtype=dtype)
        samples = (flat.reshape(-1, self.channels).T / scale).astype(np.float32)
        start = int(message.get("start_frame", 0))
        return StreamChunk(
            seq=seq,
            samples=samples,
            pcm=pcm,
            sample_rate=self.sample_rate,
            start_frame=start,
            timestamp=float(message.get("timestamp", start / self.sample_rate)),
        )

    def take(self, ident: Any) -> SteerReply:
        """The reply to a steer (raises the error the server answered with)."""
        reply = self.replies.pop(ident)
        if isinstance(reply, APIError):
            raise reply
        return reply


def _steer_fields(
    prompt: str | None, intensity: float | None, tempo_bpm: float | None, key: str | None, at: str
) -> dict[str, Any]:
    return {"prompt": prompt, "intensity": intensity, "tempo_bpm": tempo_bpm, "key": key, "at": at}


def _connect_options(options: ClientOptions) -> dict[str, Any]:
    return {
        "additional_headers": options.auth_headers(),
        "open_timeout": options.timeout_s,
        "max_size": MAX_MESSAGE_BYTES,
        "max_queue": None,
        "proxy": None,
    }


def _handshake_error(exc: Exception) -> APIError:
    from websockets.exceptions import InvalidStatus

    if isinstance(exc, InvalidStatus):
        response = exc.response
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
    return APIConnectionError(f"Could not open the live WebSocket: {exc}")


def _lost(exc: Exception) -> APIConnectionError:
    return APIConnectionError(f"The live connection closed before the session stopped: {exc}")


class _LiveBase:
    def __init__(self, options: ClientOptions, request: dict[str, Any]) -> None:
        self._options = options
        self._protocol = LiveProtocol(request)

    @property
    def sample_rate(self) -> int | None:
        """Frames per second, once started."""
        return self._protocol.sample_rate

    @property
    def channels(self) -> int | None:
        """Channels, once started."""
        return self._protocol.channels

    @property
    def seed(self) -> int | None:
        """The seed the session plays from, once started."""
        return self._protocol.seed

    @property
    def plan(self) -> dict[str, Any]:
        """The plan the session started with."""
        return self._protocol.plan

    @property
    def stop_reason(self) -> str | None:
        """Why the session stopped: "client", "idle_timeout" or "max_session"."""
        return self._protocol.stop_reason

    @property
    def end_frame(self) -> int | None:
        """Where the stream ends, once stopping."""
        return self._protocol.end_frame

    def _timeout(self) -> APIConnectionError:
        return APITimeoutError(f"No live message for {self._options.timeout_s:g}s")


class LiveStream(_LiveBase):
    """A live session read synchronously; iterate it for :class:`StreamChunk`s."""

    def __init__(self, options: ClientOptions, request: dict[str, Any]) -> None:
        super().__init__(options, request)
        self._connection: Any = None
        self._exit = contextlib.ExitStack()

    def open(self) -> LiveStream:
        """Connect and start (iteration, steer() and ``with`` do it when needed)."""
        if self._connection is not None:
            return self
        from websockets.exceptions import ConnectionClosed, InvalidHandshake
        from websockets.sync.client import connect

        try:
            self._connection = self._exit.enter_context(
                connect(live_url(self._options), **_connect_options(self._options))
            )
        except (InvalidHandshake, OSError, TimeoutError) as exc:
            raise _handshake_error(exc) from exc
        with contextlib.suppress(ConnectionClosed):
            self._connection.send(json.dumps(self._protocol.start))
        while not self._protocol.started:
            self._receive()
        return self

    def _receive(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            raw = self._connection.recv(timeout=self._options.timeout_s)
        except TimeoutError as exc:
            raise self._timeout() from exc
        except ConnectionClosed as exc:
            raise _lost(exc) from exc
        chunk = self._protocol.feed(raw)
        if chunk is not None:
            self._protocol.pending.append(chunk)

    def __iter__(self) -> Iterator[StreamChunk]:
        self.open()
        try:
            while True:
                while self._protocol.pending:
                    yield self._protocol.pending.popleft()
                if self._protocol.finished:
                    return
                self._receive()
        finally:
            self.close()

    def steer(
        self,
        prompt: str | None = None,
        *,
        intensity: float | None = None,
        tempo_bpm: float | None = None,
        key: str | None = None,
        at: str = "bar",
    ) -> SteerReply:
        """Change what plays; returns when (effect_frame) and the new plan.

        Raises:
            APIError: The server refused the steer (``code`` INVALID_PARAMETER or
                INVALID_PROMPT); the session plays on.
        """
        self.open()
        ident, text = self._protocol.steer_message(
            **_steer_fields(prompt, intensity, tempo_bpm, key, at)
        )
        self._connection.send(text)
        while ident not in self._protocol.replies:
            if self._protocol.finished:
                raise InvalidParameterError("The session has stopped", details={"field": "type"})
            self._receive()
        return self._protocol.take(ident)

    def stop(self, ending: bool = True) -> int:
        """End the session (with a musical ending, or at once); returns the end frame.

        Keep iterating to receive the last chunks.
        """
        self.open()
        self._connection.send(json.dumps({"type": "stop", "ending": ending}))
        while self._protocol.end_frame is None and not self._protocol.finished:
            self._receive()
        return self._protocol.end_frame or 0

    def close(self) -> None:
        """Close the connection (the server stops the session)."""
        self._connection = None
        self._exit.close()

    def __enter__(self) -> LiveStream:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncLiveStream(_LiveBase):
    """A live session read with asyncio; ``async for`` it for :class:`StreamChunk`s."""

    def __init__(self, options: ClientOptions, request: dict[str, Any]) -> None:
        super().__init__(options, request)
        self._connection: Any = None

    async def open(self) -> AsyncLiveStream:
        """Connect and start (iteration, steer() and ``async with`` do it when needed)."""
        if self._connection is not None:
            return self
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        try:
            self._connection = await connect(
                live_url(self._options), **_connect_options(self._options)
            )
        except (InvalidHandshake, OSError, TimeoutError) as exc:
            raise _handshake_error(exc) from exc
        with contextlib.suppress(ConnectionClosed):
            await self._connection.send(json.dumps(self._protocol.start))
        while not self._protocol.started:
            await self._receive()
        return self

    async def _receive(self) -> None:
        import asyncio

        from websockets.exceptions import ConnectionClosed

        try:
            raw = await asyncio.wait_for(self._connection.recv(), self._options.timeout_s)
        except TimeoutError as exc:
            raise self._timeout() from exc
        except ConnectionClosed as exc:
            raise _lost(exc) from exc
        chunk = self._protocol.feed(raw)
        if chunk is not None:
            self._protocol.pending.append(chunk)

    def __aiter__(self) -> AsyncIterator[StreamChunk]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[StreamChunk]:
        await self.open()
        try:
            while True:
                while self._protocol.pending:
                    yield self._protocol.pending.popleft()
                if self._protocol.finished:
                    return
                await self._receive()
        finally:
            await self.aclose()

    async def steer(
        self,
        prompt: str | None = None,
        *,
        intensity: float | None = None,
        tempo_bpm: float | None = None,
        key: str | None = None,
        at: str = "bar",
    ) -> SteerReply:
        """Change what plays; returns when (effect_frame) and the new plan."""
        await self.open()
        ident, text = self._protocol.steer_message(
            **_steer_fields(prompt, intensity, tempo_bpm, key, at)
        )
        await self._connection.send(text)
        while ident not in self._protocol.replies:
            if self._protocol.finished:
                raise InvalidParameterError("The session has stopped", details={"field": "type"})
            await self._receive()
        return self._protocol.take(ident)

    async def stop(self, ending: bool = True) -> int:
        """End the session; returns the end frame (keep iterating for the last chunks)."""
        await self.open()
        await self._connection.send(json.dumps({"type": "stop", "ending": ending}))
        while self._protocol.end_frame is None and not self._protocol.finished:
            await self._receive()
        return self._protocol.end_frame or 0

    async def aclose(self) -> None:
        """Close the connection (the server stops the session)."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()

    async def __aenter__(self) -> AsyncLiveStream:
        return await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
