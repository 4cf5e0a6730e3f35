"""``/audio/{file_id}``: download generated audio in any format, with HTTP Range support.

Only bytes actually sent count against the monthly bandwidth quota (a Range response counts
its length; a download cut short counts what was sent; HEAD counts nothing). The bytes are
reserved before the first one is sent and what was not sent is given back, so parallel
requests cannot pass the quota together.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, Query, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from music_gen.audio import MIME_TYPES
from music_gen.service.auth import Principal
from music_gen.service.deps import CurrentAccount, DbSession, State
from music_gen.service.exceptions import RangeNotSatisfiableError, ResourceNotFoundError
from music_gen.service.models import AudioFile, Task
from music_gen.service.routes.common import AUTHED, responses
from music_gen.service.schemas import AudioFormat
from music_gen.service.state import AppState
from music_gen.service.storage import AudioStorage

router = APIRouter(prefix="/audio", tags=["audio"])

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024


@router.get(
    "/{file_id}",
    name="download_audio",
    response_class=Response,
    responses={
        200: {"content": {mime: {} for mime in MIME_TYPES.values()}, "description": "The audio"},
        206: {"description": "Part of the audio (Range request)"},
        **responses(400, 404, 416, *AUTHED),
    },
    summary="Download audio",
)
def download_audio(
    file_id: str,
    request: Request,
    principal: CurrentAccount,
    state: State,
    session: DbSession,
    format: Annotated[
        AudioFormat | None, Query(description="Convert to wav, flac, ogg or mp3.")
    ] = None,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
) -> Response:
    """The audio file, converted to ``format`` when asked (conversions are cached).

    HEAD gives the same headers (size, type, file name) without the body.
    """
    row = session.get(AudioFile, file_id) if AudioStorage.is_valid_id(file_id) else None
    if row is None or row.account_id != principal.account_id:
        raise ResourceNotFoundError(f"No audio file {file_id!r}")
    fmt = format or row.format
    path = state.storage.get(row.id, row.format, fmt)
    size = path.stat().st_size
    span = _parse_range(range_header, size)
    start, end = span if span is not None else (0, size - 1)
    length = end - start + 1
    task = session.get(Task, row.task_id)
    stem = f"musicgen-{(task.id if task else row.id)[:8]}"
    label = re.sub(r"[^A-Za-z0-9_-]+", "_", row.label)[:50]
    filename = f"{stem}.{fmt}" if label == "audio" else f"{stem}-{label}.{fmt}"
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(length),
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, max-age=3600",
    }
    if span is not None:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    session.commit()
    reserved = 0 if request.method == "HEAD" else length
    state.limits.reserve_bandwidth(state.db, principal, reserved)
    return MeteredFileResponse(
        path,
        start=start,
        length=length,
        status_code=206 if span is not None else 200,
        media_type=MIME_TYPES[fmt],
        headers=headers,
        state=state,
        principal=principal,
        reserved=reserved,
    )


router.add_api_route(
    "/{file_id}",
    download_audio,
    methods=["HEAD"],
    name="audio_headers",
    operation_id="audio_headers",
    response_class=Response,
    responses=responses(400, 404, 416, *AUTHED),
    summary="Audio headers (size, type, file name) without the body",
)


def _parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single ``bytes=`` range; None to send the whole file.

    A header that is not a single byte range is ignored (the whole file is sent, as HTTP
    allows); a well-formed range outside the file is 416.
    """
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":
        suffix = int(last)
        if suffix == 0:
            raise RangeNotSatisfiableError(header, size)
        return max(0, size - suffix), size - 1
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if start >= size or (last != "" and int(last) < start):
        raise RangeNotSatisfiableError(header, size)
    return start, end


class MeteredFileResponse(Response):
    """Streams a byte span of a file; gives back the reserved bandwidth it did not send."""

    def __init__(
        self,
        path: Path,
        *,
        start: int,
        length: int,
        status_code: int,
        media_type: str,
        headers: dict[str, str],
        state: AppState,
        principal: Principal,
        reserved: int,
    ) -> None:
        super().__init__(status_code=status_code, media_type=media_type, headers=headers)
        self.reserved = reserved
        self.path = path
        self.start = start
        self.length = length
        self.service = state
        self.principal = principal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        sent = 0
        try:
            if scope.get("method") == "HEAD":
                await send({"type": "http.response.body", "body": b""})
                return
            async with await anyio.open_file(self.path, "rb") as handle:
                await handle.seek(self.start)
                while sent < self.length:
                    chunk = await handle.read(min(_CHUNK, self.length - sent))
                    if not chunk:
                        break
                    more = sent + len(chunk) < self.length
                    await send({"type": "http.response.body", "body": chunk, "more_body": more})
                    sent += len(chunk)
            if sent < self.length:  # the file shrank underneath us: end the body cleanly
                await send({"type": "http.response.body", "body": b""})
        finally:
            # What was sent stays counted (and is what the metrics count); the rest goes back.
            self.service.metrics.quota_bytes.inc(min(sent, self.reserved))
            if sent < self.reserved:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(self._give_back, self.reserved - sent)

    def _give_back(self, unsent: int) -> None:
        self.service.limits.release_bandwidth(self.service.db, self.principal.account_id, unsent)
