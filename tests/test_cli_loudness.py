"""``musicgen generate --loudness``: a target in LUFS, or off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from music_gen.engines.composer.render import soundfont_problem

ROOT = Path(__file__).resolve().parents[1]


def _generate(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    command = [sys.executable, "-m", "music_gen", "generate", "calm piano", "-d", "3"]
    return subprocess.run(
        [*command, "--seed", "1", "-o", str(tmp_path / "out.wav"), "--json", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.skipif(soundfont_problem() is not None, reason="no composer here")
@pytest.mark.parametrize(("flag", "target"), [("-20", -20.0), ("off", None)])
def test_loudness_flag_sets_or_disables_the_target(
    tmp_path: Path, flag: str, target: float | None
) -> None:
    done = _generate(tmp_path, "--loudness", flag)
    assert done.returncode == 0, done.stderr
    metadata = json.loads(done.stdout)["metadata"]
    assert metadata["loudness_target_lufs"] == target
    if target is not None:
        assert abs(metadata["loudness_lufs"] - target) <= 0.5


@pytest.mark.parametrize("flag", ["loud", "3"])
def test_a_bad_loudness_is_a_one_line_error(tmp_path: Path, flag: str) -> None:
    done = _generate(tmp_path, "--loudness", flag)
    assert done.returncode != 0
    assert "loudness" in done.stderr and "Traceback" not in done.stderr
