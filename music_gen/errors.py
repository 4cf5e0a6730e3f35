"""The one exception hierarchy of music_gen, and the error codes of its API.

Every exception carries a stable machine-readable ``code`` (an :class:`ErrorCode`, which the
REST API puts in its error envelope), a human ``message`` that says what was wrong and what
is valid, and ``details`` (a JSON-serialisable dict). Each class owns its code::

    MusicGenError                      INTERNAL
    ├── InvalidInputError              INVALID_PARAMETER
    │   ├── InvalidPromptError         INVALID_PROMPT
    │   ├── InvalidParameterError      INVALID_PARAMETER
    │   └── UnsupportedFormatError     INVALID_PARAMETER
    ├── ModelNotFoundError             MODEL_NOT_FOUND
    ├── ModelUnavailableError          MODEL_UNAVAILABLE
    ├── UnsupportedOperationError      UNSUPPORTED_OPERATION
    ├── ServiceUnavailableError        SERVICE_UNAVAILABLE
    └── GenerationError                GENERATION_FAILED
        └── GenerationCancelledError   CANCELLED

The service adds its own errors (``music_gen.service.exceptions``: not found, unauthorized,
limits) and the API clients theirs (``music_gen.client.errors``: ``APIError`` and its
subclasses). HTTP statuses belong to the service's edge (``music_gen.service.errors``) only.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Every code the API sends in its error envelope (HTTP answers and WebSocket messages)."""

    INVALID_PROMPT = "INVALID_PROMPT"
    INVALID_PARAMETER = "INVALID_PARAMETER"
    UNSUPPORTED_OPERATION = "UNSUPPORTED_OPERATION"
    UNAUTHORIZED = "UNAUTHORIZED"
    NOT_FOUND = "NOT_FOUND"
    MODEL_NOT_FOUND = "MODEL_NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    RANGE_NOT_SATISFIABLE = "RANGE_NOT_SATISFIABLE"
    RATE_LIMITED = "RATE_LIMITED"
    CONCURRENCY_LIMIT = "CONCURRENCY_LIMIT"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    INTERNAL = "INTERNAL"
    GENERATION_FAILED = "GENERATION_FAILED"
    CANCELLED = "CANCELLED"
    MODEL_UNAVAILABLE = "MODEL_UNAVAILABLE"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


class MusicGenError(Exception):
    """Base class of every error raised by music_gen."""

    code: str = ErrorCode.INTERNAL

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    def to_dict(self) -> dict[str, Any]:
        """The error as the API's envelope body: ``{"code", "message", "details"}``."""
        return {"code": str(self.code), "message": self.message, "details": self.details}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={str(self.code)!r}, message={self.message!r})"


class InvalidInputError(MusicGenError):
    """Something the caller passed is not acceptable."""

    code = ErrorCode.INVALID_PARAMETER


class InvalidPromptError(InvalidInputError):
    """The text prompt is empty, too long or not a string."""

    code = ErrorCode.INVALID_PROMPT


class InvalidParameterError(InvalidInputError):
    """A generation or mixing parameter is out of range or of the wrong type."""

    code = ErrorCode.INVALID_PARAMETER


class UnsupportedFormatError(InvalidInputError):
    """An audio file format that cannot be written or read."""

    code = ErrorCode.INVALID_PARAMETER


class ModelNotFoundError(MusicGenError):
    """No model of that name is registered."""

    code = ErrorCode.MODEL_NOT_FOUND


class ModelUnavailableError(MusicGenError):
    """The model is known but cannot run here (missing package, weights or SoundFont)."""

    code = ErrorCode.MODEL_UNAVAILABLE


class UnsupportedOperationError(MusicGenError):
    """The engine cannot do what was asked (for example stems from an audio-only model)."""

    code = ErrorCode.UNSUPPORTED_OPERATION


class ServiceUnavailableError(MusicGenError):
    """Infrastructure the request needs (the job queue's broker, say) cannot be reached."""

    code = ErrorCode.SERVICE_UNAVAILABLE


class GenerationError(MusicGenError):
    """Generation started but failed."""

    code = ErrorCode.GENERATION_FAILED


class GenerationCancelledError(GenerationError):
    """Generation was cancelled by the caller before it finished."""

    code = ErrorCode.CANCELLED
