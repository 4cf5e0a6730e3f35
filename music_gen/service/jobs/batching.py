"""Batched MusicGen workers: tasks waiting together are generated as one padded batch.

A worker that has claimed a MusicGen task looks for queued tasks of the same model, kind and
sampling settings (temperature, top-k, top-p) and claims up to ``batch_max - 1`` of them with
the same atomic claim every queue uses (:func:`music_gen.service.lifecycle.claim`). The runner then
generates them as one padded batch in which every task keeps its own prompt, duration and seed
(the engine draws each piece from its own generator, so a task's audio is the same whether it
ran alone or batched), and records each task's outcome separately: one cancelled task does not
stop its batch-mates.

When the first look finds batch-mates, a burst is arriving: the worker keeps looking for up to
``batch_wait_ms`` until the batch is full. When it finds none, the task runs at once, so a lone
task pays one query, not the wait. Under steady load nothing is lost by this: tasks arriving
while a batch generates are queued together by the time the worker looks again.

The in-process queue and Celery workers both call :meth:`BatchGatherer.companions` right after
claiming a task; a Celery message for a task that was claimed this way finds it taken and is
skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from music_gen.engines.registry import resolve
from music_gen.errors import GenerationCancelledError, MusicGenError
from music_gen.service.db import Database
from music_gen.service.lifecycle import PROGRESS_INTERVAL_S
from music_gen.service.models import Task
from music_gen.service.states import TaskState

#: Seconds between looks for batch-mates while a worker waits.
POLL_INTERVAL_S = 0.005
#: Engines whose generate_batch runs pieces as one padded batch.
BATCHED_ENGINES = ("musicgen",)


@dataclass(frozen=True)
class BatchPolicy:
    """How workers form batches."""

    # Most tasks in one batch; 1 turns batching off.
    max_size: int = 1
    # Longest a worker holding a task waits for batch-mates, in seconds.
    wait_s: float = 0.0

    @classmethod
    def from_settings(cls, settings: Any) -> BatchPolicy:
        """The policy of ``MUSICGEN_BATCH_MAX`` and ``MUSICGEN_BATCH_WAIT_MS``."""
        return cls(max_size=settings.batch_max, wait_s=settings.batch_wait_ms / 1000.0)


def batch_key(kind: str, model: str, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """What tasks must share to run in one batch; None for tasks that always run alone."""
    if kind != "generate":
        return None
    try:
        spec = resolve(model)
    except MusicGenError:
        return None
    if spec.engine not in BATCHED_ENGINES:
        return None
    return (spec.name, params.get("temperature"), params.get("top_k"), params.get("top_p"))


class BatchGatherer:
    """Finds and claims batch-mates for a task a worker has just claimed.

    Args:
        db: The database holding the tasks.
        policy: Batch size and wait.
        claim: Atomically takes a queued task by id; True when this worker got it. May be
            given to each :meth:`companions` call instead (a claim that carries an owner).
    """

    def __init__(
        self,
        db: Database,
        policy: BatchPolicy,
        claim: Callable[[str], bool] | None = None,
    ) -> None:
        self.db = db
        self.policy = policy
        self.claim = claim

    def companions(self, task_id: str, *, claim: Callable[[str], bool] | None = None) -> list[str]:
        """Claim up to ``max_size - 1`` queued tasks that can share ``task_id``'s batch.

        When the first look finds some, waits up to the policy's ``wait_s`` for the batch to
        fill; returns at once when it finds none, the task cannot be batched or batching is off.

        Args:
            task_id: The task this worker has claimed.
            claim: How to take a batch-mate for this call (default: the one given at
                construction), e.g. with the owner token ``task_id`` was claimed with.
        """
        take = claim or self.claim
        if take is None:
            raise TypeError("BatchGatherer.companions needs a claim function")
        if self.policy.max_size <= 1:
            return []
        with self.db.session() as session:
            task = session.get(Task, task_id)
            if task is None:
                return []
            kind, key = task.kind, batch_key(task.kind, task.model, task.params)
        if key is None:
            return []
        wanted = self.policy.max_size - 1
        deadline = time.monotonic() + self.policy.wait_s
        found: list[str] = []
        while True:
            for candidate in self._candidates(kind, key, wanted - len(found)):
                if take(candidate):
                    found.append(candidate)
            left_s = deadline - time.monotonic()
            if not found or len(found) >= wanted or left_s <= 0:
                return found
            time.sleep(min(POLL_INTERVAL_S, left_s))

    def _candidates(self, kind: str, key: tuple[Any, ...], wanted: int) -> list[str]:
        if wanted <= 0:
            return []
        with self.db.session() as session:
            rows = session.execute(
                select(Task.id, Task.model, Task.params)
                .where(Task.status == TaskState.QUEUED, Task.kind == kind)
                .order_by(Task.created_at, Task.id)
                .limit(8 * self.policy.max_size)
            ).all()
        matching = [row.id for row in rows if batch_key(kind, row.model, row.params) == key]
        return matching[:wanted]


class BatchProgress:
    """The progress callback of a whole batch: reports to every task's own callback.

    A task whose callback raises (cancelled, or the server stopping) is dropped from the
    reports and its exception kept in :attr:`stopped`; the batch carries on for the others
    and stops only when every task has stopped.

    Args:
        callbacks: Task id -> that task's progress callback.
        report: Stores the progress of the tasks still running, all at once (called at most
            every ``interval_s``, before the callbacks): one write per batch, not per task.
        interval_s: Seconds between ``report`` calls.
    """

    def __init__(
        self,
        callbacks: Mapping[str, Callable[[float], None]],
        *,
        report: Callable[[list[str], float], None] | None = None,
        interval_s: float = PROGRESS_INTERVAL_S,
    ) -> None:
        self.callbacks = dict(callbacks)
        self.report = report
        self.interval_s = interval_s
        self._last: float | None = None
        #: Task id -> why it stopped.
        self.stopped: dict[str, GenerationCancelledError] = {}

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if self.report is not None and (self._last is None or now - self._last >= self.interval_s):
            self._last = now
            self.report([t for t in self.callbacks if t not in self.stopped], fraction)
        for task_id, callback in self.callbacks.items():
            if task_id in self.stopped:
                continue
            try:
                callback(fraction)
            except GenerationCancelledError as exc:
                self.stopped[task_id] = exc
        if len(self.stopped) == len(self.callbacks):
            raise next(iter(self.stopped.values()))
