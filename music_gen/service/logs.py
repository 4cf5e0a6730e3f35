"""Structured logs: JSON lines or text, with request, account and task context.

``MUSICGEN_LOG_FORMAT=json`` writes one JSON object a line (``ts``, ``level``, ``logger``,
``message``, then context: ``request_id``, ``account_id``, ``task_id``, ``model``,
``duration_ms``, ``status``...); ``console`` (the default) writes the same as text.
API keys never appear in logs: requests are logged by account id.

:class:`RequestTelemetry` gives each HTTP request an id (the caller's ``X-Request-ID`` when it
is sane, else a new one, echoed in the response), writes one access line per request and
feeds the request metrics and the open-WebSocket gauge.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from music_gen.service.metrics import ServiceMetrics

log = logging.getLogger("music_gen.service.access")

#: The current request's id (set by RequestTelemetry; copied into worker threads).
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "musicgen_request_id", default=None
)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Attributes every LogRecord has; anything else was passed as `extra` and is context.
# uvicorn adds a colored copy of its message.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
}
_HANDLER_NAME = "musicgen"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message and every context field."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id is not None:
            entry["request_id"] = request_id
        entry.update(_context(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class ConsoleFormatter(logging.Formatter):
    """Text for people: ``time level logger message key=value...``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = _context(record)
        request_id = request_id_var.get()
        if request_id is not None:
            context = {"request_id": request_id, **context}
        if context:
            text += " " + " ".join(f"{k}={v}" for k, v in context.items())
        return text


def _context(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: value
        for key, value in vars(record).items()
        if key not in _STANDARD and not key.startswith("_") and value is not None
    }


def configure_logging(log_format: str = "console", level: str = "info") -> None:
    """Send the service's logs (and uvicorn's, Celery's) to stderr in ``log_format``.

    Calling it again replaces the handler it installed before.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if log_format == "json" else ConsoleFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "celery"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    # Our access lines replace uvicorn's (they carry the request id and the account).
    logging.getLogger("uvicorn.access").disabled = True
    # Alembic lists its plugins at every start; the migrations it runs are worth keeping.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


class RequestTelemetry:
    """ASGI middleware: request id, one access log line and the request metrics."""

    def __init__(
        self, app: ASGIApp, metrics: ServiceMetrics | None = None, api_prefix: str = ""
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            if self.metrics is not None:
                self.metrics.ws_streams_open.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                if self.metrics is not None:
                    self.metrics.ws_streams_open.dec()
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if given and _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            template = self._template(scope)
            if self.metrics is not None:
                self.metrics.observe_request(template, scope["method"], status, seconds)
            log.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": template,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "account_id": scope.get("state", {}).get("account_id"),
                },
            )
            request_id_var.reset(token)

    def _template(self, scope: Scope) -> str:
        # The route's path template (low cardinality for metrics); routers mounted under the
        # API prefix report their path without it.
        template = getattr(scope.get("route"), "path", None)
        if not template:
            return "unmatched"
        path = scope["path"]
        prefix = self.api_prefix + "/"
        if self.api_prefix and path.startswith(prefix) and not template.startswith(prefix):
            template = self.api_prefix + template
        return str(template)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None
