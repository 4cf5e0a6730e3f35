"""ClientOptions: where the API is, how to authenticate, and how patiently to wait."""

from __future__ import annotations

import os
from dataclasses import dataclass

from music_gen.errors import InvalidParameterError

#: Environment variable read for the API key when none is passed.
API_KEY_ENV = "MUSICGEN_API_KEY"
#: Environment variable read for the base URL when none is passed.
BASE_URL_ENV = "MUSICGEN_BASE_URL"
#: Base URL used when neither an argument nor MUSICGEN_BASE_URL gives one.
DEFAULT_BASE_URL = "http://localhost:8000/api/v1"


@dataclass(frozen=True)
class ClientOptions:
    """Settings shared by :class:`APIClient` and :class:`AsyncAPIClient`.

    Raises:
        InvalidParameterError: A URL without http(s) scheme, or a negative or zero limit.
    """

    # Bearer key sent on every request; None sends none (only /health answers then).
    api_key: str | None = None
    # Root of the versioned API, e.g. "http://localhost:8000/api/v1" (no trailing slash needed).
    base_url: str = DEFAULT_BASE_URL
    # Seconds one HTTP request (connect, send, read) may take.
    timeout_s: float = 30.0
    # How many times a request is sent again after 429, 503 or a failed connection.
    max_retries: int = 3
    # Longest single wait a Retry-After may ask for; a longer one is raised, not waited out.
    max_retry_wait_s: float = 60.0
    # First wait between polls of a task; grows by poll_backoff up to max_poll_interval_s.
    poll_interval_s: float = 0.25
    # Growth factor of the poll interval after each poll that found the task unfinished.
    poll_backoff: float = 1.5
    # Longest wait between two polls, whatever the eta says.
    max_poll_interval_s: float = 5.0
    # How long generate() and friends wait for a task to finish before giving up.
    wait_timeout_s: float = 900.0

    def __post_init__(self) -> None:
        url = self.base_url.strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise InvalidParameterError(
                f"base_url must start with http:// or https://, got {self.base_url!r}",
                details={"field": "base_url", "value": self.base_url},
            )
        object.__setattr__(self, "base_url", url)
        for name in (
            "timeout_s",
            "max_retry_wait_s",
            "poll_interval_s",
            "max_poll_interval_s",
            "wait_timeout_s",
        ):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value <= 0:
                raise InvalidParameterError(
                    f"{name} must be a number > 0, got {value!r}",
                    details={"field": name, "value": str(value)},
                )
        if not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise InvalidParameterError(
                f"max_retries must be an integer >= 0, got {self.max_retries!r}",
                details={"field": "max_retries", "value": str(self.max_retries)},
            )
        if not self.poll_backoff >= 1.0:
            raise InvalidParameterError(
                f"poll_backoff must be >= 1, got {self.poll_backoff!r}",
                details={"field": "poll_backoff", "value": str(self.poll_backoff)},
            )

    @classmethod
    def resolve(
        cls, api_key: str | None = None, base_url: str | None = None, **settings: float
    ) -> ClientOptions:
        """Options from arguments, falling back to MUSICGEN_API_KEY and MUSICGEN_BASE_URL."""
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV) or None
        url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        return cls(api_key=key, base_url=url, **settings)  # type: ignore[arg-type]

    @property
    def ws_url(self) -> str:
        """URL of the streaming WebSocket (ws:// or wss:// twin of base_url)."""
        return self.websocket_url("/ws/stream")

    def websocket_url(self, path: str) -> str:
        """The ws:// or wss:// twin of base_url, followed by path."""
        scheme, rest = self.base_url.split("://", 1)
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}{path}"

    def auth_headers(self) -> dict[str, str]:
        """The Authorization header, when there is a key."""
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
