"""The queue interface the routes use; an in-process pool and a distributed engine both fit."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from music_gen.service.lifecycle import Recovered


@runtime_checkable
class JobQueue(Protocol):
    """Where accepted tasks go to be run.

    Tasks are rows in the database (status ``queued``) before they reach the queue, so a
    queue only has to be told that work exists and to run it; it may be a thread pool in
    this process or workers elsewhere (Celery on Redis) that claim the same rows.
    """

    def start(self) -> None:
        """Start the workers and pick up tasks left over from a previous run."""

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop taking tasks; wait up to ``timeout_s`` for running ones to finish."""

    def pause(self) -> None:
        """Take no new task from now on; running ones carry on (a graceful drain)."""

    def recover(self) -> Recovered:
        """Recover tasks whose worker died (:func:`music_gen.service.lifecycle.recover`)."""

    def claim(self) -> str | None:
        """Take the oldest queued task for this process to run; None when there is none."""

    def submit(self, task_id: str) -> None:
        """Tell the workers that a queued task is waiting."""

    def cancel(self, task_id: str) -> None:
        """Ask the worker running ``task_id`` to stop at its next progress report."""

    def depth(self) -> int:
        """Tasks waiting to start."""

    def workers_alive(self) -> int:
        """Workers able to take a task now."""

    @property
    def size(self) -> int:
        """Workers there should be."""
