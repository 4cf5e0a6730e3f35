"""Fixtures for the mixing tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from .signals import ebur128


@pytest.fixture(scope="session")
def ffmpeg_meter() -> Callable[[Path], tuple[float, float]]:
    """ffmpeg's EBU R128 meter, independent of pyloudnorm."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (apt-get install ffmpeg)")
    return ebur128
