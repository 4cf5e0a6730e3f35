"""How fast the composer writes and renders: plan+notes, rendering, total, x real time.

Run: PYTHONPATH=. python bench/composer_speed.py [--duration 30] [--repeats 5] [--prompt ...]

The SoundFont is loaded before timing. "FluidSynth alone" renders the same notes with
FluidSynth alone (events into a synth, no gain, limiter or block bookkeeping) so the cost of
composing and mixing is visible next to the synthesizer's own; the last line adds the
levelling to the default loudness target that MusicGenerator applies.
"""

from __future__ import annotations

import argparse
import ctypes
import statistics
import time

import numpy as np

from music_gen.engines.composer import ComposerEngine
from music_gen.engines.composer.arrange import Arrangement
from music_gen.engines.composer.render import SAMPLE_RATE, load_fluidsynth
from music_gen.level import level_audio
from music_gen.params import DEFAULT_LOUDNESS_LUFS, GenerationParams

DEFAULT_PROMPT = "upbeat funk with drums, bass, electric piano and brass"


def _bare_fluidsynth(engine: ComposerEngine, arrangement: Arrangement, frames: int) -> float:
    fluidsynth = load_fluidsynth()
    write = fluidsynth.cfunc(
        "fluid_synth_write_float",
        ctypes.c_int,
        ("synth", ctypes.c_void_p, 1),
        ("len", ctypes.c_int, 1),
        ("lout", ctypes.c_void_p, 1),
        ("loff", ctypes.c_int, 1),
        ("lincr", ctypes.c_int, 1),
        ("rout", ctypes.c_void_p, 1),
        ("roff", ctypes.c_int, 1),
        ("rincr", ctypes.c_int, 1),
    )
    start = time.perf_counter()
    synth = fluidsynth.Synth(gain=0.5, samplerate=float(SAMPLE_RATE))
    sfid = synth.sfload(str(engine.soundfont))
    events = []
    for part in arrangement.plan.parts:
        synth.program_select(part.channel, sfid, 128 if part.is_drum else 0, part.program)
        for note in arrangement.notes[part.name]:
            events.append(
                (round(note.start_s * SAMPLE_RATE), 1, part.channel, note.pitch, note.velocity)
            )
            events.append((round(note.end_s * SAMPLE_RATE), 0, part.channel, note.pitch, 0))
    events.sort()
    out = np.zeros((2, frames), dtype=np.float32)
    position = 0
    for frame, kind, channel, pitch, velocity in [*events, (frames, 0, 0, 0, 0)]:
        frame = min(frame, frames)
        if frame > position:
            base = out.ctypes.data
            write(synth.synth, frame - position, base, position, 1, base + 4 * frames, position, 1)
            position = frame
        if kind:
            synth.noteon(channel, pitch, velocity)
        else:
            synth.noteoff(channel, pitch)
    synth.delete()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompt", default=DEFAULT_PROMPT)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    engine = ComposerEngine()  # loads the SoundFont once, before any timing
    params = GenerationParams(args.prompt, duration_s=args.duration, seed=1)
    frames = round(args.duration * SAMPLE_RATE)
    engine.generate(params.with_(duration_s=2.0))  # warm caches

    plan_times, render_times, totals, bare, levelled = [], [], [], [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        plan, arrangement, _ = engine.plan(params)
        planned = time.perf_counter()
        blocks = list(engine._render(arrangement, plan.parts, frames))
        done = time.perf_counter()
        assert sum(b.shape[1] for b in blocks) == frames
        plan_times.append(planned - start)
        render_times.append(done - planned)
        start = time.perf_counter()
        audio = engine.generate(params)
        totals.append(time.perf_counter() - start)
        start = time.perf_counter()
        level_audio(audio, DEFAULT_LOUDNESS_LUFS)
        levelled.append(totals[-1] + time.perf_counter() - start)
        bare.append(_bare_fluidsynth(engine, arrangement, frames))

    parts = ", ".join(f"{p.instrument} ({p.role})" for p in plan.parts)
    total = statistics.median(totals)
    print(f"prompt: {args.prompt!r}; {args.duration:g} s; parts: {parts}")
    print(f"median of {args.repeats} runs")
    print(f"plan + notes:      {statistics.median(plan_times) * 1000:8.1f} ms")
    print(f"render (mix):      {statistics.median(render_times) * 1000:8.1f} ms")
    print(f"generate() total:  {total * 1000:8.1f} ms  ({args.duration / total:.1f}x real time)")
    print(f"FluidSynth alone:  {statistics.median(bare) * 1000:8.1f} ms  (same notes, bare synth)")
    level = statistics.median(levelled)
    print(
        f"+ level to {DEFAULT_LOUDNESS_LUFS:g} LUFS: {level * 1000:6.1f} ms  "
        f"({args.duration / level:.1f}x real time; what MusicGenerator.generate() costs)"
    )
    engine.close()


if __name__ == "__main__":
    main()
