"""music_gen: self-hostable music generation.

The public API is what ``__all__`` lists; everything else is internal and may change.

Example:
    >>> from music_gen import MusicGenerator
    >>> audio = MusicGenerator().generate("Calm piano melody", duration=30.0, seed=7)
    >>> audio.save("calm.wav")
"""

from music_gen.audio import AudioOutput
from music_gen.client import APIClient, AsyncAPIClient
from music_gen.engines.base import AudioChunk, EngineCapabilities
from music_gen.engines.registry import ModelInfo, list_models
from music_gen.errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    GenerationCancelledError,
    GenerationError,
    InvalidInputError,
    InvalidParameterError,
    InvalidPromptError,
    ModelNotFoundError,
    ModelUnavailableError,
    MusicGenError,
    NotFoundError,
    RateLimitError,
    UnsupportedFormatError,
    UnsupportedOperationError,
)
from music_gen.generator import MusicGenerator
from music_gen.params import GenerationParams

__version__ = "0.1.0"

__all__ = [
    "APIClient",
    "APIConnectionError",
    "APIError",
    "AsyncAPIClient",
    "AudioChunk",
    "AudioOutput",
    "AuthenticationError",
    "EngineCapabilities",
    "GenerationCancelledError",
    "GenerationError",
    "GenerationParams",
    "InvalidInputError",
    "InvalidParameterError",
    "InvalidPromptError",
    "ModelInfo",
    "ModelNotFoundError",
    "ModelUnavailableError",
    "MusicGenError",
    "MusicGenerator",
    "NotFoundError",
    "RateLimitError",
    "UnsupportedFormatError",
    "UnsupportedOperationError",
    "__version__",
    "list_models",
]
