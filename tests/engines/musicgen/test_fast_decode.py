"""The fast MusicGen decoder emits exactly the codes of stock generate() (tiny random models)."""

from __future__ import annotations

import math
import threading
from typing import Any

import pytest
import torch

transformers = pytest.importorskip("transformers")

from music_gen.engines.musicgen.fast import (  # noqa: E402
    FastDecodeOptions,
    decode_codes,
    fast_generate_codes,
    release_buffers,
    supports,
    unsupported_reason,
)
from music_gen.errors import InvalidParameterError, UnsupportedOperationError  # noqa: E402
from music_gen.params import MIN_GUIDANCE_SCALE, GenerationParams  # noqa: E402
from tests.engines.musicgen.fast_helpers import IDS, MASK, VOCAB, stock_codes, tiny_model  # noqa: E402

# Small attention windows so that short runs cross several of them.
STATIC = FastDecodeOptions(static_shapes=True, attention_window=8)


@pytest.fixture(scope="module")
def mono() -> Any:
    return tiny_model(init_std=0.3)


@pytest.fixture(scope="module")
def stereo() -> Any:
    # Text hidden 40 != decoder hidden 48: exercises the encoder-to-decoder projection too.
    return tiny_model(channels=2, text_hidden=40, init_std=0.3)


def fast(model: Any, **kwargs: Any) -> torch.Tensor:
    kwargs.setdefault("input_ids", IDS)
    kwargs.setdefault("attention_mask", MASK)
    return fast_generate_codes(model, **kwargs)


@pytest.mark.parametrize(
    ("guidance", "options"),
    [
        (1.0, None),
        (3.0, None),
        (1.0, STATIC),
        (3.0, STATIC),
        (3.0, FastDecodeOptions(static_shapes=True, attention="matmul")),
    ],
    ids=["eager-1", "eager-3", "static-1", "static-3", "static-matmul-3"],
)
def test_greedy_codes_equal_stock(mono: Any, guidance: float, options: Any) -> None:
    steps = 23
    ref = stock_codes(
        mono,
        input_ids=IDS,
        attention_mask=MASK,
        max_new_tokens=steps,
        do_sample=False,
        guidance_scale=guidance,
    )
    out = fast(
        mono, max_new_tokens=steps, do_sample=False, guidance_scale=guidance, options=options
    )
    # 4 codebooks: the delay pattern costs 3 of the steps, the start token adds 1 frame.
    assert out.shape == (1, 2, 4, steps + 1 - 4)
    assert torch.equal(out, ref)


@pytest.mark.parametrize("steps", [1, 3, 6])
def test_runs_shorter_than_the_delay_pattern_equal_stock(mono: Any, steps: int) -> None:
    ref = stock_codes(
        mono,
        input_ids=IDS,
        attention_mask=MASK,
        max_new_tokens=steps,
        do_sample=False,
        guidance_scale=3.0,
    )
    for options in (None, STATIC):
        out = fast(mono, max_new_tokens=steps, do_sample=False, guidance_scale=3.0, options=options)
        assert torch.equal(out, ref)


@pytest.mark.parametrize("options", [None, STATIC], ids=["eager", "static"])
def test_stereo_greedy_codes_equal_stock(stereo: Any, options: Any) -> None:
    ref = stock_codes(
        stereo,
        input_ids=IDS,
        attention_mask=MASK,
        max_new_tokens=17,
        do_sample=False,
        guidance_scale=3.0,
    )
    out = fast(stereo, max_new_tokens=17, do_sample=False, guidance_scale=3.0, options=options)
    assert out.shape == (1, 2, 8, 17 + 1 - 4)
    assert torch.equal(out, ref)


@pytest.mark.parametrize(
    "warpers",
    [{"top_k": 10}, {"top_k": 20, "top_p": 0.8, "temperature": 0.7}, {"top_k": 0, "top_p": 0.5}],
)
@pytest.mark.parametrize("options", [None, STATIC], ids=["eager", "static"])
def test_sampling_matches_stock_under_the_same_global_seed(
    mono: Any, warpers: dict[str, Any], options: Any
) -> None:
    # The draw is torch.multinomial's own algorithm, fed by the same generator.
    torch.manual_seed(11)
    ref = stock_codes(
        mono,
        input_ids=IDS,
        attention_mask=MASK,
        max_new_tokens=20,
        do_sample=True,
        guidance_scale=3.0,
        **warpers,
    )
    torch.manual_seed(11)
    out = fast(
        mono, max_new_tokens=20, do_sample=True, guidance_scale=3.0, options=options, **warpers
    )
    assert torch.equal(out, ref)


def test_seeds_decide_the_sample(mono: Any) -> None:
    def run(seed: int, **kw: Any) -> torch.Tensor:
        return fast(
            mono, max_new_tokens=20, do_sample=True, top_k=50, guidance_scale=3.0, seed=seed, **kw
        )

    first = run(1)
    assert torch.equal(first, run(1))
    assert torch.equal(first, run(1, options=STATIC))
    assert not torch.equal(first, run(2))
    greedy = fast(mono, max_new_tokens=20, do_sample=False, guidance_scale=3.0)
    top1 = fast(mono, max_new_tokens=20, do_sample=True, top_k=1, guidance_scale=3.0, seed=5)
    assert torch.equal(top1, greedy)


@pytest.mark.parametrize("guidance", [1.0, 3.0])
def test_continuation_equals_stock_with_decoder_input_ids(mono: Any, guidance: float) -> None:
    prompt = torch.randint(0, VOCAB, (2, 4, 9), generator=torch.Generator().manual_seed(4))
    ref = stock_codes(
        mono,
        input_ids=IDS,
        attention_mask=MASK,
        max_new_tokens=15,
        do_sample=False,
        guidance_scale=guidance,
        decoder_input_ids=prompt.reshape(8, 9),
    )
    for options in (None, STATIC):
        out = fast(
            mono,
            max_new_tokens=15,
            do_sample=False,
            guidance_scale=guidance,
            prompt_codes=prompt,
            options=options,
        )
        assert torch.equal(out, ref)
        # The prompt is kept, then 15 steps add 15 frames minus the delay, plus 1.
        assert torch.equal(out[0, :, :, :9], prompt)
        assert out.shape[-1] == 9 + 15 + 1 - 4
    flat = fast(
        mono,
        max_new_tokens=15,
        do_sample=False,
        guidance_scale=guidance,
        prompt_codes=prompt.reshape(8, 9),
    )
    assert torch.equal(flat, ref)


def test_encoder_outputs_equal_input_ids(stereo: Any) -> None:
    with torch.no_grad():
        states = stereo.text_encoder(input_ids=IDS, attention_mask=MASK).last_hidden_state
    via_ids = fast(stereo, max_new_tokens=12, do_sample=False, guidance_scale=3.0)
    via_states = fast_generate_codes(
        stereo,
        encoder_outputs=states,
        attention_mask=MASK,
        max_new_tokens=12,
        do_sample=False,
        guidance_scale=3.0,
    )
    assert torch.equal(via_ids, via_states)


def test_decoded_audio_equals_stock_audio(mono: Any) -> None:
    with torch.no_grad():
        ref = mono.generate(
            input_ids=IDS,
            attention_mask=MASK,
            max_new_tokens=20,
            do_sample=False,
            guidance_scale=3.0,
        )
    audio = decode_codes(mono, fast(mono, max_new_tokens=20, do_sample=False, guidance_scale=3.0))
    assert audio.shape == ref.shape
    assert torch.isfinite(audio).all()
    torch.testing.assert_close(audio, ref)


def test_observer_sees_every_step_like_a_logits_processor(mono: Any) -> None:
    seen: list[tuple[int, int, int]] = []
    done: list[int] = []
    fast(
        mono,
        max_new_tokens=10,
        do_sample=False,
        guidance_scale=3.0,
        observer=lambda step, total, ids: seen.append((step, total, ids.shape[-1])),
        progress=lambda n, total: done.append(n),
    )
    assert seen == [(i, 10, 1 + i) for i in range(10)]
    assert done == list(range(1, 11))


def test_buffer_reuse_gives_fresh_results(mono: Any) -> None:
    other = torch.tensor([[3, 4, 0, 0, 0], [12, 13, 14, 15, 16]])
    with torch.inference_mode():  # as the engine calls it; later calls run outside
        first = fast(mono, max_new_tokens=14, do_sample=False, guidance_scale=3.0, options=STATIC)
    fast(
        mono,
        input_ids=other,
        attention_mask=(other != 0).long(),
        max_new_tokens=14,
        do_sample=False,
        guidance_scale=3.0,
        options=STATIC,
    )
    again = fast(mono, max_new_tokens=14, do_sample=False, guidance_scale=3.0, options=STATIC)
    assert torch.equal(first, again)
    again[0, 0, 0, 0] = 1  # the result is an ordinary tensor


def test_concurrent_runs_on_one_model_do_not_mix(mono: Any) -> None:
    other = torch.tensor([[3, 4, 0, 0, 0], [12, 13, 14, 15, 16]])
    jobs = {
        "a": {"input_ids": IDS, "attention_mask": MASK},
        "b": {"input_ids": other, "attention_mask": (other != 0).long()},
    }
    common = {"max_new_tokens": 12, "do_sample": False, "guidance_scale": 3.0, "options": STATIC}
    alone = {name: fast(mono, **job, **common) for name, job in jobs.items()}
    together: dict[str, torch.Tensor] = {}
    threads = [
        threading.Thread(
            target=lambda n=name, j=job: together.update({n: fast(mono, **j, **common)})
        )
        for name, job in jobs.items()
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert torch.equal(together["a"], alone["a"])
    assert torch.equal(together["b"], alone["b"])
    release_buffers(mono)
    assert torch.equal(fast(mono, **jobs["a"], **common), alone["a"])


def test_unsupported_models_and_configs_fail_clearly(mono: Any) -> None:
    assert supports(mono)
    assert not supports(mono.decoder)
    with pytest.raises(UnsupportedOperationError, match="MusicgenForCausalLM"):
        fast_generate_codes(mono.decoder, input_ids=IDS, max_new_tokens=5)
    mono.generation_config.repetition_penalty = 1.3
    try:
        assert "repetition_penalty" in (unsupported_reason(mono) or "")
        with pytest.raises(UnsupportedOperationError, match="repetition_penalty"):
            fast(mono, max_new_tokens=5)
    finally:
        mono.generation_config.repetition_penalty = 1.0


@pytest.mark.parametrize("guidance", [math.nextafter(MIN_GUIDANCE_SCALE, 0.0), 0.0])
def test_guidance_below_one_is_refused_as_generation_params_refuses_it(
    mono: Any, guidance: float
) -> None:
    with pytest.raises(InvalidParameterError, match="guidance_scale must be >= 1"):
        fast(mono, max_new_tokens=5, do_sample=False, guidance_scale=guidance)
    with pytest.raises(InvalidParameterError, match="guidance_scale must be >= 1"):
        GenerationParams("x", guidance_scale=guidance)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_new_tokens": 0},
        {"max_new_tokens": 5, "temperature": 0.0, "do_sample": True},
        {"max_new_tokens": 5, "top_p": 1.5, "do_sample": True},
        {"max_new_tokens": 5, "prompt_codes": torch.zeros(3, 4, 2, dtype=torch.long)},
        {"max_new_tokens": 5, "attention_mask": torch.ones(2, 3, dtype=torch.long)},
    ],
)
def test_bad_arguments_raise_invalid_parameter(mono: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidParameterError):
        fast(mono, **kwargs)


def test_cuda_graph_needs_cuda(mono: Any) -> None:
    with pytest.raises(InvalidParameterError, match="CUDA"):
        fast(mono, max_new_tokens=5, options=FastDecodeOptions(use_cuda_graph=True))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_graph_equals_eager_on_gpu() -> None:
    model = tiny_model().cuda()
    ids, mask = IDS.cuda(), MASK.cuda()
    graph = fast_generate_codes(
        model,
        input_ids=ids,
        attention_mask=mask,
        max_new_tokens=30,
        do_sample=False,
        guidance_scale=3.0,
    )
    eager = fast_generate_codes(
        model,
        input_ids=ids,
        attention_mask=mask,
        max_new_tokens=30,
        do_sample=False,
        guidance_scale=3.0,
        options=FastDecodeOptions(use_cuda_graph=False),
    )
    assert torch.equal(graph, eager)
