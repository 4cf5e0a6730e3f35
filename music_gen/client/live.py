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

import collections
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from music_gen.client.errors import APIError, error_from_envelope
from music_gen.client.options import ClientOptions
from music_gen.client.websocket import AsyncSocket, ChunkProtocol, Session, StreamChunk, SyncSocket
from music_gen.errors import InvalidParameterError
from music_gen.live import SteerResult


@dataclass(frozen=True)
class SteerReply(SteerResult):
    """The server's answer to a steer: SteerResult plus where playback was when it arrived."""

    # The listener's playback position (frames since the first chunk) when the steer arrived;
    # effect_frame minus this is the steer-to-audible latency.
    position_frame: int | None = None


#: What a dropped live connection cut short (for its error message).
_UNTIL = "the session stopped"


class LiveProtocol(ChunkProtocol):
    """Message handling shared by the sync and async live streams (no I/O)."""

    def __init__(self, request: dict[str, Any]) -> None:
        super().__init__()
        # None is left out (the server's default), but for loudness_lufs, where null asks for
        # the model's own level.
        sent = {k: v for k, v in request.items() if v is not None or k == "loudness_lufs"}
        self.start = {"type": "start", **sent}
        self.seed: int | None = None
        self.plan: dict[str, Any] = {}
        self.started = False
        self.stop_reason: str | None = None
        self.end_frame: int | None = None
        self.pending: collections.deque[StreamChunk] = collections.deque()
        self.replies: dict[Any, SteerReply | APIError] = {}
        self._ids = itertools.count(1)

    def steer_message(self, **fields: Any) -> tuple[int, str]:
        """(id, text) of a steer message."""
        ident = next(self._ids)
        body = {"type": "steer", "id": ident, **{k: v for k, v in fields.items() if v is not None}}
        return ident, json.dumps(body)

    def _started(self, message: dict[str, Any]) -> None:
        super()._started(message)
        self.seed = message.get("seed")
        self.plan = dict(message.get("plan") or {})
        self.started = True

    def _handle(self, kind: Any, message: dict[str, Any]) -> None:
        if kind == "steered":
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
            self._fail(message)
        elif kind == "stopping":
            self.end_frame = int(message.get("end_frame", 0))
            self.stop_reason = message.get("reason")
        elif kind == "stopped":
            self.stop_reason = message.get("reason") or self.stop_reason
            self.finished = True

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


class _LiveBase(Session[LiveProtocol]):
    def __init__(self, options: ClientOptions, request: dict[str, Any]) -> None:
        super().__init__(options, LiveProtocol(request))

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


class LiveStream(_LiveBase):
    """A live session read synchronously; iterate it for :class:`StreamChunk`s."""

    def __init__(self, options: ClientOptions, request: dict[str, Any]) -> None:
        super().__init__(options, request)
        self._socket = SyncSocket(options, "/ws/live", name="live", until=_UNTIL)

    def open(self) -> LiveStream:
        """Connect and start (iteration, steer() and ``with`` do it when needed)."""
        if self._socket.is_open:
            return self
        self._socket.open(json.dumps(self._protocol.start))
        while not self._protocol.started:
            self._receive()
        return self

    def _receive(self) -> None:
        chunk = self._protocol.feed(self._socket.recv())
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
        self._socket.send(text)
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
        self._socket.send(json.dumps({"type": "stop", "ending": ending}))
        while self._protocol.end_frame is None and not self._protocol.finished:
            self._receive()
        return self._protocol.end_frame or 0

    def close(self) -> None:
        """Close the connection (the server stops the session)."""
        self._socket.close()

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
        self._socket = AsyncSocket(options, "/ws/live", name="live", until=_UNTIL)

    async def open(self) -> AsyncLiveStream:
        """Connect and start (iteration, steer() and ``async with`` do it when needed)."""
        if self._socket.is_open:
            return self
        await self._socket.open(json.dumps(self._protocol.start))
        while not self._protocol.started:
            await self._receive()
        return self

    async def _receive(self) -> None:
        chunk = self._protocol.feed(await self._socket.recv())
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
        await self._socket.send(text)
        while ident not in self._protocol.replies:
            if self._protocol.finished:
                raise InvalidParameterError("The session has stopped", details={"field": "type"})
            await self._receive()
        return self._protocol.take(ident)

    async def stop(self, ending: bool = True) -> int:
        """End the session; returns the end frame (keep iterating for the last chunks)."""
        await self.open()
        await self._socket.send(json.dumps({"type": "stop", "ending": ending}))
        while self._protocol.end_frame is None and not self._protocol.finished:
            await self._receive()
        return self._protocol.end_frame or 0

    async def aclose(self) -> None:
        """Close the connection (the server stops the session)."""
        await self._socket.close()

    async def __aenter__(self) -> AsyncLiveStream:
        return await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
