"""What the WebSocket routes (``/ws/stream``, ``/ws/live``) share: close codes, reading a
client frame safely, the key check and the error envelope.

A frame is refused with the envelope and a close code (RFC 6455, section 7.4.1): 1007 for a
binary frame that is not UTF-8, 1009 for one over :data:`MAX_MESSAGE_CHARS`, 1008 for text
that is not JSON or nests too deeply. Each route decides what a refused frame means once its
stream runs (``/ws/stream`` ignores it, ``/ws/live`` answers it and plays on).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from anyio import to_thread
from fastapi import WebSocket, WebSocketDisconnect

from music_gen.errors import InvalidParameterError, MusicGenError
from music_gen.service.auth import Principal
from music_gen.service.exceptions import LimitExceededError
from music_gen.service.state import AppState

#: Seconds the client may take to accept one message before the stream is dropped.
SEND_TIMEOUT_S = 30.0
#: Seconds to wait for the first message.
FIRST_MESSAGE_TIMEOUT_S = 30.0
#: Longest client message, in characters (a generate or start message is well under 10 000).
MAX_MESSAGE_CHARS = 64 * 1024

CLOSE_NORMAL = 1000
CLOSE_INVALID_DATA = 1007
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_ERROR = 1011
CLOSE_TRY_LATER = 1013


class Refused(Exception):
    """End the connection with an error message and a close code."""

    def __init__(self, error: MusicGenError, close_code: int) -> None:
        super().__init__(error.message)
        self.error = error
        self.close_code = close_code


async def receive_message(websocket: WebSocket) -> Any:
    """The next client message, parsed.

    Raises:
        WebSocketDisconnect: The client left.
        Refused: The frame is not UTF-8 (1007), too big (1009), not JSON or nested too
            deeply (1008).
    """
    frame = await websocket.receive()
    if frame["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(frame.get("code", 1000))
    text = frame.get("text")
    if text is None:
        try:
            text = (frame.get("bytes") or b"").decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Refused(
                InvalidParameterError(
                    f"Binary frame is not UTF-8 (bad byte at offset {exc.start}); send JSON text"
                ),
                CLOSE_INVALID_DATA,
            ) from exc
    if len(text) > MAX_MESSAGE_CHARS:
        raise Refused(
            InvalidParameterError(
                f"Message of {len(text)} characters; the limit is {MAX_MESSAGE_CHARS}",
                details={"max_chars": MAX_MESSAGE_CHARS},
            ),
            CLOSE_TOO_BIG,
        )
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise Refused(
            InvalidParameterError("Message is nested too deeply to be a protocol message"),
            CLOSE_POLICY,
        ) from exc
    except ValueError as exc:
        where = (
            f" at line {exc.lineno} column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        raise Refused(
            InvalidParameterError(f"Message is not valid JSON{where}; send JSON text"),
            CLOSE_POLICY,
        ) from exc


async def open_session(
    websocket: WebSocket, state: AppState, kind: str
) -> tuple[Principal, dict[str, Any]]:
    """Check the key and read the first message, which must be of type ``kind``.

    The key comes from the Authorization header or, for browsers, the first message's
    ``token``. Failed keys count against the client address's limit, as over HTTP.

    Raises:
        Refused: No key, a wrong key or a limit; no first message in time, or not ``kind``.
        WebSocketDisconnect: The client left.
    """
    header = websocket.headers.get("authorization")
    address = websocket.client.host if websocket.client else "unknown"
    principal = await to_thread.run_sync(authenticate, state, header, address) if header else None
    try:
        message = await asyncio.wait_for(receive_message(websocket), FIRST_MESSAGE_TIMEOUT_S)
    except TimeoutError as exc:
        raise Refused(
            InvalidParameterError(f"No {kind} message within {FIRST_MESSAGE_TIMEOUT_S:g}s"),
            CLOSE_POLICY,
        ) from exc
    if not isinstance(message, dict) or message.get("type") != kind:
        raise Refused(
            InvalidParameterError(
                f'The first message must be {{"type": "{kind}", "prompt": ...}}',
                details={"field": "type"},
            ),
            CLOSE_POLICY,
        )
    if principal is None:
        token = message.get("token")
        authorization = f"Bearer {token}" if isinstance(token, str) else None
        principal = await to_thread.run_sync(authenticate, state, authorization, address)
    return principal, message


def read_chunk_s(message: dict[str, Any], default: float, low: float, high: float) -> float:
    """The first message's ``chunk_s`` (``default`` when absent), a number in [low, high].

    Raises:
        Refused: Not a number, or out of range (closed with 1008).
    """
    chunk_s = message.get("chunk_s", default)
    number = isinstance(chunk_s, (int, float)) and not isinstance(chunk_s, bool)
    if not number or not low <= chunk_s <= high:
        raise Refused(
            InvalidParameterError(
                f"chunk_s must be a number in [{low}, {high}], got {chunk_s!r}",
                details={"field": "chunk_s"},
            ),
            CLOSE_POLICY,
        )
    return float(chunk_s)


def authenticate(state: AppState, authorization: str | None, address: str) -> Principal:
    """The key's principal, its request counted (Refused with 1008 or 1013 otherwise)."""
    try:
        with state.db.session() as session:
            principal = state.authenticate(session, authorization, address)
        state.limits.hit_request(principal)
    except LimitExceededError as exc:
        raise Refused(with_retry_after(exc), CLOSE_TRY_LATER) from exc
    except MusicGenError as exc:
        raise Refused(exc, CLOSE_POLICY) from exc
    return principal


def with_retry_after(exc: LimitExceededError) -> LimitExceededError:
    """The error with ``details.retry_after`` in whole seconds."""
    exc.details.setdefault("retry_after", max(1, round(exc.retry_after_s)))
    return exc


async def send_error(websocket: WebSocket, error: MusicGenError, close_code: int) -> None:
    """Send the error envelope and close with ``close_code`` (quietly if the client left)."""
    with contextlib.suppress(Exception):
        await websocket.send_json({"type": "error", "error": error.to_dict()})
        await websocket.close(close_code, reason=error.code)
