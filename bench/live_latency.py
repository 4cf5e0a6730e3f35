"""Live sessions: steer-to-audible latency and the real-time margin over a long session.

Run: PYTHONPATH=. python bench/live_latency.py [--minutes 10] [--steer-every-s 5]
     [--lookahead-s 1.0] [--chunk-s 0.25] [--verify 20]
     [--url http://127.0.0.1:8000/api/v1 [--api-key KEY]]   (over a running server, 1x)

A session plays for ``--minutes`` with a steer every ``--steer-every-s`` seconds of playback,
cycling through intensity, key, tempo and prompt changes at beat, bar and phrase lines. It is
paced as the ``/ws/live`` server paces it: a listener starts playing the first chunk at once
and the renderer keeps at most ``--lookahead-s`` of audio ahead of playback, so a steer that
arrives at playback position P finds the renderer at about P + lookahead.

* latency: the first frame the steer changes (``transition_frame``: the first note of the
  fill, pivot chord, ramp or new intensity) minus P, per ``at`` kind. ``--verify N`` checks
  it for the first N steers against an unsteered twin session (same seed and earlier steers):
  the first sample where the two differ must not come before ``transition_frame``.
* real-time margin: render time per second of audio (steer handling included), and a replay
  of the measured costs on one thread at 1x: a chunk is late when it is ready after its
  playback time. The worst slack is how close the run came to a late chunk.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from music_gen import MusicGenerator

PROMPT = "calm exploration music"
STEERS: list[dict[str, Any]] = [
    {"intensity": 0.8, "at": "beat"},
    {"prompt": "tense battle music", "intensity": 0.9, "at": "bar"},
    {"tempo_bpm": 150, "at": "bar"},
    {"intensity": 0.3, "at": "beat"},
    {"key": "F# minor", "at": "bar"},
    {"prompt": "triumphant victory fanfare", "intensity": 1.0, "at": "phrase"},
    {"intensity": 0.5, "at": "bar"},
    {"prompt": "calm exploration music", "intensity": 0.2, "at": "bar"},
    {"tempo_bpm": 90, "at": "beat"},
    {"key": "D major", "at": "beat"},
]


@dataclass
class Steer:
    index: int
    change: dict[str, Any]
    playback_frame: int
    rendered_frame: int
    transition_frame: int
    effect_frame: int
    handle_s: float


def run(args: argparse.Namespace) -> tuple[list[Steer], list[float], int, np.ndarray | None]:
    generator = MusicGenerator()
    generator.load()
    rate = generator.sample_rate
    live = generator.live(PROMPT, intensity=0.3, seed=args.seed, chunk_s=args.chunk_s)
    total = round(args.minutes * 60 * rate)
    lookahead = round(args.lookahead_s * rate)
    every = round(args.steer_every_s * rate)
    steers: list[Steer] = []
    costs: list[float] = []  # seconds of work before each chunk (its render and any steers)
    kept: list[np.ndarray] = []
    keep_until = (args.verify + 1) * every + 10 * rate if args.verify else 0
    pending = 0.0
    while live.position_frame < total:
        # The steer at playback position P arrives when the renderer is at P + lookahead.
        playback = (len(steers) + 1) * every
        if live.position_frame >= playback + lookahead:
            change = STEERS[len(steers) % len(STEERS)]
            started = time.perf_counter()
            result = live.steer(**change)
            handled = time.perf_counter() - started
            pending += handled
            steers.append(
                Steer(
                    len(steers), change, playback, live.position_frame,
                    result.transition_frame, result.effect_frame, handled,
                )
            )  # fmt: skip
        started = time.perf_counter()
        chunk = next(live)
        costs.append(pending + time.perf_counter() - started)
        pending = 0.0
        if live.position_frame <= keep_until:
            kept.append(chunk)
    audio = np.concatenate(kept, axis=1) if kept else None
    live.close()
    return steers, costs, rate, audio


def verify(
    args: argparse.Namespace, steers: list[Steer], audio: np.ndarray, rate: int
) -> list[int]:
    """For the first steers: first differing frame against a twin without that steer, minus
    the transition frame (>= 0 means the reported frame is not late)."""
    generator = MusicGenerator()
    offsets = []
    for steer in steers[: args.verify]:
        twin = generator.live(PROMPT, intensity=0.3, seed=args.seed, chunk_s=args.chunk_s)
        parts = []
        for earlier in steers[: steer.index]:
            while twin.position_frame < earlier.rendered_frame:
                parts.append(next(twin))
            twin.steer(**earlier.change)
        while twin.position_frame < steer.effect_frame + 4 * rate:
            parts.append(next(twin))
        twin.close()
        other = np.concatenate(parts, axis=1)
        span = min(other.shape[1], audio.shape[1])
        differ = np.flatnonzero(np.abs(other[:, :span] - audio[:, :span]).max(axis=0) > 1e-6)
        first = int(differ[0]) if differ.size else span
        offsets.append(first - steer.transition_frame)
    return offsets


def replay(costs: list[float], chunk_s: float, lookahead_s: float) -> tuple[int, float]:
    """Late chunks and the smallest slack (s) when the costs run on one thread at 1x."""
    ready = 0.0
    start = None
    late = 0
    slack = float("inf")
    for k, cost in enumerate(costs):
        if start is not None:
            # The server renders chunk k only once it is due within the lookahead.
            ready = max(ready, start + k * chunk_s - lookahead_s)
        ready += cost
        if start is None:
            start = ready  # the listener starts playing the first chunk when it arrives
        due = start + k * chunk_s
        if k:
            slack = min(slack, due - ready)
        late += ready > due + 1e-9
    return late, slack


def run_server(args: argparse.Namespace) -> None:
    """The same session over a running server's ``/ws/live``, timed at the client.

    A reader thread timestamps every message; the main thread sends a steer every
    ``--steer-every-s`` of playback (the listener starts playing the first chunk as it
    arrives). A chunk is late when it arrives after its playback time.
    """
    import json
    import threading

    from websockets.sync.client import connect

    scheme, rest = args.url.rstrip("/").split("://", 1)
    url = f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws/live"
    headers = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    arrivals: list[tuple[float, dict[str, Any]]] = []
    first = threading.Event()
    with connect(url, additional_headers=headers, max_size=2**26) as ws:
        ws.send(
            json.dumps(
                {"type": "start", "prompt": PROMPT, "intensity": 0.3, "seed": args.seed,
                 "chunk_s": args.chunk_s}
            )
        )  # fmt: skip

        def read() -> None:
            for raw in ws:
                message = json.loads(raw)
                message.pop("data", None)
                arrivals.append((time.perf_counter(), message))
                if message["type"] == "audio_chunk":
                    first.set()
                if message["type"] in ("stopped", "error") and "id" not in message:
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        first.wait(60)
        start = next(t for t, m in arrivals if m["type"] == "audio_chunk")
        sent: dict[int, float] = {}
        total_s = args.minutes * 60
        k = 1
        while k * args.steer_every_s < total_s:
            time.sleep(max(0.0, start + k * args.steer_every_s - time.perf_counter()))
            sent[k] = time.perf_counter()
            ws.send(json.dumps({"type": "steer", "id": k, **STEERS[(k - 1) % len(STEERS)]}))
            k += 1
        time.sleep(max(0.0, start + total_s - time.perf_counter()))
        ws.send(json.dumps({"type": "stop", "ending": False}))
        reader.join(60)
    chunks = [(t, m) for t, m in arrivals if m["type"] == "audio_chunk"]
    rate = next(m["sample_rate"] for _, m in arrivals if m["type"] == "started")
    slack = [start + m["start_frame"] / rate - t for t, m in chunks[1:]]
    late = sum(1 for value in slack if value < 0)
    print(
        f"server session: {chunks[-1][1]['start_frame'] / rate / 60:.1f} min of audio, "
        f"{len(sent)} steers; {len(chunks)} chunks, {late} late at 1x; smallest slack "
        f"{min(slack) * 1000:.0f} ms, median {statistics.median(slack) * 1000:.0f} ms"
    )
    steered = [m for _, m in arrivals if m["type"] == "steered"]
    errors = [m for _, m in arrivals if m["type"] == "error"]
    print(f"steered {len(steered)}, errors {len(errors)}")
    print("steer-to-audible latency (transition frame - playback position at arrival), ms:")
    print(f"  {'at':7} {'n':>4} {'median':>8} {'p95':>8} {'max':>8}   reply time median/max ms")
    replies = {m["id"]: t for t, m in arrivals if m["type"] == "steered"}
    for at in ("beat", "bar", "phrase"):
        chosen = [m for m in steered if m["at"] == at]
        values = sorted((m["transition_frame"] - m["position_frame"]) / rate * 1000 for m in chosen)
        answer = sorted((replies[m["id"]] - sent[m["id"]]) * 1000 for m in chosen)
        if values:
            p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
            print(
                f"  {at:7} {len(values):4d} {statistics.median(values):8.0f} {p95:8.0f} "
                f"{values[-1]:8.0f}   {statistics.median(answer):.0f}/{answer[-1]:.0f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--steer-every-s", type=float, default=5.0)
    parser.add_argument("--lookahead-s", type=float, default=1.0)
    parser.add_argument("--chunk-s", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verify", type=int, default=20, help="steers checked against a twin")
    parser.add_argument("--url", help="a running server's API root: measure over /ws/live")
    parser.add_argument("--api-key", help="key for --url (none for a --no-auth server)")
    args = parser.parse_args()
    if args.url:
        run_server(args)
        return

    wall = time.perf_counter()
    steers, costs, rate, audio = run(args)
    wall = time.perf_counter() - wall
    seconds = len(costs) * args.chunk_s
    print(
        f"session: {seconds / 60:.1f} min of audio, {len(steers)} steers, "
        f"chunk {args.chunk_s:g} s, lookahead {args.lookahead_s:g} s"
    )
    print(
        f"real-time margin: {sum(costs) / seconds * 1000:.1f} ms of work per s of audio "
        f"({seconds / sum(costs):.0f}x real time); worst chunk {max(costs) * 1000:.1f} ms "
        f"for {args.chunk_s * 1000:.0f} ms of audio; steer handling max "
        f"{max((s.handle_s for s in steers), default=0) * 1000:.0f} ms"
    )
    late, slack = replay(costs, args.chunk_s, args.lookahead_s)
    print(f"1x playback: {late} late chunks of {len(costs)}; smallest slack {slack * 1000:.0f} ms")
    print("steer-to-audible latency (transition frame - playback position), ms:")
    print(f"  {'at':7} {'n':>4} {'median':>8} {'p95':>8} {'max':>8}   (1 beat at 150 BPM = 400 ms)")
    for at in ("beat", "bar", "phrase"):
        values = [
            (s.transition_frame - s.playback_frame) / rate * 1000
            for s in steers
            if s.change["at"] == at
        ]
        if values:
            values.sort()
            p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
            print(
                f"  {at:7} {len(values):4d} {statistics.median(values):8.0f} {p95:8.0f} "
                f"{values[-1]:8.0f}"
            )
    if args.verify and audio is not None:
        offsets = verify(args, steers, audio, rate)
        print(
            "first audible difference vs an unsteered twin, minus transition frame (ms): "
            + ", ".join(f"{o / rate * 1000:.0f}" for o in offsets)
        )
    print(f"wall time {wall:.1f} s")


if __name__ == "__main__":
    main()
