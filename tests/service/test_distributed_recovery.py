"""Recovery for the Celery queue: only tasks whose worker stopped beating are touched."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from music_gen.service.auth import create_key
from music_gen.service.db import Database
from music_gen.service.jobs.distributed import claim, recover_stale
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


def _task(db: Database, status: str, attempts: int, beat_age_s: float, **extra: object) -> str:
    with db.session() as session:
        info, _ = create_key(session, name="t", tier="free", account_id=None, secret=SECRET)
        task = Task(
            id=str(uuid.uuid4()),
            account_id=info.account_id,
            status=status,
            model="test-tone",
            duration_s=1.0,
            params={"prompt": "x"},
            attempts=attempts,
            heartbeat_at=utcnow() - timedelta(seconds=beat_age_s),
            **extra,
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
    requeued = recover_stale(db, timeout_s=30, max_attempts=3)
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
