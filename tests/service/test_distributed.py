"""The Celery queue end to end: real ``serve`` and ``worker`` processes on Redis and PostgreSQL."""

from __future__ import annotations

import io
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import soundfile as sf

from tests.service.conftest import TERMINAL, database
from tests.service.live import ROOT, create_key, free_port, service_env

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
TEST_RATE = 22050


def _redis_reachable() -> str | None:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            if sock.recv(16).startswith(b"+PONG"):
                return None
            return "Redis did not answer PING"
    except OSError as exc:
        return str(exc)


class Cluster:
    """A ``serve`` process with MUSICGEN_QUEUE=celery and the worker processes started."""

    def __init__(self, data_dir: Path, db_settings: dict[str, str]) -> None:
        self.queue_name = f"musicgen_test_{uuid.uuid4().hex[:10]}"
        self.redis_db = random.randint(1, 15)
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = service_env(
            data_dir,
            queue="celery",
            broker_url=f"redis://{REDIS_HOST}:{REDIS_PORT}/{self.redis_db}",
            celery_queue=self.queue_name,
            heartbeat_timeout_s="1.5",
            default_model="composer",
            preload="false",
            **db_settings,
        )
        self.processes: list[subprocess.Popen[bytes]] = []

    def spawn(self, *args: str, release: bool = False, test_engines: bool = True) -> Any:
        """Start a musicgen command (with the test models unless ``test_engines`` is off)."""
        module = "tests.service.with_test_engines" if test_engines else "music_gen"
        env = dict(self.env, TEST_ENGINES_RELEASE="1" if release else "0")
        log = self.data_dir / f"{args[0]}-{len(self.processes)}.log"
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", module, *args],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        self.processes.append(process)
        return process

    def worker(self, *, release: bool = False, test_engines: bool = True) -> Any:
        """Start a worker consuming this cluster's queue."""
        return self.spawn(
            "worker", "--concurrency", "2", release=release, test_engines=test_engines
        )

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        """Wait until the server answers ready (database up, a worker answers a ping)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health/ready", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the service did not become ready")

    def wait(self, task_id: str, headers: dict[str, str], until: tuple[str, ...]) -> Any:
        """Poll a task until its status is in ``until`` (a guard, not a timing assertion)."""
        deadline = time.monotonic() + 90
        body: dict[str, Any] = {}
        while time.monotonic() < deadline:
            body = httpx.get(f"{self.url}/api/v1/generate/{task_id}", headers=headers).json()
            if body.get("status") in until:
                break
            time.sleep(0.1)
        return body

    def kill_all(self) -> None:
        """SIGKILL every process started here and reap it."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        self.processes.clear()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A celery-queue server; each test starts its workers. Everything is killed after."""
    reason = _redis_reachable()
    if reason is not None:
        pytest.skip(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}: {reason}")
    with database("postgres") as db_settings:
        live = Cluster(tmp_path, db_settings)
        try:
            live.spawn("serve", "--port", str(live.port))
            yield live
        finally:
            live.kill_all()
            _drop_queue(live)


def _drop_queue(live: Cluster) -> None:
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=live.redis_db)
    try:
        for key in client.scan_iter(f"*{live.queue_name}*"):
            client.delete(key)
    finally:
        client.close()


def _wav_frames(live: Cluster, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, int]:
    audio = httpx.get(body["audio_url"], headers=headers, params={"format": "wav"}, timeout=30)
    assert audio.status_code == 200
    assert audio.headers["content-type"] == "audio/wav"
    data, rate = sf.read(io.BytesIO(audio.content))
    return len(data), rate


def test_three_composer_generations_through_celery(cluster: Cluster) -> None:
    cluster.worker(test_engines=False)
    cluster.wait_ready()
    headers = {"Authorization": f"Bearer {create_key(cluster.env)}"}
    durations = [1.0, 1.5, 2.0]
    ids = []
    for index, duration in enumerate(durations):
        accepted = httpx.post(
            f"{cluster.url}/api/v1/generate",
            json={"prompt": "calm piano melody", "duration": duration, "seed": index},
            headers=headers,
        )
        assert accepted.status_code == 202, accepted.text
        ids.append(accepted.json()["task_id"])
    for task_id, duration in zip(ids, durations, strict=True):
        done = cluster.wait(task_id, headers, TERMINAL)
        assert done["status"] == "completed", done
        frames, rate = _wav_frames(cluster, done, headers)
        assert frames == round(duration * rate)
    ready = httpx.get(f"{cluster.url}/api/v1/health/ready").json()
    assert ready["workers_alive"] >= 1
    assert ready["queue_depth"] == 0


def test_killed_worker_task_is_finished_by_another(cluster: Cluster) -> None:
    first = cluster.worker()  # test-slow waits until killed
    cluster.wait_ready()
    headers = {"Authorization": f"Bearer {create_key(cluster.env)}"}
    accepted = httpx.post(
        f"{cluster.url}/api/v1/generate",
        json={"prompt": "slow", "duration": 1, "model": "test-slow"},
        headers=headers,
    )
    assert accepted.status_code == 202, accepted.text
    task_id = accepted.json()["task_id"]
    running = cluster.wait(task_id, headers, ("processing", *TERMINAL))
    assert running["status"] == "processing", running
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    cluster.worker(release=True)  # test-slow finishes at once here
    done = cluster.wait(task_id, headers, TERMINAL)
    assert done["status"] == "completed", done
    frames, rate = _wav_frames(cluster, done, headers)
    assert (frames, rate) == (TEST_RATE, TEST_RATE)


def test_cancel_running_and_queued_tasks(cluster: Cluster) -> None:
    cluster.worker()  # concurrency 2, test-slow never finishes on its own here
    cluster.wait_ready()
    headers = {"Authorization": f"Bearer {create_key(cluster.env)}"}
    ids = []
    for _ in range(3):
        accepted = httpx.post(
            f"{cluster.url}/api/v1/generate",
            json={"prompt": "slow", "duration": 1, "model": "test-slow"},
            headers=headers,
        )
        assert accepted.status_code == 202, accepted.text
        ids.append(accepted.json()["task_id"])
    running = cluster.wait(ids[0], headers, ("processing", *TERMINAL))
    assert running["status"] == "processing", running
    for task_id in ids:
        answer = httpx.post(f"{cluster.url}/api/v1/generate/{task_id}/cancel", headers=headers)
        assert answer.status_code == 200, answer.text
    for task_id in ids:
        assert cluster.wait(task_id, headers, TERMINAL)["status"] == "cancelled"


def test_a_live_stream_is_not_run_again_by_a_worker(cluster: Cluster) -> None:
    """The server beats for its streams: a worker's recovery leaves a live stream alone."""
    import json

    from websockets.sync.client import connect

    cluster.worker(release=True)  # a re-run here would finish at once and win
    cluster.wait_ready()
    key = create_key(cluster.env)
    headers = {"Authorization": f"Bearer {key}"}
    ws_url = cluster.url.replace("http", "ws", 1) + "/api/v1/ws/stream"
    with connect(ws_url, additional_headers=headers) as ws:
        # test-slow renders for 20 s in the server (it is not released there).
        ws.send(
            json.dumps({"type": "generate", "prompt": "x", "duration": 1, "model": "test-slow"})
        )
        task_id = json.loads(ws.recv(timeout=30))["task_id"]
        time.sleep(3 * 1.5)  # twice the heartbeat timeout: a worker would have recovered it
        assert cluster.wait(task_id, headers, ("processing", *TERMINAL))["status"] == "processing"
        ws.send(json.dumps({"type": "cancel"}))
        while (message := json.loads(ws.recv(timeout=60)))["type"] == "audio_chunk":
            pass
    assert message["type"] == "cancelled", message
    assert cluster.wait(task_id, headers, TERMINAL)["status"] == "cancelled"
