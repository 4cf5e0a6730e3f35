"""Runs the JavaScript SDK's own tests (node --test) so `make test` covers them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parents[2] / "clients" / "js"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_js_sdk_mock_server_suite() -> None:
    completed = subprocess.run(
        ["node", "--test", "test/"],
        cwd=JS_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "# fail 0" in completed.stdout
