"""``/health``: liveness and readiness (no authentication)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from music_gen import __version__
from music_gen.service.deps import State
from music_gen.service.schemas import Liveness, Readiness

router = APIRouter(prefix="/health", tags=["health"])


@router.get("", response_model=Liveness, summary="Liveness")
def live() -> Liveness:
    """200 while the process answers."""
    return Liveness(status="ok", version=__version__)


@router.get(
    "/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready; the body says why"}},
    summary="Readiness",
)
def ready(state: State) -> JSONResponse:
    """200 when the database answers, audio can be stored, every worker runs and the
    default model is loaded."""
    database = state.db.ping()
    storage = state.storage.writable()
    model = state.settings.default_model
    loaded = state.generators.is_loaded(model)
    alive = state.queue.workers_alive()
    depth = state.queue.depth() if database else 0
    # With queue=celery the workers load the models, not this process.
    engine_ok = loaded or not state.settings.preload or state.settings.queue != "local"
    ok = (
        database
        and storage
        and alive >= state.queue.size
        and engine_ok
        and not state.draining.is_set()
    )
    body = Readiness(
        ready=ok,
        database=database,
        storage=storage,
        engine_loaded=loaded,
        engine_error=state.engine_error,
        default_model=model,
        queue_depth=depth,
        workers_alive=alive,
        workers=state.queue.size,
    )
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
