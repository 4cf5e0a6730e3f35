"""ComposerPool: several composer engines in worker processes, one piece each at a time.

Composing (numpy, Python) and rendering (FluidSynth) hold the GIL or a single synthesizer, so
one ComposerEngine renders one piece at a time on one core. The pool keeps ``processes``
worker processes, each with its own ComposerEngine and FluidSynth, and hands each
:meth:`generate` call to an idle one; up to ``processes`` calls from different threads run at
once. Workers are started with the "spawn" method (no forked FluidSynth or thread state) and
load their engine once.

A piece depends on its parameters and seed only: the same seed gives identical samples
whichever process renders it. Progress reports come back from the worker; when the caller's
progress callback raises (a cancelled task), the worker is told to stop at its next report and
the callback's exception is raised in the caller.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import threading
from collections.abc import Iterator, Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from music_gen.audio import AudioOutput
from music_gen.engines.base import AudioChunk, Engine, EngineCapabilities, ProgressCallback
from music_gen.engines.composer.arrange import Arrangement
from music_gen.engines.composer.engine import ComposerEngine
from music_gen.engines.composer.plan import PiecePlan
from music_gen.errors import GenerationCancelledError, GenerationError, InvalidParameterError
from music_gen.live import LiveOptions, LiveSession
from music_gen.params import GenerationParams

#: Seconds between checks that a busy worker process is still alive.
ALIVE_CHECK_S = 1.0


def default_processes() -> int:
    """Processes the pool uses by default: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _serve(conn: Connection, stop: Any, soundfont: str | None, native_threads: int) -> None:
    """A worker process: one ComposerEngine answering (method, args) requests on ``conn``.

    Native thread pools (BLAS, OpenMP) are limited to ``native_threads``: the pool's processes
    already share the cores, and threads from every process on every core slow them all.
    """
    threadpool_limits(native_threads)
    engine: ComposerEngine | None = None
    try:
        engine = ComposerEngine(soundfont)
        conn.send(("ready", None))
    except Exception as exc:
        conn.send(("error", exc))
        return

    def report(fraction: float) -> None:
        if stop.is_set():
            raise GenerationCancelledError("Generation was cancelled")
        conn.send(("progress", fraction))

    try:
        while True:
            try:
                request = conn.recv()
            except EOFError:
                return
            if request is None:
                return
            method, args = request
            stop.clear()
            try:
                result = getattr(engine, method)(*args, progress=report)
            except Exception as exc:
                _send_error(conn, exc)
            else:
                try:
                    conn.send(("done", result))
                except Exception as exc:  # a result that cannot be pickled
                    _send_error(conn, exc)
    finally:
        engine.close()


def _send_error(conn: Connection, exc: Exception) -> None:
    try:
        conn.send(("error", exc))
    except Exception:  # an exception that cannot be pickled: send its words
        conn.send(("error", GenerationError(f"{type(exc).__name__}: {exc}", details={})))


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, context: Any, soundfont: str | None, native_threads: int) -> None:
        self.conn, child = context.Pipe()
        self.stop = context.Event()
        self.process = context.Process(
            target=_serve,
            args=(child, self.stop, soundfont, native_threads),
            name="musicgen-composer",
            daemon=True,
        )
        self.process.start()
        child.close()
        # True from a request until its answer is read: a busy worker is never reused.
        self.busy = False
        kind, value = self.conn.recv()
        if kind == "error":
            self.close()
            raise value

    def call(self, method: str, args: tuple[Any, ...], progress: ProgressCallback | None) -> Any:
        self.busy = True
        try:
            self.conn.send((method, args))
        except OSError as exc:
            raise GenerationError(
                "a composer worker process could not be reached", details={}
            ) from exc
        stopped: BaseException | None = None
        while True:
            if not self.conn.poll(ALIVE_CHECK_S):
                if not self.process.is_alive():
                    raise GenerationError(
                        "a composer worker process died while rendering",
                        details={"exitcode": self.process.exitcode},
                    )
                continue
            try:
                kind, value = self.conn.recv()
            except EOFError as exc:
                raise GenerationError(
                    "a composer worker process died while rendering", details={}
                ) from exc
            if kind != "progress":
                self.busy = False
            if kind == "progress":
                if progress is not None and stopped is None:
                    try:
                        progress(value)
                    except BaseException as exc:  # the caller's reason to stop, re-raised below
                        stopped = exc
                        self.stop.set()
                continue
            if stopped is not None:
                raise stopped
            if kind == "error":
                raise value
            return value

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self.conn.send(None)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
        self.conn.close()


class ComposerPool(Engine):
    """The composer on ``processes`` worker processes: that many pieces render at once.

    Args:
        processes: Worker processes (pieces rendered at once); >= 1.
        soundfont: As :class:`ComposerEngine`.

    Raises:
        InvalidParameterError: ``processes`` below 1.
        ModelUnavailableError: No usable SoundFont or FluidSynth (from the first worker).
    """

    def __init__(self, processes: int, soundfont: str | Path | None = None) -> None:
        if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
            raise InvalidParameterError(
                f"processes must be an integer >= 1, got {processes!r}",
                details={"field": "processes", "value": str(processes)},
            )
        self.processes = processes
        self.max_concurrency = processes
        # Streaming and capabilities are served here (they are cheap or incremental).
        self._local = ComposerEngine(soundfont)
        self.soundfont = self._local.soundfont
        self.model_name = self._local.model_name
        self._context = multiprocessing.get_context("spawn")
        # Each worker's share of the cores for native thread pools (as joblib's workers do).
        self._native_threads = max(1, default_processes() // processes)
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._workers: list[_Worker] = []
        self._started = 0
        self._lock = threading.Lock()
        self._closed = False
        # One worker now, so that a broken FluidSynth fails here; the others start on demand.
        self._idle.put(self._take())

    @property
    def capabilities(self) -> EngineCapabilities:
        """Those of the composer."""
        return self._local.capabilities

    def generate(
        self, params: GenerationParams, *, progress: ProgressCallback | None = None
    ) -> AudioOutput:
        """Compose and render one piece in an idle worker process (as ComposerEngine)."""
        result: AudioOutput = self._call("generate", (params,), progress)
        return result

    def generate_stems(
        self,
        parts: Mapping[str, str],
        params: GenerationParams,
        *,
        progress: ProgressCallback | None = None,
    ) -> dict[str, AudioOutput]:
        """One plan for all parts, rendered in an idle worker process (as ComposerEngine)."""
        result: dict[str, AudioOutput] = self._call(
            "generate_stems", (dict(parts), params), progress
        )
        return result

    def stream(self, params: GenerationParams, *, chunk_s: float = 1.0) -> Iterator[AudioChunk]:
        """Yield the piece as it renders, from this process (as ComposerEngine.stream)."""
        yield from self._local.stream(params, chunk_s=chunk_s)

    # Planning is cheap and live sessions are incremental: both run in this process.

    def plan(
        self, params: GenerationParams, *, parts: Mapping[str, str] | None = None
    ) -> tuple[PiecePlan, Arrangement, int]:
        """As :meth:`ComposerEngine.plan` (nothing rendered)."""
        return self._local.plan(params, parts=parts)

    def loudness_offset_db(self, params: GenerationParams, window_s: float) -> float:
        """As :meth:`ComposerEngine.loudness_offset_db`."""
        return self._local.loudness_offset_db(params, window_s)

    def live(self, prompt: str, options: LiveOptions | None = None) -> LiveSession:
        """As :meth:`ComposerEngine.live`: the session renders in this process."""
        return self._local.live(prompt, options)

    def close(self) -> None:
        """Stop the worker processes and release the local engine. Safe to call twice."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.close()
        self._local.close()

    def _take(self) -> _Worker:
        """An idle worker; a new one while fewer than ``processes`` run and none is idle."""
        while True:
            with self._lock:
                if self._closed:
                    raise GenerationError("the composer pool is closed", details={})
                start = self._started < self.processes and self._idle.empty()
                if start:
                    self._started += 1  # the slot is taken before the (slow) start
            if start:
                break
            # Look again now and then: a worker that died frees its slot for a new one.
            with contextlib.suppress(queue.Empty):
                idle = self._idle.get(timeout=ALIVE_CHECK_S)
                if idle.process.is_alive():
                    return idle
                self._drop(idle)  # died while idle: nothing was lost, take another
        try:
            worker = _Worker(self._context, str(self.soundfont), self._native_threads)
        except BaseException:
            with self._lock:
                self._started -= 1
            raise
        with self._lock:
            self._workers.append(worker)
        return worker

    def _call(self, method: str, args: tuple[Any, ...], progress: ProgressCallback | None) -> Any:
        worker = self._take()
        try:
            return worker.call(method, args, progress)
        finally:
            if worker.busy or not worker.process.is_alive():
                # Interrupted mid-request or dead: its next answer would be a stale one.
                self._drop(worker)
            else:
                self._idle.put(worker)

    def _drop(self, worker: _Worker) -> None:
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
                self._started -= 1
        worker.close()
