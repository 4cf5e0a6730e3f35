"""The one place where errors become HTTP responses.

Every error the API returns, including FastAPI's own validation errors, unknown paths and
wrong methods, has the body ``{"error": {"code", "message", "details"}}``. Library and
service exceptions (``music_gen.errors``, ``music_gen.service.exceptions``) carry their
:class:`~music_gen.errors.ErrorCode`; :data:`STATUS_BY_CODE` gives its HTTP status.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from music_gen.errors import ErrorCode, MusicGenError
from music_gen.service.exceptions import ServiceError

log = logging.getLogger("music_gen.service")

#: HTTP status of each error code (the only place that knows them).
STATUS_BY_CODE: dict[str, int] = {
    ErrorCode.INVALID_PROMPT: 400,
    ErrorCode.INVALID_PARAMETER: 400,
    ErrorCode.UNSUPPORTED_OPERATION: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.MODEL_NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.IDEMPOTENCY_CONFLICT: 409,
    # Task bodies and stream messages carry it; no HTTP answer does.
    ErrorCode.CANCELLED: 409,
    ErrorCode.RANGE_NOT_SATISFIABLE: 416,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.CONCURRENCY_LIMIT: 429,
    ErrorCode.QUOTA_EXCEEDED: 429,
    ErrorCode.INTERNAL: 500,
    ErrorCode.GENERATION_FAILED: 500,
    ErrorCode.MODEL_UNAVAILABLE: 503,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
}

#: Retry-After of SERVICE_UNAVAILABLE answers, in seconds.
SERVICE_UNAVAILABLE_RETRY_S = 5

# The code of the framework's own answers (unknown path, wrong method...).
_CODE_BY_STATUS = {
    400: ErrorCode.INVALID_PARAMETER,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.UNAUTHORIZED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    416: ErrorCode.RANGE_NOT_SATISFIABLE,
    429: ErrorCode.RATE_LIMITED,
    503: ErrorCode.MODEL_UNAVAILABLE,
}


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
        {"error": {"code": str(code), "message": message, "details": details or {}}},
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
    if isinstance(exc, ServiceError):
        headers.update(exc.headers)
    if exc.code == ErrorCode.UNAUTHORIZED:
        headers["WWW-Authenticate"] = "Bearer"
    if exc.code == ErrorCode.SERVICE_UNAVAILABLE:
        # Transient by nature (a broker down, a full disk): say when to try again.
        headers.setdefault("Retry-After", str(SERVICE_UNAVAILABLE_RETRY_S))
    return error_response(exc.code, exc.message, exc.details, headers=headers or None)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [_problem(error) for error in exc.errors()]
    for problem, error in zip(problems, exc.errors(), strict=True):
        if error.get("type") == "json_invalid":
            # FastAPI reports the byte offset as the field; people want a line and a column.
            problem.update(field="body", message=_json_position(await request.body(), error))
    first = problems[0] if problems else {"field": "body", "message": "Invalid request"}
    on_prompt = any(
        p["field"].split(".")[-1] == "prompt" or p["type"] == "invalid_prompt" for p in problems
    )
    code = ErrorCode.INVALID_PROMPT if on_prompt else ErrorCode.INVALID_PARAMETER
    message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    return error_response(code, message, {"errors": problems})


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _CODE_BY_STATUS.get(exc.status_code, ErrorCode.INTERNAL)
    message = str(exc.detail) if exc.detail else str(code)
    if exc.status_code == 404:
        message = f"Not found: {request.url.path}"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        message = f"Method {request.method} is not allowed on {request.url.path}"
        # Starlette names only the first route of the path; a path may have several.
        headers["Allow"] = ", ".join(_allowed_methods(request)) or headers.get("Allow", "")
    return error_response(code, message, {}, status=exc.status_code, headers=headers or None)


def _allowed_methods(request: Request) -> list[str]:
    # The OpenAPI paths are the public routes: match the request path against each template.
    # A literal path ("/generate/batch") wins over a template it also fits ("/generate/{id}").
    matches: dict[str, set[str]] = {}
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            matches[template] = {method.upper() for method in operations}
    literal = [methods for template, methods in matches.items() if "{" not in template]
    return sorted(set().union(*(literal or matches.values())))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(ErrorCode.INTERNAL, "Internal server error", {}, status=500)


def _json_position(body: bytes, error: dict[str, Any]) -> str:
    location = error.get("loc", ())
    offset = location[-1] if location and isinstance(location[-1], int) else None
    if offset is None:
        return "not valid JSON"
    before = body[:offset].decode("utf-8", errors="replace")
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return f"not valid JSON at line {line} column {column}"


def _problem(error: dict[str, Any]) -> dict[str, str]:
    location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    return {
        "field": ".".join(location),
        "message": str(error.get("msg", "invalid value")),
        "type": str(error.get("type", "")),
    }
