"""The fused Triton decoder step computes what the torch step computes.

Without a CUDA GPU the kernels run in Triton's interpreter (``TRITON_INTERPRET=1``, set by the
root conftest before anything imports triton), which executes the same kernel code on CPU
tensors: each kernel is checked against torch, then whole runs against stock ``generate()``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F

pytest.importorskip("transformers")
pytest.importorskip("triton")
if not torch.cuda.is_available() and os.environ.get("TRITON_INTERPRET") != "1":
    pytest.skip("no CUDA GPU and Triton's interpreter is off", allow_module_level=True)

from music_gen.engines.musicgen.fast import (
    KERNELS_ENV,
    FastDecodeOptions,
    Tuning,
    fast_generate_codes,
    ops,
)
from music_gen.errors import InvalidParameterError, UnsupportedOperationError
from tests.engines.musicgen.fast_helpers import IDS, MASK, stock_codes, tiny_model
from tests.engines.musicgen.tiny import TINY_SAMPLE_RATE

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
TRITON = FastDecodeOptions(kernels="triton")
# Shapes that are not multiples of any block size: every edge mask is exercised.
M, N, K = 3, 50, 40


@pytest.fixture(params=[16, 64], ids=["gpu-blocks", "wide-blocks"])
def blocks(request: pytest.FixtureRequest) -> Tuning:
    """Column block of the linear kernel: the GPU's narrow one and the interpreter's."""
    return Tuning(interpreter_block_n=request.param)


def _rand(*shape: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator).to(DEVICE)


@pytest.mark.parametrize(
    ("epilogue", "with_ln", "reference"),
    [
        (ops.STORE, True, lambda y, r: y),
        (ops.GELU, True, lambda y, r: F.gelu(y)),
        (ops.RELU, False, lambda y, r: F.relu(y)),
        (ops.RESIDUAL, False, lambda y, r: r + y),
    ],
    ids=["layer-norm", "layer-norm-gelu", "relu", "residual"],
)
def test_linear_kernel_matches_torch(
    blocks: Tuning, epilogue: int, with_ln: bool, reference: Any
) -> None:
    x, w = _rand(M, K, seed=1), _rand(N, K, seed=2)
    ln = (_rand(K, seed=3), _rand(K, seed=4), 1e-5)
    residual = _rand(M, N, seed=5)
    expected_in = F.layer_norm(x, (K,), *ln) if with_ln else x
    expected = reference(F.linear(expected_in, w), residual)
    # The residual epilogue writes in place, as the decoder uses it.
    out = residual if epilogue == ops.RESIDUAL else torch.full((M, N), float("nan"), device=DEVICE)
    ops.linear(
        x,
        w,
        out,
        layer_norm=ln if with_ln else None,
        epilogue=epilogue,
        residual=residual if epilogue == ops.RESIDUAL else None,
        tuning=blocks,
    )
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)


def test_linear_kernel_in_half_precision_is_close_to_torch(blocks: Tuning) -> None:
    x, w = _rand(M, K, seed=1).half(), (_rand(N, K, seed=2) / 8).half()
    ln = (_rand(K, seed=3).half(), _rand(K, seed=4).half(), 1e-5)
    out = torch.empty(M, N, dtype=torch.float16, device=DEVICE)
    ops.linear(x, w, out, layer_norm=ln, tuning=blocks)
    expected = F.linear(F.layer_norm(x.float(), (K,), ln[0].float(), ln[1].float()), w.float())
    assert out.dtype == torch.float16
    torch.testing.assert_close(out.float(), expected, rtol=2e-2, atol=2e-2)


def test_qkv_epilogue_writes_k_and_v_into_the_cache_at_the_position(blocks: Tuning) -> None:
    hidden, heads, head_dim, length, position = 24, 3, 8, 10, 7
    x, w = _rand(M, K, seed=1), _rand(3 * hidden, K, seed=2)
    ln = (_rand(K, seed=3), _rand(K, seed=4), 1e-5)
    kv = torch.zeros(2, M, heads, length, head_dim, device=DEVICE)
    q = torch.empty(M, hidden, device=DEVICE)
    pos = torch.tensor([position], device=DEVICE)
    ops.linear(
        x,
        w,
        q,
        layer_norm=ln,
        epilogue=ops.QKV,
        kv=kv,
        position=pos,
        head_dim=head_dim,
        tuning=blocks,
    )
    ref = F.linear(F.layer_norm(x, (K,), *ln), w)
    torch.testing.assert_close(q, ref[:, :hidden], rtol=1e-5, atol=1e-5)
    for which in (0, 1):
        part = ref[:, (which + 1) * hidden : (which + 2) * hidden].view(M, heads, head_dim)
        torch.testing.assert_close(kv[which, :, :, position], part, rtol=1e-5, atol=1e-5)
    others = [p for p in range(length) if p != position]
    assert not kv[:, :, :, others].any(), "only the current position may be written"


@pytest.mark.parametrize("merge", [False, True], ids=["combine-kernel", "merged"])
@pytest.mark.parametrize(
    ("splits", "position"),
    [(1, 149), (4, 100), (7, 3), (3, 0)],
    ids=["one-split", "partly-filled", "mostly-empty-splits", "first-step"],
)
def test_causal_attention_reads_the_cache_up_to_the_position(
    splits: int, position: int, merge: bool
) -> None:
    rows, heads, head_dim, length = 3, 2, 12, 150
    q = _rand(rows, heads * head_dim, seed=1)
    keys, values = _rand(rows, heads, length, head_dim, seed=2), _rand(rows, heads, length, 12)
    spec = ops.AttentionShape(
        rows, heads, head_dim, length, causal=True, splits=splits, block_l=16, merge=merge
    )
    out = torch.empty(rows, heads * head_dim, device=DEVICE)
    partials = torch.zeros(rows * heads * spec.splits * (spec.block_d + 2), device=DEVICE)
    counts = torch.zeros(rows * heads, dtype=torch.int32, device=DEVICE)
    pos = torch.tensor([position], device=DEVICE)
    # Garbage past the position must not leak in.
    keys[:, :, position + 1 :] = 1e4
    visible = slice(0, position + 1)
    expected = F.scaled_dot_product_attention(
        q.view(rows, heads, 1, head_dim), keys[:, :, visible], values[:, :, visible]
    )
    for _ in range(2):  # the counts are left ready for the next launch
        out.fill_(float("nan"))
        ops.attention(spec, q, keys, values, out, position=pos, partials=partials, counts=counts)
        torch.testing.assert_close(out, expected.reshape(rows, -1), rtol=1e-5, atol=1e-5)
        assert not counts.any()


def test_masked_attention_matches_sdpa() -> None:
    rows, heads, head_dim, length = 3, 2, 12, 40
    q = _rand(rows, heads * head_dim, seed=1)
    keys, values = _rand(rows, heads, length, head_dim, seed=2), _rand(rows, heads, length, 12)
    mask = torch.zeros(rows, 1, 1, length, device=DEVICE)
    mask[1, ..., 25:] = torch.finfo(torch.float32).min
    spec = ops.AttentionShape(rows, heads, head_dim, length, causal=False, splits=1, block_l=16)
    out = torch.empty(rows, heads * head_dim, device=DEVICE)
    ops.attention(spec, q, keys, values, out, mask=mask.view(rows, -1))
    expected = F.scaled_dot_product_attention(
        q.view(rows, heads, 1, head_dim), keys, values, attn_mask=mask
    )
    torch.testing.assert_close(out, expected.reshape(rows, -1), rtol=1e-5, atol=1e-5)


def _stock_choice(
    logits: torch.Tensor, noise: torch.Tensor, warpers: dict[str, Any]
) -> torch.Tensor:
    """What stock generate()'s logits processors and torch.multinomial's draw choose."""
    from transformers import (
        ClassifierFreeGuidanceLogitsProcessor,
        TemperatureLogitsWarper,
        TopKLogitsWarper,
        TopPLogitsWarper,
    )

    vocab = noise.shape[1]
    rows = noise.shape[0]
    ids = torch.zeros(rows, 1, dtype=torch.long, device=logits.device)
    scores = ClassifierFreeGuidanceLogitsProcessor(3.0)(ids, logits.reshape(-1, vocab))
    if not warpers:
        return scores.argmax(dim=-1)
    scores = TemperatureLogitsWarper(warpers["temperature"])(ids, scores)
    if warpers.get("top_k"):
        scores = TopKLogitsWarper(warpers["top_k"])(ids, scores)
    if warpers.get("top_p", 1.0) < 1.0:
        scores = TopPLogitsWarper(warpers["top_p"])(ids, scores)
    return (scores.softmax(dim=-1) / noise).argmax(dim=-1)


@pytest.mark.parametrize(
    "warpers",
    [
        {},
        {"temperature": 1.0, "top_k": 50},
        {"temperature": 0.7, "top_k": 20, "top_p": 0.8},
        {"temperature": 1.3, "top_p": 0.5},
    ],
    ids=["greedy", "top-k", "top-k-top-p", "top-p"],
)
def test_sample_kernel_chooses_what_stock_processors_choose(warpers: dict[str, Any]) -> None:
    batch, books, vocab, length, position = 2, 3, 100, 9, 5
    logits = _rand(2 * batch, books * vocab, seed=1) * 3
    noise = -torch.log(torch.rand(batch * books, vocab, generator=torch.Generator().manual_seed(2)))
    noise = noise.to(DEVICE)
    pattern = torch.full((batch * books, length), -1, dtype=torch.long, device=DEVICE)
    pattern[::4, position + 1] = 7  # forced positions keep their code
    codes = pattern.clone()
    tokens = torch.zeros(batch * books, dtype=torch.long, device=DEVICE)

    def scalar(value: float) -> torch.Tensor:
        return torch.tensor(value, device=DEVICE)

    ops.sample(
        logits,
        noise=noise,
        pattern=pattern,
        codes=codes,
        tokens=tokens,
        position=torch.tensor([position], device=DEVICE),
        guidance=scalar(3.0),
        temperature=scalar(warpers.get("temperature", 1.0)),
        top_p_cut=scalar(1.0 - warpers.get("top_p", 1.0)),
        batch=batch,
        guided=True,
        do_sample=bool(warpers),
        top_k=warpers.get("top_k", 0),
        use_top_p=warpers.get("top_p", 1.0) < 1.0,
    )
    expected = _stock_choice(logits, noise, warpers)
    expected[::4] = 7
    assert torch.equal(codes[:, position + 1], expected)
    assert torch.equal(tokens, expected)
    others = [p for p in range(length) if p != position + 1]
    assert torch.equal(codes[:, others], pattern[:, others]), "only the next position is written"


# ----------------------------------------------------------------------- whole runs
@pytest.fixture(scope="module")
def mono() -> Any:
    return tiny_model(init_std=0.3).to(DEVICE)


@pytest.fixture(scope="module")
def stereo() -> Any:
    return tiny_model(channels=2, text_hidden=40, init_std=0.3).to(DEVICE)


def _inputs(batch: int = 2) -> dict[str, torch.Tensor]:
    return {"input_ids": IDS[:batch].to(DEVICE), "attention_mask": MASK[:batch].to(DEVICE)}


@pytest.mark.parametrize(
    ("guidance", "chosen_by", "tuning", "splits"),
    [
        (1.0, "options", {}, 1),
        (3.0, "options", {"attention_splits": 3}, 3),
        (3.0, "environment", {"attention_splits": 3, "merge_in_attention": True}, 3),
    ],
    ids=["one-split", "split-combined", "split-merged-by-env"],
)
def test_greedy_codes_equal_stock(
    mono: Any,
    guidance: float,
    chosen_by: str,
    tuning: dict[str, Any],
    splits: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from music_gen.engines.musicgen.fast.decode import _cache_for

    # A decoder kept from an earlier test under other settings is rebuilt.
    launch = Tuning(**tuning)
    kw = {"max_new_tokens": 10, "do_sample": False, "guidance_scale": guidance}
    ref = stock_codes(mono, **_inputs(), **kw)
    # Static shapes: a 64-position cache, long enough to split.
    options = FastDecodeOptions(static_shapes=splits > 1, kernels="triton", tuning=launch)
    if chosen_by == "environment":
        monkeypatch.setenv(KERNELS_ENV, "triton")
        options = FastDecodeOptions(static_shapes=splits > 1, tuning=launch)
    out = fast_generate_codes(mono, **_inputs(), **kw, options=options)
    assert out.shape == (1, 2, 4, 10 + 1 - 4)
    assert torch.equal(out, ref)
    decoder = _cache_for(mono).decoder
    assert decoder is not None
    assert decoder.fused.self_attn.splits == splits
    assert decoder.fused.self_attn.merge == tuning.get("merge_in_attention", False)


def test_stereo_continuation_equals_stock(stereo: Any) -> None:
    # A continuation prefills the cache from the prompt (torch ops) before the fused steps.
    prompt = torch.randint(0, 64, (1, 8, 6), generator=torch.Generator().manual_seed(4))
    prompt = prompt.to(DEVICE)
    kw = {"max_new_tokens": 8, "do_sample": False, "guidance_scale": 3.0}
    ref = stock_codes(stereo, **_inputs(1), **kw, decoder_input_ids=prompt.reshape(8, 6))
    out = fast_generate_codes(stereo, **_inputs(1), **kw, prompt_codes=prompt, options=TRITON)
    assert out.shape == (1, 1, 8, 6 + 8 + 1 - 4)
    assert torch.equal(out, ref)


def test_sampling_equals_the_torch_step_under_one_seed(mono: Any) -> None:
    kw: dict[str, Any] = {
        "max_new_tokens": 8,
        "do_sample": True,
        "top_k": 10,  # top-p is checked against stock above, where it costs less
        "guidance_scale": 3.0,
        "seed": 4,
    }
    torch_step = fast_generate_codes(mono, **_inputs(1), **kw)
    fused = fast_generate_codes(mono, **_inputs(1), **kw, options=TRITON)
    assert torch.equal(fused, torch_step)
    other = fast_generate_codes(mono, **_inputs(1), **{**kw, "seed": 5}, options=TRITON)
    assert not torch.equal(other, fused)


def test_released_buffers_are_freed_at_once(mono: Any) -> None:
    import gc
    import weakref

    from music_gen.engines.musicgen.fast import decode as fast_decode

    fast_generate_codes(mono, **_inputs(1), max_new_tokens=4, do_sample=False, options=TRITON)
    decoder = fast_decode._cache_for(mono).decoder
    assert decoder is not None and decoder.fused is not None
    cache = weakref.ref(decoder.kv)
    del decoder
    gc.disable()
    try:
        fast_decode.release_buffers(mono)
        assert cache() is None, "the KV cache outlived release_buffers()"
    finally:
        gc.enable()


def test_unknown_kernels_are_rejected(mono: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidParameterError, match="kernels must be one of torch, triton"):
        fast_generate_codes(
            mono, **_inputs(), max_new_tokens=4, options=FastDecodeOptions(kernels="cuda")
        )
    monkeypatch.setenv(KERNELS_ENV, "fused")
    with pytest.raises(InvalidParameterError, match=f"{KERNELS_ENV} must be one of"):
        fast_generate_codes(mono, **_inputs(), max_new_tokens=4)


def test_the_engine_decodes_with_the_kernels_the_environment_names(
    mono_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from music_gen import MusicGenerator
    from music_gen.engines.musicgen.fast.step import FusedStep

    fused_steps: list[int] = []
    step = FusedStep.__call__

    def counted(self: FusedStep) -> None:
        fused_steps.append(1)
        step(self)

    monkeypatch.setattr(FusedStep, "__call__", counted)

    def piece() -> Any:
        generator = MusicGenerator(model=str(mono_path), device=DEVICE)
        try:
            return generator.generate("calm piano", duration=0.5, seed=3, top_k=20)
        finally:
            generator.close()

    monkeypatch.setenv(KERNELS_ENV, "torch")
    reference = piece()
    assert not fused_steps
    monkeypatch.setenv(KERNELS_ENV, "triton")
    fused = piece()
    assert len(fused_steps) >= round(0.5 * 25), "every decoder step ran fused"
    assert fused.num_frames == reference.num_frames == round(0.5 * TINY_SAMPLE_RATE)
    assert (fused.samples == reference.samples).all()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU refusal")
def test_triton_kernels_refuse_a_cpu_model_outside_the_interpreter(
    mono: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    with pytest.raises(UnsupportedOperationError, match="CUDA devices"):
        fast_generate_codes(mono, **_inputs(), max_new_tokens=4, options=TRITON)


def test_an_activation_without_a_kernel_is_refused(mono: Any) -> None:
    config = mono.decoder.config
    config.activation_function = "silu"
    try:
        with pytest.raises(UnsupportedOperationError, match="'silu'"):
            fast_generate_codes(mono, **_inputs(), max_new_tokens=4, options=TRITON)
    finally:
        config.activation_function = "gelu"


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize(
    "tuning",
    [{}, {"pdl": True}, {"merge_in_attention": True}, {"pdl": True, "merge_in_attention": True}],
    ids=["plain", "pdl", "merged", "pdl-merged"],
)
def test_cuda_graph_of_the_fused_step_equals_the_torch_step(tuning: dict[str, Any]) -> None:
    # With programmatic dependent launch (where the GPU has it) the kernels overlap their
    # launches, and merged splits synchronise through atomics; the codes must not change.
    torch.backends.cuda.matmul.allow_tf32 = False
    model = tiny_model(init_std=0.3).cuda()
    kw: dict[str, Any] = {"max_new_tokens": 60, "do_sample": False, "guidance_scale": 3.0}
    options = FastDecodeOptions(kernels="triton", tuning=Tuning(**tuning))
    graph = fast_generate_codes(model, **_inputs(), **kw, options=options)
    eager = fast_generate_codes(
        model, **_inputs(), **kw, options=FastDecodeOptions(use_cuda_graph=False)
    )
    assert torch.equal(graph, eager)


@pytest.mark.skipif(torch.cuda.is_available(), reason="the GPU runs the kernels themselves")
def test_every_kernel_compiles_to_h100_machine_code(tmp_path: Path) -> None:
    """Triton's compiler (not its interpreter) builds the step of MusicGen small for sm_90."""
    report = tmp_path / "compile.json"
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    env["TRITON_DEFAULT_FP_FUSION"] = "1"
    command = [
        sys.executable,
        str(Path(__file__).parents[3] / "bench" / "triton_compile.py"),
        "--models=small",
        "--dtypes=float16",
        "--batches=1",
        "--arch=90",
        f"--json={report}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    kernels = json.loads(report.read_text())["kernels"]
    assert not any(k["waits_for_previous"] for k in kernels)
    assert {k["kernel"] for k in kernels} == {
        "embed_kernel",
        "linear_kernel",
        "attention_kernel",
        "combine_kernel",
        "sample_kernel",
    }
    assert all(k["local_bytes"] == 0 for k in kernels), "no register spills"
    # The projections stream their weights through shared memory (software-pipelined).
    assert all(k["async_copies"] > 0 for k in kernels if k["kernel"] == "linear_kernel")

    # With programmatic dependent launch every kernel waits for the one before it; with the
    # splits merged in the attention kernel there is no combine kernel.
    tuning = "--tuning=pdl=1,merge_in_attention=1"
    done = subprocess.run([*command, tuning], capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    kernels = json.loads(report.read_text())["kernels"]
    assert all(k["waits_for_previous"] for k in kernels)
    assert "combine_kernel" not in {k["kernel"] for k in kernels}
    assert all(k["local_bytes"] == 0 for k in kernels)
