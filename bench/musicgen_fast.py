"""Stock MusicGen generate() against the fast decoder, side by side, on random weights.

Builds MusicGen small / medium / large with the real architectures (random weights, configs in
code, nothing downloaded), times stock ``generate()`` and ``fast_generate_codes`` per decoder
step at each batch size - the fast path once per step implementation (``--kernels``: the step
as torch ops, the step as fused Triton kernels) - measures end-to-end seconds for 30 s of audio
with each, and checks token agreement (greedy, same dtype) with stock on the small model plus
exact equality on a tiny float32 model. Prints a table; with ``$OUT`` set (or ``--json``) also
writes the results as JSON.

    python bench/musicgen_fast.py --device cuda
    python bench/musicgen_fast.py --device cuda --kernels triton --models small --batches 1
    python bench/musicgen_fast.py --device cpu --dtype float32 --models tiny,small \
        --batches 1 --steps-stock 20 --steps-new 20 --e2e-seconds 0 --skip-agreement

Only torch, transformers and the fast decoder (``music_gen.engines.musicgen.fast``) are imported
(the package's ``__init__`` is bypassed, so optional audio libraries need not be installed).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import json
import os
import sys
import time
import traceback
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
import transformers

ROOT = Path(__file__).resolve().parents[1]
FRAME_RATE = 50  # codec frames per second of audio at 32 kHz


def import_fast(module: str = "") -> Any:
    """Import the fast decoder (or one of its modules) without ``music_gen/__init__.py``.

    The package's ``__init__`` imports the whole library and its audio dependencies, which a
    bare CUDA machine lacks; the fast decoder needs only torch (and triton for its kernels).
    """
    for name in ("music_gen", "music_gen.engines", "music_gen.engines.musicgen"):
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = [str(ROOT.joinpath(*name.split(".")))]
            sys.modules[name] = package
    suffix = f".{module}" if module else ""
    return importlib.import_module(f"music_gen.engines.musicgen.fast{suffix}")


# Changes from the default Triton launch settings (fast.Tuning): one factor at a time,
# then the two launch-saving switches together.
SWEEP = (
    "default,block_n=32,block_n=64,block_k=128,num_warps=8,num_stages=4,attention_block_l=128,"
    "attention_waves=4,merge_in_attention=1,pdl=1,pdl=1+merge_in_attention=1"
)


def sweep(
    fd: Any, model: Any, size: str, batches: list[int], variants: str, steps: int, device: str
) -> list[dict[str, Any]]:
    """Time the Triton step under each launch-setting variant (weights and model kept)."""
    import dataclasses

    rows = []
    try:
        for variant in [v for v in variants.split(",") if v]:
            changes: dict[str, Any] = {}
            if variant != "default":  # field=value, several joined by "+"
                for change in variant.split("+"):
                    field, value = change.split("=")
                    changes[field] = None if value == "none" else int(value)
            tuning = dataclasses.replace(fd.Tuning(), **changes)
            for batch in batches:
                fd.release_buffers(model)
                cold, warm = time_fast(fd, model, batch, steps, device, "triton", tuning)
                row = {
                    "model": size,
                    "batch": batch,
                    "variant": variant,
                    "ms_per_step": 1000 * warm / steps,
                    "cold_s": cold,
                }
                print("sweep", json.dumps(row), flush=True)
                rows.append(row)
    finally:
        fd.release_buffers(model)
    return rows


# name: (decoder hidden, layers, heads, text encoder)
SIZES: dict[str, tuple[int, int, int, str]] = {
    "tiny": (64, 2, 4, "tiny"),
    "small": (1024, 24, 16, "t5-base"),
    "medium": (1536, 48, 24, "t5-base"),
    "large": (2048, 48, 32, "t5-large"),
}
T5: dict[str, dict[str, Any]] = {
    "tiny": {"d_model": 32, "d_ff": 64, "num_layers": 2, "num_heads": 2, "d_kv": 16},
    "t5-base": {"d_model": 768, "d_ff": 3072, "num_layers": 12, "num_heads": 12, "d_kv": 64},
    "t5-large": {"d_model": 1024, "d_ff": 4096, "num_layers": 24, "num_heads": 16, "d_kv": 64},
}


def build_config(size: str) -> Any:
    hidden, layers, heads, text = SIZES[size]
    t5 = transformers.T5Config(vocab_size=32128, feed_forward_proj="relu", **T5[text])
    codec = transformers.EncodecConfig(  # facebook/encodec_32khz
        audio_channels=1,
        sampling_rate=32000,
        num_filters=64,
        upsampling_ratios=[8, 5, 4, 4],
        codebook_size=2048,
        codebook_dim=128,
        hidden_size=128,
        num_lstm_layers=2,
        target_bandwidths=[2.2],
        normalize=False,
        use_causal_conv=False,
        compress=2,
        pad_mode="reflect",
        trim_right_ratio=1.0,
        use_conv_shortcut=False,
        chunk_length_s=None,
        overlap=None,
    )
    decoder = transformers.MusicgenDecoderConfig(
        vocab_size=2048,
        pad_token_id=2048,
        bos_token_id=2048,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        ffn_dim=4 * hidden,
        num_codebooks=4,
        max_position_embeddings=2048,
    )
    return transformers.MusicgenConfig(
        text_encoder=t5.to_dict(), audio_encoder=codec.to_dict(), decoder=decoder.to_dict()
    )


def build_model(size: str, device: str, dtype: torch.dtype) -> Any:
    """A random-weight model: weights created on the device, EnCodec kept in float32."""
    torch.manual_seed(0)
    with torch.device(device):
        model = transformers.MusicgenForConditionalGeneration(build_config(size))
    model.eval()
    model.text_encoder.to(dtype)
    model.decoder.to(dtype)
    if getattr(model, "enc_to_dec_proj", None) is not None:
        model.enc_to_dec_proj.to(dtype)
    gen = model.generation_config
    gen.decoder_start_token_id = 2048
    gen.pad_token_id = 2048
    gen.bos_token_id = 2048
    gen.do_sample, gen.guidance_scale, gen.top_k, gen.max_length = True, 3.0, 250, 1500
    return model


def text_inputs(batch: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.randint(5, 32000, (batch, 12), generator=torch.Generator().manual_seed(batch))
    mask = torch.ones_like(ids)
    mask[1::2, 9:] = 0  # every other prompt padded
    return ids.to(device), mask.to(device)


@contextlib.contextmanager
def stock_codes(model: Any) -> Iterator[list[torch.Tensor]]:
    """Skip stock generate()'s final EnCodec decode and keep the codes it was given."""
    calls: list[torch.Tensor] = []

    def capture(codes: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        calls.append(codes)
        return types.SimpleNamespace(audio_values=codes.new_zeros((codes.shape[1], 1, 1)))

    model.audio_encoder.decode = capture
    try:
        yield calls
    finally:
        del model.audio_encoder.decode


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


SAMPLING = {"do_sample": True, "top_k": 250, "guidance_scale": 3.0}


def time_stock(model: Any, batch: int, steps: int, device: str) -> float:
    ids, mask = text_inputs(batch, device)
    with stock_codes(model), torch.no_grad():
        model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=4, **SAMPLING)
        sync(device)
        start = time.perf_counter()
        model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=steps, **SAMPLING)
        sync(device)
    return time.perf_counter() - start


def options(fd: Any, kernels: str, **kwargs: Any) -> Any:
    return fd.FastDecodeOptions(kernels=kernels, **kwargs)


def sampled_codes(
    fd: Any, model: Any, batch: int, steps: int, device: str, kernels: str, tuning: Any = None
) -> Any:
    """Fast-path codes for ``batch`` prompts, sampled as the engine samples, seed 0."""
    ids, mask = text_inputs(batch, device)
    launch = {"tuning": tuning} if tuning is not None else {}
    return fd.fast_generate_codes(
        model,
        input_ids=ids,
        attention_mask=mask,
        max_new_tokens=steps,
        seed=0,
        options=options(fd, kernels, **launch),
        **SAMPLING,
    )


def time_fast(
    fd: Any, model: Any, batch: int, steps: int, device: str, kernels: str, tuning: Any = None
) -> tuple[float, float]:
    """(cold seconds incl. weight fusion and graph capture, warm seconds)."""
    times = []
    for _ in range(2):
        sync(device)
        start = time.perf_counter()
        sampled_codes(fd, model, batch, steps, device, kernels, tuning)
        sync(device)
        times.append(time.perf_counter() - start)
    return times[0], times[1]


def end_to_end(fd: Any, model: Any, seconds: float, device: str, kernels: str) -> dict[str, float]:
    """Text encoding + decoding + EnCodec decoding of ``seconds`` of audio, batch 1."""
    steps = int(seconds * FRAME_RATE) + model.decoder.config.num_codebooks - 1
    out: dict[str, float] = {}
    for label in ("cold_s", "warm_s"):
        sync(device)
        start = time.perf_counter()
        # Text encoding is inside: the fast path runs the encoder on the ids.
        codes = sampled_codes(fd, model, 1, steps, device, kernels)
        audio = fd.decode_codes(model, codes)
        sync(device)
        out[label] = time.perf_counter() - start
    out["audio_s"] = audio.shape[-1] / model.config.audio_encoder.sampling_rate
    return out


def agreement(fd: Any, model: Any, steps: int, device: str, kernels: str) -> dict[str, Any]:
    """Greedy stock vs fast codes on the same model, batch 2 (one prompt padded)."""
    ids, mask = text_inputs(2, device)
    kwargs = {"do_sample": False, "guidance_scale": 3.0}
    with stock_codes(model) as calls, torch.no_grad():
        model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=steps, **kwargs)
    ref = calls[0]
    out = fd.fast_generate_codes(
        model,
        input_ids=ids,
        attention_mask=mask,
        max_new_tokens=steps,
        options=options(fd, kernels),
        **kwargs,
    )
    same = (ref == out).float()
    frames_equal = same.all(dim=2)[0]  # [batch, frames]
    first_diff = [
        int((~row.bool()).nonzero()[0]) if not bool(row.all()) else None for row in frames_equal
    ]
    return {
        "tokens_equal_pct": round(100.0 * float(same.mean()), 2),
        "first_differing_frame": first_diff,
        "frames": int(ref.shape[-1]),
    }


def tiny_checks(fd: Any, device: str, kernels: str) -> dict[str, Any]:
    """Exactness on a tiny float32 model: graph vs stock, graph vs eager, seeds."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    model = build_model("tiny", device, torch.float32)
    ids, mask = text_inputs(3, device)
    kw: dict[str, Any] = {
        "input_ids": ids,
        "attention_mask": mask,
        "max_new_tokens": 300,
        "options": options(fd, kernels),
    }
    greedy = {"do_sample": False, "guidance_scale": 3.0}
    stock_kw = {k: v for k, v in kw.items() if k != "options"}
    with stock_codes(model) as calls, torch.no_grad():
        model.generate(**stock_kw, **greedy)
    fast = fd.fast_generate_codes(model, **kw, **greedy)
    eager = fd.fast_generate_codes(
        model, **{**kw, "options": options(fd, "torch", use_cuda_graph=False)}, **greedy
    )
    sampled = [fd.fast_generate_codes(model, **kw, **SAMPLING, seed=s) for s in (1, 1, 2)]
    torch.manual_seed(7)
    with stock_codes(model) as sample_calls, torch.no_grad():
        model.generate(**stock_kw, **SAMPLING)
    torch.manual_seed(7)
    fast_sampled = fd.fast_generate_codes(model, **kw, **SAMPLING)
    prompt = calls[0][0, :, :, :40]
    with stock_codes(model) as cont_calls, torch.no_grad():
        model.generate(**stock_kw, **greedy, decoder_input_ids=prompt.reshape(-1, 40))
    cont = fd.fast_generate_codes(model, **kw, **greedy, prompt_codes=prompt)
    return {
        "greedy_graph_equals_stock": bool(torch.equal(fast, calls[0])),
        "greedy_graph_equals_eager": bool(torch.equal(fast, eager)),
        "same_seed_same_codes": bool(torch.equal(sampled[0], sampled[1])),
        "other_seed_differs": not bool(torch.equal(sampled[0], sampled[2])),
        "sampling_equals_stock_same_global_seed": bool(torch.equal(fast_sampled, sample_calls[0])),
        "continuation_equals_stock": bool(torch.equal(cont, cont_calls[0])),
    }


class Results:
    def __init__(self, path: Path | None, meta: dict[str, Any]) -> None:
        self.path = path
        self.data: dict[str, Any] = {"meta": meta, "rows": [], "e2e": [], "checks": {}}

    def save(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.data, indent=2))


def guarded(results: Results, label: str, fn: Any) -> Any:
    try:
        return fn()
    except Exception as exc:
        print(f"!! {label} failed: {type(exc).__name__}: {exc}", flush=True)
        results.data.setdefault("errors", []).append(
            {
                "where": label,
                "error": f"{type(exc).__name__}: {exc}",
                "trace": traceback.format_exc()[-3000:],
            }
        )
        return None
    finally:
        results.save()


def per_kernels(results: Results, kernel_sets: list[str], label: str, fn: Any) -> dict[str, Any]:
    """``fn(kernels)`` for each step implementation, failures recorded and skipped."""
    done = {}
    for kernels in kernel_sets:
        value = guarded(results, f"{label} {kernels}", lambda k=kernels: fn(k))
        if value is not None:
            done[kernels] = value
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", default=None, help="bfloat16 (CUDA default) | float16 | float32")
    parser.add_argument("--models", default="small,medium,large")
    parser.add_argument("--batches", default="1,16")
    parser.add_argument("--steps-stock", type=int, default=100)
    parser.add_argument("--steps-new", type=int, default=500)
    parser.add_argument("--skip-stock-batches", default="", help="e.g. 16")
    parser.add_argument("--e2e-seconds", type=float, default=30.0, help="0 skips it")
    parser.add_argument("--agreement-steps", type=int, default=250)
    parser.add_argument("--skip-agreement", action="store_true")
    parser.add_argument("--skip-tiny-checks", action="store_true")
    parser.add_argument(
        "--kernels",
        default=None,
        help="fast-path step implementations to time, comma-separated: torch, triton "
        "(default: both on CUDA, torch on the CPU)",
    )
    parser.add_argument(
        "--sweep",
        default="",
        help=f"Triton launch-setting variants to time on --sweep-models ('default' for all of: "
        f"{SWEEP})",
    )
    parser.add_argument("--sweep-models", default="small")
    parser.add_argument("--sweep-batches", default="1")
    parser.add_argument("--sweep-steps", type=int, default=200)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    parser.add_argument("--json", default=None, help="results file (default $OUT/...)")
    args = parser.parse_args()

    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device
    if args.kernels is None:
        args.kernels = "torch,triton" if device.startswith("cuda") else "torch"
    default_dtype = "bfloat16" if device.startswith("cuda") else "float32"
    dtype = getattr(torch, args.dtype or default_dtype)
    fd = import_fast()
    json_path = Path(args.json) if args.json else None
    if json_path is None and os.environ.get("OUT"):
        json_path = Path(os.environ["OUT"]) / "musicgen_fast.json"
    meta = {
        "device": torch.cuda.get_device_name() if device.startswith("cuda") else "cpu",
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "dtype": str(dtype),
        "threads": torch.get_num_threads(),
        "args": vars(args),
    }
    results = Results(json_path, meta)
    print(json.dumps(meta), flush=True)
    batches = [int(b) for b in args.batches.split(",") if b]
    skip_stock = {int(b) for b in args.skip_stock_batches.split(",") if b}
    began = time.perf_counter()

    kernel_sets = [k for k in args.kernels.split(",") if k]
    if device.startswith("cuda") and not args.skip_tiny_checks:
        for kernels in kernel_sets:
            checks = guarded(
                results, f"tiny checks {kernels}", lambda k=kernels: tiny_checks(fd, device, k)
            )
            if checks is not None:
                results.data["checks"][f"tiny_fp32_{kernels}"] = checks
                print(f"tiny float32 checks ({kernels}):", json.dumps(checks), flush=True)
        torch.backends.cuda.matmul.allow_tf32 = True

    for size in [m for m in args.models.split(",") if m]:
        t0 = time.perf_counter()
        model = guarded(results, f"build {size}", lambda s=size: build_model(s, device, dtype))
        if model is None:
            continue
        print(f"built {size} in {time.perf_counter() - t0:.1f}s", flush=True)
        if size == "small" and not args.skip_agreement:
            agreements = per_kernels(
                results,
                kernel_sets,
                "agreement",
                lambda k, m=model: agreement(fd, m, args.agreement_steps, device, k),
            )
            for kernels, agree in agreements.items():
                name = f"agreement_small_{args.dtype or default_dtype}_{kernels}"
                results.data["checks"][name] = agree
                print(f"greedy agreement stock vs {kernels}:", json.dumps(agree), flush=True)
        for batch in batches:
            row: dict[str, Any] = {"model": size, "batch": batch}
            if batch not in skip_stock:
                secs = guarded(
                    results,
                    f"stock {size} b{batch}",
                    lambda m=model, b=batch: time_stock(m, b, args.steps_stock, device),
                )
                if secs is not None:
                    row["stock_ms_per_step"] = 1000 * secs / args.steps_stock
            timings = per_kernels(
                results,
                kernel_sets,
                f"fast {size} b{batch}",
                lambda k, m=model, b=batch: time_fast(fd, m, b, args.steps_new, device, k),
            )
            for kernels, (cold, warm) in timings.items():
                row[f"{kernels}_ms_per_step"] = 1000 * warm / args.steps_new
                row[f"{kernels}_cold_s"] = cold
                row[f"{kernels}_audio_s_per_s"] = batch * args.steps_new / FRAME_RATE / warm
                if "stock_ms_per_step" in row:
                    row[f"{kernels}_speedup"] = row["stock_ms_per_step"] / (
                        1000 * warm / args.steps_new
                    )
            results.data["rows"].append(row)
            results.save()
            print(json.dumps(row), flush=True)
        if args.sweep and size in args.sweep_models.split(","):
            variants = SWEEP if args.sweep == "default" else args.sweep
            swept = guarded(
                results,
                f"sweep {size}",
                lambda m=model, s=size, v=variants: sweep(
                    fd,
                    m,
                    s,
                    [int(b) for b in args.sweep_batches.split(",") if b],
                    v,
                    args.sweep_steps,
                    device,
                ),
            )
            if swept is not None:
                results.data.setdefault("sweep", []).extend(swept)
        if args.e2e_seconds > 0:
            ends = per_kernels(
                results,
                kernel_sets,
                f"e2e {size}",
                lambda k, m=model: end_to_end(fd, m, args.e2e_seconds, device, k),
            )
            for kernels, e2e in ends.items():
                results.data["e2e"].append({"model": size, "kernels": kernels, **e2e})
                print(f"e2e {size} {kernels}:", json.dumps(e2e), flush=True)
        del model
        gc.collect()
        if device.startswith("cuda"):
            torch.cuda.empty_cache()

    print_table(results.data, args, kernel_sets)
    print(f"total {time.perf_counter() - began:.0f}s")
    results.save()


def print_table(data: dict[str, Any], args: Any, kernel_sets: list[str]) -> None:
    def fmt(value: Any, spec: str) -> str:
        return format(value, spec) if isinstance(value, float | int) else "-"

    print()
    print(
        f"{data['meta']['device']}  {data['meta']['dtype']}  stock {args.steps_stock} steps, "
        f"fast {args.steps_new} steps, guidance 3, top-k 250"
    )
    header = f"{'model':<8}{'batch':>6}{'stock ms/step':>15}"
    for kernels in kernel_sets:
        header += f"{kernels + ' ms/step':>16}{'speed-up':>10}{'audio s/s':>11}{'cold s':>8}"
    print(header)
    for row in data["rows"]:
        line = f"{row['model']:<8}{row['batch']:>6}{fmt(row.get('stock_ms_per_step'), '15.2f')}"
        for k in kernel_sets:
            line += (
                f"{fmt(row.get(f'{k}_ms_per_step'), '16.2f')}"
                f"{fmt(row.get(f'{k}_speedup'), '9.1f'):>9}x"
                f"{fmt(row.get(f'{k}_audio_s_per_s'), '11.1f')}"
                f"{fmt(row.get(f'{k}_cold_s'), '8.2f')}"
            )
        print(line)
    for e2e in data["e2e"]:
        print(
            f"end-to-end {e2e['model']} ({e2e['kernels']}), batch 1, {e2e['audio_s']:.1f} s of "
            f"audio: {e2e['warm_s']:.2f} s warm ({e2e['cold_s']:.2f} s first call)"
        )
    if data.get("sweep"):
        print("Triton launch settings (ms per step):")
        for row in data["sweep"]:
            print(
                f"  {row['model']:<8}b{row['batch']:<4}{row['variant']:<36}"
                f"{row['ms_per_step']:8.3f}"
            )
    for name, check in data["checks"].items():
        print(f"{name}: {json.dumps(check)}")
    for err in data.get("errors", []):
        print(f"ERROR {err['where']}: {err['error']}")


if __name__ == "__main__":
    main()
