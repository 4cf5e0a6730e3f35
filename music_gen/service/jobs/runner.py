"""Runs one claimed task: generate, store the audio, record the outcome."""

from __future__ import annotations

import copy
import functools
import io
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from music_gen.audio import AudioOutput
from music_gen.errors import GenerationCancelledError
from music_gen.multi_instrument import MultiInstrumentGenerator
from music_gen.params import DEFAULT_LOUDNESS_LUFS, GenerationParams
from music_gen.service import lifecycle
from music_gen.service.db import Database
from music_gen.service.jobs.batching import BatchProgress
from music_gen.service.jobs.generators import GeneratorPool
from music_gen.service.jobs.observer import Observers, TaskOutcome
from music_gen.service.jobs.speed import SpeedTracker
from music_gen.service.models import AudioFile, Task
from music_gen.service.safe_errors import public_error
from music_gen.service.states import TaskState
from music_gen.service.storage import AudioStorage

if TYPE_CHECKING:
    import pretty_midi

log = logging.getLogger("music_gen.service.jobs")


class TaskRunner:
    """Turns a claimed task into audio files and a final status.

    Args:
        db: The database.
        storage: Where audio goes.
        generators: The shared generators.
        speed: Where measured engine speed is recorded.
    """

    def __init__(
        self,
        db: Database,
        storage: AudioStorage,
        generators: GeneratorPool,
        speed: SpeedTracker,
    ) -> None:
        self.db = db
        self.storage = storage
        self.generators = generators
        self.speed = speed
        # Tasks generating in this process, and those of them asked to stop. Only running
        # tasks are remembered, so a cancel for a queued or finished task leaves nothing
        # behind (the database status covers those).
        self._running: set[str] = set()
        self._cancelled: set[str] = set()
        self._lock = threading.Lock()
        self._shutting_down = threading.Event()
        # Model and request of each running task, for the observers.
        self._context: dict[str, tuple[str, dict[str, Any]]] = {}
        #: Told when tasks start, progress and end (webhooks, metrics, logs).
        self.observers = Observers()

    def shutdown(self) -> None:
        """Stop running tasks at their next progress report and put them back in the queue.

        A graceful stop (SIGTERM, a redeploy) does not count as a failed attempt.
        """
        self._shutting_down.set()

    def running_count(self) -> int:
        """Tasks generating in this process now."""
        with self._lock:
            return len(self._running)

    def resume(self) -> None:
        """Accept work again after :meth:`shutdown`."""
        self._shutting_down.clear()

    def request_cancel(self, task_id: str) -> None:
        """Make the task's next progress report raise GenerationCancelledError."""
        with self._lock:
            if task_id in self._running:
                self._cancelled.add(task_id)

    @contextmanager
    def tracking(self, task_id: str) -> Iterator[None]:
        """Mark a task as generating in this process while the block runs."""
        with self._lock:
            self._running.add(task_id)
        try:
            yield
        finally:
            with self._lock:
                self._running.discard(task_id)
                self._cancelled.discard(task_id)

    def running(self) -> list[str]:
        """Ids of the tasks generating in this process now."""
        with self._lock:
            return list(self._running)

    def run(self, task_id: str, *, owner: str | None = None) -> str:
        """Run a task that is in state ``processing``; returns its final status.

        Args:
            owner: The token the task was claimed with; the outcome is recorded only while
                the task still has this owner ("lost" is returned when it has another).
        """
        with self.db.session() as session:
            task = session.get(Task, task_id)
            if task is None or task.status != TaskState.PROCESSING:
                return task.status if task is not None else "missing"
            kind, model, fmt = task.kind, task.model, task.format
            params: dict[str, Any] = dict(task.params)
            duration_s = task.duration_s
        with self.tracking(task_id):
            self._context[task_id] = (model, params)
            try:
                log.info("task started", extra={"task_id": task_id, "model": model})
                self.observers.started(task_id, model, params)
                return self._run_tracked(task_id, kind, model, fmt, params, duration_s, owner)
            finally:
                self._context.pop(task_id, None)

    def run_batch(self, task_ids: list[str], *, owner: str | None = None) -> dict[str, str]:
        """Run claimed MusicGen tasks of one model and settings as one padded batch.

        Each task keeps its own prompt, duration and seed, gets its own progress, can be
        cancelled alone, and ends with its own status and files.

        Args:
            task_ids: The tasks, all in state ``processing``.
            owner: The token every one of them was claimed with (see :meth:`run`); a task
                that has another owner by the end ends as "lost" and nothing is written.

        Returns:
            Task id -> final status.
        """
        tasks: list[tuple[str, str, str, dict[str, Any], float]] = []
        with self.db.session() as session:
            for task_id in task_ids:
                task = session.get(Task, task_id)
                if task is not None and task.status == TaskState.PROCESSING:
                    tasks.append(
                        (task_id, task.model, task.format, dict(task.params), task.duration_s)
                    )
        if len(tasks) <= 1:
            return {task[0]: self.run(task[0], owner=owner) for task in tasks}
        with ExitStack() as stack:
            for task_id, model, _, params, _ in tasks:
                stack.enter_context(self.tracking(task_id))
                self._context[task_id] = (model, params)
                stack.callback(self._context.pop, task_id, None)
                log.info(
                    "task started",
                    extra={"task_id": task_id, "model": model, "batch_size": len(tasks)},
                )
                self.observers.started(task_id, model, params)
            return self._run_batch_tracked(tasks, owner)

    def _run_batch_tracked(
        self, tasks: list[tuple[str, str, str, dict[str, Any], float]], owner: str | None
    ) -> dict[str, str]:
        finish = functools.partial(self._finish, owner=owner)
        model = tasks[0][1]
        reports = {task[0]: _Progress(self, task[0], writes=False) for task in tasks}
        progress = BatchProgress(reports, report=functools.partial(self._write_batch, reports))
        statuses: dict[str, str] = {}
        try:
            generator = self.generators.get(model)
            params_list = [
                _generation_params(generator, params, duration_s)
                for _, _, _, params, duration_s in tasks
            ]
            generator.load()
            with self.generators.lock(model):
                started = time.perf_counter()
                outputs = generator.generate_many(params_list, progress=progress)
                elapsed = time.perf_counter() - started
        except GenerationCancelledError:
            pass  # every task stopped: each ends as its own callback said, below
        except Exception as exc:
            # Each task gets a safe message naming itself (the detail is logged).
            return {
                t[0]: finish(t[0], TaskState.FAILED, error=public_error(exc, t[0])) for t in tasks
            }
        else:
            self.speed.record(model, elapsed, sum(t[4] for t in tasks))
            for (task_id, _, fmt, _, _), audio in zip(tasks, outputs, strict=True):
                if task_id in progress.stopped:
                    continue
                rows = self._write_files({"audio": audio}, fmt)
                result = {
                    "duration": audio.duration,
                    "metadata": audio.metadata,
                    "files": {row.label: row.id for row in rows},
                    "engine_s": round(elapsed, 4),
                    "batch_size": len(tasks),
                }
                statuses[task_id] = finish(task_id, TaskState.COMPLETED, result=result, files=rows)
        for task_id, reason in progress.stopped.items():
            stopped = isinstance(reason, _ShutDown)
            statuses[task_id] = (
                self._requeue(task_id) if stopped else finish(task_id, TaskState.CANCELLED)
            )
        for task_id, *_ in tasks:
            if task_id not in statuses:
                statuses[task_id] = finish(task_id, TaskState.CANCELLED)
        return statuses

    def _run_tracked(
        self,
        task_id: str,
        kind: str,
        model: str,
        fmt: str,
        params: dict[str, Any],
        duration_s: float,
        owner: str | None = None,
    ) -> str:
        progress = _Progress(self, task_id)
        finish = functools.partial(self._finish, owner=owner)
        try:
            # One generation per model at a time; timing starts once this one may run, so
            # engine_s and the measured speed leave out the wait for another task.
            with self.generators.lock(model):
                started = time.perf_counter()
                progress.check()
                outputs = self._generate(kind, model, params, duration_s, progress)
                elapsed = time.perf_counter() - started
            progress.check()
            rows = self._write_files(outputs, fmt)
            midi_id = self._write_midi(outputs)
            main = outputs.get("mix") or outputs["audio"]
            result = {
                "duration": main.duration,
                "metadata": main.metadata,
                "files": {row.label: row.id for row in rows},
                "midi": midi_id,
                "engine_s": round(elapsed, 4),
            }
            self.speed.record(model, elapsed, duration_s)
            status = finish(task_id, TaskState.COMPLETED, result=result, files=rows)
            if status != TaskState.COMPLETED and midi_id is not None:
                self.storage.delete(midi_id)
            return status
        except _ShutDown:
            return self._requeue(task_id)
        except GenerationCancelledError:
            return finish(task_id, TaskState.CANCELLED)
        except Exception as exc:
            # Other than MusicGenErrors, logged there with the detail; users see a safe
            # message naming the task.
            return finish(task_id, TaskState.FAILED, error=public_error(exc, task_id))

    def is_cancelled(self, task_id: str) -> bool:
        """Whether cancellation was asked for (in this process)."""
        with self._lock:
            return task_id in self._cancelled

    def _generate(
        self,
        kind: str,
        model: str,
        params: dict[str, Any],
        duration_s: float,
        progress: _Progress,
    ) -> dict[str, AudioOutput]:
        if kind == "multi":
            from music_gen.service.jobs.multi_instrument import generate_multi_instrument

            return generate_multi_instrument(self.generators, model, params, duration_s, progress)
        generator = self.generators.get(model)
        audio = generator.generate(
            _generation_params(generator, params, duration_s), progress=progress
        )
        return {"audio": audio}

    def _write_files(self, outputs: dict[str, AudioOutput], fmt: str) -> list[AudioFile]:
        # Files first, rows later in the same transaction as the status: a crash in between
        # leaves only unreferenced files, never a completed task without its audio.
        rows = []
        for label, audio in outputs.items():
            file_id, size = self.storage.save(audio, fmt)
            rows.append(
                AudioFile(
                    id=file_id,
                    label=label,
                    format=fmt,
                    size_bytes=size,
                    duration_s=audio.duration,
                )
            )
        return rows

    def _write_midi(self, outputs: dict[str, AudioOutput]) -> str | None:
        """Store the piece's notes (every part in one file); None when no part has notes."""
        midi = piece_midi(outputs)
        if midi is None:
            return None
        buffer = io.BytesIO()
        midi.write(buffer)
        return self.storage.save_midi(buffer.getvalue())

    def _finish(
        self,
        task_id: str,
        status: TaskState,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        files: list[AudioFile] | None = None,
        owner: str | None = None,
    ) -> str:
        account_id = lifecycle.finish(
            self.db, task_id, status, result=result, error=error, files=files or (), owner=owner
        )
        if account_id is None:
            for row in files or ():
                self.storage.delete(row.id)
            if owner is not None and self._owner(task_id) != owner:
                log.warning("task %s now runs elsewhere; this run's outcome is dropped", task_id)
                return "lost"
            return TaskState.CANCELLED if files else status
        self._finished(task_id, account_id, status, result)
        return status

    def _owner(self, task_id: str) -> str | None:
        with self.db.session() as session:
            return session.scalar(select(Task.owner).where(Task.id == task_id))

    def _finished(
        self, task_id: str, account_id: str, status: str, result: dict[str, Any] | None
    ) -> None:
        model, params = self._context.get(task_id, ("", {}))
        engine_s = (result or {}).get("engine_s")
        audio_s = (result or {}).get("duration")
        log.info(
            "task %s",
            status,
            extra={
                "task_id": task_id,
                "account_id": account_id,
                "model": model,
                "status": status,
                "engine_s": engine_s,
                "audio_s": audio_s,
            },
        )
        self.observers.finished(
            TaskOutcome(
                task_id=task_id,
                account_id=account_id,
                model=model,
                status=status,
                params=params,
                engine_s=engine_s,
                audio_s=audio_s,
            )
        )

    def _requeue(self, task_id: str) -> str:
        lifecycle.requeue(self.db, task_id)
        return TaskState.QUEUED

    def write_progress(self, task_id: str, fraction: float) -> bool:
        """Store progress; returns whether to stop (cancel requested, or the task deleted)."""
        context = self._context.get(task_id)
        if context is not None:
            self.observers.progress(task_id, context[1], fraction)
        return lifecycle.report_progress(self.db, task_id, fraction)

    def _write_batch(
        self, reports: dict[str, _Progress], task_ids: list[str], fraction: float
    ) -> None:
        """Store a batch's progress in one transaction; flag the tasks that should stop."""
        for task_id in task_ids:
            context = self._context.get(task_id)
            if context is not None:
                self.observers.progress(task_id, context[1], fraction)
        for task_id in lifecycle.report_batch_progress(self.db, task_ids, fraction):
            reports[task_id].stop_asked = True


def _generation_params(
    generator: MultiInstrumentGenerator, params: dict[str, Any], duration_s: float
) -> GenerationParams:
    """A stored task's parameters, validated for its model (alone or in a batch)."""
    return generator.make_params(
        params["prompt"],
        duration_s,
        params["temperature"],
        params["top_k"],
        params["top_p"],
        params.get("seed"),
        loudness_lufs=params.get("loudness_lufs", DEFAULT_LOUDNESS_LUFS),
    )


class _ShutDown(GenerationCancelledError):
    """Raised into a generation when the server stops gracefully."""


class _Progress:
    """The progress callback given to the engine: stores progress, raises on cancel."""

    def __init__(self, runner: TaskRunner, task_id: str, *, writes: bool = True) -> None:
        self.runner = runner
        self.task_id = task_id
        # False in a batch: the batch stores every task's progress at once (BatchProgress).
        self.writes = writes
        self._last = 0.0
        # Set when the database says to stop (a cancel through the API, maybe elsewhere).
        self.stop_asked = False

    def check(self) -> None:
        if self.runner._shutting_down.is_set():
            raise _ShutDown("The server is stopping", details={"task_id": self.task_id})
        if self.stop_asked or self.runner.is_cancelled(self.task_id):
            raise GenerationCancelledError(
                "Generation was cancelled", details={"task_id": self.task_id}
            )

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if self.writes and now - self._last >= lifecycle.PROGRESS_INTERVAL_S:
            self._last = now
            self.stop_asked = self.runner.write_progress(self.task_id, fraction)
        self.check()


def piece_midi(outputs: dict[str, AudioOutput]) -> pretty_midi.PrettyMIDI | None:
    """The notes of a result: the piece's own MIDI, or its stems' parts merged into one."""
    main = outputs.get("audio")
    if main is not None:
        return main.midi
    stems = [audio.midi for label, audio in outputs.items() if label != "mix" and audio.midi]
    if not stems:
        return None
    merged = copy.deepcopy(stems[0])
    for other in stems[1:]:
        merged.instruments.extend(copy.deepcopy(other.instruments))
    return merged
