"""The in-process job queue: worker threads that claim queued tasks from the database.

A worker claims a task with :func:`music_gen.service.lifecycle.claim` (one atomic
``UPDATE ... WHERE status='queued'``); only the worker whose update changed the row runs it,
so the same rows can be shared by several processes. On start, tasks left ``processing`` by a
process that died are recovered (:func:`music_gen.service.lifecycle.recover`): queued again,
or failed with a reason once they have been started ``max_attempts`` times.
"""

from __future__ import annotations

import logging
import threading

from music_gen.service import lifecycle
from music_gen.service.db import Database
from music_gen.service.jobs.batching import BatchGatherer, BatchPolicy
from music_gen.service.jobs.runner import TaskRunner
from music_gen.service.lifecycle import Recovered

log = logging.getLogger("music_gen.service.jobs")


class InProcessQueue:
    """A pool of worker threads in this process.

    Args:
        db: The database holding the tasks.
        runner: Runs a claimed task.
        workers: Number of worker threads.
        max_attempts: Starts after which an interrupted task is failed instead of re-queued.
        poll_interval_s: How often idle workers look for tasks nobody told them about.
        batch: How MusicGen tasks waiting together are batched (None: one at a time).
    """

    def __init__(
        self,
        db: Database,
        runner: TaskRunner,
        *,
        workers: int,
        max_attempts: int,
        poll_interval_s: float = 1.0,
        batch: BatchPolicy | None = None,
    ) -> None:
        self.db = db
        self.runner = runner
        self._size = workers
        self.max_attempts = max_attempts
        self.poll_interval_s = poll_interval_s
        self._threads: list[threading.Thread] = []
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        # Set by submit() so a worker that was busy when notified looks again before waiting.
        self._pending = False
        self.batcher = BatchGatherer(db, batch or BatchPolicy(), self._claim_id)

    @property
    def size(self) -> int:
        """Worker threads there should be."""
        return self._size

    def start(self) -> None:
        """Recover interrupted tasks, then start the workers."""
        self.recover()
        self._stopping.clear()
        self.runner.resume()
        for index in range(self._size):
            thread = threading.Thread(
                target=self._work, name=f"musicgen-worker-{index}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop claiming tasks; running ones stop at their next progress report and go back
        to the queue (without counting an attempt); wait up to ``timeout_s`` for that."""
        self._stopping.set()
        self.runner.shutdown()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout=timeout_s / max(1, len(self._threads)))
        self._threads = [t for t in self._threads if t.is_alive()]

    def pause(self) -> None:
        """Claim no new task; each worker stops once its running task has finished."""
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()

    def submit(self, task_id: str) -> None:
        """Wake a worker for a newly queued task."""
        with self._wake:
            self._pending = True
            self._wake.notify()

    def cancel(self, task_id: str) -> None:
        """Stop the task at its next progress report if a worker here runs it."""
        self.runner.request_cancel(task_id)

    def depth(self) -> int:
        """Tasks waiting to start."""
        return lifecycle.count_queued(self.db)

    def workers_alive(self) -> int:
        """Worker threads running."""
        return sum(1 for thread in self._threads if thread.is_alive())

    def recover(self) -> Recovered:
        """Deal with every task left ``processing``: this queue assumes it is the only
        worker of its database, so at start nothing of its own runs yet."""
        return lifecycle.recover(self.db, max_attempts=self.max_attempts)

    def _claim_id(self, task_id: str) -> bool:
        return lifecycle.claim(self.db, task_id) is not None

    def claim(self) -> str | None:
        """Atomically take the oldest queued task; None when there is none."""
        return lifecycle.claim_next(self.db)

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                task_id = self.claim()
            except Exception:
                log.exception("could not claim a task")
                task_id = None
            if task_id is None:
                with self._wake:
                    if not self._pending:
                        self._wake.wait(self.poll_interval_s)
                    self._pending = False
                continue
            try:
                mates = self.batcher.companions(task_id)
                if mates:
                    self.runner.run_batch([task_id, *mates])
                else:
                    self.runner.run(task_id)
            except Exception:
                # The database failed while recording the outcome: the task stays
                # "processing" and the next start recovers it; this worker carries on.
                log.exception("task %s could not be finished", task_id)
