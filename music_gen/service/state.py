"""What one running service holds: settings, database, storage, limits, generators, queue."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from music_gen.engines.registry import resolve
from music_gen.engines.spec import ModelInfo
from music_gen.service.auth import Principal, authenticate, ensure_local_account
from music_gen.service.catalog import ModelCatalog
from music_gen.service.db import Database
from music_gen.service.exceptions import UnauthorizedError
from music_gen.service.jobs import GeneratorPool, InProcessQueue, JobQueue, SpeedTracker, TaskRunner
from music_gen.service.jobs.batching import BatchPolicy
from music_gen.service.limits import Limits
from music_gen.service.metrics import ServiceMetrics
from music_gen.service.models import Task
from music_gen.service.settings import Settings
from music_gen.service.states import TaskState
from music_gen.service.storage import AudioStorage
from music_gen.service.webhooks import WebhookEvents, WebhookSender

log = logging.getLogger("music_gen.service")

#: Seconds list_models() answers are reused (availability checks may touch the disk).
MODELS_CACHE_S = 30.0


@dataclass
class AppState:
    """The service's components, built from settings; reachable as ``app.state.service``."""

    settings: Settings
    db: Database
    storage: AudioStorage
    limits: Limits
    generators: GeneratorPool
    speed: SpeedTracker
    runner: TaskRunner
    queue: JobQueue
    metrics: ServiceMetrics
    webhook_events: WebhookEvents
    webhook_sender: WebhookSender
    catalog: ModelCatalog
    engine_error: str | None = None
    #: Set while the service drains (SIGTERM): new tasks are refused.
    draining: threading.Event = field(default_factory=threading.Event)
    _models: tuple[float, list[ModelInfo]] | None = field(default=None, repr=False)
    _availability: dict[str, tuple[float, str | None]] = field(default_factory=dict, repr=False)
    _models_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def build(cls, settings: Settings) -> AppState:
        """Make every component (nothing starts until :meth:`start`)."""
        db = Database(settings)
        storage = AudioStorage(settings.resolved_audio_dir)
        generators = GeneratorPool(
            device=settings.device, composer_processes=settings.resolved_composer_processes
        )
        speed = SpeedTracker(settings.eta_prior_s_per_audio_s)
        runner = TaskRunner(db, storage, generators, speed)
        queue: JobQueue
        if settings.queue == "celery":
            from music_gen.service.jobs.distributed import CeleryQueue

            queue = CeleryQueue(db, runner, settings)
        else:
            queue = InProcessQueue(
                db,
                runner,
                workers=settings.workers,
                max_attempts=settings.max_attempts,
                batch=BatchPolicy.from_settings(settings),
            )
        metrics = ServiceMetrics(task_counts=lambda: count_tasks(db))
        sender = WebhookSender(db, settings, on_outcome=metrics.webhook_outcome)
        events = WebhookEvents(db.session, settings, wake=sender.wake)
        runner.observers.add(metrics)
        runner.observers.add(events)
        return cls(
            settings=settings,
            db=db,
            storage=storage,
            limits=Limits(settings),
            generators=generators,
            speed=speed,
            runner=runner,
            queue=queue,
            metrics=metrics,
            webhook_events=events,
            webhook_sender=sender,
            catalog=ModelCatalog(settings),
        )

    def start(self) -> None:
        """Apply migrations, start the workers and (optionally) load the default model."""
        self.db.migrate()
        self._seed_speed()
        self.draining.clear()
        self.queue.start()
        self.webhook_sender.start()
        # With queue=celery the workers load models; the server only enqueues.
        if self.settings.preload and self.settings.queue == "local":
            threading.Thread(target=self._preload, name="musicgen-preload", daemon=True).start()

    def stop(self) -> None:
        """Stop the workers and release engines and connections."""
        self.queue.stop()
        self.webhook_sender.stop()
        self.generators.close()
        self.db.dispose()

    def authenticate(
        self, session: Session, authorization: str | None, address: str | None = None
    ) -> Principal:
        """Who is calling: the account of the bearer key in ``authorization``, or the local
        account (created on first use) when authentication is off.

        Usable from any route (HTTP or WebSocket). A failure counts against the failed-
        authentication limit of the client ``address`` when given.

        Raises:
            UnauthorizedError: No or bad key.
            LimitExceededError: No or bad key, from an address over its failed-auth limit.
        """
        if self.settings.no_auth:
            principal = ensure_local_account(session)
            session.commit()
            return principal
        try:
            return authenticate(session, authorization, self.settings.secret_key)
        except UnauthorizedError as exc:
            if address is not None:
                self.limits.hit_auth_failure(address)
            raise exc

    def models(self) -> list[ModelInfo]:
        """The served models (see :class:`ModelCatalog`), reused for MODELS_CACHE_S seconds."""
        with self._models_lock:
            now = time.monotonic()
            if self._models is None or now - self._models[0] > MODELS_CACHE_S:
                self._models = (now, self.catalog.infos())
            return self._models[1]

    def availability(self, model: str) -> str | None:
        """Why a model cannot run here (None when it can), reused for MODELS_CACHE_S."""
        with self._models_lock:
            now = time.monotonic()
            cached = self._availability.get(model)
            if cached is None or now - cached[0] > MODELS_CACHE_S:
                cached = (now, self.catalog.problem(resolve(model)))
                self._availability[model] = cached
            return cached[1]

    def _seed_speed(self, per_model: int = 20) -> None:
        # ETAs start from what this server measured before it restarted, not from the prior.
        with self.db.session_factory() as session:
            rows = session.execute(
                select(Task.model, Task.duration_s, Task.result)
                .where(Task.status == TaskState.COMPLETED, Task.kind == "generate")
                .order_by(Task.finished_at.desc())
                .limit(50 * per_model)
            ).all()
        seen: dict[str, int] = {}
        for model, duration_s, result in reversed(rows):
            engine_s = (result or {}).get("engine_s")
            if engine_s is not None and seen.get(model, 0) < per_model:
                self.speed.record(model, float(engine_s), float(duration_s))
                seen[model] = seen.get(model, 0) + 1

    def _preload(self) -> None:
        try:
            self.generators.load(self.settings.default_model)
            self.engine_error = None
        except Exception as exc:
            self.engine_error = f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"
            log.error("could not load model %s: %s", self.settings.default_model, exc)


def count_tasks(db: Database) -> dict[str, int]:
    """Tasks per status, counted in the database."""
    with db.session_factory() as session:
        rows = session.execute(select(Task.status, func.count()).group_by(Task.status)).all()
    return {str(status): int(count) for status, count in rows}
