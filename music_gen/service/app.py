"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from music_gen import __version__
from music_gen.service import errors, studio
from music_gen.service.drain import DrainGate
from music_gen.service.idempotency import IdempotencyMiddleware
from music_gen.service.logs import RequestTelemetry
from music_gen.service.routes import ROUTERS
from music_gen.service.routes.metrics import router as metrics_router
from music_gen.service.settings import Settings, get_settings
from music_gen.service.state import AppState

API_PREFIX = "/api/v1"

log = logging.getLogger("music_gen.service")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the REST API.

    Args:
        settings: Configuration; by default read from ``MUSICGEN_*`` and ``.env``.

    The database is migrated, the workers start and the default model loads (in the
    background) when the application starts (its lifespan), and they stop with it.
    Routers listed in :data:`music_gen.service.routes.ROUTERS` are mounted under ``/api/v1``.
    """
    settings = settings or get_settings()
    state = AppState.build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.start()
        try:
            yield
        finally:
            state.stop()

    # Swagger UI and ReDoc come from the package, not a CDN: /docs works offline.
    app = FastAPIOffline(
        title="music-gen-ai",
        version=__version__,
        description=(
            "Generate music from text. Authenticate with `Authorization: Bearer <key>` "
            "(create keys with `musicgen keys create`). Every error has the body "
            '`{"error": {"code", "message", "details"}}`.'
        ),
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        redoc_url="/redoc",
        lifespan=lifespan,
    )
    app.state.service = state
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(metrics_router)
    studio.install(app)
    app.add_middleware(RateLimitHeaders)
    # Outermost last: telemetry sees every answer, then idempotent replays, then the drain.
    app.add_middleware(DrainGate, api_prefix=API_PREFIX)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(RequestTelemetry, metrics=state.metrics, api_prefix=API_PREFIX)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


class RateLimitHeaders:
    """Adds the RateLimit-* headers a route's auth dependency computed to its response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = scope.get("state", {}).get("ratelimit_headers")
                if extra:
                    present = {name.lower() for name, _ in message.get("headers", [])}
                    headers = list(message.get("headers", []))
                    for name, value in extra.items():
                        if name.lower().encode() not in present:
                            headers.append((name.lower().encode(), value.encode()))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _openapi(app: FastAPI) -> dict[str, Any]:
    # FastAPI documents validation errors as 422 with its own body; this API answers 400
    # with the error envelope, so the spec says so.
    # Rebuilt when the served models change: the schema lists them and their limits.
    catalog = app.state.service.catalog
    served = tuple(catalog.served())
    if app.openapi_schema and getattr(app.state, "openapi_models", None) == served:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    envelope = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.get("responses", {})
            responses.pop("422", None)
            if operation.get("parameters") or operation.get("requestBody"):
                responses.setdefault(
                    "400",
                    {
                        "description": "Invalid input",
                        "content": {"application/json": {"schema": envelope}},
                    },
                )
    components = schema.get("components", {}).get("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    catalog.document(schema)
    batch = components.get("BatchRequest", {}).get("properties", {}).get("requests")
    if batch is not None:  # the configured limit, not the hard one
        batch["maxItems"] = app.state.service.settings.batch_max_requests
    app.openapi_schema = schema
    app.state.openapi_models = served
    return schema
