"""Session fixtures: tiny random MusicGen checkpoints saved to disk (see tiny.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from tests.engines.musicgen.tiny import build_tiny_checkpoint


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():  # type: ignore[no-untyped-def]
    # The tiny models are far too small to gain from threads; on a shared CPU extra threads
    # only wait for each other.
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Paths of the tiny mono, stereo and melody checkpoints, built once per session."""
    root = tmp_path_factory.mktemp("musicgen-tiny")
    return {kind: build_tiny_checkpoint(root / kind, kind) for kind in ("mono", "stereo", "melody")}


@pytest.fixture(scope="session")
def mono_path(tiny_checkpoints: dict[str, Path]) -> Path:
    """The tiny mono checkpoint directory."""
    return tiny_checkpoints["mono"]


@pytest.fixture(scope="session")
def stereo_path(tiny_checkpoints: dict[str, Path]) -> Path:
    """The tiny stereo checkpoint directory (audio_channels=2)."""
    return tiny_checkpoints["stereo"]


@pytest.fixture(scope="session")
def melody_path(tiny_checkpoints: dict[str, Path]) -> Path:
    """The tiny MusicGen-Melody checkpoint directory."""
    return tiny_checkpoints["melody"]


@pytest.fixture(scope="session")
def mono_generator(mono_path: Path):  # type: ignore[no-untyped-def]
    """A MusicGenerator on the tiny mono checkpoint, loaded by path, shared by the session."""
    from music_gen import MusicGenerator

    generator = MusicGenerator(model=str(mono_path), device="cpu")
    generator.load()
    yield generator
    generator.close()
