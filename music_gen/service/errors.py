"""The one place where errors become HTTP responses.

Every error the API returns, including FastAPI's own validation errors, unknown paths and
wrong methods, has the body ``{"error": {"code", "message", "details"}}``. Library
exceptions carry their code; :data:`STATUS_BY_CODE` gives its HTTP status.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from music_gen.errors import MusicGenError

log = logging.getLogger("music_gen.service")

#: HTTP status of each error code.
STATUS_BY_CODE: dict[str, int] = {
    "INVALID_PROMPT": 400,
    "INVALID_PARAMETER": 400,
    "UNSUPPORTED_OPERATION": 400,
    "UNAUTHORIZED": 401,
    "NOT_FOUND": 404,
    "MODEL_NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "RANGE_NOT_SATISFIABLE": 416,
    "IDEMPOTENCY_CONFLICT": 409,
    "RATE_LIMITED": 429,
    "CONCURRENCY_LIMIT": 429,
    "QUOTA_EXCEEDED": 429,
    "INTERNAL": 500,
    "GENERATION_FAILED": 500,
    "MODEL_UNAVAILABLE": 503,
    "SERVICE_UNAVAILABLE": 503,
}

_CODE_BY_STATUS = {
    400: "INVALID_PARAMETER",
    401: "UNAUTHORIZED",
    403: "UNAUTHORIZED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    416: "RANGE_NOT_SATISFIABLE",
    429: "RATE_LIMITED",
    503: "MODEL_UNAVAILABLE",
}


class HTTPError(MusicGenError):
    """An error the service itself raises (not found, bad range...) with a stable code."""


def error_response(
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    *,
    status: int | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """An envelope response; the status comes from the code unless given."""
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": details or {}}},
        status_code=status or STATUS_BY_CODE.get(code, 500),
        headers=headers,
    )


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into the envelope."""
    app.add_exception_handler(MusicGenError, _library_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


async def _library_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MusicGenError)
    headers = dict(getattr(request.state, "ratelimit_headers", None) or {})
    headers.update(getattr(exc, "headers", None) or {})
    if exc.code == "UNAUTHORIZED":
        headers["WWW-Authenticate"] = "Bearer"
    return error_response(exc.code, exc.message, exc.details, headers=headers or None)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [_problem(error) for error in exc.errors()]
    first = problems[0] if problems else {"field": "body", "message": "Invalid request"}
    on_prompt = any(p["field"].split(".")[-1] == "prompt" for p in problems)
    code = "INVALID_PROMPT" if on_prompt else "INVALID_PARAMETER"
    message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    return error_response(code, message, {"errors": problems})


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _CODE_BY_STATUS.get(exc.status_code, "INTERNAL")
    message = str(exc.detail) if exc.detail else code
    if exc.status_code == 404:
        message = f"Not found: {request.url.path}"
    elif exc.status_code == 405:
        message = f"Method {request.method} is not allowed on {request.url.path}"
    return error_response(
        code, message, {}, status=exc.status_code, headers=dict(exc.headers or {}) or None
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response("INTERNAL", "Internal server error", {}, status=500)


def _problem(error: dict[str, Any]) -> dict[str, str]:
    location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    return {
        "field": ".".join(location),
        "message": str(error.get("msg", "invalid value")),
        "type": str(error.get("type", "")),
    }
