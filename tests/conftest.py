"""Shared test helpers: synthesized audio, no network."""

from __future__ import annotations

import glob
import os

import numpy as np
import pytest

# Without an NVIDIA GPU, Triton kernels run in Triton's interpreter. The switch must be set
# before anything imports triton: its own library functions are compiled or interpreted
# depending on it at import time.
if not glob.glob("/dev/nvidia*"):
    os.environ.setdefault("TRITON_INTERPRET", "1")


def sine(
    freq_hz: float = 440.0,
    duration_s: float = 1.0,
    sample_rate: int = 44100,
    channels: int = 2,
    amplitude: float = 0.5,
) -> np.ndarray:
    """A (channels, frames) float32 sine wave."""
    t = np.arange(round(duration_s * sample_rate)) / sample_rate
    mono = (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)
    return np.tile(mono, (channels, 1))


@pytest.fixture
def sine_audio():
    from music_gen import AudioOutput

    return AudioOutput(samples=sine(), sample_rate=44100, metadata={"engine": "test"})
