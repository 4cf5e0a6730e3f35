"""One set of error codes: the ErrorCode enum, the service's HTTP statuses, the Python
client's classes and the JavaScript SDK's classes and types all name the same codes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from music_gen import errors as library_errors
from music_gen.client.errors import (
    CLASS_BY_CODE,
    APIError,
    AuthenticationError,
    NotFoundError,
    RateLimitError,
    error_from_envelope,
)
from music_gen.errors import ErrorCode, MusicGenError
from music_gen.service import exceptions as service_exceptions
from music_gen.service.errors import STATUS_BY_CODE

JS_DIR = Path(__file__).resolve().parents[1] / "clients" / "js"
CODES = {code.value for code in ErrorCode}
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
