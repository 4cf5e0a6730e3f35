"""One APIRouter per resource; :data:`ROUTERS` is what the app mounts under ``/api/v1``.

To add a resource (a WebSocket stream, say), write ``routes/<resource>.py`` with a
``router`` that uses the dependencies in :mod:`music_gen.service.deps` and list it here.
"""

from fastapi import APIRouter

from music_gen.service.routes import (
    audio,
    generate,
    health,
    live,
    models,
    multi_instrument,
    presets,
    stream,
    styles,
    tasks,
    webhooks,
)

ROUTERS: list[APIRouter] = [
    generate.router,
    multi_instrument.router,
    models.router,
    styles.router,
    audio.router,
    health.router,
    stream.router,
    webhooks.router,
    live.router,
    tasks.router,
    presets.router,
]

__all__ = ["ROUTERS"]
