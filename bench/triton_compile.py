"""Compile the fused decoder step's Triton kernels for a GPU, on a machine without one.

Builds MusicGen decoders of the real sizes on PyTorch's ``meta`` device (shapes only, no
memory), records the kernel launches of one fused step (``FastDecodeOptions(kernels="triton")``)
and compiles each distinct launch with Triton down to machine code for the target architecture
(default sm_90, the H100), with the specialisation Triton's launcher would give it (alignment
of pointers and sizes), then reads each kernel's registers, local (spill) and shared memory
from the machine code (``cuobjdump``) and whether its loads are software-pipelined. This
catches what Triton's interpreter cannot: code the GPU compiler rejects, register spills, and
loops that wait on every load.

    python bench/triton_compile.py                       # small, medium, large; fp16 and bf16
    python bench/triton_compile.py --models tiny --dtypes float32 --batches 1 --json out.json

Run it without ``TRITON_INTERPRET`` set (the interpreter replaces what gets compiled).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KERNELS = ("linear_kernel", "attention_kernel", "combine_kernel", "embed_kernel", "sample_kernel")
TYPES = {"float16": "fp16", "bfloat16": "bf16", "float32": "fp32", "int64": "i64", "int32": "i32"}


class _Recorder:
    """Stands in for a kernel: ``kernel[grid](*args, **kwargs)`` records instead of running."""

    def __init__(self, name: str, kernel: Any, calls: list[dict[str, Any]]) -> None:
        self.name, self.kernel, self.calls = name, kernel, calls

    def __getitem__(self, grid: Any) -> Any:
        def launch(*args: Any, **kwargs: Any) -> None:
            self.calls.append({"name": self.name, "kernel": self.kernel, "args": args, **kwargs})

        return launch


@contextlib.contextmanager
def recording(kernels: Any) -> Iterator[list[dict[str, Any]]]:
    """Record instead of run the launches of the kernels module's kernels."""
    calls: list[dict[str, Any]] = []
    originals = {name: getattr(kernels, name) for name in KERNELS}
    for name, kernel in originals.items():
        setattr(kernels, name, _Recorder(name, kernel, calls))
    try:
        yield calls
    finally:
        for name, kernel in originals.items():
            setattr(kernels, name, kernel)


def _type_of(value: Any) -> str:
    import torch

    if isinstance(value, torch.Tensor):
        return "*" + TYPES[str(value.dtype).removeprefix("torch.")]
    if isinstance(value, bool):
        return "i1"
    if isinstance(value, int):
        return "i32" if -(2**31) <= value < 2**31 else "i64"
    if isinstance(value, float):
        return "fp32"
    raise TypeError(f"no Triton type for {type(value).__name__}")


def launches(
    size: str, dtype: str, batch: int, steps: int, sms: int, tuning: str = ""
) -> list[dict[str, Any]]:
    """The kernel launches of one fused step of a ``size`` model (on the meta device).

    ``tuning`` holds ``field=value`` changes to the default ``fast.Tuning``, comma-separated;
    the launches are planned for ``sms`` multiprocessors of a Hopper GPU (compute capability
    9.0, where PDL is available).
    """
    import functools

    import torch
    import transformers

    sys.path.insert(0, str(ROOT / "bench"))
    from musicgen_fast import build_config, import_fast

    kernels = import_fast("kernels")
    fg = import_fast("graph")
    fw = import_fast("weights")
    fs = import_fast("step")
    with torch.device("meta"):
        model = transformers.MusicgenForConditionalGeneration(build_config(size))
    weights = fw.DecoderWeights.from_model(model, getattr(torch, dtype))
    spec = fg.SamplingSpec(guided=True, do_sample=True, top_k=250, use_top_p=True)
    changes = {k: int(v) for k, v in (item.split("=") for item in tuning.split(",") if item)}
    launch = import_fast().Tuning(sm_count=sms, capability=(9, 0), **changes)
    decoder = fg.StaticDecoder(
        weights,
        batch=batch,
        max_length=steps,
        encoder_length=32,
        encoder_hidden=model.text_encoder.config.hidden_size,
        spec=spec,
        device=torch.device("meta"),
        cache_multiple=64,
        fused_step=functools.partial(fs.FusedStep, tuning=launch),
    )
    with recording(kernels) as calls:
        decoder.fused()
    return calls


def _key(call: dict[str, Any]) -> tuple[Any, ...]:
    signature, constants, attrs = _signature(call)
    options = (call.get("num_warps", 4), call.get("num_stages", 3))
    return (call["name"], tuple(signature.items()), tuple(constants.items()), str(attrs), options)


def _aligned(value: Any) -> bool:
    """What Triton's launcher marks ``tt.divisibility=16``: ints and addresses divisible by 16."""
    import torch

    if isinstance(value, torch.Tensor):
        # Allocations are 256-byte aligned; a view is aligned where its offset is.
        return value.storage_offset() * value.element_size() % 16 == 0
    return isinstance(value, int) and not isinstance(value, bool) and value % 16 == 0


def _signature(
    call: dict[str, Any],
) -> tuple[dict[str, str], dict[str, Any], dict[tuple[int, ...], list[list[Any]]]]:
    """The specialisation a launch gets from Triton's JIT: types, constants, alignment."""
    kernel = call["kernel"]
    names = kernel.arg_names
    values = dict(zip(names, call["args"], strict=False))
    constants = {n: call[n] for n in names if n in call}
    # The launcher turns integer arguments equal to 1 into constants.
    constants.update(
        {n: 1 for n, v in values.items() if type(v) is int and v == 1 and n not in constants}
    )
    signature = {n: ("constexpr" if n in constants else _type_of(values[n])) for n in names}
    attrs = {
        (i,): [["tt.divisibility", 16]]
        for i, n in enumerate(names)
        if n not in constants and _aligned(values[n])
    }
    return signature, constants, attrs


def _resource_usage(cubin: bytes) -> dict[str, int]:
    """Registers, spill bytes and shared memory of a compiled kernel (``cuobjdump``)."""
    import triton

    tool = Path(triton.__file__).parent / "backends" / "nvidia" / "bin" / "cuobjdump"
    with tempfile.TemporaryDirectory() as tmp:
        binary = Path(tmp) / "kernel.cubin"
        binary.write_bytes(cubin)
        done = subprocess.run(
            [str(tool), "--dump-resource-usage", str(binary)], capture_output=True, text=True
        )
    text = done.stdout + done.stderr
    if done.returncode:
        raise RuntimeError(f"cuobjdump failed: {text[-2000:]}")

    def number(pattern: str) -> int:
        found = re.search(pattern, text)
        return int(found.group(1)) if found else 0

    return {
        "registers": number(r"REG:(\d+)"),
        "stack_bytes": number(r"STACK:(\d+)"),
        "shared_bytes": number(r"SHARED:(\d+)"),
        "local_bytes": number(r"LOCAL:(\d+)"),
    }


def compile_launch(call: dict[str, Any], arch: int) -> dict[str, Any]:
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    signature, constants, attrs = _signature(call)
    source = ASTSource(fn=call["kernel"], signature=signature, constexprs=constants, attrs=attrs)
    options = {"num_warps": call.get("num_warps", 4), "num_stages": call.get("num_stages", 3)}
    if call.get("launch_pdl"):
        options["launch_pdl"] = True
    compiled = triton.compile(source, target=GPUTarget("cuda", arch, 32), options=options)
    if "cubin" not in compiled.asm:
        raise RuntimeError(f"{call['name']}: no machine code produced")
    # Loads software-pipelined through shared memory (cp.async), a sign of a streaming loop.
    options["async_copies"] = compiled.asm["ttgir"].count("async_copy_global_to_local")
    options["waits_for_previous"] = "griddepcontrol.wait" in compiled.asm["ptx"]
    usage = _resource_usage(compiled.asm["cubin"])
    # Triton's pipelining buffers are dynamic shared memory, which the cubin does not list.
    usage["shared_bytes"] = max(usage["shared_bytes"], int(compiled.metadata.shared))
    return {"kernel": call["name"], **options, **usage}


def triton_version() -> str:
    import triton

    return str(triton.__version__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="small,medium,large")
    parser.add_argument("--dtypes", default="float16,bfloat16")
    parser.add_argument("--batches", default="1,16")
    parser.add_argument("--steps", type=int, default=1503, help="decoder length (30 s)")
    parser.add_argument("--arch", type=int, default=90, help="compute capability, e.g. 80, 90")
    parser.add_argument("--sms", type=int, default=132, help="multiprocessors of the target")
    parser.add_argument(
        "--tuning", default="", help="fast.Tuning changes, e.g. pdl=1,merge_in_attention=1"
    )
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if os.environ.get("TRITON_INTERPRET", "0") not in ("", "0"):
        parser.error("unset TRITON_INTERPRET: the interpreter replaces what gets compiled")

    results: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    for size in args.models.split(","):
        for dtype in args.dtypes.split(","):
            for batch in (int(b) for b in args.batches.split(",")):
                for call in launches(size, dtype, batch, args.steps, args.sms, args.tuning):
                    key = _key(call)
                    if key in seen:
                        continue
                    seen.add(key)
                    report = compile_launch(call, args.arch)
                    report.update({"model": size, "dtype": dtype, "batch": batch})
                    results.append(report)
                    print(json.dumps(report), flush=True)
    spilling = sorted({r["kernel"] for r in results if r["local_bytes"]})
    stacked = sorted({r["kernel"] for r in results if r["stack_bytes"]})
    print(
        f"{len(results)} kernels compiled for sm_{args.arch} with Triton {triton_version()}; "
        f"spilling to local memory: {spilling or 'none'}; with a stack frame: {stacked or 'none'}"
    )
    if args.json:
        Path(args.json).write_text(json.dumps({"arch": args.arch, "kernels": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
