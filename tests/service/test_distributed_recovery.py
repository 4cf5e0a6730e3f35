"""Recovery for the Celery queue: only tasks whose worker stopped beating are touched."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from music_gen.service.auth import create_key
from music_gen.service.db import Database
from music_gen.service.lifecycle import claim, recover
from music_gen.service.models import Task, utcnow
from tests.service.conftest import BACKENDS, SECRET, database, make_settings


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database(request.param) as db_settings:
        base = Database(make_settings(tmp_path, **db_settings))
        base.migrate()
        try:
            yield base
        finally:
            base.dispose()


def _task(db: Database, status: str, attempts: int, beat_age_s: float, **extra: Any) -> str:
    with db.session() as session:
        info, _ = create_key(session, name="t", tier="free", account_id=None, secret=SECRET)
        task = Task(
            id=str(uuid.uuid4()),
            account_id=info.account_id,
            status=status,
            model="test-tone",
            duration_s=1.0,
            attempts=attempts,
            heartbeat_at=utcnow() - timedelta(seconds=beat_age_s),
            **{"params": {"prompt": "x"}, **extra},
        )
        session.add(task)
    return task.id


def _status(db: Database, task_id: str) -> tuple[str, int]:
    with db.session() as session:
        task = session.get(Task, task_id)
        assert task is not None
        return task.status, task.attempts


def test_only_stale_tasks_are_recovered(db: Database) -> None:
    alive = _task(db, "processing", attempts=1, beat_age_s=1)
    dead = _task(db, "processing", attempts=1, beat_age_s=60)
    exhausted = _task(db, "processing", attempts=3, beat_age_s=60)
    cancelled = _task(db, "processing", attempts=1, beat_age_s=60, cancel_requested=True)
    requeued = recover(db, max_attempts=3, stale_after_s=30).requeued
    assert requeued == [dead]
    assert _status(db, alive) == ("processing", 1)
    assert _status(db, dead) == ("queued", 1)
    assert _status(db, exhausted)[0] == "failed"
    assert _status(db, cancelled)[0] == "cancelled"


def test_a_task_is_claimed_once(db: Database) -> None:
    queued = _task(db, "queued", attempts=0, beat_age_s=0)
    assert claim(db, queued) == 1
    assert claim(db, queued) is None
    assert _status(db, queued) == ("processing", 1)


def test_the_celery_queue_recovers_and_claims_like_the_local_one(
    db: Database, tmp_path: Path
) -> None:
    """The server side of the Celery queue is a JobQueue: it claims and recovers (no broker
    is needed when no recovered task goes back to the queue)."""
    from music_gen.service.jobs import GeneratorPool, JobQueue, SpeedTracker, TaskRunner
    from music_gen.service.jobs.distributed import CeleryQueue
    from music_gen.service.storage import AudioStorage

    settings = make_settings(tmp_path, heartbeat_timeout_s=30, max_attempts=3)
    runner = TaskRunner(
        db, AudioStorage(tmp_path / "audio"), GeneratorPool(device="cpu"), SpeedTracker(0.5)
    )
    queue = CeleryQueue(db, runner, settings)
    assert isinstance(queue, JobQueue)
    alive = _task(db, "processing", attempts=3, beat_age_s=1)
    exhausted = _task(db, "processing", attempts=3, beat_age_s=60)
    cancelled = _task(db, "processing", attempts=1, beat_age_s=60, cancel_requested=True)
    recovered = queue.recover()
    assert (recovered.requeued, recovered.failed, recovered.cancelled) == ([], 1, 1)
    assert _status(db, alive) == ("processing", 3)
    assert _status(db, exhausted)[0] == "failed"
    assert _status(db, cancelled)[0] == "cancelled"
    queued = _task(db, "queued", attempts=0, beat_age_s=0)
    assert [queue.claim(), queue.claim()] == [queued, None]
    assert _status(db, queued) == ("processing", 1)
    queue.celery.close()


def _stale(db: Database, task_id: str) -> None:
    with db.session() as session:
        task = session.get(Task, task_id)
        assert task is not None
        task.heartbeat_at = utcnow() - timedelta(seconds=60)


def test_a_task_has_one_owner(db: Database, tmp_path: Path) -> None:
    """A worker whose task was recovered and re-run elsewhere cannot write its result."""
    from music_gen.service.jobs import GeneratorPool, SpeedTracker, TaskRunner
    from music_gen.service.models import AudioFile
    from music_gen.service.storage import AudioStorage

    storage = AudioStorage(tmp_path / "audio")
    runner = TaskRunner(db, storage, GeneratorPool(device="cpu"), SpeedTracker(0.5))
    task_id = _task(
        db,
        "queued",
        attempts=0,
        beat_age_s=0,
        params={"prompt": "x", "temperature": 1.0, "top_k": 250, "top_p": 1.0, "seed": 1},
    )
    assert claim(db, task_id, owner="worker-a") == 1
    _stale(db, task_id)  # worker-a looks dead (a long pause, a network split)...
    assert recover(db, max_attempts=3, stale_after_s=30).requeued == [task_id]
    assert claim(db, task_id, owner="worker-b") == 2  # ...and worker-b takes the task over
    assert runner.run(task_id, owner="worker-a") == "lost"  # worker-a wakes up and finishes
    with db.session() as session:
        task = session.get(Task, task_id)
        assert task is not None and task.status == "processing" and task.result is None
        assert session.query(AudioFile).filter_by(task_id=task_id).count() == 0
    assert list(storage.root.iterdir()) == []  # its files were removed, not left behind
    assert runner.run(task_id, owner="worker-b") == "completed"
    with db.session() as session:
        assert session.query(AudioFile).filter_by(task_id=task_id).count() == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_stream_on_a_celery_server_beats_and_is_not_recovered(
    backend: str, tmp_path: Path
) -> None:
    """A live WebSocket stream belongs to its server: a worker's recovery leaves it alone."""
    from fastapi.testclient import TestClient

    from music_gen.engines.registry import temporarily_registered
    from music_gen.service import create_app
    from tests.service.conftest import Service
    from tests.service.test_stream import WS, _spec

    with temporarily_registered(_spec("test-drip-slow", 0.05)), database(backend) as db_settings:
        settings = make_settings(
            tmp_path, queue="celery", heartbeat_timeout_s=0.5, preload=False, **db_settings
        )
        app = create_app(settings)
        with TestClient(app) as client:
            service = Service(client=client, state=app.state.service)
            # Without a loudness target, so that chunks leave as they are made (a target holds
            # the first seconds back, and this piece is shorter than that).
            request = {
                "type": "generate",
                "prompt": "x",
                "duration": 4,
                "model": "test-drip-slow",
                "loudness_lufs": None,
            }
            with client.websocket_connect(WS, headers=service.auth()) as ws:
                ws.send_json({**request, "chunk_s": 0.1})
                task_id = ws.receive_json()["task_id"]
                for _ in range(20):  # 1 s of streaming: twice the heartbeat timeout
                    assert ws.receive_json()["type"] == "audio_chunk"
                db = service.state.db
                assert recover(db, max_attempts=3, stale_after_s=0.5).requeued == []
                assert _status(db, task_id) == ("processing", 1)
                while (message := ws.receive_json())["type"] == "audio_chunk":
                    pass
            assert message["type"] == "completed"
            assert _status(db, task_id) == ("completed", 1)
