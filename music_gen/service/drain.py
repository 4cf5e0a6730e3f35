"""Graceful drain: on SIGTERM stop taking tasks, let running ones finish, hand back the rest.

``musicgen serve`` runs uvicorn through :class:`DrainingServer`. The first SIGTERM (or
SIGINT) starts a drain instead of stopping at once:

1. new tasks (``POST /generate``, ``/generate/batch``, ``/multi-instrument``) are answered
   503 ``SERVICE_UNAVAILABLE`` with ``Retry-After``, and readiness reports not ready; polls,
   downloads and other requests are still served;
2. the workers take no new task; queued tasks stay queued in the database;
3. running generations get ``drain_grace_s`` seconds to finish;
4. those still running then stop at their next progress report and go back to the queue
   (without counting an attempt), and the server exits.

A second signal stops at once (step 4 right away). Celery workers do the same with
Celery's warm shutdown (``musicgen worker`` on SIGTERM: running tasks finish, unacknowledged
messages go back to the broker).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send

from music_gen.errors import ErrorCode
from music_gen.service.errors import error_response

if TYPE_CHECKING:
    from music_gen.service.state import AppState

log = logging.getLogger("music_gen.service")

#: POST paths (under the API prefix) that create tasks and are refused while draining.
TASK_PATHS = ("/generate", "/generate/batch", "/multi-instrument")
_POLL_S = 0.05


def drain(state: AppState, grace_s: float | None = None) -> int:
    """Drain the service: refuse new tasks, wait for running ones, hand back the rest.

    Args:
        state: The running service.
        grace_s: Seconds running generations may take; default ``drain_grace_s``.

    Returns:
        How many generations were still running when the grace period ended.
    """
    grace_s = state.settings.drain_grace_s if grace_s is None else grace_s
    state.draining.set()
    state.queue.pause()
    deadline = time.monotonic() + grace_s
    running = state.runner.running_count()
    log.warning(
        "draining: new tasks refused; waiting up to %gs for %d running generation(s)",
        grace_s,
        running,
        extra={"running": running, "grace_s": grace_s},
    )
    while running and time.monotonic() < deadline:
        time.sleep(_POLL_S)
        running = state.runner.running_count()
    if running:
        log.warning("drain grace period over: %d generation(s) go back to the queue", running)
        state.runner.shutdown()
        # Interrupted generations stop at their next progress report and requeue themselves.
        stop_by = time.monotonic() + 10.0
        while state.runner.running_count() and time.monotonic() < stop_by:
            time.sleep(_POLL_S)
    return running


class DrainGate:
    """ASGI middleware answering 503 + Retry-After to new tasks while the service drains."""

    def __init__(self, app: ASGIApp, api_prefix: str = "/api/v1") -> None:
        self.app = app
        self.paths = {api_prefix + path for path in TASK_PATHS}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].rstrip("/") in self.paths
            and scope["app"].state.service.draining.is_set()
        ):
            retry_after = scope["app"].state.service.settings.drain_retry_after_s
            response = error_response(
                ErrorCode.SERVICE_UNAVAILABLE,
                "The server is shutting down and takes no new tasks; retry in "
                f"{retry_after}s (another replica may take it now)",
                {"reason": "draining"},
                headers={"Retry-After": str(retry_after)},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def draining_server(config: Any, state: AppState) -> Any:
    """A uvicorn server whose first SIGTERM/SIGINT drains ``state`` before exiting."""
    import uvicorn

    class DrainingServer(uvicorn.Server):
        """uvicorn.Server with a drain before the usual shutdown."""

        def __init__(self) -> None:
            super().__init__(config)
            self._drain: threading.Thread | None = None

        def handle_exit(self, sig: int, frame: Any) -> None:
            if self._drain is not None:  # a second signal: stop now
                state.runner.shutdown()
                super().handle_exit(sig, frame)
                return
            self._drain = threading.Thread(
                target=self._drain_then_exit, args=(sig, frame), name="musicgen-drain"
            )
            self._drain.start()

        def _drain_then_exit(self, sig: int, frame: Any) -> None:
            try:
                drain(state)
            finally:
                super().handle_exit(sig, frame)

    return DrainingServer()
