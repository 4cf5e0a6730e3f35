"""Service configuration: one pydantic-settings object read from ``MUSICGEN_*`` and ``.env``.

Every setting can be given as an environment variable named ``MUSICGEN_<FIELD>`` (for
example ``MUSICGEN_DATABASE_URL``) or in a ``.env`` file in the working directory.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from music_gen.errors import InvalidParameterError

#: The secret shipped in the code; accepted only when ``environment`` is development.
DEFAULT_SECRET_KEY = "change-me"
#: Tiers an account can have.
TIERS: tuple[str, ...] = ("free", "pro")

_GB = 1024**3


@dataclass(frozen=True)
class TierLimits:
    """The limits of one account tier."""

    # Requests per minute per API key (every authenticated endpoint counts).
    requests_per_minute: int
    # Generation tasks queued or running at once per account.
    concurrent_generations: int
    # Audio bytes served per calendar month (UTC) per account.
    monthly_bandwidth_bytes: int


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="MUSICGEN_", env_file=".env", extra="ignore", frozen=True
    )

    # development, test or production; outside development the secret key must be set.
    environment: Literal["development", "test", "production"] = "development"
    # Pepper for API key hashes (HMAC-SHA256); changing it invalidates every key.
    secret_key: str = DEFAULT_SECRET_KEY
    # Address and port `musicgen serve` binds to.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    # Generation worker threads of the in-process job queue.
    workers: int = Field(default=2, ge=1, le=64)
    # Job queue: "local" (worker threads in the server) or "celery" (Celery workers on a
    # broker started with `musicgen worker`, sharing the database and the audio folder).
    queue: Literal["local", "celery"] = "local"
    # Celery broker for queue=celery.
    broker_url: str = "redis://127.0.0.1:6379/0"
    # Celery queue name the server sends tasks to and workers consume by default.
    celery_queue: str = Field(default="musicgen", pattern=r"^[A-Za-z0-9_.:-]{1,100}$")
    # Seconds without a heartbeat after which a processing task's worker counts as dead
    # (queue=celery); workers beat every third of it.
    heartbeat_timeout_s: float = Field(default=30.0, ge=0.5, le=3600)
    # Disable API keys (development only, loopback hosts only); every caller is one account.
    no_auth: bool = False
    # Where the database file (SQLite default) and audio files live: by default the user's
    # data directory (~/.local/share/musicgen on Linux), the same wherever a command runs.
    data_dir: Path = Field(default_factory=lambda: platformdirs.user_data_path("musicgen"))
    # SQLAlchemy URL; default sqlite:///<data_dir>/musicgen.db.
    database_url: str | None = None
    # PostgreSQL schema to keep the tables in (created when missing); None: the default.
    database_schema: str | None = Field(default=None, pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    # Folder for generated audio; default <data_dir>/audio.
    audio_dir: Path | None = None
    # Storage of the request-rate windows for the `limits` library (memory://, redis://...).
    rate_limit_storage: str = "memory://"
    # Model used when a request names none.
    default_model: str = "composer"
    # The models clients may name (comma-separated registry names, aliases or checkpoint
    # directories chosen by the operator). None (the default): the default model, every
    # model that needs no weights (the composer) and every model already downloaded here.
    # Any other name is MODEL_NOT_FOUND; nothing a client sends reaches the disk or the Hub.
    models: Annotated[tuple[str, ...] | None, NoDecode] = None
    # Device for neural engines: auto, cpu, cuda, cuda:N.
    device: str = "auto"
    # Load the default model at startup (readiness waits for it).
    preload: bool = True
    # Times a task is started before it is failed (a crash or kill mid-generation counts).
    max_attempts: int = Field(default=3, ge=1, le=20)
    # Most requests in one POST /generate/batch.
    batch_max_requests: int = Field(default=16, ge=1, le=256)
    # MusicGen tasks of one model and sampling settings that a worker generates together as
    # one padded batch, each with its own seed, prompt and duration (1: one at a time).
    batch_max: int = Field(default=8, ge=1, le=64)
    # How long a worker that found batch-mates for a MusicGen task waits for more to fill the
    # batch (a task with none runs at once).
    batch_wait_ms: float = Field(default=25.0, ge=0, le=10_000)
    # Composer pieces rendered at once per model, each in its own worker process (None: one
    # per core this server may use). Tasks run at once are bounded by `workers` too.
    composer_processes: int | None = Field(default=None, ge=1, le=256)
    # Prior for the ETA: engine seconds per second of audio before anything was measured.
    eta_prior_s_per_audio_s: float = Field(default=0.5, gt=0)
    # Failed authentications (missing, malformed, unknown or revoked keys) allowed per
    # client address in a moving minute; beyond it such requests get 429. Valid keys are
    # never limited by it. Behind a proxy, run uvicorn with --proxy-headers so that the
    # address is the client's.
    auth_failures_per_minute: int = Field(default=30, ge=1)
    # Per-tier limits.
    free_requests_per_minute: int = Field(default=100, ge=1)
    free_concurrent_generations: int = Field(default=10, ge=1)
    free_monthly_bandwidth_bytes: int = Field(default=1 * _GB, ge=0)
    pro_requests_per_minute: int = Field(default=1000, ge=1)
    pro_concurrent_generations: int = Field(default=50, ge=1)
    pro_monthly_bandwidth_bytes: int = Field(default=100 * _GB, ge=0)
    # Live sessions (/ws/live): seconds of audio sent ahead of the listener's playback
    # position (a steer is audible after at most this plus its beat/bar/phrase wait).
    live_lookahead_s: float = Field(default=1.0, ge=0.1, le=10.0)
    # Seconds without a message from the client (steer, ping) before the session ends
    # with a musical ending.
    live_idle_timeout_s: float = Field(default=300.0, ge=1.0, le=86400.0)
    # Longest live session in seconds of audio; then it ends with a musical ending.
    live_max_session_s: float = Field(default=3600.0, ge=5.0, le=86400.0)
    # Log level for the server (debug, info, warning, error).
    log_level: str = "info"
    # Log lines as JSON objects (one a line, for log shippers) or as text for people.
    log_format: Literal["json", "console"] = "console"
    # Seconds an Idempotency-Key and the answer it got are kept (per account).
    idempotency_ttl_s: float = Field(default=86400.0, gt=0)
    # Seconds a duplicate POST waits for the first one (same key) to be answered.
    idempotency_wait_s: float = Field(default=30.0, gt=0)
    # Waits between webhook delivery tries; one try more than entries (8 tries over ~1 h).
    webhook_retry_schedule_s: tuple[float, ...] = (5.0, 30.0, 120.0, 300.0, 600.0, 1200.0, 1500.0)
    # Seconds a webhook receiver has to answer one try.
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=60)
    # How often the webhook sender looks for due deliveries it was not told about.
    webhook_poll_interval_s: float = Field(default=1.0, gt=0, le=60)
    # Public root of this server (https://music.example.com), used for audio URLs in webhook
    # payloads; without it they are paths (/api/v1/audio/...).
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    # Bearer token for GET /metrics; without one only loopback clients may read it.
    metrics_token: str | None = Field(default=None, min_length=16)
    # Port on which `musicgen worker` serves its own /metrics (generation figures); 0: none.
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)
    # Seconds running generations get to finish after SIGTERM before they go back to the queue.
    drain_grace_s: float = Field(default=30.0, ge=0, le=3600)
    # Retry-After (seconds) on the 503 answered to new tasks while draining.
    drain_retry_after_s: int = Field(default=30, ge=1, le=3600)

    @field_validator("metrics_token", "public_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `MUSICGEN_METRICS_TOKEN=` (as compose writes an unset ${VAR:-}) means "not set".
        return None if value == "" else value

    @field_validator("models", mode="before")
    @classmethod
    def _split_models(cls, value: Any) -> Any:
        if isinstance(value, str):
            names = tuple(name.strip() for name in value.split(",") if name.strip())
            return names or None
        return value

    @model_validator(mode="after")
    def _check_secrets(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEFAULT_SECRET_KEY:
            raise ValueError(
                "MUSICGEN_SECRET_KEY must be set to a private value outside development "
                f"(MUSICGEN_ENVIRONMENT={self.environment})"
            )
        if self.environment != "development" and len(self.secret_key) < 16:
            raise ValueError("MUSICGEN_SECRET_KEY must be at least 16 characters")
        if self.no_auth and not is_loopback(self.host):
            raise ValueError(
                f"no_auth refuses to bind to {self.host!r}: use 127.0.0.1, ::1 or localhost"
            )
        if self.no_auth and self.environment == "production":
            raise ValueError("no_auth cannot be used with MUSICGEN_ENVIRONMENT=production")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file in data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'musicgen.db').resolve()}"

    @property
    def resolved_audio_dir(self) -> Path:
        """The audio folder, defaulting to data_dir/audio."""
        return (self.audio_dir or self.data_dir / "audio").resolve()

    @property
    def resolved_composer_processes(self) -> int:
        """composer_processes, or the cores this process may run on."""
        if self.composer_processes is not None:
            return self.composer_processes
        from music_gen.engines.composer.pool import default_processes

        return default_processes()

    def tier_limits(self, tier: str) -> TierLimits:
        """The limits for a tier name ("free" or "pro")."""
        if tier not in TIERS:
            raise InvalidParameterError(
                f"Unknown tier {tier!r}; tiers: {', '.join(TIERS)}",
                details={"field": "tier", "value": tier, "allowed": list(TIERS)},
            )
        return TierLimits(
            requests_per_minute=getattr(self, f"{tier}_requests_per_minute"),
            concurrent_generations=getattr(self, f"{tier}_concurrent_generations"),
            monthly_bandwidth_bytes=getattr(self, f"{tier}_monthly_bandwidth_bytes"),
        )


def is_loopback(host: str) -> bool:
    """Whether a bind address only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
