"""Sends stored webhook deliveries: signed, retried with backoff, never on the task path.

A background thread (in the server, and in every ``musicgen worker``) looks for pending
deliveries whose try is due. A sender claims one with an atomic ``UPDATE ... WHERE
version = :seen`` that also pushes its next try past the timeout, so two senders never send
the same try, and a sender that dies mid-try leaves the delivery due again later.

Each try is signed per Standard Webhooks (``webhook-id`` is the delivery id, the same on
every try; ``webhook-timestamp``; ``webhook-signature`` = ``v1,<HMAC-SHA256>`` under the
account's ``whsec_`` secret) with the ``standardwebhooks`` library. A 2xx answer delivers
it; a timeout, a connection error, 429 or 5xx is tried again after the next wait of
``webhook_retry_schedule_s`` (by default 8 tries over about an hour); any other answer, a
URL that is no longer allowed or a missing secret fails it at once. Redirects are not
followed.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from standardwebhooks import Webhook

from music_gen.errors import InvalidParameterError
from music_gen.service.db import Database
from music_gen.service.models import WebhookDelivery, WebhookSecret, utcnow
from music_gen.service.settings import Settings
from music_gen.service.webhooks.targets import check_webhook_url

log = logging.getLogger("music_gen.service.webhooks")

#: Deliveries claimed per look.
BATCH = 32
#: Statuses after which a try is repeated.
RETRY_STATUSES = frozenset({408, 425, 429})


class WebhookSender:
    """Sends due deliveries from a background thread.

    Args:
        db: The database holding the deliveries.
        settings: Retry schedule, timeout, poll interval, test mode.
        on_outcome: Called with "delivered", "retry" or "failed" after each try (metrics).
        workers: Tries sent at once.
    """

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        on_outcome: Callable[[str], None] = lambda outcome: None,
        workers: int = 4,
    ) -> None:
        self.db = db
        self.settings = settings
        self.on_outcome = on_outcome
        self.workers = workers
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._http: httpx.Client | None = None

    def start(self) -> None:
        """Start the sending thread."""
        self._stopping.clear()
        self._http = httpx.Client(
            timeout=self.settings.webhook_timeout_s,
            follow_redirects=False,
            headers={"User-Agent": "music-gen-ai-webhooks"},
        )
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="musicgen-webhook")
        self._thread = threading.Thread(target=self._loop, name="musicgen-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop sending; tries in flight finish (or time out), the rest wait for a restart."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._http is not None:
            self._http.close()
        self._thread = self._pool = self._http = None

    def wake(self) -> None:
        """Look for due deliveries now (a delivery was just stored)."""
        self._wake.set()

    def send_due(self) -> int:
        """Claim and send every due delivery once; returns how many were tried.

        One task's deliveries go one after the other, oldest first (a receiver sees
        ``start`` before ``completed`` unless a try failed); different tasks' in parallel.
        """
        claimed = self._claim_due()
        by_task: dict[str, list[str]] = {}
        for delivery_id, task_id in claimed:
            by_task.setdefault(task_id, []).append(delivery_id)

        def send_in_order(ids: list[str]) -> None:
            for delivery_id in ids:
                self._try(delivery_id)

        if self._pool is None:
            for ids in by_task.values():
                send_in_order(ids)
        else:
            list(self._pool.map(send_in_order, by_task.values()))
        return len(claimed)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sent = self.send_due()
            except Exception:
                log.exception("webhook sender failed; trying again")
                sent = 0
            if not sent:
                self._wake.wait(self.settings.webhook_poll_interval_s)
                self._wake.clear()

    def _claim_due(self) -> list[tuple[str, str]]:
        now = utcnow()
        lease = now + timedelta(seconds=self.settings.webhook_timeout_s + 30)
        claimed = []
        with self.db.session() as session:
            due = session.execute(
                select(WebhookDelivery.id, WebhookDelivery.version, WebhookDelivery.task_id)
                .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
                .order_by(WebhookDelivery.created_at, WebhookDelivery.id)
                .limit(BATCH)
            ).all()
            for delivery_id, version, task_id in due:
                changed = session.execute(
                    update(WebhookDelivery)
                    .where(
                        WebhookDelivery.id == delivery_id,
                        WebhookDelivery.version == version,
                        WebhookDelivery.status == "pending",
                    )
                    .values(
                        version=WebhookDelivery.version + 1,
                        attempts=WebhookDelivery.attempts + 1,
                        next_attempt_at=lease,
                    )
                ).rowcount  # type: ignore[attr-defined]
                if changed == 1:
                    claimed.append((delivery_id, task_id))
        return claimed

    def _try(self, delivery_id: str) -> str:
        with self.db.session() as session:
            row = session.get(WebhookDelivery, delivery_id)
            if row is None:
                return "missing"
            secret = session.scalar(
                select(WebhookSecret.secret).where(WebhookSecret.account_id == row.account_id)
            )
            url, payload, attempts = row.url, row.payload, row.attempts
        if secret is None:
            return self._record(delivery_id, attempts, "failed", None, "the account has no secret")
        try:
            check_webhook_url(url, allow_loopback=self.settings.environment == "test")
        except InvalidParameterError as exc:
            return self._record(delivery_id, attempts, "failed", None, exc.message)
        body = json.dumps(payload, separators=(",", ":"))
        now = utcnow()
        headers = {
            "content-type": "application/json",
            "webhook-id": delivery_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign(delivery_id, now, body),
        }
        http = self._http or httpx.Client(timeout=self.settings.webhook_timeout_s)
        try:
            response = http.post(url, content=body.encode(), headers=headers)
        except httpx.HTTPError as exc:
            return self._record(
                delivery_id, attempts, "retry", None, f"{type(exc).__name__}: {exc}"[:500]
            )
        finally:
            if http is not self._http:
                http.close()
        code = response.status_code
        if 200 <= code < 300:
            return self._record(delivery_id, attempts, "delivered", code, None)
        if code >= 500 or code in RETRY_STATUSES:
            return self._record(delivery_id, attempts, "retry", code, f"HTTP {code}")
        return self._record(delivery_id, attempts, "failed", code, f"HTTP {code}")

    def _record(
        self,
        delivery_id: str,
        attempts: int,
        outcome: str,
        status_code: int | None,
        error: str | None,
    ) -> str:
        schedule = self.settings.webhook_retry_schedule_s
        now = utcnow()
        values: dict[str, Any] = {"last_status_code": status_code, "last_error": error}
        if outcome == "retry" and attempts > len(schedule):
            outcome = "failed"
        if outcome == "retry":
            values.update(next_attempt_at=now + timedelta(seconds=schedule[attempts - 1]))
        else:
            values.update(
                status="delivered" if outcome == "delivered" else "failed", finished_at=now
            )
        with self.db.session() as session:
            session.execute(
                update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(values)
            )
        level = logging.INFO if outcome == "delivered" else logging.WARNING
        log.log(
            level,
            "webhook %s",
            outcome,
            extra={
                "delivery_id": delivery_id,
                "attempt": attempts,
                "status": status_code,
                "error": error,
            },
        )
        self.on_outcome(outcome)
        return outcome
