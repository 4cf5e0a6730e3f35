"""Database tables (SQLAlchemy 2 declarative): accounts, API keys, tasks, batches, files,
idempotency keys and webhooks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from music_gen.service.states import TaskState


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base of every table."""


class Account(Base):
    """Who owns keys, tasks and audio."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(16), default="free")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKey(Base):
    """An API key, stored only as a hash; ``prefix`` is the non-secret part used to find it."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Batch(Base):
    """A group of tasks submitted together."""

    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Task(Base):
    """One generation job and, once done, its result or error."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_status_created", "status", "created_at"),
        Index("ix_tasks_account_status", "account_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    batch_id: Mapped[str | None] = mapped_column(
        ForeignKey("batches.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # "generate" (one piece) or "multi" (stems and a mix).
    kind: Mapped[str] = mapped_column(String(16), default="generate")
    # Stored as the state's string in a VARCHAR(16), as before the enum existed (no CHECK
    # constraint, so the schema is unchanged).
    status: Mapped[TaskState] = mapped_column(
        Enum(
            TaskState,
            native_enum=False,
            create_constraint=False,
            length=16,
            values_callable=lambda states: [state.value for state in states],
        ),
        default=TaskState.QUEUED,
    )
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    model: Mapped[str] = mapped_column(String(200))
    # Requested length of the audio, seconds.
    duration_s: Mapped[float] = mapped_column(Float)
    # Audio container of the result (wav, flac, ogg, mp3).
    format: Mapped[str] = mapped_column(String(8), default="wav")
    # The validated request (prompt, sampling parameters, instruments...).
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    # On completion: {"duration", "metadata", "files": {label: file_id}}.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # On failure: {"code", "message", "details"}.
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Times a worker started it (a crash mid-generation leaves it counted).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Last sign of life from the worker running it (distributed queue); a processing task
    # whose heartbeat is older than the timeout belongs to a dead worker.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Random token of whoever runs it now (a worker's claim, a streaming connection); the
    # outcome is written only by that owner, so a worker that was presumed dead and whose
    # task runs elsewhere cannot overwrite the result. None for the in-process queue.
    owner: Mapped[str | None] = mapped_column(String(32), nullable=True)


class AudioFile(Base):
    """A stored audio file; ``id`` is random and is the only name on disk."""

    __tablename__ = "audio_files"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    # "audio" for a single piece; the part name or "mix" for multi-instrument tasks.
    label: Mapped[str] = mapped_column(String(100))
    format: Mapped[str] = mapped_column(String(8))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    duration_s: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BandwidthUsage(Base):
    """Audio bytes served to an account in one calendar month ("2026-11")."""

    __tablename__ = "bandwidth_usage"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    bytes_served: Mapped[int] = mapped_column(BigInteger, default=0)


class IdempotencyKey(Base):
    """An ``Idempotency-Key`` an account sent with a POST, and the answer it got.

    The primary key makes the first of several concurrent duplicates win: the others fail
    to insert and wait for its answer instead of reading and then writing.
    """

    __tablename__ = "idempotency_keys"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # SHA-256 of method, path and canonical JSON body: another body under the key conflicts.
    request_hash: Mapped[str] = mapped_column(String(64))
    # The stored answer; None while the first request is still being handled.
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class WebhookSecret(Base):
    """An account's ``whsec_`` signing secret (kept to sign; shown to the account once)."""

    __tablename__ = "webhook_secrets"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookDelivery(Base):
    """One event to send to a task's webhook, and how its tries went."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    # Also the ``webhook-id`` header: the same for every try, so receivers can deduplicate.
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    # start, progress or completed.
    event: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(2048))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending (a try is due at next_attempt_at), delivered or failed (gave up).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by each claim, so two senders never send the same try.
    version: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


__all__ = [
    "Account",
    "ApiKey",
    "AudioFile",
    "BandwidthUsage",
    "Base",
    "Batch",
    "IdempotencyKey",
    "Task",
    "WebhookDelivery",
    "WebhookSecret",
    "utcnow",
]
