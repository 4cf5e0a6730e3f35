"""``musicgen --version`` prints the package's version and exits cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import music_gen

ROOT = Path(__file__).resolve().parents[1]


def test_version_flag_prints_the_package_version() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "music_gen", "--version"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"musicgen {music_gen.__version__}"
