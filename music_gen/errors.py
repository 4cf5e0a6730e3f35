"""The one exception hierarchy of music_gen.

Every exception carries a stable machine-readable ``code`` (the REST API puts it in its error
envelope), a human ``message`` that says what was wrong and what is valid, and ``details``
(a JSON-serialisable dict).

::

    MusicGenError                      INTERNAL
    ├── InvalidInputError              INVALID_PARAMETER
    │   ├── InvalidPromptError         INVALID_PROMPT
    │   ├── InvalidParameterError      INVALID_PARAMETER
    │   └── UnsupportedFormatError     INVALID_PARAMETER
    ├── ModelNotFoundError             MODEL_NOT_FOUND
    ├── ModelUnavailableError          MODEL_UNAVAILABLE
    ├── UnsupportedOperationError      UNSUPPORTED_OPERATION
    ├── ServiceUnavailableError        SERVICE_UNAVAILABLE
    ├── GenerationError                GENERATION_FAILED
    │   └── GenerationCancelledError   CANCELLED
    └── APIError                       (code sent by the server)
        ├── AuthenticationError        UNAUTHORIZED
        ├── NotFoundError              NOT_FOUND
        ├── RateLimitError             RATE_LIMITED / CONCURRENCY_LIMIT / QUOTA_EXCEEDED
        └── APIConnectionError         CONNECTION_ERROR

HTTP status codes belong to the service and client layers; the library raises these only.
"""

from __future__ import annotations

from typing import Any


class MusicGenError(Exception):
    """Base class of every error raised by music_gen."""

    code: str = "INTERNAL"

    def __init__(
        self, message: str, *, details: dict[str, Any] | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, Any]:
        """The error as the API's envelope body: ``{"code", "message", "details"}``."""
        return {"code": self.code, "message": self.message, "details": self.details}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class InvalidInputError(MusicGenError):
    """Something the caller passed is not acceptable."""

    code = "INVALID_PARAMETER"


class InvalidPromptError(InvalidInputError):
    """The text prompt is empty, too long or not a string."""

    code = "INVALID_PROMPT"


class InvalidParameterError(InvalidInputError):
    """A generation or mixing parameter is out of range or of the wrong type."""

    code = "INVALID_PARAMETER"


class UnsupportedFormatError(InvalidInputError):
    """An audio file format that cannot be written or read."""

    code = "INVALID_PARAMETER"


class ModelNotFoundError(MusicGenError):
    """No model of that name is registered."""

    code = "MODEL_NOT_FOUND"


class ModelUnavailableError(MusicGenError):
    """The model is known but cannot run here (missing package, weights or SoundFont)."""

    code = "MODEL_UNAVAILABLE"


class UnsupportedOperationError(MusicGenError):
    """The engine cannot do what was asked (for example stems from an audio-only model)."""

    code = "UNSUPPORTED_OPERATION"


class ServiceUnavailableError(MusicGenError):
    """Infrastructure the request needs (the job queue's broker, say) cannot be reached."""

    code = "SERVICE_UNAVAILABLE"


class GenerationError(MusicGenError):
    """Generation started but failed."""

    code = "GENERATION_FAILED"


class GenerationCancelledError(GenerationError):
    """Generation was cancelled by the caller before it finished."""

    code = "CANCELLED"


class APIError(MusicGenError):
    """An error answered by a music_gen REST server (raised by the API clients).

    Attributes:
        status_code: The HTTP status of the response, or None when no response came.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "INTERNAL",
        status_code: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, details=details, code=code)
        self.status_code = status_code


class AuthenticationError(APIError):
    """The API key is missing, wrong or revoked."""


class NotFoundError(APIError):
    """The task, batch or file does not exist (or belongs to another account)."""


class RateLimitError(APIError):
    """A rate, concurrency or bandwidth limit was hit.

    Attributes:
        retry_after_s: Seconds the server asked to wait, when it said.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "RATE_LIMITED",
        status_code: int | None = 429,
        details: dict[str, Any] | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, code=code, status_code=status_code, details=details)
        self.retry_after_s = retry_after_s


class APIConnectionError(APIError):
    """The server could not be reached or did not answer in time."""
