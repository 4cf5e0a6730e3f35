"""Every fenced client example of the README and the docs runs against a real server.

Examples lie between ``<!-- sdk-examples -->`` and ``<!-- /sdk-examples -->`` in the pages of
``PAGES``. Blocks are taken in order; a block preceded by ``<!-- no-test -->`` is skipped. The
server URL and key in the text are replaced by the test server's. JavaScript blocks run as
written, as CommonJS scripts under node (so no top-level ``await``), and can ``require``
``musicgen-api`` from clients/js.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.client.live import LiveAPI

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("README.md", "docs/sdks.md", "docs/websocket.md", "clients/js/README.md")
_SECTION = re.compile(r"<!-- sdk-examples -->(.*?)<!-- /sdk-examples -->", re.S)
_BLOCK = re.compile(r"(<!-- no-test -->\s*)?```(python|bash|javascript)\n(.*?)```", re.S)

# Compiles a file the way node's CommonJS loader does (inside the module wrapper function), so
# a top-level `await` is a SyntaxError whatever node version would guess the file's type.
_COMPILE_AS_COMMONJS = (
    "const fs = require('fs'), vm = require('vm');"
    "vm.compileFunction(fs.readFileSync(process.argv[1], 'utf8'),"
    " ['exports', 'require', 'module', '__filename', '__dirname']);"
)


def _blocks() -> list[tuple[str, str, str]]:
    found = []
    for page in PAGES:
        sections = _SECTION.findall((ROOT / page).read_text())
        assert sections, f"{page} has no <!-- sdk-examples --> section"
        matches = [m for section in sections for m in _BLOCK.finditer(section)]
        for index, match in enumerate(matches):
            skipped, language, code = match.groups()
            if not skipped:
                found.append((f"{page}-{language}-{index}", language, code))
    return found


BLOCKS = _blocks()


def test_the_docs_have_examples_of_each_kind() -> None:
    assert {language for _, language, _ in BLOCKS} == {"python", "bash", "javascript"}
    readme = {language for name, language, _ in BLOCKS if name.startswith("README.md-")}
    assert readme == {"python", "bash", "javascript"}


JS_BLOCKS = [(name, code) for name, language, code in BLOCKS if language == "javascript"]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize(("name", "code"), JS_BLOCKS, ids=[name for name, _ in JS_BLOCKS])
def test_javascript_example_is_commonjs(name: str, code: str, tmp_path: Path) -> None:
    script = tmp_path / "example.js"
    script.write_text(code)
    done = subprocess.run(
        ["node", "-e", _COMPILE_AS_COMMONJS, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, f"{name} is not a CommonJS script:\n{done.stderr}"


@pytest.mark.slow
@pytest.mark.parametrize(("name", "language", "code"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_example_runs(
    name: str, language: str, code: str, live_api: LiveAPI, tmp_path: Path
) -> None:
    code = (
        code.replace("http://localhost:8000/api/v1", live_api.base_url)
        .replace("ws://localhost:8000/api/v1", live_api.ws_url)
        .replace("YOUR_KEY", live_api.key)
    )
    env = {**live_api.client_env, "MUSICGEN_API_KEY": live_api.key}
    if language == "python":
        command = [sys.executable, "-c", code]
    elif language == "bash":
        if shutil.which("curl") is None or shutil.which("jq") is None:
            pytest.skip("curl and jq are needed for the shell examples")
        command = ["bash", "-euo", "pipefail", "-c", code]
    else:
        if shutil.which("node") is None:
            pytest.skip("node is not installed")
        if "stream(" in code and not (ROOT / "clients/js/node_modules/ws").is_dir():
            pytest.skip("streaming on Node 20 needs the optional `ws` package (npm install)")
        modules = tmp_path / "node_modules"
        modules.mkdir()
        (modules / "musicgen-api").symlink_to(ROOT / "clients" / "js")
        script = tmp_path / "example.js"
        script.write_text(code)
        command = ["node", str(script)]
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, (
        f"{name} failed:\n{code}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    )
    assert done.stdout.strip(), f"{name} printed nothing"
