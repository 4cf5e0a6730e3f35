"""Every change of a task's state, each one conditional on the state it leaves.

The in-process queue, Celery workers, batches, the graceful drain and WebSocket streams all
move tasks through these functions (the states and the diagram are in
:mod:`music_gen.service.states`). Each transition is one ``UPDATE ... WHERE status IN
(allowed)``, so two processes racing for a task never both win: only the one whose update
changed the row goes on. A task claimed with an owner token records its outcome only while
it still has that owner, so a worker presumed dead whose task ran elsewhere writes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from music_gen.errors import ErrorCode
from music_gen.service.db import Database
from music_gen.service.models import AudioFile, Task, utcnow
from music_gen.service.states import TERMINAL, TaskState

log = logging.getLogger("music_gen.service.jobs")

#: Queued tasks looked at per :func:`claim_next` (the oldest first).
CLAIM_CANDIDATES = 8


def begin(task: Task, owner: str) -> None:
    """Make a new task row start as ``processing``, run by whoever holds ``owner``.

    A WebSocket stream runs its task itself: no queue worker may claim it, and only the
    stream's connection records its outcome.
    """
    task.status = TaskState.PROCESSING
    task.owner = owner
    task.attempts = 1
    task.started_at = utcnow()


def claim(db: Database, task_id: str, *, owner: str | None = None) -> int | None:
    """Take a queued task (``queued`` → ``processing``); returns its attempt number.

    Args:
        owner: The claimer's token; only it may record the outcome (None: anyone).

    Returns:
        The attempt this start is (1 for the first), None when the task was not queued.
    """
    now = utcnow()
    with db.session() as session:
        claimed = _changed(
            session,
            _where(task_id, TaskState.QUEUED),
            status=TaskState.PROCESSING,
            attempts=Task.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            progress=0.0,
            owner=owner,
        )
        if not claimed:
            return None
        return int(session.scalar(select(Task.attempts).where(Task.id == task_id)) or 0)


def claim_next(db: Database, *, owner: str | None = None) -> str | None:
    """Take the oldest queued task; None when there is none (or others took them all)."""
    with db.session() as session:
        candidates = session.scalars(
            select(Task.id)
            .where(Task.status == TaskState.QUEUED)
            .order_by(Task.created_at, Task.id)
            .limit(CLAIM_CANDIDATES)
        ).all()
    for task_id in candidates:
        if claim(db, task_id, owner=owner) is not None:
            return task_id
    return None


def count_queued(db: Database) -> int:
    """Tasks waiting to be claimed (a queue's depth, whichever queue runs them)."""
    with db.session() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Task).where(Task.status == TaskState.QUEUED)
            )
            or 0
        )


#: Seconds between progress writes (and cancellation checks in the database) of a running
#: task or batch.
PROGRESS_INTERVAL_S = 0.25


def report_progress(db: Database, task_id: str, fraction: float) -> bool:
    """Store a running task's progress; returns whether it should stop.

    It should stop when a cancel was asked for (through the API, maybe on another server)
    or the task was deleted.
    """
    with db.session() as session:
        session.execute(
            update(Task)
            .where(*_where(task_id, TaskState.PROCESSING))
            .values(progress=round(min(max(fraction, 0.0), 0.99), 4))
        )
        flag = session.scalar(select(Task.cancel_requested).where(Task.id == task_id))
    return flag is None or bool(flag)


def report_batch_progress(db: Database, task_ids: Sequence[str], fraction: float) -> set[str]:
    """Store the progress of running tasks generated together, in one transaction.

    As :func:`report_progress` for each task, with one commit for the whole batch (a commit
    per task and report costs more than a tiny batch takes to generate).

    Returns:
        The tasks that should stop (cancel asked for, or deleted).
    """
    if not task_ids:
        return set()
    with db.session() as session:
        session.execute(
            update(Task)
            .where(Task.id.in_(task_ids), Task.status == TaskState.PROCESSING)
            .values(progress=round(min(max(fraction, 0.0), 0.99), 4))
        )
        rows = session.execute(
            select(Task.id, Task.cancel_requested).where(Task.id.in_(task_ids))
        ).all()
        flags = {task_id: flag for task_id, flag in rows}
    return {task_id for task_id in task_ids if flags.get(task_id, True)}


def finish(
    db: Database,
    task_id: str,
    state: TaskState,
    *,
    result: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
    files: Sequence[AudioFile] = (),
    owner: str | None = None,
) -> str | None:
    """Record how a running task ended (``processing`` → completed, failed or cancelled).

    Args:
        state: The final state.
        result: What a completed task produced (stored as JSON).
        error: Why it failed or was cancelled (stored as JSON).
        files: Rows of the audio files it wrote, added with the status in one transaction,
            so a completed task never lacks its audio.
        owner: The token it was claimed with; nothing is written when it has another.

    Returns:
        The task's account id when the outcome was recorded; None when the task was no
        longer running for this owner (cancelled and deleted, or taken over elsewhere).
    """
    if state not in TERMINAL:
        raise ValueError(f"A task ends in one of {sorted(TERMINAL)}, not {state!r}")
    values: dict[str, Any] = {"status": state, "finished_at": utcnow()}
    if state == TaskState.COMPLETED:
        values.update(progress=1.0, result=jsonable(result))
    if error is not None:
        values["error"] = jsonable(error)
    with db.session() as session:
        if not _changed(session, _where(task_id, TaskState.PROCESSING, owner=owner), **values):
            return None
        account_id = session.scalar(select(Task.account_id).where(Task.id == task_id)) or ""
        for row in files:
            row.task_id = task_id
            row.account_id = account_id
            session.add(row)
    return account_id


def fail_unsent(db: Database, task_id: str, error: dict[str, Any]) -> bool:
    """Fail a queued task whose message never reached the workers (``queued`` → failed)."""
    with db.session() as session:
        return _changed(
            session,
            _where(task_id, TaskState.QUEUED),
            status=TaskState.FAILED,
            error=jsonable(error),
            finished_at=utcnow(),
        )


def cancel(session: Session, task_id: str) -> TaskState | None:
    """Cancel a task on request, in the caller's transaction.

    A queued task is ``cancelled`` at once; a running one is only flagged and stops at its
    next progress report (its runner records ``cancelled``); a finished one is left alone.

    Returns:
        ``CANCELLED`` when it was cancelled now, ``PROCESSING`` when the running task was
        asked to stop, None when it had already finished.
    """
    if _changed(
        session,
        _where(task_id, TaskState.QUEUED),
        status=TaskState.CANCELLED,
        cancel_requested=True,
    ):
        return TaskState.CANCELLED
    if _changed(session, _where(task_id, TaskState.PROCESSING), cancel_requested=True):
        return TaskState.PROCESSING
    return None


def requeue(db: Database, task_id: str) -> bool:
    """Hand a running task back to the queue (``processing`` → ``queued``).

    For a graceful stop (a drain, a redeploy): the interrupted start does not count as an
    attempt, so the task's chances are not used up by deployments.
    """
    attempts_left = (func.max if db.is_sqlite else func.greatest)(Task.attempts - 1, 0)
    with db.session() as session:
        return _changed(
            session,
            _where(task_id, TaskState.PROCESSING),
            status=TaskState.QUEUED,
            progress=0.0,
            started_at=None,
            attempts=attempts_left,
        )


@dataclass(frozen=True)
class Recovered:
    """What :func:`recover` did."""

    # Tasks put back in the queue (to be announced to the workers again).
    requeued: list[str]
    # Tasks failed because they had been started max_attempts times.
    failed: int
    # Tasks whose cancel was asked for while their worker died.
    cancelled: int


def recover(db: Database, *, max_attempts: int, stale_after_s: float | None = None) -> Recovered:
    """Deal with running tasks whose worker died (``processing`` → queued, failed, cancelled).

    Cancelled ones end ``cancelled``, those started ``max_attempts`` times fail with a
    reason, the rest go back to ``queued``.

    Args:
        max_attempts: Starts after which a task is failed instead of queued again.
        stale_after_s: Only tasks whose heartbeat is older than this are touched (workers
            elsewhere may be alive); None for every running task (the only worker is
            starting, so nothing of its own runs yet).
    """
    running: list[ColumnElement[bool]] = [Task.status == TaskState.PROCESSING]
    if stale_after_s is not None:
        cutoff = utcnow() - timedelta(seconds=stale_after_s)
        beat = func.coalesce(Task.heartbeat_at, Task.started_at)
        running.append(or_(beat.is_(None), beat < cutoff))
    now = utcnow()
    requeued: list[str] = []
    failed = cancelled = 0
    with db.session() as session:
        rows = session.execute(
            select(Task.id, Task.cancel_requested, Task.attempts).where(*running)
        ).all()
        for row in rows:
            mine = [Task.id == row.id, *running]
            if row.cancel_requested:
                cancelled += _changed(session, mine, status=TaskState.CANCELLED, finished_at=now)
            elif row.attempts >= max_attempts:
                failed += _changed(
                    session,
                    mine,
                    status=TaskState.FAILED,
                    finished_at=now,
                    error={
                        "code": ErrorCode.INTERNAL,
                        "message": (
                            f"Generation was interrupted {max_attempts} times (the process "
                            "running it stopped while it ran); giving up"
                        ),
                        "details": {"attempts": max_attempts},
                    },
                )
            elif _changed(
                session,
                mine,
                status=TaskState.QUEUED,
                progress=0.0,
                started_at=None,
                owner=None,
            ):
                requeued.append(row.id)
    if rows:
        log.warning(
            "recovered interrupted tasks: %d re-queued, %d failed, %d cancelled",
            len(requeued),
            failed,
            cancelled,
        )
    return Recovered(requeued=requeued, failed=failed, cancelled=cancelled)


def heartbeat(db: Database, task_ids: Iterable[str]) -> None:
    """Write ``heartbeat_at`` on the running tasks among ``task_ids`` (they are alive)."""
    ids = list(task_ids)
    if not ids:
        return
    with db.session() as session:
        session.execute(
            update(Task)
            .where(Task.id.in_(ids), Task.status == TaskState.PROCESSING)
            .values(heartbeat_at=utcnow())
        )


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types: numpy scalars become numbers, arrays lists, the rest
    (paths, ...) strings. Engines put such values in metadata and error details."""
    return json.loads(json.dumps(value, default=_plain))


def _plain(value: Any) -> Any:
    # tolist() turns numpy (and torch) scalars into numbers and arrays into lists.
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _where(
    task_id: str, state: TaskState, *, owner: str | None = None
) -> list[ColumnElement[bool]]:
    """The task, while it is in ``state`` (and has ``owner``, when one is given)."""
    conditions = [Task.id == task_id, Task.status == state]
    if owner is not None:
        conditions.append(Task.owner == owner)
    return conditions


def _changed(session: Session, where: Sequence[ColumnElement[bool]], **values: Any) -> bool:
    """Apply ``values`` to the task matching ``where``; whether a row changed."""
    result = session.execute(update(Task).where(*where).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


__all__ = [
    "Recovered",
    "begin",
    "cancel",
    "claim",
    "claim_next",
    "fail_unsent",
    "finish",
    "heartbeat",
    "jsonable",
    "recover",
    "report_progress",
    "requeue",
]
