"""``/ws/stream``: generate over a WebSocket and receive the audio while it renders.

Protocol (JSON text messages, one generation per connection; docs/websocket.md has examples):

1. Client: ``{"type": "generate", "prompt", "duration", ...}``: the body of ``POST
   /generate`` plus optionally ``"stream"`` (default true; false sends no chunks, only the
   started and completed messages), ``"chunk_s"`` (DEFAULT_CHUNK_S) and ``"token"`` (the
   API key, for browsers, which cannot set the Authorization header).
2. Server: ``{"type": "started", "task_id", "sample_rate", "channels", "encoding":
   "pcm_s16le", "chunk_s"}``; then ``{"type": "audio_chunk", "seq", "data", "start_frame",
   "frames", "timestamp"}`` in order: ``data`` is base64 of interleaved little-endian
   16-bit PCM, quantised as the stored WAV is, ``timestamp`` the chunk's start in seconds of
   audio; then ``{"type": "completed", "task_id", "audio_url", "duration", "metadata"}`` and
   close 1000.
3. Client ``{"type": "cancel"}``, a disconnect, ``POST /generate/{task_id}/cancel`` or
   ``DELETE /generate/{task_id}`` stop the generation: ``{"type": "cancelled", "task_id"}``
   and close 1000.

Errors: ``{"type": "error", "error": {"code", "message", "details"}}`` then a close: 1008
for a missing, wrong or revoked key or a bad request (not JSON, nested too deeply, wrong
fields), 1007 for a binary frame that is not UTF-8, 1009 for a message over
``sockets.MAX_MESSAGE_CHARS``, 1013 for a limit (``details.retry_after`` in seconds), 1011
for a failed generation. Once the stream runs, frames other than a cancel are ignored:
garbage does not stop it.

The stream is a task like any other: it counts against the rate and concurrency limits,
shows in ``GET /generate/{task_id}`` and its audio is served at ``audio_url``. The PCM bytes
of the audio chunks count against the monthly bandwidth quota: the whole piece's bytes are
reserved when the stream is accepted (a stream that does not fit is refused with
``QUOTA_EXCEEDED`` and 1013) and what was not sent is given back when it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import Any

import anyio
from anyio import to_thread
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from music_gen.errors import (
    InvalidParameterError,
    InvalidPromptError,
    MusicGenError,
)
from music_gen.service import lifecycle
from music_gen.service.auth import Principal
from music_gen.service.exceptions import LimitExceededError
from music_gen.service.routes.common import new_task, validate_generation
from music_gen.service.routes.sockets import (
    CLOSE_ERROR,
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
from music_gen.service.schemas import GenerateRequest
from music_gen.service.state import AppState
from music_gen.service.streaming import StreamJob, StreamRun

router = APIRouter(tags=["stream"])

#: Chunk length when the client does not ask, and the accepted range, in seconds.
DEFAULT_CHUNK_S = 0.5
MIN_CHUNK_S, MAX_CHUNK_S = 0.05, 10.0
#: Bytes of one sample in an audio_chunk (16-bit PCM); what the bandwidth quota counts.
BYTES_PER_SAMPLE = 2
#: Fields of the generate message about the stream itself, not the generation.
_STREAM_FIELDS = ("type", "stream", "token", "chunk_s")


@router.websocket("/ws/stream")
async def stream(websocket: WebSocket) -> None:
    """Generate one piece and stream it (the module docstring has the protocol)."""
    state: AppState = websocket.app.state.service
    await websocket.accept()
    try:
        job, send_chunks = await _accept(websocket, state)
    except Refused as refused:
        await send_error(websocket, refused.error, refused.close_code)
        return
    except WebSocketDisconnect:
        return
    run = StreamRun(
        state, job, lambda file_id: str(websocket.url_for("download_audio", file_id=file_id))
    )
    listener = asyncio.create_task(_listen(websocket, run))
    run.start()
    try:
        await _pump(websocket, run, send_chunks)
    finally:
        run.stop.set()
        listener.cancel()
        # Shielded: a closing connection cancels this coroutine, and the unsent bytes must
        # still go back to the quota.
        with anyio.CancelScope(shield=True):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener
            await to_thread.run_sync(run.join, 60.0)
            state.metrics.quota_bytes.inc(run.sent_bytes)
            unsent = job.reserved_bytes - run.sent_bytes
            await to_thread.run_sync(
                state.limits.release_bandwidth, state.db, job.principal.account_id, unsent
            )


async def _accept(websocket: WebSocket, state: AppState) -> tuple[StreamJob, bool]:
    """Authenticate, read and check the request, count it, and create its task.

    Returns:
        The job, and whether to send the audio chunks.
    """
    principal, message = await open_session(websocket, state, "generate")
    request, chunk_s, send_chunks = _parse(message)
    job = await to_thread.run_sync(_create_task, state, principal, request, chunk_s, send_chunks)
    return job, send_chunks


def _parse(message: dict[str, Any]) -> tuple[GenerateRequest, float, bool]:
    send_chunks = message.get("stream", True)
    if not isinstance(send_chunks, bool):
        raise Refused(
            InvalidParameterError(
                f"stream must be true or false, got {send_chunks!r}", details={"field": "stream"}
            ),
            CLOSE_POLICY,
        )
    chunk_s = read_chunk_s(message, DEFAULT_CHUNK_S, MIN_CHUNK_S, MAX_CHUNK_S)
    fields = {k: v for k, v in message.items() if k not in _STREAM_FIELDS}
    try:
        return GenerateRequest.model_validate(fields), chunk_s, send_chunks
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": str(e.get("msg"))}
            for e in exc.errors()
        ]
        first = problems[0]
        error_type = InvalidPromptError if first["field"] == "prompt" else InvalidParameterError
        raise Refused(
            error_type(f"{first['field']}: {first['message']}", details={"errors": problems}),
            CLOSE_POLICY,
        ) from exc


def _create_task(
    state: AppState,
    principal: Principal,
    request: GenerateRequest,
    chunk_s: float,
    send_chunks: bool,
) -> StreamJob:
    reserved = 0
    owner = secrets.token_hex(16)
    try:
        model, params = validate_generation(state, request)
        # Drawn here when not given, so that the task records the seed that made its audio.
        seed = params.seed if params.seed is not None else secrets.randbelow(2**32)
        if send_chunks:
            info = state.generators.get(model).info
            frames = round(params.duration_s * info.sample_rate)
            size = frames * info.channels * BYTES_PER_SAMPLE
            state.limits.reserve_bandwidth(state.db, principal, size)
            reserved = size
        with state.limits.account_lock(principal.account_id), state.db.session() as session:
            state.limits.check_concurrency(session, principal, 1)
            task = new_task(
                principal,
                model=model,
                duration_s=params.duration_s,
                fmt=request.format,
                kind="stream",
                params={
                    "prompt": params.prompt,
                    "temperature": params.temperature,
                    "top_k": params.top_k,
                    "top_p": params.top_p,
                    "seed": seed,
                    "loudness_lufs": params.loudness_lufs,
                },
            )
            # This connection runs it: it starts as processing, so no queue worker claims it,
            # and owned, so that only this connection records its outcome.
            lifecycle.begin(task, owner)
            session.add(task)
    except LimitExceededError as exc:
        state.limits.release_bandwidth(state.db, principal.account_id, reserved)
        raise Refused(with_retry_after(exc), CLOSE_TRY_LATER) from exc
    except MusicGenError as exc:
        state.limits.release_bandwidth(state.db, principal.account_id, reserved)
        raise Refused(exc, CLOSE_POLICY) from exc
    return StreamJob(
        task_id=task.id,
        principal=principal,
        model=model,
        prompt=params.prompt,
        duration_s=params.duration_s,
        temperature=params.temperature,
        top_k=params.top_k,
        top_p=params.top_p,
        seed=seed,
        loudness_lufs=params.loudness_lufs,
        format=request.format,
        chunk_s=chunk_s,
        reserved_bytes=reserved,
        owner=owner,
    )


async def _listen(websocket: WebSocket, run: StreamRun) -> None:
    """Read client messages: a cancel stops the generation, and so does leaving.

    Anything else (not JSON, another type, a frame too big) is ignored, so that a stray
    frame cannot end a stream the client still reads.
    """
    try:
        while True:
            try:
                message = await receive_message(websocket)
            except Refused:
                continue
            if isinstance(message, dict) and message.get("type") == "cancel":
                run.stop.set()
    except (WebSocketDisconnect, RuntimeError):
        run.stop.set()


async def _pump(websocket: WebSocket, run: StreamRun, send_chunks: bool) -> None:
    """Send the generating thread's messages in order until it is done."""
    channels = 1
    while True:
        kind, message = await run.queue.get()
        if kind == "error":
            await send_error(websocket, message, CLOSE_ERROR)
            return
        if kind == "started":
            channels = int(message["channels"])
        if kind == "audio_chunk" and not send_chunks:
            run.sent(kind)
            continue
        size = int(message["frames"]) * channels * BYTES_PER_SAMPLE if kind == "audio_chunk" else 0
        if run.sent_bytes + size > run.job.reserved_bytes:
            # More than the piece was announced to be: it must fit in the quota too.
            try:
                extra = run.sent_bytes + size - max(run.job.reserved_bytes, run.sent_bytes)
                await to_thread.run_sync(
                    run.state.limits.reserve_bandwidth, run.state.db, run.job.principal, extra
                )
            except LimitExceededError as exc:
                run.stop.set()
                await send_error(websocket, with_retry_after(exc), CLOSE_TRY_LATER)
                return
        try:
            await asyncio.wait_for(websocket.send_json(message), SEND_TIMEOUT_S)
        except TimeoutError:
            run.cut_slow_reader(SEND_TIMEOUT_S)  # recorded as CANCELLED, reason slow_reader
            return
        except (WebSocketDisconnect, RuntimeError, OSError):
            run.stop.set()  # gone: the generation stops at its next chunk
            return
        run.sent_bytes += size
        run.sent(kind)
        if kind in ("completed", "cancelled"):
            with contextlib.suppress(Exception):
                await websocket.close(CLOSE_NORMAL)
            return
