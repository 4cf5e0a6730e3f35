"""Draw piano rolls of composer pieces (notes only, nothing rendered) to a PNG.

Usage: ``PYTHONPATH=. python bench/composer_roll.py out.png "Calm piano melody" "Upbeat jazz
piano" --seed 7 --duration 30``. Melody parts are blue, chord/pad parts orange, bass green,
drums grey; dashed lines mark sections. Prints note counts and pitch ranges per part.
"""

from __future__ import annotations

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from music_gen.engines.composer.arrange import arrange
from music_gen.engines.composer.plan import build_plan
from music_gen.engines.composer.sampling import Chooser

_COLOURS = {
    "melody": "tab:blue",
    "counter": "tab:purple",
    "chords": "tab:orange",
    "pad": "tab:orange",
    "bass": "tab:green",
    "drums": "0.7",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("prompts", nargs="+")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--duration", type=float, default=30.0)
    args = parser.parse_args()
    fig, axes = plt.subplots(len(args.prompts), 1, figsize=(16, 4.5 * len(args.prompts)))
    for ax, prompt in zip(np.atleast_1d(axes), args.prompts, strict=True):
        chooser = Chooser(args.seed)
        plan = build_plan(prompt, args.duration, chooser)
        notes = arrange(plan, chooser.spawn("notes")).notes
        bars = max(plan.total_bars - 1, 1)
        print(
            f"{prompt!r}: {plan.genre}, {plan.key_name}, {plan.tempo_bpm:g} bpm, "
            f"{plan.meter}, form {[s.label for s in plan.sections]}"
        )
        for part in plan.parts:
            pitches = [n.pitch for n in notes[part.name]]
            if part.is_drum or not pitches:
                continue
            print(
                f"  {part.name:18s} {part.role:7s} {part.style:9s} notes={len(pitches):4d} "
                f"({len(pitches) / bars:.1f}/bar) pitch {min(pitches)}-{max(pitches)} "
                f"median {np.median(pitches):.0f} p90 {np.percentile(pitches, 90):.0f}"
            )
            for n in notes[part.name]:
                ax.add_patch(
                    plt.Rectangle(
                        (n.start_s, n.pitch - 0.4),
                        n.end_s - n.start_s,
                        0.8,
                        facecolor=_COLOURS[part.role],
                        # White edges show where repeated notes restrike (rhythm parts).
                        edgecolor="white",
                        linewidth=0.6,
                        alpha=0.8,
                    )
                )
        for start, _ in plan.section_times():
            ax.axvline(start, ls="--", color="k", lw=0.6)
        ax.set_xlim(0, args.duration)
        ax.set_ylim(24, 96)
        ax.set_title(
            f"{prompt} (seed {args.seed}): {plan.genre}, {plan.key_name}, {plan.tempo_bpm:g} bpm"
        )
        ax.set_ylabel("MIDI pitch")
    fig.tight_layout()
    fig.savefig(args.out, dpi=70)


if __name__ == "__main__":
    main()
