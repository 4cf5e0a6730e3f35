"""The public API is curated: exactly these names, each importable and documented."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import music_gen
from music_gen import ErrorCode

PUBLIC = {
    "APIClient",
    "APIConnectionError",
    "APIError",
    "AsyncAPIClient",
    "AudioChunk",
    "AudioMixer",
    "AudioOutput",
    "AuthenticationError",
    "EngineCapabilities",
    "ErrorCode",
    "GenerationCancelledError",
    "GenerationError",
    "GenerationParams",
    "InvalidInputError",
    "InvalidParameterError",
    "InvalidPromptError",
    "LiveSession",
    "MixSettings",
    "ModelInfo",
    "ModelNotFoundError",
    "ModelUnavailableError",
    "MultiInstrumentGenerator",
    "MusicGenError",
    "MusicGenerator",
    "NotFoundError",
    "RateLimitError",
    "ServiceUnavailableError",
    "SteerResult",
    "UnsupportedFormatError",
    "UnsupportedOperationError",
    "__version__",
    "list_models",
    "list_presets",
}


def test_all_is_pinned_and_sorted():
    assert set(music_gen.__all__) == PUBLIC
    assert list(music_gen.__all__) == sorted(music_gen.__all__)


def test_every_public_name_resolves_and_has_a_docstring():
    for name in music_gen.__all__:
        value = getattr(music_gen, name)
        if name != "__version__":
            assert value.__doc__, name


# The code each public exception carries when constructed with a message only.
CODES = {
    "MusicGenError": ErrorCode.INTERNAL,
    "InvalidInputError": ErrorCode.INVALID_PARAMETER,
    "InvalidPromptError": ErrorCode.INVALID_PROMPT,
    "InvalidParameterError": ErrorCode.INVALID_PARAMETER,
    "UnsupportedFormatError": ErrorCode.INVALID_PARAMETER,
    "ModelNotFoundError": ErrorCode.MODEL_NOT_FOUND,
    "ModelUnavailableError": ErrorCode.MODEL_UNAVAILABLE,
    "UnsupportedOperationError": ErrorCode.UNSUPPORTED_OPERATION,
    "ServiceUnavailableError": ErrorCode.SERVICE_UNAVAILABLE,
    "GenerationError": ErrorCode.GENERATION_FAILED,
    "GenerationCancelledError": ErrorCode.CANCELLED,
    "APIError": ErrorCode.INTERNAL,
    "AuthenticationError": ErrorCode.UNAUTHORIZED,
    "NotFoundError": ErrorCode.NOT_FOUND,
    "RateLimitError": ErrorCode.RATE_LIMITED,
    "APIConnectionError": "CONNECTION_ERROR",
}


def test_every_public_error_is_pinned_to_its_code():
    errors = {
        name
        for name in music_gen.__all__
        if isinstance(getattr(music_gen, name), type)
        and issubclass(getattr(music_gen, name), Exception)
    }
    assert errors == set(CODES)


@pytest.mark.parametrize(("name", "code"), sorted(CODES.items()))
def test_an_error_built_from_a_message_carries_its_class_code(name: str, code: str):
    error = getattr(music_gen, name)("what went wrong", details={"field": "x"})
    assert isinstance(error, music_gen.MusicGenError)
    assert error.code == code
    assert error.to_dict() == {
        "code": code,
        "message": "what went wrong",
        "details": {"field": "x"},
    }
    assert repr(error) == f"{name}(code='{code}', message='what went wrong')"


def test_import_is_light():
    # The composer path installs without torch; importing the package must not need it.
    code = (
        "import sys, music_gen; "
        "heavy = {'torch', 'transformers', 'fastapi', 'sqlalchemy', 'pedalboard'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
