"""Helpers shared by the routes: documented errors, request checks, task views and ETAs."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import Request
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from music_gen.errors import ModelUnavailableError
from music_gen.params import GenerationParams
from music_gen.service import lifecycle
from music_gen.service.auth import Principal
from music_gen.service.exceptions import ResourceNotFoundError
from music_gen.service.models import AudioFile, Task
from music_gen.service.schemas import (
    ErrorEnvelope,
    GenerateRequest,
    TaskAccepted,
    TaskStatus,
    task_status,
)
from music_gen.service.state import AppState
from music_gen.service.states import ACTIVE, TaskState

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer."""
    text = {
        400: "Invalid input (INVALID_PROMPT, INVALID_PARAMETER)",
        401: "Missing, invalid or revoked API key (UNAUTHORIZED)",
        404: "No such resource for this account (NOT_FOUND, MODEL_NOT_FOUND)",
        416: "Range not satisfiable (RANGE_NOT_SATISFIABLE)",
        429: "Over a limit (RATE_LIMITED, CONCURRENCY_LIMIT, QUOTA_EXCEEDED)",
        503: "Not ready or model unavailable (MODEL_UNAVAILABLE)",
    }
    return {s: {"model": ErrorEnvelope, "description": text[s]} for s in statuses}


AUTHED = (401, 429)


def validate_generation(state: AppState, body: GenerateRequest) -> tuple[str, GenerationParams]:
    """Check a request with the library's rules; returns (model name, params).

    Raises:
        InvalidPromptError, InvalidParameterError: Same rules as MusicGenerator.generate.
        ModelResourceNotFoundError: Unknown model.
        ModelUnavailableError: The model cannot run on this server.
    """
    return validate_params(
        state,
        body.model,
        prompt=body.prompt,
        duration=body.duration,
        temperature=body.temperature,
        top_k=body.top_k,
        top_p=body.top_p,
        seed=body.seed,
        loudness_lufs=body.loudness_lufs,
    )


def validate_params(
    state: AppState, model: str | None, *, prompt: str, duration: float, **sampling: Any
) -> tuple[str, GenerationParams]:
    """Like :func:`validate_generation` for loose arguments.

    ``model`` is matched against the served models only (:class:`ModelCatalog`).
    """
    generator = state.generators.get(state.catalog.resolve(model))
    params = generator.make_params(prompt, duration, **sampling)
    require_available(state, generator.model)
    return generator.model, params


def require_available(state: AppState, model: str) -> None:
    """Raise ModelUnavailableError when a model cannot run here."""
    reason = state.availability(model)
    if reason is not None:
        raise ModelUnavailableError(
            f"Model {model!r} is not available on this server: {reason}",
            details={"model": model, "reason": reason},
        )


def new_task(
    principal: Principal,
    *,
    model: str,
    duration_s: float,
    fmt: str,
    params: dict[str, Any],
    kind: str = "generate",
    batch_id: str | None = None,
) -> Task:
    """A queued task row."""
    return Task(
        id=str(uuid.uuid4()),
        account_id=principal.account_id,
        batch_id=batch_id,
        kind=kind,
        status=TaskState.QUEUED,
        progress=0.0,
        model=model,
        duration_s=duration_s,
        format=fmt,
        params=params,
        attempts=0,
        cancel_requested=False,
    )


def queue_task(state: AppState, session: Session, principal: Principal, task: Task) -> TaskAccepted:
    """Store a new task within the account's concurrency limit, tell the queue, and answer.

    Raises:
        LimitExceededError: The account already runs as many tasks as its tier allows.
        ServiceUnavailableError: The queue cannot take the task (the task is marked failed).
    """
    with state.limits.account_lock(principal.account_id):
        state.limits.check_concurrency(session, principal, 1)
        session.add(task)
        session.commit()
    state.queue.submit(task.id)
    eta = eta_s(state, session, task.model, task.duration_s)
    session.commit()
    return TaskAccepted(task_id=task.id, status=TaskState.QUEUED, eta=eta)


def eta_s(state: AppState, session: Session, model: str, duration_s: float) -> float:
    """Seconds until a just-queued task of ``duration_s`` is done, from measured speed."""
    # One generator per model runs one generation at a time, so the work ahead is the
    # queued and running audio of the same model.
    ahead = session.scalar(
        select(func.coalesce(func.sum(Task.duration_s), 0.0)).where(
            Task.status.in_(ACTIVE), Task.model == model
        )
    )
    # The new task is already queued, so it is in the sum.
    eta = state.speed.eta_s(model, duration_s, max(0.0, float(ahead or 0.0) - duration_s))
    return round(eta, 2)


def is_uuid(value: str) -> bool:
    """Whether a path parameter can be a task or batch id (checked before any query)."""
    return _UUID.fullmatch(value) is not None


def owned_task(session: Session, principal: Principal, task_id: str) -> Task:
    """The account's task; another account's task is not found."""
    task = session.get(Task, task_id) if is_uuid(task_id) else None
    if task is None or task.account_id != principal.account_id:
        raise ResourceNotFoundError(f"No task {task_id!r}", details={"task_id": task_id})
    return task


def task_view(request: Request, session: Session, task: Task) -> TaskStatus:
    """The public view of a task, with absolute audio URLs when completed."""
    return task_status(
        task,
        file_url=lambda file_id: str(request.url_for("download_audio", file_id=file_id)),
        midi_url=lambda task_id: str(request.url_for("download_midi", task_id=task_id)),
    )


def remove_task(state: AppState, session: Session, task: Task) -> None:
    """Delete a task, its audio files and its MIDI; a queued or running one is cancelled.

    A running generation finds its task gone at its next progress report, stops and
    removes what it wrote. Afterwards the task and its audio URLs are 404.
    """
    running = lifecycle.cancel(session, task.id) == TaskState.PROCESSING
    files = session.scalars(select(AudioFile.id).where(AudioFile.task_id == task.id)).all()
    midi_id = (task.result or {}).get("midi")
    session.execute(delete(AudioFile).where(AudioFile.task_id == task.id))
    session.execute(delete(Task).where(Task.id == task.id))
    session.commit()
    if running:
        state.queue.cancel(task.id)
    for file_id in [*files, *([midi_id] if midi_id else [])]:
        state.storage.delete(file_id)
