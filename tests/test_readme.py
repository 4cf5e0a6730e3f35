"""The library examples of the README and the docs run as written (composer only; no server,
no weights)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The pages whose Python blocks use the library alone; blocks between <!-- sdk-examples -->
# and <!-- /sdk-examples --> need a server, and tests/client/test_docs_examples.py runs them.
PAGES = ("README.md", "docs/library.md")
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)
_SDK_SECTION = re.compile(r"<!-- sdk-examples -->.*?<!-- /sdk-examples -->", re.S)


def _library_blocks() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        text = _SDK_SECTION.sub("", (ROOT / page).read_text())
        codes = [code for code in _BLOCK.findall(text) if "import torch" not in code]
        found += [(f"{page}-{index}", code) for index, code in enumerate(codes)]
    return found


BLOCKS = _library_blocks()


def test_the_pages_have_library_examples() -> None:
    assert {name.rsplit("-", 1)[0] for name, _ in BLOCKS} == set(PAGES)
    assert any("MusicGenerator" in code for _, code in BLOCKS)
    assert any("AudioMixer" in code for _, code in BLOCKS)


@pytest.mark.parametrize("code", [code for _, code in BLOCKS], ids=[name for name, _ in BLOCKS])
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
