"""The states of a task: what the ``status`` column holds and what the API reports.

::

    queued ──claim──▶ processing ──finish──▶ completed
      │  ▲                │ │ └────fail────▶ failed
      │  └─requeue/recover┘ └────cancel───▶ cancelled
      └──────────────────cancel───────────▶ cancelled

The transitions are functions in :mod:`music_gen.service.lifecycle`; this module holds only
the names, so that the table definitions can use them without importing the transitions.
"""

from __future__ import annotations

from enum import StrEnum


class TaskState(StrEnum):
    """Where a task is in its life; the values are the strings stored and sent."""

    #: Accepted, waiting for a worker.
    QUEUED = "queued"
    #: A worker (or a WebSocket stream) is generating it.
    PROCESSING = "processing"
    #: Audio stored; the result names the files.
    COMPLETED = "completed"
    #: Generation failed; the error says why.
    FAILED = "failed"
    #: Stopped on request (or a slow stream reader) before it completed.
    CANCELLED = "cancelled"


#: States a task can still leave (they count against the concurrency limit).
ACTIVE: frozenset[TaskState] = frozenset({TaskState.QUEUED, TaskState.PROCESSING})
#: Final states: nothing changes a task's status once it is in one of these.
TERMINAL: frozenset[TaskState] = frozenset(
    {TaskState.COMPLETED, TaskState.FAILED, TaskState.CANCELLED}
)

__all__ = ["ACTIVE", "TERMINAL", "TaskState"]
