#!/usr/bin/env bash
# Download, on a machine with PyPI access, the wheels that bench/gpu_check.sh installs on a GPU
# machine without it (Python 3.12, x86-64): what `import music_gen` and the MusicGen engine
# need beyond torch, transformers, accelerate, numpy, scipy, httpx and rich.
#   bash tools/gpu_wheels.sh [python-version]     # into tools/.whl/ (ignored by git)
set -eu
PYVER=${1:-3.12}
WHL="$(cd "$(dirname "$0")" && pwd)/.whl"
mkdir -p "$WHL"
for spec in "soundfile>=0.12.1,<1" "cffi>=1.17" "pycparser"; do
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version "$PYVER" \
        --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        --platform manylinux1_x86_64 --platform any -d "$WHL" "$spec"
done
ls "$WHL"
