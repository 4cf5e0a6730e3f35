"""The README's library examples run as written (composer only; no server, no weights)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _library_blocks() -> list[str]:
    # The SDK section's examples need a server; tests/client runs those.
    outside = README[: README.index("<!-- sdk-examples -->")]
    return [code for code in _BLOCK.findall(outside) if "import torch" not in code]


BLOCKS = _library_blocks()


def test_the_readme_has_library_examples() -> None:
    assert len(BLOCKS) >= 2
    assert any("MusicGenerator" in code for code in BLOCKS)
    assert any("AudioMixer" in code for code in BLOCKS)


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block-{i}" for i in range(len(BLOCKS))])
def test_example_runs_and_writes_audio(code: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    written = [p for p in tmp_path.iterdir() if p.suffix in (".wav", ".mid")]
    for path in written:  # seconds of 16-bit audio are hundreds of kB; notes far less
        assert path.stat().st_size > (100_000 if path.suffix == ".wav" else 100), path
    assert any(p.suffix == ".wav" for p in written)
