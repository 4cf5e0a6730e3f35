"""music_gen: self-hostable music generation.

The public API is what ``__all__`` lists; everything else is internal and may change.

Example:
    >>> from music_gen import MusicGenerator
    >>> audio = MusicGenerator().generate("Calm piano melody", duration=30.0, seed=7)
    >>> audio.save("calm.wav")
"""

from typing import TYPE_CHECKING, Any

from music_gen.audio import AudioOutput
from music_gen.client import APIClient, AsyncAPIClient
from music_gen.client.errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    NotFoundError,
    RateLimitError,
)
from music_gen.engines.base import AudioChunk, EngineCapabilities
from music_gen.engines.registry import list_models
from music_gen.engines.spec import ModelInfo
from music_gen.errors import (
    ErrorCode,
    GenerationCancelledError,
    GenerationError,
    InvalidInputError,
    InvalidParameterError,
    InvalidPromptError,
    ModelNotFoundError,
    ModelUnavailableError,
    MusicGenError,
    ServiceUnavailableError,
    UnsupportedFormatError,
    UnsupportedOperationError,
)
from music_gen.generator import MusicGenerator
from music_gen.live import LiveSession, SteerResult
from music_gen.params import GenerationParams

if TYPE_CHECKING:
    from music_gen.mixing import AudioMixer, MixSettings, list_presets
    from music_gen.multi_instrument import MultiInstrumentGenerator

__version__ = "0.1.0"

# Mixing pulls in scipy.signal, pedalboard and pyloudnorm: import it on first use only.
_LAZY = {
    "AudioMixer": "music_gen.mixing",
    "MixSettings": "music_gen.mixing",
    "list_presets": "music_gen.mixing",
    "MultiInstrumentGenerator": "music_gen.multi_instrument",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'music_gen' has no attribute {name!r}")


__all__ = [
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
]
