"""Per-account signing secrets, and task events turned into stored webhook deliveries.

A task submitted with ``webhook`` (and optionally ``webhook_events_filter``, Replicate's
shape) gets one delivery per event it asked for:

* ``start``: a worker began generating it;
* ``progress``: it passed a quarter, a half and three quarters;
* ``completed``: it reached a final status (completed, failed or cancelled).

Each delivery is a row written in the task's path (one insert); the
:class:`~music_gen.service.webhooks.sender.WebhookSender` sends it later, so a slow or dead
receiver never holds up a generation. The body follows Standard Webhooks:
``{"type": "task.<event>", "timestamp", "data": <the task as GET /generate/{id} shows it>}``.
"""

from __future__ import annotations

import base64
import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from music_gen.errors import InvalidParameterError
from music_gen.service.jobs.observer import TaskOutcome
from music_gen.service.models import Task, WebhookDelivery, WebhookSecret, utcnow
from music_gen.service.schemas import task_status
from music_gen.service.settings import Settings
from music_gen.service.states import TERMINAL
from music_gen.service.webhooks.targets import check_webhook_url

log = logging.getLogger("music_gen.service.webhooks")

#: Events a task can send, in the order they happen.
EVENTS: tuple[str, ...] = ("start", "progress", "completed")
#: Progress fractions that send a ``progress`` event.
PROGRESS_STEPS = (0.25, 0.5, 0.75)
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh ``whsec_`` secret (24 random bytes, base64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def rotate_secret(session: Session, account_id: str) -> str:
    """Create or replace the account's signing secret; returns it (shown to the caller once).

    Deliveries not yet sent are signed with the new secret.
    """
    secret = new_secret()
    row = session.get(WebhookSecret, account_id)
    if row is None:
        session.add(WebhookSecret(account_id=account_id, secret=secret))
    else:
        row.secret = secret
        row.created_at = utcnow()
    return secret


def account_secret(session: Session, account_id: str) -> str | None:
    """The account's signing secret, if it made one."""
    row = session.get(WebhookSecret, account_id)
    return row.secret if row is not None else None


def task_webhook(
    session: Session,
    settings: Settings,
    account_id: str,
    url: str | None,
    events: Sequence[str] | None,
) -> dict[str, Any] | None:
    """Check a request's webhook fields; returns what the task stores, or None without one.

    Raises:
        InvalidParameterError: The URL may not receive webhooks (see :mod:`.targets`), the
            filter names an unknown event, or the account has no signing secret yet.
    """
    if url is None:
        if events:
            raise InvalidParameterError(
                "webhook_events_filter needs a webhook URL",
                details={"field": "webhook_events_filter"},
            )
        return None
    chosen = list(dict.fromkeys(events)) if events is not None else list(EVENTS)
    unknown = [event for event in chosen if event not in EVENTS]
    if unknown or not chosen:
        raise InvalidParameterError(
            f"webhook_events_filter must list events among {', '.join(EVENTS)}; got {chosen}",
            details={"field": "webhook_events_filter", "allowed": list(EVENTS)},
        )
    check_webhook_url(url, allow_loopback=settings.environment == "test")
    if account_secret(session, account_id) is None:
        raise InvalidParameterError(
            "This account has no webhook signing secret yet: create one with "
            "POST /api/v1/webhooks/secret (it is shown once), then send the webhook again",
            details={"field": "webhook"},
        )
    return {"url": url, "events": chosen}


def task_payload(task: Task, public_url: str | None, api_prefix: str = "/api/v1") -> dict[str, Any]:
    """The task as ``GET /generate/{task_id}`` shows it, with audio URLs from ``public_url``."""
    root = (public_url or "").rstrip("/") + api_prefix
    view = task_status(
        task,
        file_url=lambda file_id: f"{root}/audio/{file_id}",
        midi_url=lambda task_id: f"{root}/tasks/{task_id}/midi",
    )
    return view.model_dump(mode="json")


class WebhookEvents:
    """Writes deliveries for task events (a task observer; see ``jobs/observer.py``).

    Args:
        session: Opens a database session that commits on success (``Database.session``).
        settings: ``public_url`` for audio URLs in payloads.
        wake: Called after a delivery was stored, so the sender looks at once.
    """

    def __init__(
        self,
        session: Callable[[], AbstractContextManager[Session]],
        settings: Settings,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.wake = wake
        # Progress steps already sent per running task.
        self._steps: dict[str, int] = {}
        self._lock = threading.Lock()

    def started(self, task_id: str, model: str, params: dict[str, Any]) -> None:
        """Store a ``start`` delivery when the task asked for one."""
        if _wants(params, "start"):
            self.emit(task_id, "start")

    def progress(self, task_id: str, params: dict[str, Any], fraction: float) -> None:
        """Store a ``progress`` delivery at each quarter the task passes."""
        if not _wants(params, "progress"):
            return
        step = sum(1 for mark in PROGRESS_STEPS if fraction >= mark)
        with self._lock:
            if step <= self._steps.get(task_id, 0):
                return
            self._steps[task_id] = step
        self.emit(task_id, "progress")

    def finished(self, outcome: TaskOutcome) -> None:
        """Store a ``completed`` delivery for a final status."""
        with self._lock:
            self._steps.pop(outcome.task_id, None)
        if outcome.status in TERMINAL and _wants(outcome.params, "completed"):
            self.emit(outcome.task_id, "completed")

    def emit(self, task_id: str, event: str) -> str | None:
        """Store a delivery of ``event`` for the task's webhook; returns its id.

        Does nothing (None) when the task has no webhook or did not ask for the event.
        """
        with self.session() as session:
            task = session.get(Task, task_id)
            if task is None:
                return None
            hook = (task.params or {}).get("webhook")
            if not hook or event not in hook.get("events", ()):
                return None
            now = utcnow()
            payload = {
                "type": f"task.{event}",
                "timestamp": _iso(now),
                "data": task_payload(task, self.settings.public_url),
            }
            delivery_id = "msg_" + secrets.token_hex(16)
            session.add(
                WebhookDelivery(
                    id=delivery_id,
                    account_id=task.account_id,
                    task_id=task.id,
                    event=event,
                    url=hook["url"],
                    payload=payload,
                    status="pending",
                    attempts=0,
                    version=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            session.commit()
        self.wake()
        return delivery_id


def _wants(params: dict[str, Any], event: str) -> bool:
    hook = params.get("webhook")
    return isinstance(hook, dict) and event in hook.get("events", ())


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
