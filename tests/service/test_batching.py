"""Batched MusicGen workers: queued tasks run as one batch, each exactly as it would alone."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient
from sqlalchemy import select

from music_gen import MusicGenerator
from music_gen.errors import GenerationCancelledError
from music_gen.service import create_app, lifecycle
from music_gen.service.auth import Principal
from music_gen.service.jobs.batching import BatchProgress, batch_key
from music_gen.service.models import AudioFile, Task
from music_gen.service.routes.common import new_task
from tests.service.conftest import Service, make_settings

pytest.importorskip("torch")
pytest.importorskip("transformers")

from tests.engines.musicgen.tiny import TINY_SAMPLE_RATE, build_tiny_checkpoint

#: (prompt, duration_s, seed) of the tasks queued together.
REQUESTS = [
    ("calm piano", 0.5, 1),
    ("loud techno drums", 1.3, 2),
    ("sad violin", 0.9, 3),
    ("calm piano", 0.9, 4),
]


@pytest.fixture(scope="module")
def tiny_mono(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_checkpoint(tmp_path_factory.mktemp("tiny-batch") / "mono", "mono")


@pytest.fixture
def batched(tmp_path: Path) -> Iterator[Service]:
    settings = make_settings(tmp_path, workers=1, batch_max=8, batch_wait_ms=200)
    app = create_app(settings)
    with TestClient(app) as client:
        yield Service(client=client, state=app.state.service)


def _queue(
    service: Service,
    model: str,
    requests: list[tuple[str, float, int]],
    *,
    cancelled: tuple[int, ...] = (),
    loudness: tuple[float | None, ...] | None = None,
) -> tuple[list[str], dict[str, str]]:
    key, account_id = service.key()
    principal = Principal(account_id=account_id, tier="free", key_id="k")
    tasks = [
        new_task(
            principal,
            model=model,
            duration_s=duration,
            fmt="wav",
            params={"prompt": prompt, "temperature": 1.0, "top_k": 250, "top_p": 1.0, "seed": seed},
        )
        for prompt, duration, seed in requests
    ]
    for task, lufs in zip(tasks, loudness or (), strict=False):
        task.params = {**task.params, "loudness_lufs": lufs}
    for index in cancelled:  # asked to stop before it started: seen at its first report
        tasks[index].cancel_requested = True
    with service.state.db.session() as session:  # one commit: the worker sees them together
        session.add_all(tasks)
    service.state.queue.submit(tasks[0].id)
    return [task.id for task in tasks], {"Authorization": f"Bearer {key}"}


def _audio(service: Service, task_id: str) -> np.ndarray:
    with service.state.db.session() as session:
        task = session.get(Task, task_id)
        assert task is not None
        file_id = task.result["files"]["audio"] if task.result else ""
    samples, rate = sf.read(io.BytesIO(service.state.storage.path(file_id, "wav").read_bytes()))
    assert rate == TINY_SAMPLE_RATE
    return np.asarray(samples, dtype=np.float32)


def test_queued_tasks_run_as_one_batch_each_as_alone(batched: Service, tiny_mono: Path) -> None:
    ids, headers = _queue(batched, str(tiny_mono), REQUESTS)
    for task_id in ids:
        body = batched.wait(task_id, headers, timeout_s=120)
    with batched.state.db.session() as session:
        tasks = [session.get(Task, task_id) for task_id in ids]
        assert [t.status for t in tasks if t is not None] == ["completed"] * len(ids), body
        assert [t.result["batch_size"] for t in tasks if t is not None and t.result] == [4] * 4
    with MusicGenerator(model=str(tiny_mono), device="cpu") as alone:
        for task_id, (prompt, duration, seed) in zip(ids, REQUESTS, strict=True):
            expected = alone.generate(prompt, duration=duration, seed=seed).samples[0]
            stored = _audio(batched, task_id)
            assert stored.shape == (round(duration * TINY_SAMPLE_RATE),)
            # 16-bit WAV: equal to within a quantisation step or two.
            np.testing.assert_allclose(stored, expected, atol=1e-4)


def test_each_task_of_a_batch_gets_its_own_loudness_target(
    batched: Service, tiny_mono: Path
) -> None:
    requests = REQUESTS[:3]
    targets = (-20.0, None, -30.0)
    ids, headers = _queue(batched, str(tiny_mono), requests, loudness=targets)
    for task_id in ids:
        batched.wait(task_id, headers, timeout_s=120)
    with batched.state.db.session() as session:
        results = [session.get(Task, task_id).result for task_id in ids]  # type: ignore[union-attr]
    assert [r["batch_size"] for r in results if r] == [3, 3, 3]
    assert [r["metadata"]["loudness_target_lufs"] for r in results if r] == list(targets)
    with MusicGenerator(model=str(tiny_mono), device="cpu") as alone:
        for task_id, (prompt, duration, seed), lufs in zip(ids, requests, targets, strict=True):
            expected = alone.generate(prompt, duration=duration, seed=seed, loudness_lufs=lufs)
            np.testing.assert_allclose(_audio(batched, task_id), expected.samples[0], atol=1e-4)


def test_a_cancelled_task_ends_alone_and_its_batch_mates_complete(
    batched: Service, tiny_mono: Path
) -> None:
    requests = REQUESTS[:3]
    ids, headers = _queue(batched, str(tiny_mono), requests, cancelled=(1,))
    bodies = [batched.wait(task_id, headers, timeout_s=120) for task_id in ids]
    assert [body["status"] for body in bodies] == ["completed", "cancelled", "completed"]
    with batched.state.db.session() as session:
        first = session.get(Task, ids[0])
        assert first is not None and first.result is not None
        assert first.result["batch_size"] == 3
    prompt, duration, seed = requests[2]
    with MusicGenerator(model=str(tiny_mono), device="cpu") as alone:
        expected = alone.generate(prompt, duration=duration, seed=seed).samples[0]
    np.testing.assert_allclose(_audio(batched, ids[2]), expected, atol=1e-4)


def test_only_musicgen_generations_with_equal_settings_share_a_batch(tiny_mono: Path) -> None:
    params = {"prompt": "x", "temperature": 1.0, "top_k": 250, "top_p": 1.0, "seed": 1}
    key = batch_key("generate", str(tiny_mono), params)
    assert key is not None
    assert batch_key("generate", str(tiny_mono), {**params, "seed": 9, "prompt": "y"}) == key
    assert batch_key("generate", str(tiny_mono), {**params, "top_k": 50}) != key
    assert batch_key("multi", str(tiny_mono), params) is None
    assert batch_key("generate", "composer", params) is None


def test_a_cancelled_task_leaves_its_batch_running() -> None:
    seen: list[tuple[str, float]] = []

    def reporter(task_id: str, stop_at: float | None):  # type: ignore[no-untyped-def]
        def report(fraction: float) -> None:
            if stop_at is not None and fraction >= stop_at:
                raise GenerationCancelledError("Generation was cancelled")
            seen.append((task_id, fraction))

        return report

    progress = BatchProgress({"a": reporter("a", 0.5), "b": reporter("b", None)})
    for fraction in (0.25, 0.5, 0.75, 1.0):
        progress(fraction)
    assert set(progress.stopped) == {"a"}
    assert [f for t, f in seen if t == "b"] == [0.25, 0.5, 0.75, 1.0]
    assert [f for t, f in seen if t == "a"] == [0.25]
    alone = BatchProgress({"a": reporter("a", 0.5)})
    alone(0.25)
    with pytest.raises(GenerationCancelledError):
        alone(0.5)


def test_a_batch_stores_its_progress_at_once_and_leaves_stopped_tasks_out() -> None:
    written: list[tuple[list[str], float]] = []

    def stop_b(fraction: float) -> None:
        if fraction >= 0.5:
            raise GenerationCancelledError("Generation was cancelled")

    progress = BatchProgress(
        {"a": lambda fraction: None, "b": stop_b},
        report=lambda ids, fraction: written.append((ids, fraction)),
        interval_s=3600.0,
    )
    progress(0.1)
    progress(0.5)  # within the interval: not stored again; b stops
    progress.interval_s = 0.0
    progress(0.9)
    assert written == [(["a", "b"], 0.1), (["a"], 0.9)]


def test_batch_progress_is_stored_and_reads_back_who_must_stop(
    batched: Service, tiny_mono: Path
) -> None:
    _, account_id = batched.key()
    principal = Principal(account_id=account_id, tier="free", key_id="k")
    tasks = [
        new_task(principal, model=str(tiny_mono), duration_s=1.0, fmt="wav", params={})
        for _ in range(3)
    ]
    for task in tasks:  # running (processing: no queue worker takes them)
        task.status = "processing"
    tasks[1].cancel_requested = True  # asked through the API
    with batched.state.db.session() as session:
        session.add_all(tasks)
    ids = [task.id for task in tasks]

    stop = lifecycle.report_batch_progress(batched.state.db, [*ids, "deleted-task"], 0.5)

    assert stop == {ids[1], "deleted-task"}
    with batched.state.db.session() as session:
        assert [session.get(Task, task_id).progress for task_id in ids] == [0.5] * 3  # type: ignore[union-attr]


def test_a_batch_records_only_the_tasks_it_still_owns(batched: Service, tiny_mono: Path) -> None:
    """A batch-mate taken over by another worker (its owner token changed while the batch
    ran) keeps that worker's outcome: the batch writes nothing for it and completes the rest."""
    _, account_id = batched.key()
    principal = Principal(account_id=account_id, tier="free", key_id="k")
    mine, theirs = "a" * 32, "b" * 32
    tasks = [
        new_task(
            principal,
            model=str(tiny_mono),
            duration_s=duration,
            fmt="wav",
            params={"prompt": prompt, "temperature": 1.0, "top_k": 250, "top_p": 1.0, "seed": seed},
        )
        for prompt, duration, seed in REQUESTS[:3]
    ]
    for task in tasks:  # claimed by this worker (processing: no queue worker takes them)
        task.status, task.owner, task.attempts = "processing", mine, 1
    tasks[1].owner = theirs  # presumed dead, recovered and claimed again elsewhere
    with batched.state.db.session() as session:
        session.add_all(tasks)
    ids = [task.id for task in tasks]

    statuses = batched.state.runner.run_batch(ids, owner=mine)

    assert statuses == {ids[0]: "completed", ids[1]: "lost", ids[2]: "completed"}
    with batched.state.db.session() as session:
        taken = session.get(Task, ids[1])
        assert taken is not None
        assert (taken.status, taken.owner, taken.result) == ("processing", theirs, None)
        files = session.scalars(select(AudioFile).where(AudioFile.task_id == ids[1])).all()
        assert files == []
    assert _audio(batched, ids[0]).shape == (round(REQUESTS[0][1] * TINY_SAMPLE_RATE),)
