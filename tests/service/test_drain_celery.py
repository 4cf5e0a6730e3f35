"""A Celery worker's warm shutdown: SIGTERM with running tasks finishes them and loses nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.conftest import TERMINAL, database
from tests.service.live import ROOT, create_key
from tests.service.test_distributed import Cluster, _drop_queue, _redis_reachable

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]


class SleepCluster(Cluster):
    """A Celery cluster whose processes know the "test-sleep" model."""

    def spawn(self, *args: str, release: bool = False, test_engines: bool = True) -> Any:
        log = self.data_dir / f"{args[0]}-{len(self.processes)}.log"
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.service.sleep_engines", *args],
                env=self.env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        self.processes.append(process)
        return process


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[SleepCluster]:
    reason = _redis_reachable()
    if reason is not None:
        pytest.skip(f"Redis is not reachable: {reason}")
    with database("postgres") as db_settings:
        live = SleepCluster(tmp_path, db_settings)
        try:
            live.spawn("serve", "--port", str(live.port))
            yield live
        finally:
            live.kill_all()
            _drop_queue(live)


def test_sigterm_on_a_busy_worker_finishes_running_tasks(cluster: SleepCluster) -> None:
    worker = cluster.worker()  # two generation threads
    cluster.wait_ready()
    headers = {"Authorization": f"Bearer {create_key(cluster.env, tier='pro')}"}
    ids = []
    for seed in range(3):
        accepted = httpx.post(
            f"{cluster.url}/api/v1/generate",
            json={"prompt": "tone", "duration": 3, "model": "test-sleep", "seed": seed},
            headers=headers,
        )
        assert accepted.status_code == 202, accepted.text
        ids.append(accepted.json()["task_id"])
    for task_id in ids[:2]:
        assert cluster.wait(task_id, headers, ("processing", *TERMINAL))["status"] == "processing"
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0
    # Warm shutdown: both running generations completed before the worker left ...
    for task_id in ids[:2]:
        status = httpx.get(f"{cluster.url}/api/v1/generate/{task_id}", headers=headers).json()
        assert status["status"] == "completed", status
    # ... and the third, never started, is still queued; the next worker runs it.
    third = httpx.get(f"{cluster.url}/api/v1/generate/{ids[2]}", headers=headers).json()
    assert third["status"] == "queued", third
    cluster.worker()
    assert cluster.wait(ids[2], headers, TERMINAL)["status"] == "completed"
