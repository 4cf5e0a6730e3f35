"""The errors the service raises besides the library's; each class owns its code.

::

    MusicGenError (music_gen.errors)
    └── ServiceError                     (extra response headers)
        ├── ResourceNotFoundError        NOT_FOUND
        ├── UnauthorizedError            UNAUTHORIZED
        ├── RangeNotSatisfiableError     RANGE_NOT_SATISFIABLE
        └── LimitExceededError           RATE_LIMITED
            ├── ConcurrencyLimitError    CONCURRENCY_LIMIT
            └── QuotaExceededError       QUOTA_EXCEEDED

``service/errors.py`` gives each code its HTTP status. These are not the API clients'
exceptions (``music_gen.client.errors``): the clients map the code they receive to those.
"""

from __future__ import annotations

import math
from typing import Any

from music_gen.errors import ErrorCode, MusicGenError


class ServiceError(MusicGenError):
    """An error of the service itself.

    Attributes:
        headers: Headers the error response carries besides the usual ones.
    """

    def __init__(
        self,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.headers: dict[str, str] = dict(headers or {})


class ResourceNotFoundError(ServiceError):
    """The task, batch, file, account or key does not exist (or belongs to another account)."""

    code = ErrorCode.NOT_FOUND


class UnauthorizedError(ServiceError):
    """The API key (or metrics token) is missing, malformed, unknown or revoked."""

    code = ErrorCode.UNAUTHORIZED


class RangeNotSatisfiableError(ServiceError):
    """A byte range outside the file; the response says the file's size in Content-Range."""

    code = ErrorCode.RANGE_NOT_SATISFIABLE

    def __init__(self, header: str, size: int) -> None:
        super().__init__(
            f"Range {header!r} is outside the file of {size} bytes",
            details={"range": header, "size": size},
            headers={"Content-Range": f"bytes */{size}"},
        )


class LimitExceededError(ServiceError):
    """The request rate of a key (or of failed authentications from an address) was hit.

    Attributes:
        retry_after_s: Seconds until the limit lets a request through (sent as Retry-After,
            and as ``details.retry_after`` on a WebSocket).
    """

    code = ErrorCode.RATE_LIMITED

    def __init__(
        self,
        message: str,
        *,
        retry_after_s: float,
        headers: dict[str, str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        retry_after = {"Retry-After": str(max(1, math.ceil(retry_after_s)))}
        super().__init__(message, details=details, headers={**retry_after, **(headers or {})})
        self.retry_after_s = retry_after_s


class ConcurrencyLimitError(LimitExceededError):
    """The account has as many generations queued or running as its tier allows."""

    code = ErrorCode.CONCURRENCY_LIMIT


class QuotaExceededError(LimitExceededError):
    """The account's audio bandwidth for this calendar month is spent."""

    code = ErrorCode.QUOTA_EXCEEDED
