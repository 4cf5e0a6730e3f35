"""The public API is curated: exactly these names, each importable and documented."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import music_gen

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


def test_every_error_is_a_music_gen_error_with_a_code():
    for name in music_gen.__all__:
        value = getattr(music_gen, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, music_gen.MusicGenError), name
            assert value.code, name


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
