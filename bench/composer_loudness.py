"""Output level of the composer over sixteen band prompts: raw, levelled and streamed.

Run: PYTHONPATH=. python bench/composer_loudness.py [--duration 30] [--target -14]

For each prompt (seed = its index) it prints the engine's own level, the level generate()
returns (the default -14 LUFS target) and the level of the same piece streamed in 1 s chunks,
each as integrated loudness (LUFS, BS.1770) / true peak (dBTP), and the seconds that
levelling added to generate().
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from music_gen import MusicGenerator
from music_gen.level import level_samples
from music_gen.mixing.loudness import integrated_loudness, true_peak_db
from tests.level_prompts import PROMPTS


def _level(samples: np.ndarray, rate: int) -> tuple[float, float]:
    return integrated_loudness(samples, rate), true_peak_db(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--target", type=float, default=-14.0)
    args = parser.parse_args()
    generator = MusicGenerator()
    generator.generate("warm up", duration=2.0, seed=0)
    rows = []
    print(f"{'prompt':44s} {'raw':>14s} {'generate()':>14s} {'stream()':>14s}  level s")
    for seed, prompt in enumerate(PROMPTS):
        raw = generator.generate(prompt, args.duration, seed=seed, loudness_lufs=None)
        out = generator.generate(prompt, args.duration, seed=seed, loudness_lufs=args.target)
        start = time.perf_counter()
        level_samples(raw.samples, raw.sample_rate, args.target)
        level_s = time.perf_counter() - start
        chunks = generator.stream(prompt, args.duration, seed=seed, loudness_lufs=args.target)
        streamed = np.concatenate([c.samples for c in chunks], axis=1)
        row = [*_level(raw.samples, 44100), *_level(out.samples, 44100)]
        row += [*_level(streamed, 44100), level_s]
        rows.append(row)
        cells = " ".join(f"{row[k]:6.1f}/{row[k + 1]:5.1f}  " for k in (0, 2, 4))
        print(f"{prompt[:44]:44s} {cells} {level_s:5.2f}")
    table = np.array(rows)
    for name, column in (("raw", 0), ("generate()", 2), ("stream()", 4)):
        lufs, peak = table[:, column], table[:, column + 1]
        print(
            f"{name:11s} loudness {lufs.min():6.1f} .. {lufs.max():6.1f} LUFS "
            f"({lufs.max() - lufs.min():4.1f} LU apart), true peak max {peak.max():5.1f} dBTP"
        )
    print(f"levelling added {np.median(table[:, 6]):.2f} s (median) to generate()")


if __name__ == "__main__":
    main()
