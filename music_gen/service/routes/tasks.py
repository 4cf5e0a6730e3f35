"""``/tasks``: the account's history of tasks (paged, newest first), their notes, deletion."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import and_, or_, select
from starlette.responses import Response

from music_gen.errors import InvalidParameterError
from music_gen.service.deps import CurrentAccount, DbSession, State
from music_gen.service.exceptions import ResourceNotFoundError
from music_gen.service.models import Task
from music_gen.service.routes.common import (
    AUTHED,
    owned_task,
    remove_task,
    responses,
    task_view,
)
from music_gen.service.schemas import TaskPage, TaskSummary
from music_gen.service.states import TaskState

router = APIRouter(prefix="/tasks", tags=["tasks"])

#: Tasks per page when the caller does not say, and the most one page holds.
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 20, 100


@router.get(
    "",
    response_model=TaskPage,
    responses=responses(400, *AUTHED),
    summary="The account's tasks, newest first",
)
def list_tasks(
    request: Request,
    principal: CurrentAccount,
    session: DbSession,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Tasks per page.")
    ] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[
        str | None,
        Query(max_length=200, description="``next_cursor`` of the previous page."),
    ] = None,
) -> TaskPage:
    """One page of the calling account's own tasks (other accounts' tasks never appear).

    Pages are stable while new tasks arrive: the cursor marks where the previous page ended.
    """
    query = select(Task).where(Task.account_id == principal.account_id)
    if cursor is not None:
        created_at, task_id = _decode_cursor(cursor)
        query = query.where(
            or_(
                Task.created_at < created_at,
                and_(Task.created_at == created_at, Task.id < task_id),
            )
        )
    rows = session.scalars(
        query.order_by(Task.created_at.desc(), Task.id.desc()).limit(limit + 1)
    ).all()
    page = rows[:limit]
    items = [_summary(request, session, task) for task in page]
    next_cursor = _encode_cursor(page[-1]) if len(rows) > limit else None
    session.commit()
    return TaskPage(tasks=items, next_cursor=next_cursor)


@router.delete(
    "/{task_id}",
    status_code=204,
    response_class=Response,
    responses=responses(404, *AUTHED),
    summary="Delete a task and its files",
)
def delete_task(task_id: str, principal: CurrentAccount, state: State, session: DbSession) -> None:
    """Forget a task: its audio, its MIDI and its record. A running task is cancelled first."""
    remove_task(state, session, owned_task(session, principal, task_id))


@router.get(
    "/{task_id}/midi",
    name="download_midi",
    response_class=Response,
    responses={
        200: {"content": {"audio/midi": {}}, "description": "A Standard MIDI File"},
        **responses(404, *AUTHED),
    },
    summary="Download a piece's notes",
)
def download_midi(
    task_id: str, principal: CurrentAccount, state: State, session: DbSession
) -> Response:
    """The completed piece's notes, one track per part (note-based engines such as the composer).

    404 when the task is not completed or its engine wrote no notes.
    """
    task = owned_task(session, principal, task_id)
    midi_id = (task.result or {}).get("midi") if task.status == TaskState.COMPLETED else None
    session.commit()
    path = state.storage.midi_path(midi_id) if midi_id else None
    if path is None or not path.is_file():
        raise ResourceNotFoundError(
            f"Task {task_id!r} has no MIDI: only completed pieces of note-based engines "
            "(the composer) have notes",
            details={"task_id": task_id},
        )
    return Response(
        path.read_bytes(),
        media_type="audio/midi",
        headers={
            "Content-Disposition": f'attachment; filename="musicgen-{task.id[:8]}.mid"',
            "Cache-Control": "private, max-age=3600",
        },
    )


def _summary(request: Request, session: DbSession, task: Task) -> TaskSummary:
    params = task.params or {}
    instruments = params.get("instruments")
    return TaskSummary(
        **task_view(request, session, task).model_dump(),
        kind=task.kind,  # type: ignore[arg-type]
        prompt=params.get("prompt"),
        instruments=dict(instruments) if isinstance(instruments, dict) else None,
        seed=params.get("seed"),
    )


def _encode_cursor(task: Task) -> str:
    raw = f"{task.created_at.isoformat()}|{task.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, task_id = raw.split("|", 1)
        return datetime.fromisoformat(stamp), task_id
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidParameterError(
            "cursor is not valid: pass the next_cursor of a previous page",
            details={"field": "cursor"},
        ) from exc
