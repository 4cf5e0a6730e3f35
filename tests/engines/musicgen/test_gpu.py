"""The MusicGen engine on a CUDA GPU through the public API (skipped without one)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from music_gen import MusicGenerator
from tests.engines.musicgen.tiny import TINY_SAMPLE_RATE

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, "float32"])
def test_generate_on_cuda_in_each_dtype(mono_path: Path, dtype: object) -> None:
    generator = MusicGenerator(model=str(mono_path), device="cuda", dtype=dtype)
    first = generator.generate("calm piano", duration=1.5, seed=11)
    again = generator.generate("calm piano", duration=1.5, seed=11)
    assert first.num_frames == round(1.5 * TINY_SAMPLE_RATE)
    assert np.isfinite(first.samples).all()
    assert np.abs(first.samples).max() > 0
    assert first.metadata["device"].startswith("cuda")
    np.testing.assert_array_equal(first.samples, again.samples)  # same seed, same device
    generator.close()


def test_auto_device_picks_cuda(mono_path: Path) -> None:
    generator = MusicGenerator(model=str(mono_path))
    audio = generator.generate("jazz", duration=0.5, seed=1)
    assert audio.metadata["device"].startswith("cuda")
    generator.close()


def test_fast_and_stock_agree_greedy_fp32_on_cuda(mono_path: Path) -> None:
    generator = MusicGenerator(model=str(mono_path), device="cuda", dtype="float32")
    fast = generator.generate("rock drums", duration=2.0, top_k=1, seed=1, decoder="fast")
    stock = generator.generate("rock drums", duration=2.0, top_k=1, seed=1, decoder="stock")
    np.testing.assert_allclose(fast.samples, stock.samples, atol=1e-4)
    generator.close()


def test_stream_and_long_form_on_cuda(mono_path: Path) -> None:
    generator = MusicGenerator(model=str(mono_path), device="cuda", dtype="float32")
    whole = generator.generate("ambient pads", duration=3.0, top_k=1, seed=2)
    chunks = list(generator.stream("ambient pads", duration=3.0, top_k=1, seed=2, chunk_s=0.5))
    joined = np.concatenate([chunk.samples for chunk in chunks], axis=1)
    assert chunks[-1].final
    np.testing.assert_allclose(joined, whole.samples, atol=1e-4)
    window = generator.engine.capabilities.max_duration_s
    assert window >= 300
    long = generator.generate("ambient pads", duration=40.0, seed=2)
    assert long.num_frames == round(40.0 * TINY_SAMPLE_RATE)
    assert np.isfinite(long.samples).all()
    generator.close()


@pytest.mark.parametrize("dtype", [torch.float16, "float32"])
def test_fused_triton_step_matches_the_torch_step_greedy(
    mono_path: Path, dtype: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    def piece(kernels: str) -> np.ndarray:
        monkeypatch.setenv("MUSICGEN_FAST_KERNELS", kernels)
        generator = MusicGenerator(model=str(mono_path), device="cuda", dtype=dtype)
        try:
            audio = generator.generate("rock drums", duration=3.0, top_k=1, seed=1, decoder="fast")
        finally:
            generator.close()
        return audio.samples

    fused, torch_step = piece("triton"), piece("torch")
    assert fused.shape == torch_step.shape
    assert np.isfinite(fused).all() and np.abs(fused).max() > 0
    if dtype == "float32":
        np.testing.assert_allclose(fused, torch_step, atol=1e-4)
