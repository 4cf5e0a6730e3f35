"""Logic shared by APIClient and AsyncAPIClient that does no I/O."""

from __future__ import annotations

import platform
import time
import uuid
from typing import Any

import httpx

from music_gen.client.backoff import RETRY_STATUSES, poll_delay, retry_delay
from music_gen.client.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ProtocolError,
    RateLimitError,
    error_from_response,
)
from music_gen.client.options import ClientOptions
from music_gen.client.payloads import audio_format, resolve_url, same_origin
from music_gen.client.results import GenerationResult, TaskStatus

#: Methods that are safe to send again after a timeout or a dropped connection.
_IDEMPOTENT = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
#: The header that makes a POST safe to send again: the server answers a repeat with the
#: first answer (the same task) instead of doing the work twice.
IDEMPOTENCY_HEADER = "Idempotency-Key"


def user_agent() -> str:
    from music_gen import __version__

    return f"music-gen-ai-python/{__version__} (Python {platform.python_version()})"


class ClientCore:
    """Options, headers, retry decisions and result assembly."""

    def __init__(self, options: ClientOptions) -> None:
        self.options = options

    @property
    def base_url(self) -> str:
        """Root of the versioned API."""
        return self.options.base_url

    def headers(self) -> dict[str, str]:
        return {"User-Agent": user_agent(), "Accept": "application/json"}

    def auth_for(self, url: str) -> dict[str, str]:
        """The Authorization header for a URL: only for the API's own origin."""
        return self.options.auth_headers() if same_origin(url, self.base_url) else {}

    def request_headers(self, method: str, url: str) -> dict[str, str]:
        """Headers of one logical request, the same on each of its tries.

        A POST gets a fresh ``Idempotency-Key``, so that sending it again after a timeout,
        a dropped connection or a 429/503 never creates a second task.
        """
        headers = self.auth_for(url)
        if method == "POST":
            headers[IDEMPOTENCY_HEADER] = str(uuid.uuid4())
        return headers

    def url(self, path: str) -> str:
        """An API path ("/generate") or an absolute URL, as an absolute URL."""
        return path if "://" in path else self.base_url + path

    def audio_url(self, url: str) -> str:
        """A URL the server gave (absolute, or relative to its origin), made absolute."""
        return resolve_url(self.base_url, url)

    def retry_wait_after_error(
        self, method: str, exc: httpx.TransportError, attempt: int
    ) -> float | None:
        """Seconds to wait before resending after a transport error; None to give up."""
        if attempt >= self.options.max_retries:
            return None
        # A refused connection never reached the server; anything else may have, which is
        # harmless for idempotent methods and for POSTs (they carry an Idempotency-Key).
        if (
            not isinstance(exc, httpx.ConnectError)
            and method not in _IDEMPOTENT
            and method != "POST"
        ):
            return None
        return retry_delay(attempt, None, self.options.max_retry_wait_s)

    def retry_wait_after_response(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before resending after 429/503; None when it is not retried."""
        if response.status_code not in RETRY_STATUSES or attempt >= self.options.max_retries:
            return None
        error = error_from_response(response)
        after = error.retry_after_s if isinstance(error, RateLimitError) else None
        return retry_delay(attempt, after, self.options.max_retry_wait_s)

    def connection_error(self, method: str, url: str, exc: httpx.TransportError) -> APIError:
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(
                f"{method} {url} timed out after {self.options.timeout_s:g}s",
                details={"url": url},
            )
        return APIConnectionError(
            f"Could not reach the music_gen API at {url}: {exc}",
            details={"url": url},
        )

    @staticmethod
    def json_of(response: httpx.Response, method: str, path: str) -> Any:
        """The response's JSON body; a body that is not JSON is a protocol error."""
        try:
            return response.json()
        except ValueError as exc:
            raise ProtocolError(
                f"{method} {path} answered {response.status_code} without JSON",
                status_code=response.status_code,
            ) from exc

    def poll_schedule(self) -> PollSchedule:
        """A fresh schedule for waiting on one task."""
        return PollSchedule(self.options)

    def require_audio_url(self, status: TaskStatus) -> str:
        status.raise_for_status()
        if not status.audio_url:
            raise ProtocolError(
                f"Task {status.task_id} completed without an audio_url",
                details={"task_id": status.task_id},
            )
        return status.audio_url

    @staticmethod
    def result(
        status: TaskStatus, url: str, response: httpx.Response, fmt: str | None
    ) -> GenerationResult:
        return GenerationResult(
            task_id=status.task_id,
            content=response.content,
            format=audio_format(response, fmt),
            audio_url=url,
            duration=status.duration,
            metadata=status.metadata,
        )

    @staticmethod
    def stem_urls(status: TaskStatus) -> dict[str, str]:
        """Instrument -> audio URL of a finished multi-instrument task (its ``stems``)."""
        stems = status.raw.get("stems")
        if isinstance(stems, dict):
            urls = {str(name): url for name, url in stems.items() if isinstance(url, str) and url}
            if urls:
                return urls
        raise ProtocolError(
            f"Task {status.task_id} completed without stem URLs",
            details={"task_id": status.task_id},
        )


class PollSchedule:
    """When to poll one task next: capped backoff, stretched towards the server's eta.

    The eta comes with the submission (``POST`` answers carry it; later polls may not), so
    it is remembered as a moment, and each wait looks at how far away that moment still is.
    """

    def __init__(self, options: ClientOptions) -> None:
        self.options = options
        self.started = time.monotonic()
        self.polls = 0
        self.eta_at: float | None = None

    def next_wait(self, status: TaskStatus) -> float:
        """Seconds to sleep before polling the unfinished task again.

        Raises:
            APIConnectionError: The task is still unfinished after wait_timeout_s.
        """
        now = time.monotonic()
        if status.eta_s is not None:
            self.eta_at = now + status.eta_s
        left = self.options.wait_timeout_s - (now - self.started)
        if left <= 0:
            raise APITimeoutError(
                f"Task {status.task_id} still {status.status} after "
                f"{self.options.wait_timeout_s:g}s",
                details={"task_id": status.task_id, "status": status.status},
            )
        delay = poll_delay(
            self.polls,
            eta_remaining_s=None if self.eta_at is None else self.eta_at - now,
            first_s=self.options.poll_interval_s,
            factor=self.options.poll_backoff,
            cap_s=self.options.max_poll_interval_s,
        )
        self.polls += 1
        return min(delay, left)
