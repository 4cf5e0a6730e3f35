"""Service speed against a real ``musicgen serve`` process on loopback.

Measures, with authentication and limits on (the bench key's tier allows 10 million
requests a minute):

* status-poll throughput: GET /generate/{task_id}, N requests at bounded concurrency;
* a baseline: GET /health (no key, no database), the ceiling of this machine, the
  framework and the load generator together;
* submit-to-done overhead: wall time from POST /generate until a poll sees "completed",
  minus the engine's own time for that task (``engine_s``), for sequential short pieces.

Usage:
    PYTHONPATH=. python bench/service_speed.py [--polls 3000] [--concurrency 32] [--tasks 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: str, workers: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSICGEN_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(
        MUSICGEN_ENVIRONMENT="test",
        MUSICGEN_SECRET_KEY="bench-secret-0123456789abcdef",
        MUSICGEN_DATA_DIR=data_dir,
        MUSICGEN_LOG_LEVEL="warning",
        MUSICGEN_WORKERS=str(workers),
        MUSICGEN_PRO_REQUESTS_PER_MINUTE="10000000",
        MUSICGEN_PRO_CONCURRENT_GENERATIONS="1000",
    )
    return env


async def _polls(url: str, headers: dict[str, str], total: int, concurrency: int) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(total):
        queue.put_nowait(index)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            while True:
                try:
                    queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                start = time.perf_counter()
                response = await client.get(url, headers=headers)
                latencies.append(time.perf_counter() - start)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": total,
        "seconds": elapsed,
        "rps": total / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)],
        "statuses": statuses,
    }


def _submit_to_done(base: str, headers: dict[str, str], tasks: int, duration_s: float) -> dict:
    overheads: list[float] = []
    totals: list[float] = []
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for index in range(tasks):
            start = time.perf_counter()
            task_id = client.post(
                "/api/v1/generate",
                json={"prompt": "calm piano melody", "duration": duration_s, "seed": index},
            ).json()["task_id"]
            while True:
                body = client.get(f"/api/v1/generate/{task_id}").json()
                if body["status"] in ("completed", "failed", "cancelled"):
                    break
                time.sleep(0.005)
            total = time.perf_counter() - start
            if body["status"] != "completed":
                raise SystemExit(f"task {task_id} ended {body['status']}: {body.get('error')}")
            totals.append(total)
            overheads.append(total - body["engine_s"])
    return {
        "tasks": tasks,
        "duration_s": duration_s,
        "median_total_s": statistics.median(totals),
        "median_overhead_ms": 1000 * statistics.median(overheads),
        "max_overhead_ms": 1000 * max(overheads),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--duration", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as data_dir:
        env = _env(data_dir, args.workers)
        key = (
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "music_gen",
                    "keys",
                    "create",
                    "--name",
                    "bench",
                    "--tier",
                    "pro",
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        headers = {"Authorization": f"Bearer {key}"}
        port = _port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "music_gen", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/api/v1/health/ready", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            else:
                raise SystemExit("server did not become ready")
            done = _submit_to_done(base, headers, args.tasks, args.duration)
            task_id = httpx.post(
                f"{base}/api/v1/generate",
                json={"prompt": "calm piano", "duration": 1},
                headers=headers,
            ).json()["task_id"]
            polls = asyncio.run(
                _polls(f"{base}/api/v1/generate/{task_id}", headers, args.polls, args.concurrency)
            )
            # Ceiling of this machine, server framework and load generator: no key, no DB.
            health = asyncio.run(_polls(f"{base}/api/v1/health", {}, args.polls, args.concurrency))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    print(f"cpu cores: {os.cpu_count()}, workers: {args.workers}")
    print(
        f"status polls: {polls['rps']:.0f} requests/s ({polls['requests']} requests, "
        f"concurrency {args.concurrency}, p50 {polls['p50_ms']:.1f} ms, "
        f"p95 {polls['p95_ms']:.1f} ms, statuses {polls['statuses']})"
    )
    print(
        f"baseline GET /health (no auth, no database): {health['rps']:.0f} requests/s "
        f"(p50 {health['p50_ms']:.1f} ms, p95 {health['p95_ms']:.1f} ms)"
    )
    print(
        f"submit-to-done: {done['tasks']} sequential {done['duration_s']:g}s composer pieces, "
        f"median total {done['median_total_s']:.3f} s, overhead beyond engine time: "
        f"median {done['median_overhead_ms']:.1f} ms, max {done['max_overhead_ms']:.1f} ms"
    )


if __name__ == "__main__":
    main()
