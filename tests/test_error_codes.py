"""One set of error codes: the ErrorCode enum, the service's HTTP statuses, the Python
client's classes and the JavaScript SDK's classes and types all name the same codes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from music_gen import errors as library_errors
from music_gen.client.errors import (
    CLASS_BY_CODE,
    APIError,
    AuthenticationError,
    ClientErrorCode,
    NotFoundError,
    RateLimitError,
    error_from_envelope,
)
from music_gen.errors import ErrorCode, MusicGenError
from music_gen.service import exceptions as service_exceptions
from music_gen.service import studio
from music_gen.service.errors import STATUS_BY_CODE

JS_DIR = Path(__file__).resolve().parents[1] / "clients" / "js"
CODES = {code.value for code in ErrorCode}
STUDIO_SCRIPTS = sorted(studio.WEB_DIR.glob("*.js"))
# A code written out in a script: a quoted name with an underscore, or one of the codes' names.
CODE_LITERAL = re.compile(r"""["'`]([A-Z]+(?:_[A-Z]+)+|[A-Z]+(?=_\$\{))|["'`]([A-Z]+)["'`]""")
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def _js_family(cls: type[APIError]) -> str:
    """The JavaScript SDK's class for a Python client class (the SDK has the four families)."""
    for family in (RateLimitError, AuthenticationError, NotFoundError):
        if issubclass(cls, family):
            return family.__name__
    return "MusicGenAPIError"


def test_the_service_gives_every_code_a_status() -> None:
    assert set(STATUS_BY_CODE) == CODES
    assert all(400 <= status < 600 for status in STATUS_BY_CODE.values())


def test_the_python_client_gives_every_code_a_class() -> None:
    assert set(CLASS_BY_CODE) == CODES


@pytest.mark.parametrize("code", sorted(CODES))
def test_an_answer_with_a_code_becomes_its_class(code: str) -> None:
    error = error_from_envelope(
        {"code": code, "message": "refused"}, status_code=STATUS_BY_CODE[code]
    )
    assert type(error) is CLASS_BY_CODE[code]
    assert (error.code, error.status_code) == (code, STATUS_BY_CODE[code])


@pytest.mark.parametrize("module", [library_errors, service_exceptions])
def test_every_library_and_service_error_owns_a_code_the_api_sends(module: object) -> None:
    classes = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, MusicGenError)
    ]
    assert classes
    for cls in classes:
        assert cls.code in CODES, cls.__name__


@needs_node
def test_the_js_sdk_maps_every_code_to_the_same_kind_of_error() -> None:
    script = (
        "const { ERROR_CLASSES, errorFromEnvelope } = require('./lib/errors');"
        "const statuses = JSON.parse(process.argv[1]);"
        "const table = Object.fromEntries("
        "  Object.entries(ERROR_CLASSES).map(([code, cls]) => [code, cls.name]));"
        "const built = Object.fromEntries(Object.entries(statuses).map(([code, status]) => {"
        "  const e = errorFromEnvelope({ code, message: 'refused' }, { status });"
        "  return [code, [e.name, e.code, e.status]]; }));"
        "console.log(JSON.stringify({ table, built }));"
    )
    done = subprocess.run(
        ["node", "-e", script, json.dumps(STATUS_BY_CODE)],
        cwd=JS_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer = json.loads(done.stdout)
    families = {code: _js_family(cls) for code, cls in CLASS_BY_CODE.items()}
    assert answer["table"] == families
    assert answer["built"] == {code: [families[code], code, STATUS_BY_CODE[code]] for code in CODES}


def test_the_typescript_error_code_type_lists_every_code() -> None:
    types = (JS_DIR / "index.d.ts").read_text()
    union = re.search(r"type ErrorCode =([^;]+);", types)
    assert union is not None
    assert set(re.findall(r"'([A-Z_]+)'", union.group(1))) == CODES


@needs_node
def test_the_studio_is_served_every_code() -> None:
    app = FastAPI()
    studio.install(app)
    answer = TestClient(app).get(f"{studio.ASSETS_URL}/codes.js")
    assert answer.status_code == 200
    assert "javascript" in answer.headers["content-type"]
    script = answer.text + "console.log(JSON.stringify(ErrorCode));"
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout) == {code.name: code.value for code in ErrorCode}


@pytest.mark.parametrize("script", STUDIO_SCRIPTS, ids=lambda path: path.name)
def test_the_studio_uses_only_codes_the_server_sends(script: Path) -> None:
    text = script.read_text()
    used = set(re.findall(r"\bErrorCode\.(\w+)", text))
    assert used <= CODES, f"{script.name} uses codes the API does not have: {used - CODES}"
    if used:
        assert 'import { ErrorCode } from "./codes.js";' in text
    names = CODES | {code.value for code in ClientErrorCode}
    written = {
        joined or single
        for joined, single in CODE_LITERAL.findall(text)
        if joined or single in names
    }
    assert not written, f"{script.name} spells codes out instead of using ErrorCode: {written}"
