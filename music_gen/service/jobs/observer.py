"""What a task's life looks like from outside: the hooks the runner calls as it goes.

Webhooks, metrics and logs each implement :class:`TaskObserver`; the runner calls them
through :class:`Observers`, which never lets a failing observer fail the generation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("music_gen.service.jobs")


@dataclass(frozen=True)
class TaskOutcome:
    """How a task ended (``queued`` when a graceful stop handed it back)."""

    task_id: str
    account_id: str
    model: str
    # completed, failed, cancelled or queued.
    status: str
    # The request as stored (prompt, sampling parameters, webhook...).
    params: dict[str, Any]
    # Seconds the engine took and seconds of audio made (completed tasks).
    engine_s: float | None = None
    audio_s: float | None = None


class TaskObserver(Protocol):
    """Something told when tasks start, progress and end."""

    def started(self, task_id: str, model: str, params: dict[str, Any]) -> None:
        """A worker began generating ``task_id``."""

    def progress(self, task_id: str, params: dict[str, Any], fraction: float) -> None:
        """The task reported ``fraction`` (0..1) done."""

    def finished(self, outcome: TaskOutcome) -> None:
        """The task reached a final status (or went back to the queue)."""


class Observers:
    """Several observers behind one; an observer that raises is logged and skipped."""

    def __init__(self, observers: Iterable[TaskObserver] = ()) -> None:
        self.observers = list(observers)

    def add(self, observer: TaskObserver) -> None:
        """Tell ``observer`` too from now on."""
        self.observers.append(observer)

    def started(self, task_id: str, model: str, params: dict[str, Any]) -> None:
        """Call every observer's ``started``."""
        for observer in self.observers:
            try:
                observer.started(task_id, model, params)
            except Exception:
                log.exception("task observer failed on start of %s", task_id)

    def progress(self, task_id: str, params: dict[str, Any], fraction: float) -> None:
        """Call every observer's ``progress``."""
        for observer in self.observers:
            try:
                observer.progress(task_id, params, fraction)
            except Exception:
                log.exception("task observer failed on progress of %s", task_id)

    def finished(self, outcome: TaskOutcome) -> None:
        """Call every observer's ``finished``."""
        for observer in self.observers:
            try:
                observer.finished(outcome)
            except Exception:
                log.exception("task observer failed on end of %s", outcome.task_id)
