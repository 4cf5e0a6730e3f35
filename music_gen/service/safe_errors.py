"""What a task's users may see of an error: a code and a safe message; the rest is logged.

A library error (bad input, model unavailable, cancelled...) is meant for users and is shown
as it is, except that absolute file-system paths in its message or details are replaced by
``<path>``. Any other exception (a full disk, a bug) becomes ``INTERNAL`` with a message that
names the task, so that the operator can find the full detail, which is logged with the
task id.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from music_gen.errors import ErrorCode, MusicGenError

log = logging.getLogger("music_gen.service.jobs")

# An absolute POSIX or Windows path: two or more components after a root.
_PATH = re.compile(r"(?<![\w.~-])(?:[A-Za-z]:)?(?:[\\/][^\s\\/'\"`,;:()\[\]{}<>]+){2,}[\\/]?")


def public_error(exc: BaseException, task_id: str) -> dict[str, Any]:
    """The ``{"code", "message", "details"}`` to store on a task and send to its client.

    Exceptions other than MusicGenError are logged here, with their traceback.
    """
    if isinstance(exc, MusicGenError):
        body = exc.to_dict()
        return {
            "code": body["code"],
            "message": scrub(body["message"]),
            "details": _scrub_values(body["details"]),
        }
    log.error("task %s failed: %s: %s", task_id, type(exc).__name__, exc, exc_info=exc)
    return {
        "code": ErrorCode.INTERNAL,
        "message": (
            f"Generation failed because of a server error (task {task_id}); the server's log "
            "has the details"
        ),
        "details": {"task_id": task_id},
    }


class PublicError(MusicGenError):
    """A public error body raised again, to send over a WebSocket with the code it has."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body["message"], details=body["details"])
        self.code = body["code"]


def scrub(text: str) -> str:
    """``text`` with absolute file-system paths replaced by ``<path>``."""
    return _PATH.sub("<path>", text)


def _scrub_values(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {str(k): _scrub_values(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub_values(v) for v in value]
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return scrub(str(value))
