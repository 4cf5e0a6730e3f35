"""The distributed job queue: Celery on a broker (Redis), tasks in a shared database.

The server only enqueues: :class:`CeleryQueue.submit` sends a Celery message carrying the
task id. ``musicgen worker`` runs :func:`run_worker`, a Celery worker whose task claims the
row with the same :func:`music_gen.service.lifecycle.claim` as the in-process pool (so a
duplicate or redelivered message never runs a task twice) and runs it with the
:class:`TaskRunner` against the same database and audio folder.

Restart safety across machines: messages are acknowledged late
(``task_acks_late``, ``task_reject_on_worker_lost``), so a message whose worker died is
delivered again. Every worker writes ``heartbeat_at`` on the tasks it runs every third of
``heartbeat_timeout_s``; a ``processing`` task whose heartbeat is older than the timeout
belongs to a dead worker, and any live worker recovers it with the in-process pool's policy
(:func:`music_gen.service.lifecycle.recover`: back in the queue, or failed after
``max_attempts`` starts) and sends it again. Tasks of live workers are never touched, unlike
the in-process pool's startup recovery, which assumes it is the only worker. The server beats
the same way for the WebSocket streams it runs itself. Each claim carries a random owner
token and only the owner records the outcome, so a worker presumed dead that wakes up after
its task ran elsewhere writes nothing.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

from music_gen.errors import ServiceUnavailableError
from music_gen.service import lifecycle
from music_gen.service.db import Database
from music_gen.service.jobs.batching import BatchGatherer, BatchPolicy
from music_gen.service.jobs.runner import TaskRunner
from music_gen.service.lifecycle import Recovered
from music_gen.service.settings import Settings

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger("music_gen.service.jobs")

#: Name of the Celery task that runs one generation task.
TASK_NAME = "music_gen.run_task"
#: Seconds a readiness answer about live workers is reused.
PING_CACHE_S = 2.0


def make_celery(settings: Settings) -> Celery:
    """The Celery application for ``settings`` (broker, queue, late acknowledgement)."""
    from celery import Celery

    app = Celery("music_gen", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_default_queue=settings.celery_queue,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return app


class CeleryQueue:
    """The server side: sends task ids to Celery workers, reads the depth from the database.

    Args:
        db: The shared database.
        runner: The server's runner (only resumed and shut down; workers run tasks).
        settings: Broker URL, queue name.
        ping_timeout_s: How long a readiness check waits for workers to answer a ping.
    """

    def __init__(
        self, db: Database, runner: TaskRunner, settings: Settings, ping_timeout_s: float = 0.5
    ) -> None:
        self.db = db
        self.runner = runner
        self.settings = settings
        self.celery = make_celery(settings)
        self.ping_timeout_s = ping_timeout_s
        self._alive: tuple[float, int] | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._beater: threading.Thread | None = None

    @property
    def size(self) -> int:
        """At least one worker must answer for the service to be ready."""
        return 1

    def start(self) -> None:
        """Start beating for the tasks this server runs itself (WebSocket streams).

        Workers run everything else and recover dead workers' tasks; without the beat they
        would take a live stream for a dead worker's task and run it again.
        """
        self._stopping.clear()
        self._beater = threading.Thread(
            target=self._beat, name="musicgen-stream-heartbeat", daemon=True
        )
        self._beater.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the heartbeat and close the broker connections."""
        self._stopping.set()
        if self._beater is not None:
            self._beater.join(timeout=timeout_s)
        self.celery.close()

    def pause(self) -> None:
        """Nothing to pause here: the workers drain themselves (Celery warm shutdown)."""

    def _beat(self) -> None:
        interval_s = self.settings.heartbeat_timeout_s / 3
        while not self._stopping.wait(interval_s):
            try:
                lifecycle.heartbeat(self.db, self.runner.running())
            except Exception:
                log.exception("stream heartbeat failed")

    def submit(self, task_id: str) -> None:
        """Send the task id to the workers.

        Raises:
            ServiceUnavailableError: The broker could not be reached. The task is marked
                failed with that reason first, so it never waits for a message that was
                never sent.
        """
        try:
            self.celery.send_task(TASK_NAME, args=[task_id], queue=self.settings.celery_queue)
        except Exception as exc:  # kombu raises several types for an unreachable broker
            error = ServiceUnavailableError(
                f"The job queue could not be reached ({type(exc).__name__}); try again later",
                details={"reason": "broker_unreachable"},
            )
            lifecycle.fail_unsent(self.db, task_id, error.to_dict())
            raise error from exc

    def recover(self) -> Recovered:
        """Recover the tasks of workers that stopped beating and send them again (as every
        worker does on its heartbeat; tasks of live workers are left alone)."""
        return recover_dead_workers(self.db, self.celery, self.settings)

    def claim(self) -> str | None:
        """Take the oldest queued task for this process to run (workers claim their own)."""
        return lifecycle.claim_next(self.db)

    def cancel(self, task_id: str) -> None:
        """Nothing more to do: the route set ``cancel_requested`` in the database, which the
        worker's runner reads at its next progress report."""

    def depth(self) -> int:
        """Tasks waiting to start (queued rows)."""
        return lifecycle.count_queued(self.db)

    def workers_alive(self) -> int:
        """Workers answering a broadcast ping (bounded by ``ping_timeout_s``, cached)."""
        with self._lock:
            now = time.monotonic()
            if self._alive is None or now - self._alive[0] > PING_CACHE_S:
                try:
                    # Fail fast when the broker is down instead of retrying for seconds.
                    with self.celery.connection_for_write() as conn:
                        conn.ensure_connection(
                            max_retries=1,
                            interval_start=0,
                            interval_step=0,
                            timeout=self.ping_timeout_s,
                        )
                        replies = (
                            self.celery.control.ping(timeout=self.ping_timeout_s, connection=conn)
                            or []
                        )
                except Exception as exc:
                    log.warning("could not ping workers: %s", exc)
                    replies = []
                self._alive = (time.monotonic(), len(replies))
            return self._alive[1]


class WorkerRuntime:
    """What one ``musicgen worker`` process holds: database, runner, heartbeats.

    Args:
        settings: The service settings (same database and audio folder as the server).
        celery: The Celery application (to send recovered tasks again).
    """

    def __init__(self, settings: Settings, celery: Celery) -> None:
        from music_gen.service.jobs.generators import GeneratorPool
        from music_gen.service.jobs.speed import SpeedTracker
        from music_gen.service.metrics import ServiceMetrics
        from music_gen.service.storage import AudioStorage
        from music_gen.service.webhooks import WebhookEvents, WebhookSender

        self.settings = settings
        self.celery = celery
        self.db = Database(settings)
        self.generators = GeneratorPool(
            device=settings.device, composer_processes=settings.resolved_composer_processes
        )
        self.runner = TaskRunner(
            self.db,
            AudioStorage(settings.resolved_audio_dir),
            self.generators,
            SpeedTracker(settings.eta_prior_s_per_audio_s),
        )
        # Generation metrics of this worker (GET /metrics on the server counts tasks by
        # state; speed and audio figures come from here, on worker_metrics_port).
        self.metrics = ServiceMetrics()
        self.webhook_sender = WebhookSender(
            self.db, settings, on_outcome=self.metrics.webhook_outcome
        )
        self.runner.observers.add(self.metrics)
        self.runner.observers.add(
            WebhookEvents(self.db.session, settings, wake=self.webhook_sender.wake)
        )
        self._running: set[str] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # Each run claims batch-mates with its own owner token (see :meth:`run`).
        self.batcher = BatchGatherer(self.db, BatchPolicy.from_settings(settings))

    def start(self) -> None:
        """Migrate, recover dead workers' tasks, start the heartbeat thread."""
        self.db.migrate()
        self.sweep()
        self._thread = threading.Thread(target=self._beat, name="musicgen-heartbeat", daemon=True)
        self._thread.start()
        self.webhook_sender.start()
        if self.settings.worker_metrics_port:
            from prometheus_client import start_http_server

            start_http_server(
                self.settings.worker_metrics_port,
                addr=self.settings.host,
                registry=self.metrics.registry,
            )
        if self.settings.preload:
            threading.Thread(target=self._preload, name="musicgen-preload", daemon=True).start()

    def stop(self) -> None:
        """Stop the heartbeat thread and release engines and connections."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.webhook_sender.stop()
        self.generators.close()
        self.db.dispose()

    def run(self, task_id: str) -> str:
        """Claim and run one task; "skipped" when it is not queued (already taken, done)."""
        owner = new_owner()
        if lifecycle.claim(self.db, task_id, owner=owner) is None:
            return "skipped"
        with self._beating(task_id):
            # Batch-mates are claimed with this run's token too, so that every task of the
            # batch records its outcome only while this worker still owns it.
            mates = self.batcher.companions(
                task_id, claim=lambda mate: lifecycle.claim(self.db, mate, owner=owner) is not None
            )
            if not mates:
                return self.runner.run(task_id, owner=owner)
            with ExitStack() as stack:
                for mate in mates:
                    stack.enter_context(self._beating(mate))
                return self.runner.run_batch([task_id, *mates], owner=owner).get(task_id, "skipped")

    def sweep(self) -> None:
        """Put tasks of dead workers back in the queue and send them again."""
        recover_dead_workers(self.db, self.celery, self.settings)

    @contextmanager
    def _beating(self, task_id: str) -> Iterator[None]:
        with self._lock:
            self._running.add(task_id)
        try:
            yield
        finally:
            with self._lock:
                self._running.discard(task_id)

    def _beat(self) -> None:
        interval_s = self.settings.heartbeat_timeout_s / 3
        while not self._stopping.wait(interval_s):
            try:
                with self._lock:
                    running = list(self._running)
                lifecycle.heartbeat(self.db, running)
                self.sweep()
            except Exception:
                log.exception("heartbeat failed")

    def _preload(self) -> None:
        try:
            self.generators.load(self.settings.default_model)
        except Exception as exc:
            log.error("could not load model %s: %s", self.settings.default_model, exc)


def recover_dead_workers(db: Database, celery: Celery, settings: Settings) -> Recovered:
    """Recover the tasks whose worker stopped beating ``heartbeat_timeout_s`` ago and send
    the re-queued ones to the workers again."""
    recovered = lifecycle.recover(
        db, max_attempts=settings.max_attempts, stale_after_s=settings.heartbeat_timeout_s
    )
    for task_id in recovered.requeued:
        celery.send_task(TASK_NAME, args=[task_id], queue=settings.celery_queue)
    return recovered


def new_owner() -> str:
    """A fresh owner token for a claim."""
    return secrets.token_hex(16)


def run_worker(settings: Settings, *, concurrency: int, queues: list[str]) -> None:
    """Run a Celery worker in the foreground (``musicgen worker``) until it is stopped.

    Tasks run in ``concurrency`` threads of this one process, so each model loads once.
    """
    celery = make_celery(settings)
    runtime = WorkerRuntime(settings, celery)

    @celery.task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True)
    def run_task(task_id: str) -> str:
        return runtime.run(task_id)

    runtime.start()
    try:
        celery.worker_main(
            [
                "worker",
                "--pool=threads",
                f"--hostname=musicgen.{os.getpid()}@%h",
                f"--concurrency={concurrency}",
                f"--queues={','.join(queues)}",
                f"--loglevel={settings.log_level.upper()}",
                "--without-gossip",
                "--without-mingle",
            ]
        )
    finally:
        runtime.stop()
