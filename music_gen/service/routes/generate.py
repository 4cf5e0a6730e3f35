"""``/generate``: submit, poll, cancel and delete generation tasks, one at a time or in batches."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from music_gen.errors import InvalidParameterError, ServiceUnavailableError
from music_gen.service import lifecycle
from music_gen.service.deps import CurrentAccount, DbSession, State
from music_gen.service.exceptions import ResourceNotFoundError
from music_gen.service.models import Batch, Task
from music_gen.service.routes.common import (
    AUTHED,
    is_uuid,
    new_task,
    owned_task,
    queue_task,
    remove_task,
    responses,
    task_view,
    validate_generation,
)
from music_gen.service.schemas import (
    BatchAccepted,
    BatchRequest,
    BatchStatus,
    GenerateRequest,
    TaskAccepted,
    TaskStatus,
)
from music_gen.service.state import AppState
from music_gen.service.states import TaskState
from music_gen.service.webhooks import task_webhook

router = APIRouter(prefix="/generate", tags=["generate"])


def _task_params(
    body: GenerateRequest, seed: int | None, webhook: dict[str, object] | None = None
) -> dict[str, object]:
    params: dict[str, object] = {
        "prompt": body.prompt,
        "temperature": body.temperature,
        "top_k": body.top_k,
        "top_p": body.top_p,
        "seed": seed,
        "loudness_lufs": body.loudness_lufs,
    }
    if webhook:
        params["webhook"] = webhook
    return params


@router.post(
    "",
    status_code=202,
    response_model=TaskAccepted,
    responses=responses(400, 404, 503, *AUTHED),
    summary="Generate a piece",
)
def create_task(
    body: GenerateRequest, principal: CurrentAccount, state: State, session: DbSession
) -> TaskAccepted:
    """Queue one generation; poll ``GET /generate/{task_id}`` for the result."""
    model, params = validate_generation(state, body)
    webhook = task_webhook(
        session, state.settings, principal.account_id, body.webhook, body.webhook_events_filter
    )
    task = new_task(
        principal,
        model=model,
        duration_s=params.duration_s,
        fmt=body.format,
        params=_task_params(body, params.seed, webhook),
    )
    return queue_task(state, session, principal, task)


@router.post(
    "/batch",
    status_code=202,
    response_model=BatchAccepted,
    responses=responses(400, 404, 503, *AUTHED),
    summary="Generate several pieces",
)
def create_batch(
    body: BatchRequest, principal: CurrentAccount, state: State, session: DbSession
) -> BatchAccepted:
    """Queue up to MUSICGEN_BATCH_MAX_REQUESTS (16) generations; each becomes a task.

    Every request is checked before any is queued; the whole batch must fit in the
    account's concurrency limit.
    """
    limit = state.settings.batch_max_requests
    if len(body.requests) > limit:
        raise InvalidParameterError(
            f"A batch holds at most {limit} requests, got {len(body.requests)}",
            details={"field": "requests", "max": limit, "count": len(body.requests)},
        )
    checked = []
    webhooks = []
    for index, request in enumerate(body.requests):
        try:
            checked.append(validate_generation(state, request))
            own = request.webhook is not None
            webhooks.append(
                task_webhook(
                    session,
                    state.settings,
                    principal.account_id,
                    request.webhook if own else body.webhook,
                    request.webhook_events_filter if own else body.webhook_events_filter,
                )
            )
        except InvalidParameterError as exc:
            exc.details["index"] = index
            raise
    batch = Batch(id=str(uuid.uuid4()), account_id=principal.account_id)
    with state.limits.account_lock(principal.account_id):
        state.limits.check_concurrency(session, principal, len(checked))
        session.add(batch)
        tasks = [
            new_task(
                principal,
                model=model,
                duration_s=params.duration_s,
                fmt=request.format,
                params=_task_params(request, params.seed, webhook),
                batch_id=batch.id,
            )
            for request, (model, params), webhook in zip(
                body.requests, checked, webhooks, strict=True
            )
        ]
        session.add_all(tasks)
        session.commit()
    failure: ServiceUnavailableError | None = None
    for task in tasks:
        try:
            state.queue.submit(task.id)
        except ServiceUnavailableError as exc:  # each task is marked failed; go on so none waits
            failure = failure or exc
    if failure is not None:
        raise failure
    return BatchAccepted(batch_id=batch.id, task_ids=[t.id for t in tasks], status=TaskState.QUEUED)


@router.get(
    "/batch/{batch_id}",
    response_model=BatchStatus,
    responses=responses(404, *AUTHED),
    summary="A batch's status",
)
def get_batch(
    batch_id: str, request: Request, principal: CurrentAccount, session: DbSession
) -> BatchStatus:
    """Aggregate status and every task of a batch."""
    batch = session.get(Batch, batch_id) if is_uuid(batch_id) else None
    if batch is None or batch.account_id != principal.account_id:
        raise ResourceNotFoundError(f"No batch {batch_id!r}")
    tasks = session.scalars(
        select(Task).where(Task.batch_id == batch_id).order_by(Task.created_at, Task.id)
    ).all()
    views = [task_view(request, session, task) for task in tasks]
    counts: dict[str, int] = {state.value: 0 for state in TaskState}
    for view in views:
        counts[view.status] += 1
    session.commit()
    return BatchStatus(batch_id=batch_id, status=_aggregate(counts), counts=counts, tasks=views)


@router.get(
    "/{task_id}",
    response_model=TaskStatus,
    responses=responses(404, *AUTHED),
    summary="A task's status and result",
)
def get_task(
    task_id: str, request: Request, principal: CurrentAccount, session: DbSession
) -> TaskStatus:
    """Status, progress and, when completed, the audio URL of a task."""
    view = task_view(request, session, owned_task(session, principal, task_id))
    session.commit()
    return view


@router.post(
    "/{task_id}/cancel",
    response_model=TaskStatus,
    responses=responses(404, *AUTHED),
    summary="Cancel a task",
)
def cancel_task(
    task_id: str, request: Request, principal: CurrentAccount, state: State, session: DbSession
) -> TaskStatus:
    """Cancel a queued task at once, or a running one at its next progress report.

    A finished task is returned unchanged.
    """
    task = owned_task(session, principal, task_id)
    _cancel(state, session, task.id)
    session.refresh(task)
    view = task_view(request, session, task)
    session.commit()
    return view


@router.delete(
    "/{task_id}",
    status_code=204,
    response_class=Response,
    responses=responses(404, *AUTHED),
    summary="Delete a task and its audio",
)
def delete_task(
    task_id: str, principal: CurrentAccount, state: State, session: DbSession
) -> Response:
    """Remove a task and its audio files; afterwards the task and its audio URLs are 404.

    A queued or running task is cancelled first (a running generation stops at its next
    progress report). To stop a task and keep it, ``POST /generate/{task_id}/cancel``.
    """
    remove_task(state, session, owned_task(session, principal, task_id))
    return Response(status_code=204)


def _cancel(state: AppState, session: Session, task_id: str) -> None:
    """Cancel a queued task now, ask a running one to stop; a finished one is left alone."""
    outcome = lifecycle.cancel(session, task_id)
    session.commit()
    if outcome == TaskState.PROCESSING:
        state.queue.cancel(task_id)
    if outcome == TaskState.CANCELLED:
        state.webhook_events.emit(task_id, "completed")


def _aggregate(counts: dict[str, int]) -> TaskState:
    queued, total = counts[TaskState.QUEUED], sum(counts.values())
    if counts[TaskState.PROCESSING] or (queued and total > queued):
        return TaskState.PROCESSING
    if queued:
        return TaskState.QUEUED
    if counts[TaskState.COMPLETED] == total:
        return TaskState.COMPLETED
    if counts[TaskState.FAILED]:
        return TaskState.FAILED
    return TaskState.CANCELLED
