"""Time to the first audio chunk over the WebSocket stream, against a real server process.

Starts ``python -m music_gen serve`` on a free loopback port with a temporary data folder,
creates a key with ``python -m music_gen keys create``, then streams N pieces with the
composer and prints the median (and spread) of:

* first chunk: from sending the generate message to receiving the first audio_chunk;
* started: to the started message;
* total: to the completed message;

and, for comparison, how long ``APIClient.generate`` (submit, poll every 50 ms, download)
takes to return the same piece over REST.

Usage:
    PYTHONPATH=. python bench/ws_first_chunk.py [--runs 9] [--duration 10] [--chunk-s 0.5]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, port: int) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSICGEN_")}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        MUSICGEN_ENVIRONMENT="test",
        MUSICGEN_SECRET_KEY="bench-secret-0123456789abcdef",
        MUSICGEN_DATA_DIR=str(data_dir),
        MUSICGEN_LOG_LEVEL="warning",
        MUSICGEN_PRO_REQUESTS_PER_MINUTE="100000",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "music_gen", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            ready = httpx.get(f"http://127.0.0.1:{port}/api/v1/health/ready", timeout=2)
            if ready.status_code == 200:
                return process, env
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise SystemExit("server did not become ready in 120 s")


def create_key(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "music_gen", "keys", "create", "--name", "bench", "--tier", "pro"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def stream_once(url: str, key: str, prompt: str, duration: float, chunk_s: float, seed: int):
    """Seconds to started, to the first chunk and to completed; and the audio seconds."""
    with connect(
        url, additional_headers={"Authorization": f"Bearer {key}"}, proxy=None, max_size=2**26
    ) as ws:
        sent = time.perf_counter()
        ws.send(
            json.dumps(
                {
                    "type": "generate",
                    "prompt": prompt,
                    "duration": duration,
                    "chunk_s": chunk_s,
                    "seed": seed,
                }
            )
        )
        started = first = None
        while True:
            message = json.loads(ws.recv(timeout=120))
            now = time.perf_counter() - sent
            if message["type"] == "started":
                started = now
            elif message["type"] == "audio_chunk" and first is None:
                first = now
            elif message["type"] == "completed":
                return started, first, now, message["duration"]
            elif message["type"] == "error":
                raise SystemExit(f"stream failed: {message['error']}")


def rest_times(base_url: str, key: str, args: argparse.Namespace) -> list[float]:
    """Seconds APIClient.generate takes to return each piece over REST."""
    from music_gen import APIClient

    client = APIClient(api_key=key, base_url=base_url, poll_interval_s=0.05, poll_backoff=1.0)
    times = []
    for seed in range(1, args.runs + 1):
        began = time.perf_counter()
        client.generate(args.prompt, duration=args.duration, seed=seed)
        times.append(time.perf_counter() - began)
    client.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--chunk-s", type=float, default=0.5)
    parser.add_argument("--prompt", default="upbeat jazz piano trio, 120 bpm")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        process, env = start_server(Path(tmp), port)
        try:
            key = create_key(env)
            url = f"ws://127.0.0.1:{port}/api/v1/ws/stream"
            stream_once(url, key, args.prompt, args.duration, args.chunk_s, 0)  # warm-up
            runs = [
                stream_once(url, key, args.prompt, args.duration, args.chunk_s, seed)
                for seed in range(1, args.runs + 1)
            ]
            rest = rest_times(f"http://127.0.0.1:{port}/api/v1", key, args)
        finally:
            process.terminate()
            process.wait(timeout=30)

    def ms(values: list[float]) -> str:
        return (
            f"median {statistics.median(values) * 1000:7.1f} ms  "
            f"min {min(values) * 1000:7.1f}  max {max(values) * 1000:7.1f}"
        )

    started = [r[0] for r in runs]
    first = [r[1] for r in runs]
    total = [r[2] for r in runs]
    audio_s = runs[0][3]
    print(
        f"composer over ws://127.0.0.1 ({args.runs} runs, {audio_s:g} s pieces, "
        f"chunk_s {args.chunk_s:g}, after one warm-up)"
    )
    print(f"  started      {ms(started)}")
    print(f"  first chunk  {ms(first)}")
    print(f"  completed    {ms(total)}  ({audio_s / statistics.median(total):.1f}x real time)")
    print(f"  REST generate() returning the file  {ms(rest)}")


if __name__ == "__main__":
    main()
