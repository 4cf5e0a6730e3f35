#!/usr/bin/env bash
# The GPU checks of the MusicGen fast decoder in one command, for a machine with one CUDA GPU:
#   1. the GPU tests (fast decoder vs stock and eager, the Triton step compiled for the GPU,
#      the engine through the public API in each dtype);
#   2. bench/musicgen_fast.py: stock vs the torch step vs the Triton step, small/medium/large,
#      batch 1 and 16, end to end, greedy agreement, then a sweep of Triton launch settings.
# Results (log, JSON) go to $OUT (default out/gpu).
#
#   bash bench/gpu_check.sh            # everything, at most 9.5 minutes (one device call)
#   QUICK=1 bash bench/gpu_check.sh    # small only, no sweep (about 2 minutes)
#   SKIP_TESTS=1 bash bench/gpu_check.sh   # the benchmark alone
#
# The GPU tests import the package and run the MusicGen engine, which need soundfile (and cffi)
# beyond what a CUDA machine with torch and transformers usually has: `bash tools/gpu_wheels.sh`
# downloads their wheels into tools/.whl/ where PyPI is reachable; they are installed to
# /tmp/site first when that folder exists (carry it along). The benchmark needs only
# torch/transformers.
set -u
OUT=${OUT:-out/gpu}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
PY=${PYTHON:-python3}

if [ -d tools/.whl ]; then
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site tools/.whl/*.whl && export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
$PY - <<'EOF' | tee "$OUT/device.txt"
import torch, transformers, triton
print(torch.cuda.get_device_name(), "torch", torch.__version__,
      "transformers", transformers.__version__, "triton", triton.__version__)
EOF

if [ -z "${SKIP_TESTS:-}" ]; then
    timeout 150 $PY -m pytest -q -p no:cacheprovider -o addopts="" -rs \
        tests/engines/musicgen/test_fast_kernels.py tests/engines/musicgen/test_fast_decode.py \
        tests/engines/musicgen/test_gpu.py 2>&1 | tee "$OUT/gpu-tests.txt"
fi

if [ -n "${QUICK:-}" ]; then
    set -- --models small --steps-stock 50 --steps-new 300 --skip-tiny-checks
else
    set -- --steps-stock 50 --agreement-steps 150 --sweep default --sweep-models small
fi
timeout 400 $PY bench/musicgen_fast.py --device cuda --dtype float16 \
    --json "$OUT/musicgen_fast.json" "$@" 2>&1 | tee "$OUT/bench.txt"
