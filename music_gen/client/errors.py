"""The API clients' exceptions, and turning the API's error answers into them.

The server's envelope is ``{"error": {"code", "message", "details"}}``; :data:`CLASS_BY_CODE`
gives the exception class of each :class:`~music_gen.errors.ErrorCode`. A code that has a
library counterpart gets a class that is both an :class:`APIError` and that library error, so
``except InvalidParameterError`` catches a refusal from a server as it does a local one::

    MusicGenError (music_gen.errors)
    └── APIError                           INTERNAL (or the server's code)
        ├── AuthenticationError            UNAUTHORIZED
        │   └── InvalidSignatureError      INVALID_SIGNATURE
        ├── NotFoundError                  NOT_FOUND
        │   └── ModelNotFoundAPIError      MODEL_NOT_FOUND (and a ModelNotFoundError)
        ├── RateLimitError                 RATE_LIMITED / CONCURRENCY_LIMIT / QUOTA_EXCEEDED
        ├── APIConnectionError             CONNECTION_ERROR
        │   └── APITimeoutError            TIMEOUT
        ├── ProtocolError                  PROTOCOL_ERROR
        ├── StreamConsumedError            STREAM_CONSUMED
        ├── InvalidPromptAPIError          INVALID_PROMPT (and an InvalidPromptError)
        ├── InvalidParameterAPIError       INVALID_PARAMETER (and an InvalidParameterError)
        ├── UnsupportedOperationAPIError   UNSUPPORTED_OPERATION (and so on)
        ├── ModelUnavailableAPIError       MODEL_UNAVAILABLE
        ├── ServiceUnavailableAPIError     SERVICE_UNAVAILABLE
        └── GenerationAPIError             GENERATION_FAILED
            └── GenerationCancelledAPIError  CANCELLED

The codes of :class:`ClientErrorCode` are the clients' own: no server sends them.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import httpx

from music_gen.client.backoff import parse_retry_after
from music_gen.errors import (
    ErrorCode,
    GenerationCancelledError,
    GenerationError,
    InvalidParameterError,
    InvalidPromptError,
    ModelNotFoundError,
    ModelUnavailableError,
    MusicGenError,
    ServiceUnavailableError,
    UnsupportedOperationError,
)


class ClientErrorCode(StrEnum):
    """Codes of errors the clients find themselves (no answer, a garbled one...)."""

    CONNECTION_ERROR = "CONNECTION_ERROR"
    TIMEOUT = "TIMEOUT"
    PROTOCOL_ERROR = "PROTOCOL_ERROR"
    STREAM_CONSUMED = "STREAM_CONSUMED"
    INVALID_SIGNATURE = "INVALID_SIGNATURE"


class APIError(MusicGenError):
    """An error answered by a music_gen REST server, or no answer (raised by the API clients).

    Attributes:
        status_code: The HTTP status of the response, or None when no response came.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        details: dict[str, Any] | None = None,
        code: str | None = None,
    ) -> None:
        """An API error.

        Args:
            message: What went wrong.
            status_code: The HTTP status of the answer, when there was one.
            details: The envelope's details.
            code: The code the server sent, when it is not the class's own (a code newer
                than this client, or a related one such as CONCURRENCY_LIMIT).
        """
        super().__init__(message, details=details)
        self.status_code = status_code
        if code is not None:
            self.code = code


class AuthenticationError(APIError):
    """The API key is missing, wrong or revoked."""

    code: str = ErrorCode.UNAUTHORIZED


class InvalidSignatureError(AuthenticationError):
    """A webhook's signature does not match, a header is missing or it is too old."""

    code = ClientErrorCode.INVALID_SIGNATURE


class NotFoundError(APIError):
    """The task, batch or file does not exist (or belongs to another account)."""

    code = ErrorCode.NOT_FOUND


class ModelNotFoundAPIError(NotFoundError, ModelNotFoundError):
    """The server has no model of that name (the message lists the available ones)."""

    code = ErrorCode.MODEL_NOT_FOUND


class RateLimitError(APIError):
    """A rate, concurrency or bandwidth limit was hit.

    Attributes:
        retry_after_s: Seconds the server asked to wait, when it said.
    """

    code = ErrorCode.RATE_LIMITED

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = 429,
        details: dict[str, Any] | None = None,
        code: str | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, code=code, status_code=status_code, details=details)
        self.retry_after_s = retry_after_s


class APIConnectionError(APIError):
    """The server could not be reached or did not answer in time."""

    code = ClientErrorCode.CONNECTION_ERROR


class APITimeoutError(APIConnectionError):
    """No answer (or no finished task) within the time the options allow."""

    code = ClientErrorCode.TIMEOUT


class ProtocolError(APIError):
    """The server answered something this client cannot read."""

    code = ClientErrorCode.PROTOCOL_ERROR


class StreamConsumedError(APIError):
    """A stream was iterated a second time."""

    code = ClientErrorCode.STREAM_CONSUMED


class InvalidPromptAPIError(APIError, InvalidPromptError):
    """The server refused the prompt."""

    code = ErrorCode.INVALID_PROMPT


class InvalidParameterAPIError(APIError, InvalidParameterError):
    """The server refused a parameter (details name it)."""

    code = ErrorCode.INVALID_PARAMETER


class UnsupportedOperationAPIError(APIError, UnsupportedOperationError):
    """The server's model cannot do what was asked."""

    code = ErrorCode.UNSUPPORTED_OPERATION


class ModelUnavailableAPIError(APIError, ModelUnavailableError):
    """The model cannot run on that server (the message says why)."""

    code = ErrorCode.MODEL_UNAVAILABLE


class ServiceUnavailableAPIError(APIError, ServiceUnavailableError):
    """The server cannot take the request now (draining, its broker down)."""

    code = ErrorCode.SERVICE_UNAVAILABLE


class GenerationAPIError(APIError, GenerationError):
    """The task's generation failed on the server."""

    code = ErrorCode.GENERATION_FAILED


class GenerationCancelledAPIError(GenerationAPIError, GenerationCancelledError):
    """The task was cancelled before it finished."""

    code = ErrorCode.CANCELLED


#: The exception class of each code a server sends.
CLASS_BY_CODE: dict[str, type[APIError]] = {
    ErrorCode.INVALID_PROMPT: InvalidPromptAPIError,
    ErrorCode.INVALID_PARAMETER: InvalidParameterAPIError,
    ErrorCode.UNSUPPORTED_OPERATION: UnsupportedOperationAPIError,
    ErrorCode.UNAUTHORIZED: AuthenticationError,
    ErrorCode.NOT_FOUND: NotFoundError,
    ErrorCode.MODEL_NOT_FOUND: ModelNotFoundAPIError,
    ErrorCode.METHOD_NOT_ALLOWED: APIError,
    ErrorCode.IDEMPOTENCY_CONFLICT: APIError,
    ErrorCode.RANGE_NOT_SATISFIABLE: APIError,
    ErrorCode.RATE_LIMITED: RateLimitError,
    ErrorCode.CONCURRENCY_LIMIT: RateLimitError,
    ErrorCode.QUOTA_EXCEEDED: RateLimitError,
    ErrorCode.INTERNAL: APIError,
    ErrorCode.GENERATION_FAILED: GenerationAPIError,
    ErrorCode.CANCELLED: GenerationCancelledAPIError,
    ErrorCode.MODEL_UNAVAILABLE: ModelUnavailableAPIError,
    ErrorCode.SERVICE_UNAVAILABLE: ServiceUnavailableAPIError,
}

# The code of an answer without an envelope (a proxy's, say), from its HTTP status.
_CODE_BY_STATUS = {
    400: ErrorCode.INVALID_PARAMETER,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.UNAUTHORIZED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.IDEMPOTENCY_CONFLICT,
    413: ErrorCode.INVALID_PARAMETER,
    416: ErrorCode.RANGE_NOT_SATISFIABLE,
    422: ErrorCode.INVALID_PARAMETER,
    429: ErrorCode.RATE_LIMITED,
    503: ErrorCode.SERVICE_UNAVAILABLE,
}


def error_from_envelope(
    error: dict[str, Any],
    *,
    status_code: int | None = None,
    retry_after_s: float | None = None,
) -> APIError:
    """Build the right APIError subclass from an envelope's ``error`` object.

    The class follows the code; a code this client does not know keeps its value and takes
    the class of the HTTP status (a plain APIError when there is none, as on a WebSocket).
    """
    by_status = _CODE_BY_STATUS.get(status_code or 0, ErrorCode.INTERNAL)
    code = str(error.get("code") or by_status)
    cls = CLASS_BY_CODE.get(code) or CLASS_BY_CODE[by_status]
    message = str(error.get("message") or code)
    details = error.get("details")
    details = dict(details) if isinstance(details, dict) else {}
    if issubclass(cls, RateLimitError):
        if retry_after_s is None and isinstance(details.get("retry_after"), (int, float)):
            retry_after_s = float(details["retry_after"])
        return cls(
            message,
            code=code,
            status_code=status_code,
            details=details,
            retry_after_s=retry_after_s,
        )
    return cls(message, code=code, status_code=status_code, details=details)


def error_from_response(response: httpx.Response) -> APIError:
    """The exception for an error response (status >= 400), whatever its body."""
    error: dict[str, Any]
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
    elif isinstance(body, dict) and "detail" in body:
        # A framework-level answer (FastAPI's {"detail": ...}) that bypassed the envelope.
        error = {"message": _detail_text(body["detail"]), "details": {"detail": body["detail"]}}
    else:
        text = response.text.strip()[:500]
        error = {"message": f"HTTP {response.status_code}: {text or response.reason_phrase}"}
    return error_from_envelope(
        error,
        status_code=response.status_code,
        retry_after_s=parse_retry_after(response.headers.get("retry-after")),
    )


def _detail_text(detail: object) -> str:
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                where = ".".join(str(p) for p in item.get("loc", []))
                parts.append(f"{where}: {item.get('msg', item)}")
            else:
                parts.append(str(item))
        return "; ".join(parts)
    return str(detail)
