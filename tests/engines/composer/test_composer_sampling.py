"""The chooser: temperature, top-k, top-p and seeding act as documented."""

from __future__ import annotations

import numpy as np

from music_gen.engines.composer.sampling import Chooser

WEIGHTS = [5.0, 3.0, 1.0, 0.5, 0.5]


def _entropy(p: np.ndarray) -> float:
    q = p[p > 0]
    return float(-(q * np.log(q)).sum())


def test_temperature_one_samples_the_weights() -> None:
    probs = Chooser(0).probabilities(WEIGHTS)
    assert np.allclose(probs, np.array(WEIGHTS) / sum(WEIGHTS))


def test_higher_temperature_is_more_adventurous() -> None:
    cold = Chooser(0, temperature=0.3).probabilities(WEIGHTS)
    hot = Chooser(0, temperature=2.0).probabilities(WEIGHTS)
    assert _entropy(hot) > _entropy(Chooser(0).probabilities(WEIGHTS)) > _entropy(cold)
    assert hot[-1] > cold[-1]


def test_top_k_keeps_the_k_most_likely() -> None:
    probs = Chooser(0, top_k=2).probabilities(WEIGHTS)
    assert np.count_nonzero(probs) == 2 and probs[0] > probs[1] > 0
    chooser = Chooser(3, top_k=1)
    assert {chooser.choose("abcde", WEIGHTS) for _ in range(50)} == {"a"}


def test_top_p_keeps_the_nucleus() -> None:
    # 5/10 + 3/10 = 0.8 reaches top_p=0.75 with two options.
    probs = Chooser(0, top_p=0.75).probabilities(WEIGHTS)
    assert np.count_nonzero(probs) == 2
    assert np.isclose(probs.sum(), 1.0)


def test_same_seed_same_choices_different_seed_differs() -> None:
    def run(seed: int) -> list[int]:
        chooser = Chooser(seed)
        return [chooser.index(WEIGHTS) for _ in range(40)]

    assert run(11) == run(11)
    assert run(11) != run(12)


def test_spawned_choosers_are_independent_and_reproducible() -> None:
    parent = Chooser(5)
    a = [parent.spawn("bass").index(WEIGHTS) for _ in range(3)]
    b = [Chooser(5).spawn("bass").index(WEIGHTS) for _ in range(3)]
    assert a == b
    bass = Chooser(5).spawn("bass")
    drums = Chooser(5).spawn("drums")
    assert [bass.index(WEIGHTS) for _ in range(30)] != [drums.index(WEIGHTS) for _ in range(30)]
