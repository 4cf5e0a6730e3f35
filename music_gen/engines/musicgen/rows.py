"""Per-row random sources: each piece of a batch samples from its own seeded generator.

A batch of pieces must sound exactly as each piece would alone: a piece's codes may depend
on its own seed, prompt and settings only, never on its batch-mates. Both decoders draw a
categorical sample as ``argmax(probs / noise)`` with ``Exp(1)`` noise (the algorithm
``torch.multinomial`` uses for one sample). Here the noise of a piece's rows (its codebooks)
is drawn from that piece's generator alone, so a piece seeded ``s`` gets the same noise at
every step whether it runs alone or as row ``b`` of a batch, and so the same codes.

A generator seeded ``s`` yields the same stream as the device's default generator after
``torch.manual_seed(s)``, so a batch of one gives the codes a globally seeded run gives.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import torch

from music_gen.errors import InvalidParameterError


def row_generators(seeds: Sequence[int], device: torch.device | str) -> list[torch.Generator]:
    """One generator per piece on ``device``, seeded with that piece's seed."""
    return [torch.Generator(device=device).manual_seed(int(seed)) for seed in seeds]


def fill_row_noise(noise: torch.Tensor, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Fill ``noise`` (pieces * rows per piece, vocab) with ``Exp(1)`` draws, piece by piece.

    Rows ``[b * n, (b + 1) * n)`` come from ``generators[b]``, in the order one generator
    would fill an (n, vocab) tensor alone.

    Raises:
        InvalidParameterError: The rows do not split evenly between the generators.
    """
    pieces = len(generators)
    if pieces == 0 or noise.shape[0] % pieces:
        raise InvalidParameterError(
            f"{noise.shape[0]} sampling rows cannot be shared by {pieces} generators",
            details={"rows": int(noise.shape[0]), "generators": pieces},
        )
    per_piece = noise.shape[0] // pieces
    for index, generator in enumerate(generators):
        noise[index * per_piece : (index + 1) * per_piece].exponential_(generator=generator)
    return noise


class RowSampler:
    """The last logits processor of stock ``generate()``: draws each row's code itself.

    Stock ``generate()`` samples every row from one random source. This processor receives
    the final scores (after guidance, temperature, top-k and top-p), draws each piece's codes
    with that piece's generator, and returns scores that allow only the drawn code, so stock's
    own draw can only confirm it.
    """

    def __init__(self, generators: Sequence[torch.Generator]) -> None:
        self.generators = list(generators)

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        probs = torch.softmax(scores.float(), dim=-1)
        noise = fill_row_noise(torch.empty_like(probs), self.generators)
        choice = (probs / noise).argmax(dim=-1, keepdim=True)
        forced = torch.full_like(scores, -float("inf"))
        return forced.scatter_(1, choice, 0.0)


@contextlib.contextmanager
def stock_row_sampling(model: Any, generators: Sequence[torch.Generator]) -> Iterator[None]:
    """Make ``model.generate()`` sample each piece from its own generator while the block runs.

    ``generate()`` puts caller-given processors before the temperature, top-k and top-p
    warpers, so the sampler is appended to the list it builds, on this model instance only
    (generation on one model runs one call at a time).
    """
    build = model._get_logits_processor

    def build_with_sampler(*args: Any, **kwargs: Any) -> Any:
        processors = build(*args, **kwargs)
        processors.append(RowSampler(generators))
        return processors

    model._get_logits_processor = build_with_sampler
    try:
        yield
    finally:
        del model._get_logits_processor
