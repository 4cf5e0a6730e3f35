"""Batched MusicGen workers: throughput at 8 concurrent tasks and the cost for a lone task.

Runs the in-process job queue (one worker, the real claim -> generate -> store path) on a tiny
random MusicGen checkpoint on the CPU, twice per round: batching off (``MUSICGEN_BATCH_MAX=1``,
tasks run one at a time) and on (``MUSICGEN_BATCH_MAX=8``, ``MUSICGEN_BATCH_WAIT_MS``). Both
variants run in the same process, alternating, so a busy shared machine slows both alike;
compare the ratios.

* throughput: 8 tasks (by default 1.5 to 3 s of audio each, seeds 0..7) queued at once;
  audio seconds produced per wall second from the queueing to the last completion;
* lone task: one task queued when nothing else waits; wall time from queueing to completion
  (batching adds one look for batch-mates; it waits only when it finds some).

Every task is levelled to -14 LUFS as the service does by default; ``--loudness off`` leaves
the engine's level (``"loudness_lufs": null``), which shows the batching of generation itself:
levelling is per-task work that batching cannot share. (The tiny random checkpoint's output
is faint noise on a large DC offset; levelling removes the offset, so plain gain reaches the
target, as it does for music with headroom under its peaks.)

Usage:
    PYTHONPATH=. python bench/batching.py [--rounds 3] [--wait-ms 25] [--loudness -14|off]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import torch
from fastapi.testclient import TestClient

from music_gen.service import Settings, create_app
from music_gen.service.auth import create_key
from music_gen.service.models import Task
from music_gen.service.state import AppState
from tests.engines.musicgen.tiny import build_tiny_checkpoint

SECRET = "bench-secret-0123456789abcdef"


def _queue(
    state: AppState, model: str, count: int, durations: list[float], loudness: float | None
) -> list[str]:
    with state.db.session() as session:
        account_id = create_key(session, name="bench", tier="pro", secret=SECRET)[0].account_id
    tasks = [
        Task(
            id=str(uuid.uuid4()),
            account_id=account_id,
            kind="generate",
            status="queued",
            progress=0.0,
            model=model,
            duration_s=durations[index % len(durations)],
            format="wav",
            params={
                "prompt": "calm piano melody" if index % 2 else "loud techno drums",
                "temperature": 1.0,
                "top_k": 250,
                "top_p": 1.0,
                "seed": index,
                "loudness_lufs": loudness,
            },
            attempts=0,
            cancel_requested=False,
        )
        for index in range(count)
    ]
    with state.db.session() as session:
        session.add_all(tasks)
    state.queue.submit(tasks[0].id)
    return [task.id for task in tasks]


def _wait(state: AppState, ids: list[str]) -> float:
    """Audio seconds of the finished tasks (waits until all are completed)."""
    while True:
        with state.db.session() as session:
            rows = [session.get(Task, task_id) for task_id in ids]
            if all(row is not None and row.status == "completed" for row in rows):
                return sum(row.duration_s for row in rows if row is not None)
            failed = [row.error for row in rows if row is not None and row.status == "failed"]
            if failed:
                raise RuntimeError(f"a task failed: {failed[0]}")
        time.sleep(0.002)


def _run(
    state: AppState, model: str, count: int, durations: list[float], loudness: float | None
) -> tuple[float, float]:
    started = time.perf_counter()
    ids = _queue(state, model, count, durations, loudness)
    audio_s = _wait(state, ids)
    return audio_s, time.perf_counter() - started


def _app(root: Path, name: str, batch_max: int, wait_ms: float) -> Any:
    settings = Settings(
        environment="test",
        secret_key=SECRET,
        data_dir=root / name,
        workers=1,
        preload=False,
        batch_max=batch_max,
        batch_wait_ms=wait_ms,
        log_level="warning",
    )
    return create_app(settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wait-ms", type=float, default=25.0)
    parser.add_argument("--concurrent", type=int, default=8)
    parser.add_argument(
        "--durations", default="1.5,2,2.5,3", help="seconds of audio of the tasks, cycled"
    )
    parser.add_argument(
        "--loudness", default="-14", help="LUFS every task is levelled to, or 'off'"
    )
    args = parser.parse_args()
    loudness = None if args.loudness == "off" else float(args.loudness)
    durations = [float(value) for value in args.durations.split(",")]
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model = str(build_tiny_checkpoint(root / "tiny", "mono"))
        apps = {
            "one at a time": _app(root, "single", 1, args.wait_ms),
            f"batched (max {args.concurrent})": _app(
                root, "batched", args.concurrent, args.wait_ms
            ),
        }
        clients = {name: TestClient(app).__enter__() for name, app in apps.items()}
        states = {name: app.state.service for name, app in apps.items()}
        for state in states.values():
            state.generators.load(model)
            _run(state, model, 2, durations, loudness)  # warm up: first-call costs
        speed: dict[str, list[float]] = {name: [] for name in states}
        lone: dict[str, list[float]] = {name: [] for name in states}
        for _ in range(args.rounds):
            for name, state in states.items():
                audio_s, wall_s = _run(state, model, args.concurrent, durations, loudness)
                speed[name].append(audio_s / wall_s)
            for _ in range(5):  # alternating, so that both see the same load
                for name, state in states.items():
                    lone[name].append(_run(state, model, 1, durations, loudness)[1])
        for client in clients.values():
            client.__exit__(None, None, None)
    single, batched = list(states)
    print(
        f"tiny MusicGen on CPU, {args.concurrent} concurrent tasks, wait {args.wait_ms:g} ms, "
        f"{args.rounds} rounds (medians), durations {args.durations} s, "
        f"loudness {args.loudness}"
    )
    print("| variant | throughput (audio s / wall s) | lone task latency (s) |")
    print("|---|---|---|")
    for name in states:
        print(
            f"| {name} | {statistics.median(speed[name]):.2f} | "
            f"{statistics.median(lone[name]):.3f} |"
        )
    # Ratios within a round (or a pair of lone runs) see the same load: their median is the
    # steadier figure on a shared machine.
    ratios = [b / s for b, s in zip(speed[batched], speed[single], strict=True)]
    added = [b / s - 1 for b, s in zip(lone[batched], lone[single], strict=True)]
    print(
        f"throughput ratio batched / one at a time: {statistics.median(ratios):.2f}x "
        f"(rounds: {min(ratios):.2f}-{max(ratios):.2f}x)"
    )
    print(
        f"added latency for a lone task: {100 * statistics.median(added):+.1f} % "
        f"(pairs: {100 * min(added):+.0f} to {100 * max(added):+.0f} %)"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
