"""A piece's audio depends on its own seed, prompt and duration only, never on its batch-mates.

Codes are equal; the audio is equal up to float rounding of EnCodec decoding pieces of the same
length together (1e-5 is far below what one different code changes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from music_gen import MusicGenerator
from music_gen.params import GenerationParams
from tests.engines.musicgen.tiny import TINY_SAMPLE_RATE

#: (prompt, duration_s, seed): durations within one window and across several (2.56 s).
REQUESTS = [
    ("calm piano", 0.6, 11),
    ("loud techno drums with synth", 3.3, 12),
    ("sad violin", 1.9, 13),
    ("calm piano", 1.9, 14),
]


def _params(decoder: str, requests: list[tuple[str, float, int]]) -> list[GenerationParams]:
    return [
        GenerationParams(prompt=prompt, duration_s=duration, seed=seed, extra={"decoder": decoder})
        for prompt, duration, seed in requests
    ]


@pytest.fixture(scope="module")
def generators(mono_path: Path, stereo_path: Path):  # type: ignore[no-untyped-def]
    loaded = {
        "mono": MusicGenerator(model=str(mono_path), device="cpu"),
        "stereo": MusicGenerator(model=str(stereo_path), device="cpu"),
    }
    yield loaded
    for generator in loaded.values():
        generator.close()


@pytest.mark.parametrize("kind", ["mono", "stereo"])
@pytest.mark.parametrize("decoder", ["stock", "fast"])
def test_batched_pieces_equal_pieces_alone(
    generators: dict[str, MusicGenerator], kind: str, decoder: str
) -> None:
    engine = generators[kind].engine
    params = _params(decoder, REQUESTS)
    alone = [engine.generate(p) for p in params]
    together = engine.generate_batch(params)
    for single, batched, (_, duration, seed) in zip(alone, together, REQUESTS, strict=True):
        assert batched.num_frames == round(duration * TINY_SAMPLE_RATE)
        assert batched.metadata["seed"] == seed
        np.testing.assert_allclose(batched.samples, single.samples, atol=1e-5)
    # The two "calm piano" pieces differ by their seeds alone.
    assert np.abs(together[0].samples[:, :4000] - together[3].samples[:, :4000]).max() > 1e-4


@pytest.mark.parametrize("decoder", ["stock", "fast"])
def test_batch_order_and_mates_do_not_matter(
    generators: dict[str, MusicGenerator], decoder: str
) -> None:
    engine = generators["mono"].engine
    forward = engine.generate_batch(_params(decoder, REQUESTS))
    backward = engine.generate_batch(_params(decoder, REQUESTS[::-1]))[::-1]
    pair = engine.generate_batch(_params(decoder, REQUESTS[1:3]))
    for one, other in zip(forward, backward, strict=True):
        np.testing.assert_allclose(one.samples, other.samples, atol=1e-5)
    np.testing.assert_allclose(pair[0].samples, forward[1].samples, atol=1e-5)
    np.testing.assert_allclose(pair[1].samples, forward[2].samples, atol=1e-5)


def test_fast_and_stock_batches_agree(generators: dict[str, MusicGenerator]) -> None:
    engine = generators["mono"].engine
    stock = engine.generate_batch(_params("stock", REQUESTS))
    fast = engine.generate_batch(_params("fast", REQUESTS))
    for one, other in zip(stock, fast, strict=True):
        np.testing.assert_allclose(one.samples, other.samples, atol=1e-5)
