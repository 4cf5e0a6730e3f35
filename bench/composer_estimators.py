"""Asked tempo and key against what independent estimators hear in the composer's audio.

Run: PYTHONPATH=. python bench/composer_estimators.py [--seeds 0 1 2] [--duration 24]
     [--jobs 2] [--quick] [--only WORD]

Every prompt states a tempo and a key. Each piece is rendered and judged from the mix alone:
tempo by librosa's beat tracker (a hit within 4% of the asked BPM; half- and double-tempo
readings are counted apart), key by Krumhansl-Schmuckler on mean CQT chroma (exact tonic and
mode; relative, parallel and fifth confusions counted apart). `--quick` is one seed of 16 s.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import time
from typing import Any

from tests.engines.composer.estimators import NAMES, estimate_key, estimate_tempo

PROMPTS = (
    "happy pop song at 118 bpm in E major",
    "indie rock at 132 bpm in A minor",
    "energetic rock anthem at 150 bpm in D major",
    "heavy metal at 140 bpm in D minor",
    "thrash metal at 176 bpm in E minor",
    "doom metal at 72 bpm in C# minor",
    "cool jazz at 132 bpm in Bb major",
    "slow blues at 70 bpm in G minor",
    "funk groove at 104 bpm in E minor",
    "deep house at 122 bpm in F minor",
    "techno at 130 bpm in A minor",
    "ambient pads at 70 bpm in the key of E flat",
    "lo-fi hip hop at 84 bpm in F major",
    "boom bap hip hop at 92 bpm in C minor",
    "classical piano at 96 bpm in G major",
    "cinematic orchestra at 100 bpm in D minor",
    "folk song with acoustic guitar at 110 bpm in C major",
    "bossa nova at 128 bpm in F major",
    "reggae at 76 bpm in A major",
    "country at 120 bpm in G major",
    "punk rock at 180 bpm in E major",
    "grunge at 96 bpm in F# minor",
    "surf rock at 160 bpm in E minor",
    "disco at 120 bpm in Ab major",
    "drum and bass at 172 bpm in F minor",
    "dubstep at 140 bpm in G minor",
    "trap beat at 150 bpm in F# minor",
    "trap at 140 bpm in C minor",
    "dark trap at 160 bpm in B minor",
    "synthwave at 110 bpm in A minor",
    "chiptune at 150 bpm in C major",
    "gospel at 88 bpm in Eb major",
    "soul at 96 bpm in Bb major",
    "r&b at 80 bpm in Db major",
    "afrobeat at 112 bpm in D minor",
    "tango at 120 bpm in A minor",
    "flamenco at 140 bpm in E minor",
    "marching band at 120 bpm in Bb major",
    "baroque harpsichord at 100 bpm in D major",
    "bluegrass with banjo at 160 bpm in G major",
    "swing at 170 bpm in F major",
    "ska at 150 bpm in C major",
    "celtic jig with tin whistle at 116 bpm in D major",
    "slip jig at 112 bpm in G major",
    "irish reel with fiddle at 112 bpm in A major",
    "polka at 120 bpm in F major",
    "tarantella at 140 bpm in A minor",
    "klezmer at 130 bpm in D minor",
    "cumbia at 96 bpm in D minor",
    "cumbia at 100 bpm in G major",
    "salsa at 180 bpm in C major",
    "salsa at 160 bpm in A minor",
    "samba at 100 bpm in E major",
    "reggaeton at 94 bpm in G# minor",
    "bachata at 128 bpm in E minor",
    "merengue at 150 bpm in D major",
    "amapiano at 112 bpm in F minor",
    "highlife at 120 bpm in C major",
    "sea shanty at 100 bpm in D minor",
    "mariachi at 150 bpm in G major",
    "phonk at 140 bpm in E minor",
    "uk drill at 142 bpm in C# minor",
    "hardstyle at 150 bpm in A minor",
    "trance at 138 bpm in B minor",
)

Result = tuple[str, int, float, float, str, str]
_ENGINE: Any = None


def _judge(job: tuple[str, int, float]) -> Result:
    """Render one prompt at one seed: (prompt, seed, asked bpm, heard bpm, asked key, heard)."""
    global _ENGINE
    from music_gen.engines.composer import ComposerEngine
    from music_gen.params import GenerationParams

    prompt, seed, duration_s = job
    if _ENGINE is None:
        _ENGINE = ComposerEngine()
    audio = _ENGINE.generate(GenerationParams(prompt, duration_s=duration_s, seed=seed))
    plan = audio.metadata["plan"]
    heard_bpm = estimate_tempo(audio.samples, audio.sample_rate)
    tonic, mode = estimate_key(audio.samples, audio.sample_rate)
    return prompt, seed, float(plan["tempo_bpm"]), heard_bpm, plan["key"], f"{NAMES[tonic]} {mode}"


def tempo_verdict(asked: float, heard: float) -> str:
    """hit, half, double or other (each within 4% of the asked tempo, or of its half/double)."""
    for verdict, factor in (("hit", 1.0), ("half", 0.5), ("double", 2.0)):
        if abs(heard - asked * factor) / (asked * factor) < 0.04:
            return verdict
    return "other"


_FLATS = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#"}


def _pitch_class(name: str) -> int:
    return NAMES.index(_FLATS.get(name, name))


def key_verdict(asked: str, heard: str) -> str:
    """exact, relative, parallel, fifth (tonic a fifth up or down) or other."""
    asked_name, asked_mode = asked.split()
    heard_name, heard_mode = heard.split()
    a, h = _pitch_class(asked_name), _pitch_class(heard_name)
    if (a, asked_mode) == (h, heard_mode):
        return "exact"
    if asked_mode != heard_mode and (h - a) % 12 == (9 if asked_mode == "major" else 3):
        return "relative"
    if a == h:
        return "parallel"
    if (h - a) % 12 in (5, 7):
        return "fifth"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--duration", type=float, default=24.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="one seed (0), 16 s each")
    parser.add_argument("--only", default="", help="only prompts containing this word")
    args = parser.parse_args()
    seeds, duration_s = ([0], 16.0) if args.quick else (args.seeds, args.duration)
    prompts = [p for p in PROMPTS if args.only in p]
    jobs = [(p, s, duration_s) for p in prompts for s in seeds]
    start = time.perf_counter()
    if args.jobs > 1:
        with multiprocessing.Pool(args.jobs) as pool:
            results = pool.map(_judge, jobs, chunksize=1)
    else:
        results = [_judge(job) for job in jobs]
    tempo_counts: collections.Counter[str] = collections.Counter()
    key_counts: collections.Counter[str] = collections.Counter()
    print(f"{'prompt':52s} {'seed':>4s} {'bpm':>5s} {'heard':>6s} {'':6s} {'key':9s} heard")
    for prompt, seed, asked_bpm, heard_bpm, asked_key, heard_key in results:
        tempo, key = tempo_verdict(asked_bpm, heard_bpm), key_verdict(asked_key, heard_key)
        tempo_counts[tempo] += 1
        key_counts[key] += 1
        print(
            f"{prompt[:52]:52s} {seed:4d} {asked_bpm:5.0f} {heard_bpm:6.1f} {tempo:6s} "
            f"{asked_key:9s} {heard_key:9s} {key}"
        )
    n = len(results)
    print(f"\n{len(prompts)} prompts x {len(seeds)} seeds = {n} pieces of {duration_s:g} s")
    print(f"tempo within 4%: {tempo_counts['hit']}/{n} ({100 * tempo_counts['hit'] / n:.0f}%)")
    print("  " + ", ".join(f"{k} {tempo_counts[k]}" for k in ("half", "double", "other")))
    print(f"key exact: {key_counts['exact']}/{n} ({100 * key_counts['exact'] / n:.0f}%)")
    print(
        "  " + ", ".join(f"{k} {key_counts[k]}" for k in ("relative", "parallel", "fifth", "other"))
    )
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
