"""``/ws/live``: an endless stream of music that follows the client's steers.

Protocol (JSON text messages; docs/live.md has examples and the figures):

1. Client: ``{"type": "start", "prompt", "intensity"?, "seed"?, "temperature"?, "top_k"?,
   "top_p"?, "model"?, "chunk_s"?, "loudness_lufs"?, "token"?}`` (``token`` is the API key
   for browsers, which cannot set the Authorization header; ``loudness_lufs`` as in ``POST
   /generate``: -14 when absent, null for the engine's own level).
2. Server: ``{"type": "started", "session_id", "sample_rate", "channels", "encoding":
   "pcm_s16le", "chunk_s", "lookahead_s", "idle_timeout_s", "max_session_s", "seed",
   "loudness_lufs", "plan"}``, then ``audio_chunk`` messages as on ``/ws/stream``
   (``seq``, ``data``, ``start_frame``, ``frames``, ``timestamp``) paced at 1x: a chunk is
   sent when it is due within ``lookahead_s`` of the playback position (the time since the
   first chunk).
3. Client, at any time: ``{"type": "steer", "id"?, "prompt"?, "intensity"?, "tempo_bpm"?,
   "key"?, "at"?: "beat" | "bar" | "phrase"}``; server: ``{"type": "steered", "id",
   "effect_frame", "transition_frame", "position_frame", "at", "plan"}``
   (``position_frame``: the playback position when the steer arrived). A bad steer (or any
   bad message) is answered with ``{"type": "error", "id", "error": {...}}`` and the music
   plays on. ``{"type": "ping"}`` is answered with ``{"type": "pong"}``.
4. Client ``{"type": "stop", "ending": true}`` ends with a cadence and a decaying chord,
   ``false`` at once (30 ms fade): ``{"type": "stopping", "end_frame"}``, the last chunks,
   then ``{"type": "stopped", "reason": "client", "frames"}`` and close 1000. With no client
   message for ``live_idle_timeout_s`` or after ``live_max_session_s`` of audio, the server
   ends the same way with reason ``idle_timeout`` or ``max_session``.

Refusals: ``{"type": "error", "error": {...}}`` then close 1008 (bad key or start message,
a model that cannot play live) or 1013 (a limit; ``details.retry_after`` in seconds). A live
session counts against the account's concurrent generations while it plays, and its audio
bytes against the monthly bandwidth: they are reserved before they are sent (a block of
:data:`BANDWIDTH_BLOCK_S` at a time, what was not sent given back at the end), so a session
never passes the quota; a chunk the quota cannot cover is not sent, and the stream ends with
``QUOTA_EXCEEDED`` and close 1013. The first block is reserved while the session starts
(a start refused when not even the first chunk fits), so the first chunk waits for no
database write.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import math
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import anyio
import numpy as np
from anyio import to_thread
from fastapi import APIRouter, FastAPI, WebSocket, WebSocketDisconnect

from music_gen.errors import InvalidParameterError, MusicGenError
from music_gen.live import DEFAULT_CHUNK_S, LiveSession, check_prompt
from music_gen.params import DEFAULT_LOUDNESS_LUFS, check_loudness_lufs
from music_gen.service.auth import Principal
from music_gen.service.exceptions import LimitExceededError
from music_gen.service.routes.common import require_available
from music_gen.service.routes.sockets import (
    CLOSE_NORMAL,
    CLOSE_POLICY,
    CLOSE_TRY_LATER,
    SEND_TIMEOUT_S,
    Refused,
    open_session,
    read_chunk_s,
    receive_message,
    send_error,
    with_retry_after,
)
from music_gen.service.state import AppState
from music_gen.service.streaming import ENCODING, pcm16

router = APIRouter(tags=["live"])

#: Accepted chunk lengths, in seconds (DEFAULT_CHUNK_S when the client does not ask).
MIN_CHUNK_S, MAX_CHUNK_S = 0.05, 1.0
#: Seconds of audio whose bytes are taken from the bandwidth quota at a time, before they are
#: sent (one database write per block rather than per chunk).
BANDWIDTH_BLOCK_S = 5.0
#: Bytes of one sample in an audio_chunk (16-bit PCM); what the bandwidth quota counts.
BYTES_PER_SAMPLE = 2
_START_FIELDS = frozenset(
    {"type", "token", "prompt", "intensity", "seed", "temperature", "top_k", "top_p"}
    | {"model", "chunk_s", "loudness_lufs"}
)
_STEER_FIELDS = frozenset({"type", "id", "prompt", "intensity", "tempo_bpm", "key", "at"})
_REGISTRY_LOCK = threading.Lock()
# What the listener hands over when the client has gone (a message may be JSON null).
_GONE = object()


class LiveSessions:
    """Live sessions playing in this process, by account (they count as generations)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_account: Counter[str] = Counter()

    def count(self, account_id: str) -> int:
        """Sessions the account is playing now."""
        with self._lock:
            return self._by_account[account_id]

    def add(self, account_id: str) -> None:
        """Count one more session."""
        with self._lock:
            self._by_account[account_id] += 1

    def remove(self, account_id: str) -> None:
        """Count one session less."""
        with self._lock:
            self._by_account[account_id] -= 1
            if self._by_account[account_id] <= 0:
                del self._by_account[account_id]


def live_sessions(app: FastAPI) -> LiveSessions:
    """The app's live-session counter (made on first use)."""
    with _REGISTRY_LOCK:
        sessions = getattr(app.state, "live_sessions", None)
        if sessions is None:
            sessions = app.state.live_sessions = LiveSessions()
        return sessions


@router.websocket("/ws/live")
async def live(websocket: WebSocket) -> None:
    """Play a live session (the module docstring has the protocol)."""
    state: AppState = websocket.app.state.service
    sessions = live_sessions(websocket.app)
    await websocket.accept()
    try:
        principal, session, start, reserved = await _open(websocket, state, sessions)
    except Refused as refused:
        await send_error(websocket, refused.error, refused.close_code)
        return
    except WebSocketDisconnect:
        return
    try:
        await _Player(websocket, state, principal, session, start, reserved).play()
    finally:
        sessions.remove(principal.account_id)
        await to_thread.run_sync(session.close)


@dataclass(frozen=True)
class _Start:
    """What the start message chose besides the music."""

    chunk_s: float
    # The session's loudness target in LUFS; None: the engine's own level.
    loudness_lufs: float | None


async def _open(
    websocket: WebSocket, state: AppState, sessions: LiveSessions
) -> tuple[Principal, LiveSession, _Start, int]:
    """Authenticate, read the start message, check the limits and start the session; with
    the bandwidth bytes reserved for its first chunks."""
    principal, message = await open_session(websocket, state, "start")
    unknown = sorted(set(message) - _START_FIELDS)
    if unknown:
        raise Refused(
            InvalidParameterError(
                f"Unknown field(s) in the start message: {', '.join(unknown)}; valid: "
                f"{', '.join(sorted(_START_FIELDS))}",
                details={"unknown": unknown},
            ),
            CLOSE_POLICY,
        )
    chunk_s = read_chunk_s(message, DEFAULT_CHUNK_S, MIN_CHUNK_S, MAX_CHUNK_S)
    try:
        loudness = check_loudness_lufs(message.get("loudness_lufs", DEFAULT_LOUDNESS_LUFS))
    except MusicGenError as exc:
        raise Refused(exc, CLOSE_POLICY) from exc
    start = _Start(chunk_s=chunk_s, loudness_lufs=loudness)
    session, reserved = await to_thread.run_sync(_start, state, sessions, principal, message, start)
    return principal, session, start, reserved


def _start(
    state: AppState,
    sessions: LiveSessions,
    principal: Principal,
    message: dict[str, Any],
    start: _Start,
) -> tuple[LiveSession, int]:
    """Check limits, reserve the first block of bandwidth and make the session; counts it for
    the account and returns the bytes reserved (the caller uncounts it and gives back what
    it does not send)."""
    try:
        prompt = check_prompt(message.get("prompt"))
        model = message.get("model") or state.settings.default_model
        if not isinstance(model, str):
            raise InvalidParameterError("model must be a string", details={"field": "model"})
        generator = state.generators.get(model)
        require_available(state, generator.model)
        info = generator.info
        frame_bytes = info.channels * BYTES_PER_SAMPLE
        first_chunk = round(start.chunk_s * info.sample_rate) * frame_bytes
        block = _block_bytes(info.sample_rate, frame_bytes)
        with state.limits.account_lock(principal.account_id), state.db.session() as db:
            live_now = sessions.count(principal.account_id)
            state.limits.check_concurrency(db, principal, 1 + live_now)
            sessions.add(principal.account_id)
    except LimitExceededError as exc:
        raise Refused(with_retry_after(exc), CLOSE_TRY_LATER) from exc
    except MusicGenError as exc:
        raise Refused(exc, CLOSE_POLICY) from exc
    try:
        # Refused at once when not even the first chunk fits.
        reserved = _reserve(state, principal, first_chunk, block)
    except LimitExceededError as exc:
        sessions.remove(principal.account_id)
        raise Refused(with_retry_after(exc), CLOSE_TRY_LATER) from exc
    names = ("intensity", "seed", "temperature", "top_k", "top_p")
    options = {k: message[k] for k in names if message.get(k) is not None}
    try:
        session = generator.live(
            prompt, chunk_s=start.chunk_s, loudness_lufs=start.loudness_lufs, **options
        )
    except (MusicGenError, TypeError) as exc:  # TypeError: a field of the wrong kind
        sessions.remove(principal.account_id)
        state.limits.release_bandwidth(state.db, principal.account_id, reserved)
        error = exc if isinstance(exc, MusicGenError) else InvalidParameterError(str(exc))
        raise Refused(error, CLOSE_POLICY) from exc
    return session, reserved


def _block_bytes(sample_rate: int, frame_bytes: int) -> int:
    """Bytes of BANDWIDTH_BLOCK_S of audio."""
    return math.ceil(BANDWIDTH_BLOCK_S * sample_rate) * frame_bytes


def _reserve(state: AppState, principal: Principal, need_bytes: int, block_bytes: int) -> int:
    """Take from the quota what sending ``need_bytes`` more needs, before they are sent: a
    block of ``block_bytes`` when the quota has room for it, else just ``need_bytes``;
    returns the bytes taken.

    Raises:
        LimitExceededError: The quota cannot cover ``need_bytes`` (nothing is taken).
    """
    limits, db = state.limits, state.db
    try:
        limits.reserve_bandwidth(db, principal, max(need_bytes, block_bytes))
    except LimitExceededError:
        limits.reserve_bandwidth(db, principal, need_bytes)
        return need_bytes
    return max(need_bytes, block_bytes)


class _Player:
    """Sends one session's chunks at 1x with a lookahead and answers the client's messages."""

    def __init__(
        self,
        websocket: WebSocket,
        state: AppState,
        principal: Principal,
        session: LiveSession,
        start: _Start,
        reserved_bytes: int,
    ) -> None:
        self.websocket = websocket
        self.state = state
        self.principal = principal
        self.session = session
        self.start = start
        settings = state.settings
        self.lookahead_s = settings.live_lookahead_s
        self.idle_timeout_s = settings.live_idle_timeout_s
        self.max_session_s = settings.live_max_session_s
        self.inbox: asyncio.Queue[Any] = asyncio.Queue()
        self.lock = threading.Lock()
        self.seq = 0
        # Bandwidth bytes taken from the quota and not sent yet (the first while starting),
        # and bytes sent.
        self.reserved_bytes = reserved_bytes
        self.sent_bytes = 0
        self.block_bytes = _block_bytes(session.sample_rate, session.channels * BYTES_PER_SAMPLE)
        self.reason: str | None = None
        self.started = 0.0

    async def play(self) -> None:
        listener = asyncio.create_task(self._listen())
        try:
            await self._play()
        finally:
            listener.cancel()
            # Shielded: a closing connection cancels this coroutine, and the bytes not sent
            # must still go back to the quota.
            with anyio.CancelScope(shield=True):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await listener
                self.state.metrics.quota_bytes.inc(self.sent_bytes)
                await to_thread.run_sync(
                    self.state.limits.release_bandwidth,
                    self.state.db,
                    self.principal.account_id,
                    self.reserved_bytes,
                )

    async def _listen(self) -> None:
        try:
            while True:
                try:
                    message = await receive_message(self.websocket)
                except Refused as refused:
                    message = refused
                await self.inbox.put(message)
        except (WebSocketDisconnect, RuntimeError, KeyError):
            await self.inbox.put(_GONE)

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return method(*args, **kwargs)

    async def _send(self, message: dict[str, Any]) -> bool:
        try:
            await asyncio.wait_for(self.websocket.send_json(message), SEND_TIMEOUT_S)
        except (TimeoutError, WebSocketDisconnect, RuntimeError, OSError):
            return False
        return True

    async def _play(self) -> None:
        session = self.session
        rate = session.sample_rate
        loop = asyncio.get_running_loop()
        started = await self._send(
            {
                "type": "started",
                "session_id": str(uuid.uuid4()),
                "sample_rate": rate,
                "channels": session.channels,
                "encoding": ENCODING,
                "chunk_s": self.start.chunk_s,
                "lookahead_s": self.lookahead_s,
                "idle_timeout_s": self.idle_timeout_s,
                "max_session_s": self.max_session_s,
                "seed": session.seed,
                "loudness_lufs": self.start.loudness_lufs,
                "plan": session.plan,
            }
        )
        if not started:
            return
        self.started = loop.time()
        last_heard = self.started
        while True:
            now = loop.time()
            if self.reason is None:
                if now - last_heard > self.idle_timeout_s:
                    await self._stop(True, "idle_timeout")
                elif session.position_frame >= self.max_session_s * rate:
                    await self._stop(True, "max_session")
            while session.position_frame < (now - self.started + self.lookahead_s) * rate:
                chunk = await to_thread.run_sync(self._call, _next_chunk, session)
                if chunk is None:
                    break
                message, size = self._chunk_message(chunk)
                try:
                    await self._reserve(size)
                except LimitExceededError as exc:
                    await send_error(self.websocket, with_retry_after(exc), CLOSE_TRY_LATER)
                    return
                if not await self._send(message):
                    return
                self.reserved_bytes -= size
                self.sent_bytes += size
            if session.finished:
                await self._send(
                    {"type": "stopped", "reason": self.reason, "frames": session.position_frame}
                )
                with contextlib.suppress(Exception):
                    await self.websocket.close(CLOSE_NORMAL)
                return
            due = self.started + session.position_frame / rate - self.lookahead_s
            try:
                message = await asyncio.wait_for(self.inbox.get(), max(0.002, due - loop.time()))
            except TimeoutError:
                continue
            if message is _GONE:
                return
            last_heard = loop.time()
            if not await self._handle(message, last_heard):
                return

    async def _handle(self, message: Any, arrived: float) -> bool:
        """Answer one client message (parsed, or the frame's refusal); False when the
        connection is gone. A refused frame is answered and the music plays on."""
        if isinstance(message, Refused):
            return await self._error(None, message.error)
        if not isinstance(message, dict):
            return await self._error(None, InvalidParameterError("Messages must be JSON objects"))
        ident = message.get("id")
        kind = message.get("type")
        if kind == "ping":
            return await self._send({"type": "pong", "id": ident})
        if kind == "steer":
            return await self._steer(message, ident, arrived)
        if kind == "stop":
            ending = message.get("ending", True)
            if not isinstance(ending, bool):
                return await self._error(
                    ident,
                    InvalidParameterError(
                        f"ending must be true or false, got {ending!r}",
                        details={"field": "ending"},
                    ),
                )
            return await self._stop(ending, "client")
        return await self._error(
            ident,
            InvalidParameterError(
                f"Unknown message type {kind!r}; valid: steer, stop, ping",
                details={"field": "type", "valid": ["steer", "stop", "ping"]},
            ),
        )

    async def _steer(self, message: dict[str, Any], ident: Any, arrived: float) -> bool:
        unknown = sorted(set(message) - _STEER_FIELDS)
        if unknown:
            return await self._error(
                ident,
                InvalidParameterError(
                    f"Unknown field(s) in steer: {', '.join(unknown)}; valid: "
                    f"{', '.join(sorted(_STEER_FIELDS))}",
                    details={"unknown": unknown},
                ),
            )
        position = round((arrived - self.started) * self.session.sample_rate)
        fields = {k: message[k] for k in ("intensity", "tempo_bpm", "key") if k in message}
        try:
            result = await to_thread.run_sync(
                lambda: self._call(
                    self.session.steer,
                    message.get("prompt"),
                    at=message.get("at", "bar"),
                    **fields,
                )
            )
        except MusicGenError as exc:
            return await self._error(ident, exc)
        return await self._send(
            {"type": "steered", "id": ident, "position_frame": position, **result.to_dict()}
        )

    async def _stop(self, ending: bool, reason: str) -> bool:
        if self.reason is not None:
            return True
        self.reason = reason
        end = await to_thread.run_sync(self._call, self.session.stop, ending)
        return await self._send({"type": "stopping", "reason": reason, "end_frame": end})

    async def _error(self, ident: Any, error: MusicGenError) -> bool:
        return await self._send({"type": "error", "id": ident, "error": error.to_dict()})

    def _chunk_message(self, samples: np.ndarray) -> tuple[dict[str, Any], int]:
        """The audio_chunk message of ``samples``, and its bytes for the quota."""
        rate = self.session.sample_rate
        start = self.session.position_frame - samples.shape[1]
        pcm = pcm16(samples)
        message = {
            "type": "audio_chunk",
            "seq": self.seq,
            "data": base64.b64encode(pcm).decode("ascii"),
            "start_frame": start,
            "frames": int(samples.shape[1]),
            "timestamp": start / rate,
        }
        self.seq += 1
        return message, len(pcm)

    async def _reserve(self, size: int) -> None:
        """Take from the quota what sending ``size`` more bytes needs (see :func:`_reserve`).

        Raises:
            LimitExceededError: The quota cannot cover the chunk (nothing is taken).
        """
        need = size - self.reserved_bytes
        if need <= 0:
            return
        self.reserved_bytes += await to_thread.run_sync(
            _reserve, self.state, self.principal, need, self.block_bytes
        )


def _next_chunk(session: LiveSession) -> np.ndarray | None:
    try:
        return next(session)
    except StopIteration:
        return None
