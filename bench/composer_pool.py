"""Composer throughput with worker processes: pieces per minute for 1 and 2 processes.

Each variant is a :class:`ComposerPool` fed by as many threads as it has processes; it renders
``--pieces`` pieces (seeds 0..n-1) of ``--duration`` seconds. Variants alternate within each
round so that both see the same load on a shared machine; the load average is printed next to
the figures. Worker start-up is paid before timing.

Usage:
    PYTHONPATH=. python bench/composer_pool.py [--processes 1,2] [--pieces 8] [--duration 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from music_gen.engines.composer.pool import ComposerPool
from music_gen.params import GenerationParams

DEFAULT_PROMPT = "upbeat funk with drums, bass, electric piano and brass"


def _round(pool: ComposerPool, pieces: list[GenerationParams]) -> float:
    """Pieces per minute rendering ``pieces`` with ``pool.processes`` threads."""
    started = time.perf_counter()
    with ThreadPoolExecutor(pool.processes) as threads:
        list(threads.map(pool.generate, pieces))
    return len(pieces) * 60.0 / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", default="1,2")
    parser.add_argument("--pieces", type=int, default=8)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prompt", default=DEFAULT_PROMPT)
    args = parser.parse_args()
    counts = [int(value) for value in args.processes.split(",")]
    pieces = [
        GenerationParams(args.prompt, duration_s=args.duration, seed=seed)
        for seed in range(args.pieces)
    ]
    pools = {count: ComposerPool(count) for count in counts}
    try:
        for pool in pools.values():  # start every worker and warm it up
            _round(pool, pieces[: pool.processes])
        load_before = os.getloadavg()
        rates: dict[int, list[float]] = {count: [] for count in counts}
        for _ in range(args.rounds):
            for count, pool in pools.items():
                rates[count].append(_round(pool, pieces))
        load_after = os.getloadavg()
    finally:
        for pool in pools.values():
            pool.close()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"{args.pieces} pieces of {args.duration:g} s, {args.rounds} rounds (medians), "
        f"{cores} cores, load average {load_before[0]:.2f} before / {load_after[0]:.2f} after"
    )
    print("| processes | pieces per minute | speed-up |")
    print("|---|---|---|")
    # Speed-ups are taken within each round (the same load), then the median.
    for count in counts:
        ups = [r / b for r, b in zip(rates[count], rates[counts[0]], strict=True)]
        print(
            f"| {count} | {statistics.median(rates[count]):.1f} | "
            f"{statistics.median(ups):.2f}x ({min(ups):.2f}-{max(ups):.2f}) |"
        )


if __name__ == "__main__":
    main()
