"""The probabilistic chooser behind every musical decision.

Each choice (a genre the prompt left open, the next melody step, a drum fill) is a list of
options with weights. The weights become logits, are divided by the temperature, cut to the
``top_k`` most likely and then to the ``top_p`` nucleus, and one option is sampled with a numpy
Generator seeded from the request's seed. Higher temperatures flatten the distribution, so the
music takes less likely (more adventurous) turns; ``top_k=1`` always takes the favourite.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")


class Chooser:
    """Samples among weighted options under temperature, top-k and top-p.

    Args:
        seed: Seeds the numpy Generator; the same seed gives the same sequence of choices.
        temperature: > 0; 1.0 samples the weights as given.
        top_k: Keep the k most likely options; 0 keeps all.
        top_p: Keep the smallest set of options whose probability reaches top_p; 1.0 keeps all.
    """

    def __init__(
        self, seed: int, *, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0
    ) -> None:
        self.seed = seed
        self.temperature = float(temperature)
        self.top_k = int(top_k)
        self.top_p = float(top_p)
        self.rng = np.random.default_rng(seed)

    def spawn(self, label: str) -> Chooser:
        """An independent chooser for one part of the piece, derived from the seed and label.

        Parts drawn from spawned choosers do not shift each other's random streams, so adding
        an instrument leaves the others' notes unchanged.
        """
        salt = sum((i + 1) * ord(c) for i, c in enumerate(label))
        return Chooser(
            (self.seed * 1_000_003 + salt) % 2**63,
            temperature=self.temperature,
            top_k=self.top_k,
            top_p=self.top_p,
        )

    def probabilities(self, weights: Sequence[float]) -> np.ndarray:
        """The distribution the chooser samples from for these weights."""
        w = np.asarray(weights, dtype=np.float64)
        probs = np.zeros_like(w)
        positive = w > 0
        if not positive.any():
            probs[:] = 1.0 / len(w)
            return probs
        logits = np.full_like(w, -np.inf)
        logits[positive] = np.log(w[positive]) / self.temperature
        order = np.argsort(-logits, kind="stable")
        keep = np.zeros(len(w), dtype=bool)
        limit = int(positive.sum())
        if self.top_k > 0:
            limit = min(limit, self.top_k)
        keep[order[:limit]] = True
        logits[~keep] = -np.inf
        finite = logits[keep]
        exp = np.exp(logits - finite.max())
        exp[~keep] = 0.0
        probs = exp / exp.sum()
        if self.top_p < 1.0:
            sorted_probs = probs[order]
            cumulative = np.cumsum(sorted_probs)
            cut = int(np.searchsorted(cumulative, self.top_p - 1e-12)) + 1
            nucleus = np.zeros(len(w), dtype=bool)
            nucleus[order[:cut]] = True
            probs = np.where(nucleus, probs, 0.0)
            probs /= probs.sum()
        return probs

    def index(self, weights: Sequence[float]) -> int:
        """Sample an index into ``weights``."""
        if len(weights) == 1:
            return 0
        probs = self.probabilities(weights)
        return int(self.rng.choice(len(probs), p=probs))

    def choose(self, options: Sequence[T], weights: Sequence[float] | None = None) -> T:
        """Sample one of ``options`` (uniform weights when none are given)."""
        if not options:
            raise ValueError("no options to choose from")
        w = [1.0] * len(options) if weights is None else list(weights)
        return options[self.index(w)]

    def chance(self, probability: float) -> bool:
        """True with about ``probability`` (sharpened or flattened by the temperature)."""
        p = min(max(probability, 0.0), 1.0)
        if p in (0.0, 1.0):
            return bool(p)
        return self.index([p, 1.0 - p]) == 0

    def uniform(self, low: float, high: float) -> float:
        """A uniform number in [low, high) (humanisation; not a musical decision)."""
        return float(self.rng.uniform(low, high))

    def normal(self, scale: float) -> float:
        """A normal deviate with standard deviation ``scale`` (humanisation)."""
        return float(self.rng.normal(0.0, scale))
