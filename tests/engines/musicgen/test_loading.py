"""Loading checkpoints: by path, by Hub name from the cache, offline, dtypes and every error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch

from music_gen import (
    ModelNotFoundError,
    ModelUnavailableError,
    MusicGenerator,
)
from music_gen.engines.musicgen import availability_problem, checkpoints
from music_gen.engines.musicgen.loading import resolve_dtype
from music_gen.engines.musicgen.models import HUB_CHECKPOINTS
from music_gen.engines.registry import resolve
from music_gen.engines.spec import EngineOptions
from music_gen.errors import InvalidParameterError
from tests.engines.musicgen.tiny import TINY_SAMPLE_RATE, build_hub_cache


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="No MusicGen checkpoint directory") as info:
        MusicGenerator(model=str(tmp_path / "nowhere"))
    assert info.value.code == "MODEL_NOT_FOUND"


def test_directory_without_musicgen_config(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ModelNotFoundError, match=r"no MusicGen config\.json"):
        MusicGenerator(model=str(tmp_path))


def test_directory_without_weights_is_unavailable(tmp_path: Path, mono_path: Path) -> None:
    (tmp_path / "config.json").write_text((mono_path / "config.json").read_text())
    generator = MusicGenerator(model=str(tmp_path))
    with pytest.raises(ModelUnavailableError, match="save_pretrained") as info:
        generator.generate("calm piano", duration=0.2)
    assert info.value.code == "MODEL_UNAVAILABLE"


def test_offline_hub_name_not_cached(offline: None, tmp_path: Path) -> None:
    generator = MusicGenerator(model="facebook/musicgen-small", cache_dir=tmp_path)
    assert generator.info.available is False
    assert generator.info.downloaded is False
    with pytest.raises(ModelUnavailableError) as info:
        generator.generate("calm piano", duration=1.0)
    assert info.value.code == "MODEL_UNAVAILABLE"
    assert "musicgen models download facebook/musicgen-small" in info.value.message
    assert "HF_HUB_OFFLINE" in info.value.message
    assert "model=" in info.value.message


def test_hub_name_loads_offline_from_the_cache(
    offline: None, tmp_path: Path, mono_path: Path
) -> None:
    build_hub_cache(tmp_path, "facebook/musicgen-small", mono_path)
    generator = MusicGenerator(model="musicgen-small", cache_dir=tmp_path)
    assert generator.info.available is True
    assert generator.info.downloaded is True
    audio = generator.generate("calm piano", duration=0.5, seed=1)
    assert audio.num_frames == round(0.5 * TINY_SAMPLE_RATE)
    assert audio.metadata["model"] == "facebook/musicgen-small"


def test_model_infos_report_what_is_cached(tmp_path: Path, mono_path: Path) -> None:
    build_hub_cache(tmp_path, "facebook/musicgen-melody", mono_path)
    options = EngineOptions(cache_dir=tmp_path)
    names = [name for name, _, _, _, _ in HUB_CHECKPOINTS]
    infos = {name: resolve(name).info(options) for name in names}
    assert infos["facebook/musicgen-melody"].downloaded is True
    assert infos["facebook/musicgen-large"].downloaded is False
    assert infos["facebook/musicgen-stereo-small"].channels == 2
    assert "downloaded" in infos["facebook/musicgen-small"].to_dict()


def test_missing_packages_make_it_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoints, "missing_packages", lambda: ["torch"])
    reason = availability_problem(resolve("musicgen-small"), EngineOptions())
    assert reason is not None
    assert "pip install 'music-gen-ai[musicgen]'" in reason


def test_local_directory_spec_reads_the_config(stereo_path: Path) -> None:
    spec = resolve(str(stereo_path))
    assert spec.engine == "musicgen"
    assert spec.channels == 2
    assert spec.sample_rate == TINY_SAMPLE_RATE
    assert availability_problem(spec, EngineOptions()) is None


def test_float16_on_cpu_warns_and_uses_float32(mono_path: Path) -> None:
    generator = MusicGenerator(model=str(mono_path), device="cpu", dtype=torch.float16)
    with pytest.warns(UserWarning, match="float16"):
        generator.load()
    audio = generator.generate("calm piano", duration=0.2, seed=1)
    assert audio.metadata["dtype"] == "float32"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("float32", torch.float32), ("bfloat16", torch.bfloat16), (torch.bfloat16, torch.bfloat16),
     (None, torch.float32), ("torch.float32", torch.float32)],
)  # fmt: skip
def test_dtype_names(given: object, expected: torch.dtype) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_dtype(given, torch.device("cpu")) == expected


@pytest.mark.parametrize("bad", ["float8", 16, torch.int64])
def test_bad_dtype(bad: object) -> None:
    with pytest.raises(InvalidParameterError, match="dtype"):
        resolve_dtype(bad, torch.device("cpu"))


def test_bfloat16_generates(mono_path: Path) -> None:
    generator = MusicGenerator(model=str(mono_path), device="cpu", dtype="bfloat16")
    audio = generator.generate("calm piano", duration=0.3, seed=2)
    assert audio.metadata["dtype"] == "bfloat16"
    assert audio.samples.dtype.name == "float32"
    assert audio.num_frames == round(0.3 * TINY_SAMPLE_RATE)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda_is_unavailable(mono_path: Path) -> None:
    generator = MusicGenerator(model=str(mono_path), device="cuda")
    with pytest.raises(ModelUnavailableError, match="CUDA is not available"):
        generator.load()


def test_auto_device_is_cpu_without_cuda(mono_generator: MusicGenerator) -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    auto = MusicGenerator(model=mono_generator.model, device="auto")
    assert auto.generate("calm", duration=0.1, seed=0).metadata["device"].startswith(expected)


def test_checking_availability_imports_no_torch(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from music_gen.engines.registry import resolve\n"
        "from music_gen.engines.spec import EngineOptions\n"
        "info = resolve('musicgen-small').info(EngineOptions(cache_dir=sys.argv[1]))\n"
        "assert info.downloaded is False, info\n"
        "print('torch' in sys.modules, 'transformers' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True, text=True, env=env, check=True, timeout=120,
    )  # fmt: skip
    assert result.stdout.split() == ["False", "False"]


def test_cached_hub_musicgen_repo_resolves(
    monkeypatch: pytest.MonkeyPatch, mono_path: Path
) -> None:
    monkeypatch.setattr(
        checkpoints, "cached_config_path", lambda repo, cache_dir=None: mono_path / "config.json"
    )
    spec = resolve("someone/my-musicgen")
    assert spec.name == "someone/my-musicgen"
    assert spec.extra == {"checkpoint": "someone/my-musicgen", "melody": False, "local": False}
    assert spec.sample_rate == TINY_SAMPLE_RATE


def test_unknown_hub_repo_is_not_found() -> None:
    with pytest.raises(ModelNotFoundError, match="available models"):
        resolve("someone/not-cached-anywhere")


@pytest.fixture
def unreachable_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    """Online as far as settings go, but the Hub's address answers nothing (a closed port)."""
    import socket

    from huggingface_hub import constants

    from music_gen.engines.musicgen import checkpoints

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{port}")
    checkpoints.forget_hub_reachability()


def test_an_unreachable_hub_is_detected_and_said(unreachable_hub: None, tmp_path: Path) -> None:
    generator = MusicGenerator(model="facebook/musicgen-small", cache_dir=tmp_path)
    assert generator.info.available is False
    assert "cannot be reached" in (generator.info.reason or "")
    with pytest.raises(ModelUnavailableError) as info:
        generator.generate("calm piano", duration=1.0)
    assert "cannot be reached" in info.value.message
    assert "musicgen models download facebook/musicgen-small" in info.value.message
