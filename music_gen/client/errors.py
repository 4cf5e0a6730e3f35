"""Turning the API's error answers into music_gen's typed exceptions.

The server's envelope is ``{"error": {"code", "message", "details"}}``. The exception class
follows the HTTP status (401/403 authentication, 404 not found, 429 limits) and, for answers
that have no status (WebSocket error messages), the code.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from music_gen.client.backoff import parse_retry_after
from music_gen.errors import (
    APIError,
    AuthenticationError,
    NotFoundError,
    RateLimitError,
)

#: Error codes that mean "a limit was hit"; they come with 429 and usually Retry-After.
RATE_LIMIT_CODES = frozenset({"RATE_LIMITED", "CONCURRENCY_LIMIT", "QUOTA_EXCEEDED"})
#: Error codes that mean "who are you?".
AUTH_CODES = frozenset({"UNAUTHORIZED", "FORBIDDEN", "INVALID_API_KEY", "AUTHENTICATION_FAILED"})

_STATUS_CODES = {
    400: "INVALID_PARAMETER",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    422: "INVALID_PARAMETER",
    429: "RATE_LIMITED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def error_from_envelope(
    error: dict[str, Any],
    *,
    status_code: int | None = None,
    retry_after_s: float | None = None,
) -> APIError:
    """Build the right APIError subclass from an envelope's ``error`` object."""
    code = str(error.get("code") or _STATUS_CODES.get(status_code or 0, "INTERNAL"))
    message = str(error.get("message") or code)
    details = error.get("details")
    details = dict(details) if isinstance(details, dict) else {}
    if status_code == 429 or code in RATE_LIMIT_CODES:
        if retry_after_s is None and isinstance(details.get("retry_after"), (int, float)):
            retry_after_s = float(details["retry_after"])
        return RateLimitError(
            message,
            code=code,
            status_code=status_code,
            details=details,
            retry_after_s=retry_after_s,
        )
    if status_code in (401, 403) or (status_code is None and code in AUTH_CODES):
        return AuthenticationError(message, code=code, status_code=status_code, details=details)
    if status_code == 404 or (status_code is None and code == "NOT_FOUND"):
        return NotFoundError(message, code=code, status_code=status_code, details=details)
    return APIError(message, code=code, status_code=status_code, details=details)


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
