"""One streaming generation: an engine stream run in a thread, handed over a bounded queue.

:class:`StreamRun` owns what the WebSocket route should not: the generating thread, the
hand-over to the socket, cancellation (a client message, a disconnect, ``DELETE
/generate/{task_id}``), progress writes, and storing the finished audio as the task's file.

The thread queues ``(kind, message)`` pairs in order: ``("started", {...})``,
``("audio_chunk", {...})`` per chunk, then one of ``("completed", {...})``,
``("cancelled", {...})`` or ``("error", MusicGenError)``. At most QUEUE_AUDIO_S seconds of
audio wait unsent: beyond that the thread waits for the socket to catch up, and when it has
waited STALL_TIMEOUT_S for one chunk it gives up, because a generation that waits holds its
model and other requests for that model would wait behind a slow reader. Setting
:attr:`StreamRun.stop` makes the thread end at its next chunk or wait.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import math
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import soundfile as sf

from music_gen.audio import AudioOutput
from music_gen.engines.base import AudioChunk
from music_gen.engines.composer import ComposerEngine
from music_gen.engines.composer.pool import ComposerPool
from music_gen.engines.spec import ModelInfo
from music_gen.errors import GenerationCancelledError, GenerationError
from music_gen.generator import MusicGenerator
from music_gen.level import measure
from music_gen.params import DEFAULT_LOUDNESS_LUFS
from music_gen.service import lifecycle
from music_gen.service.auth import Principal
from music_gen.service.models import AudioFile
from music_gen.service.safe_errors import PublicError, public_error
from music_gen.service.state import AppState
from music_gen.service.states import TaskState

log = logging.getLogger("music_gen.service.stream")

#: The PCM encoding of audio_chunk data.
ENCODING = "pcm_s16le"
#: Seconds of audio that may wait unsent before the generating thread waits for the socket.
QUEUE_AUDIO_S = 30.0
#: Seconds the generating thread waits for room for one chunk before it gives up.
STALL_TIMEOUT_S = 20.0
#: How often a thread waiting for queue space looks at the stop flag.
_STOP_CHECK_S = 0.2


def pcm16(samples: np.ndarray) -> bytes:
    """Interleaved little-endian 16-bit PCM of float (channels, frames) samples.

    libsndfile converts, exactly as when AudioOutput writes the stored WAV (or FLAC) file,
    so the streamed samples equal the file's sample for sample.
    """
    buffer = io.BytesIO()
    frames = np.clip(samples, -1.0, 1.0).T
    # A headerless file: the sample rate is not written, any value will do.
    sf.write(buffer, frames, 8000, format="RAW", subtype="PCM_16", endian="LITTLE")
    return buffer.getvalue()


@dataclass(frozen=True)
class StreamJob:
    """An accepted streaming generation whose task row exists (status processing)."""

    task_id: str
    principal: Principal
    # Resolved registry name.
    model: str
    prompt: str
    duration_s: float
    temperature: float
    top_k: int
    top_p: float
    # Drawn by the route when the client gave none, so the task records it.
    seed: int
    # Container of the stored file.
    format: str
    # Length of each chunk in seconds (the engine may round it).
    chunk_s: float
    # Loudness target (LUFS) or None for the model's own level.
    loudness_lufs: float | None = DEFAULT_LOUDNESS_LUFS
    # Audio bytes taken from the account's bandwidth quota for the chunks to send.
    reserved_bytes: int = 0
    # The task's owner token: the outcome is recorded only while the task still has it.
    owner: str | None = None


class StreamRun:
    """Runs a StreamJob in a thread, feeding :attr:`queue` for the socket.

    Args:
        state: The service.
        job: What to generate.
        audio_url: Builds the public URL of a stored file id.
    """

    def __init__(self, state: AppState, job: StreamJob, audio_url: Callable[[str], str]) -> None:
        self.state = state
        self.job = job
        self.audio_url = audio_url
        #: Messages for the socket, in order (the bound is :attr:`_room`, in chunks).
        self.queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        #: Set to make the generation stop (cancel, disconnect, too slow a reader).
        self.stop = threading.Event()
        #: Audio bytes the socket sent (counted by the route against the bandwidth quota).
        self.sent_bytes = 0
        # Why the run was stopped, when the run itself did not decide it (a slow reader).
        self._cut: GenerationCancelledError | None = None
        self._room = threading.Semaphore(max(2, math.ceil(QUEUE_AUDIO_S / job.chunk_s)))
        # Seconds the thread waited for the socket (left out of the measured engine speed).
        self._waited_s = 0.0
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(
            target=self._run, name=f"musicgen-stream-{job.task_id[:8]}", daemon=True
        )

    def start(self) -> None:
        """Start generating."""
        self._thread.start()

    def join(self, timeout_s: float) -> None:
        """Wait for the thread (call after setting :attr:`stop`, off the event loop)."""
        self._thread.join(timeout_s)

    def cut_slow_reader(self, waited_s: float) -> None:
        """Stop because the socket took longer than ``waited_s`` to take one message.

        The task ends ``cancelled`` with the error ``CANCELLED`` (``details.reason``
        ``slow_reader``), as when the generating thread gives up waiting for room.
        """
        self._cut = _slow_reader(
            self.job.task_id,
            f"The client took more than {waited_s:g} s "
            "to take one message; the generation was stopped to free the model",
        )
        self.stop.set()

    def sent(self, kind: str) -> None:
        """Tell the run a message left for the socket (frees room for another chunk)."""
        if kind == "audio_chunk":
            self._room.release()

    # --- in the thread ----------------------------------------------------------------

    def _emit(self, kind: str, message: Any) -> None:
        """Queue a message for the socket (from the thread)."""
        try:
            self._loop.call_soon_threadsafe(self.queue.put_nowait, (kind, message))
        except RuntimeError:  # the event loop is gone: the server is shutting down
            self.stop.set()

    def _wait_for_room(self) -> None:
        """Wait until a chunk may be queued; raise when stopped or stalled too long."""
        deadline = time.monotonic() + STALL_TIMEOUT_S
        while not self._room.acquire(timeout=_STOP_CHECK_S):
            self._waited_s += _STOP_CHECK_S
            if self.stop.is_set():
                raise GenerationCancelledError(
                    "The stream was stopped", details={"task_id": self.job.task_id}
                )
            if time.monotonic() >= deadline:
                self._cut = _slow_reader(
                    self.job.task_id,
                    f"The client read nothing for {STALL_TIMEOUT_S:g} s while "
                    f"{QUEUE_AUDIO_S:g} s of audio waited for it; the generation was stopped "
                    "to free the model",
                )
                self.stop.set()
                raise self._cut

    def _run(self) -> None:
        task_id = self.job.task_id
        with self.state.runner.tracking(task_id):
            self._run_tracked(task_id)

    def _run_tracked(self, task_id: str) -> None:
        try:
            completed = self._generate()
        except GenerationCancelledError as exc:
            cut = self._cut or (exc if exc.details.get("reason") else None)
            if cut is not None:
                self._finish(TaskState.CANCELLED, error=cut.to_dict())
                self._emit("error", cut)
            else:
                self._finish(TaskState.CANCELLED)
                self._emit("cancelled", {"type": "cancelled", "task_id": task_id})
        except Exception as exc:
            # Unexpected errors are logged there with the detail; users see a safe message.
            error = lifecycle.jsonable(public_error(exc, task_id))
            self._finish(TaskState.FAILED, error=error)
            self._emit("error", PublicError(error))
        else:
            self._emit("completed", completed)

    def _generate(self) -> dict[str, Any]:
        job = self.job
        generator = self.state.generators.get(job.model)
        # The registry's facts, not the engine's: asking the engine would wait for the model
        # while another generation holds it, and the client should learn its task id at once.
        info = generator.info
        self._emit(
            "started",
            {
                "type": "started",
                "task_id": job.task_id,
                "sample_rate": info.sample_rate,
                "channels": info.channels,
                "encoding": ENCODING,
                "chunk_s": job.chunk_s,
            },
        )
        # One generation per model at a time, as the queue's workers do.
        model_lock = self.state.generators.lock(job.model)
        while not model_lock.acquire(timeout=_STOP_CHECK_S):
            self._check_cancel()
        try:
            started = time.perf_counter()
            samples = self._render(generator, info)
            engine_s = time.perf_counter() - started - self._waited_s
        finally:
            model_lock.release()
        self._check_cancel()
        audio = AudioOutput(
            samples=samples,
            sample_rate=info.sample_rate,
            metadata={
                "engine": info.engine,
                "model": job.model,
                "seed": job.seed,
                "prompt": job.prompt,
                "streamed": True,
                "chunk_s": job.chunk_s,
                "params": {
                    "duration_s": job.duration_s,
                    "temperature": job.temperature,
                    "top_k": job.top_k,
                    "top_p": job.top_p,
                    "loudness_lufs": job.loudness_lufs,
                },
                "loudness_target_lufs": job.loudness_lufs,
                **measure(samples, info.sample_rate),
            },
        )
        notes = self._notes(generator)
        if notes is not None:
            audio.metadata["plan"] = notes[0]
        self.state.speed.record(job.model, engine_s, audio.duration)
        file_id = self._store(audio)
        midi_id = self.state.storage.save_midi(notes[1]) if notes is not None else None
        self._finish(
            TaskState.COMPLETED,
            result={
                "duration": audio.duration,
                "metadata": audio.metadata,
                "files": {"audio": file_id},
                "midi": midi_id,
            },
        )
        return {
            "type": "completed",
            "task_id": job.task_id,
            "audio_url": self.audio_url(file_id),
            "duration": audio.duration,
            "metadata": audio.metadata,
        }

    def _render(self, generator: MusicGenerator, info: ModelInfo) -> np.ndarray:
        """Stream the engine's chunks to the queue; returns the whole piece's samples."""
        job = self.job
        chunks = generator.stream(
            job.prompt,
            job.duration_s,
            chunk_s=job.chunk_s,
            temperature=job.temperature,
            top_k=job.top_k,
            top_p=job.top_p,
            seed=job.seed,
            loudness_lufs=job.loudness_lufs,
        )
        parts: list[np.ndarray] = []
        total = max(1, round(job.duration_s * info.sample_rate))
        done = 0
        next_progress = 0.0
        try:
            for seq, chunk in enumerate(_checked(chunks, info.sample_rate, info.channels)):
                self._check_cancel()
                parts.append(chunk.samples)
                self._wait_for_room()
                self._emit("audio_chunk", _chunk_message(seq, chunk))
                done += chunk.samples.shape[1]
                if time.monotonic() >= next_progress:
                    next_progress = time.monotonic() + lifecycle.PROGRESS_INTERVAL_S
                    if self.state.runner.write_progress(job.task_id, done / total):
                        self.stop.set()
        finally:
            # An early stop releases the engine (and its lock) now, not at garbage collection.
            if isinstance(chunks, Generator):
                chunks.close()
        if not parts:
            return np.zeros((info.channels, 0), np.float32)
        return np.concatenate(parts, axis=1)

    def _notes(self, generator: MusicGenerator) -> tuple[dict[str, Any], bytes] | None:
        """The plan and the notes (a MIDI file) of a composer piece; None for other engines.

        The stream carries audio only; the composer plans from the prompt and the seed, so
        planning again (fast, nothing rendered) gives the notes the chunks were made from.
        """
        engine = generator.engine
        if not isinstance(engine, ComposerEngine | ComposerPool):
            return None
        job = self.job
        params = generator.make_params(
            job.prompt, job.duration_s, job.temperature, job.top_k, job.top_p, job.seed
        )
        plan, arrangement, _ = engine.plan(params)
        buffer = io.BytesIO()
        arrangement.to_midi([part.name for part in plan.parts]).write(buffer)
        return plan.to_dict(), buffer.getvalue()

    def _check_cancel(self) -> None:
        if self._cut is not None:
            raise self._cut
        if self.stop.is_set() or self.state.runner.is_cancelled(self.job.task_id):
            raise GenerationCancelledError(
                "Generation was cancelled", details={"task_id": self.job.task_id}
            )

    def _store(self, audio: AudioOutput) -> str:
        file_id, size = self.state.storage.save(audio, self.job.format)
        with self.state.db.session() as session:
            session.add(
                AudioFile(
                    id=file_id,
                    account_id=self.job.principal.account_id,
                    task_id=self.job.task_id,
                    label="audio",
                    format=self.job.format,
                    size_bytes=size,
                    duration_s=audio.duration,
                )
            )
        return file_id

    def _finish(
        self,
        status: TaskState,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> None:
        lifecycle.finish(
            self.state.db,
            self.job.task_id,
            status,
            result=result,
            error=error,
            owner=self.job.owner,
        )


def _slow_reader(task_id: str, message: str) -> GenerationCancelledError:
    return GenerationCancelledError(message, details={"task_id": task_id, "reason": "slow_reader"})


def _checked(chunks: Iterator[AudioChunk], sample_rate: int, channels: int) -> Iterator[AudioChunk]:
    """The chunks, each checked against what the started message announced."""
    for chunk in chunks:
        shape = chunk.samples.shape
        if chunk.samples.ndim != 2 or shape[0] != channels or chunk.sample_rate != sample_rate:
            raise GenerationError(
                f"The engine streamed a chunk of shape {shape} at {chunk.sample_rate} Hz; "
                f"expected ({channels}, frames) at {sample_rate} Hz",
                details={"shape": list(shape), "sample_rate": chunk.sample_rate},
            )
        yield chunk


def _chunk_message(seq: int, chunk: AudioChunk) -> dict[str, Any]:
    return {
        "type": "audio_chunk",
        "seq": seq,
        "data": base64.b64encode(pcm16(chunk.samples)).decode("ascii"),
        "start_frame": chunk.start_frame,
        "frames": int(chunk.samples.shape[1]),
        "timestamp": chunk.start_frame / chunk.sample_rate,
    }
