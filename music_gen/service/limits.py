"""Per-tier limits: request rate (the ``limits`` library), concurrency and monthly bandwidth.

* Request rate: a moving one-minute window per API key, kept in memory by default or in
  Redis when ``MUSICGEN_RATE_LIMIT_STORAGE=redis://...``.
* Concurrency: tasks of the account that are queued or processing, counted in the database.
* Bandwidth: audio bytes served to the account this calendar month (UTC), a database counter.
  Bytes are reserved with one conditional UPDATE before they are sent and what was not sent
  is given back, so parallel downloads and streams cannot pass the quota together.

* Failed authentications: a moving one-minute window per client address (the ``limits``
  library too); a valid key is never refused by it.

Over a limit, a :class:`~music_gen.service.exceptions.LimitExceededError` carries Retry-After
and RateLimit-* headers; the error handler puts them on the 429 response.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime

from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from music_gen.service.auth import Principal
from music_gen.service.db import Database
from music_gen.service.exceptions import (
    ConcurrencyLimitError,
    LimitExceededError,
    QuotaExceededError,
)
from music_gen.service.models import BandwidthUsage, Task
from music_gen.service.settings import Settings
from music_gen.service.states import ACTIVE


class Limits:
    """The three limits, configured from settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._storage = storage_from_string(settings.rate_limit_storage)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._account_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def hit_request(self, principal: Principal) -> dict[str, str]:
        """Count one request for the key; returns the RateLimit-* headers.

        Raises:
            LimitExceededError: The key made its allowance of requests in the last minute.
        """
        per_minute = self.settings.tier_limits(principal.tier).requests_per_minute
        item = RateLimitItemPerMinute(per_minute)
        allowed = self._limiter.hit(item, "key", principal.key_id)
        stats = self._limiter.get_window_stats(item, "key", principal.key_id)
        reset_s = max(0.0, stats.reset_time - time.time())
        headers = {
            "RateLimit-Limit": str(per_minute),
            "RateLimit-Remaining": str(max(0, stats.remaining)),
            "RateLimit-Reset": str(max(1, math.ceil(reset_s))),
        }
        if not allowed:
            raise LimitExceededError(
                f"Rate limit of {per_minute} requests per minute exceeded; "
                f"retry in {math.ceil(reset_s)} s",
                retry_after_s=reset_s,
                headers=headers,
                details={"limit_per_minute": per_minute},
            )
        return headers

    def hit_auth_failure(self, address: str) -> None:
        """Count one failed authentication from a client address.

        Raises:
            LimitExceededError: The address failed more than ``auth_failures_per_minute`` times
                in the last minute.
        """
        per_minute = self.settings.auth_failures_per_minute
        item = RateLimitItemPerMinute(per_minute)
        if self._limiter.hit(item, "auth-failure", address):
            return
        stats = self._limiter.get_window_stats(item, "auth-failure", address)
        reset_s = max(1.0, stats.reset_time - time.time())
        raise LimitExceededError(
            f"Too many failed authentications from this address ({per_minute} a minute); "
            f"retry in {math.ceil(reset_s)} s with a valid API key",
            retry_after_s=reset_s,
            details={"failed_auth_limit_per_minute": per_minute},
        )

    def account_lock(self, account_id: str) -> threading.Lock:
        """A lock that serialises check-then-insert of tasks for one account."""
        with self._locks_guard:
            return self._account_locks.setdefault(account_id, threading.Lock())

    def check_concurrency(self, session: Session, principal: Principal, new_tasks: int) -> None:
        """Raise when ``new_tasks`` more would exceed the account's concurrent generations."""
        limit = self.settings.tier_limits(principal.tier).concurrent_generations
        active = (
            session.scalar(
                select(func.count())
                .select_from(Task)
                .where(Task.account_id == principal.account_id, Task.status.in_(ACTIVE))
            )
            or 0
        )
        if active + new_tasks > limit:
            raise ConcurrencyLimitError(
                f"Concurrency limit: {active} generations are queued or running and the "
                f"account may have {limit} at once; wait for one to finish or cancel one",
                retry_after_s=5,
                details={"limit": limit, "active": active, "requested": new_tasks},
            )

    def reserve_bandwidth(self, db: Database, principal: Principal, size_bytes: int) -> None:
        """Take ``size_bytes`` from this month's quota before they are sent.

        One conditional ``UPDATE ... WHERE bytes_served + n <= quota`` in its own committed
        transaction, so parallel requests cannot all pass a check made before any of them
        counted. Give back what was not sent with :meth:`release_bandwidth`.

        Raises:
            LimitExceededError: ``size_bytes`` more would pass the quota (nothing is taken).
        """
        quota = self.settings.tier_limits(principal.tier).monthly_bandwidth_bytes
        account_id, month = principal.account_id, _month()
        if size_bytes <= 0:
            return
        if size_bytes <= quota:
            with db.session() as session:
                if _take(session, account_id, month, size_bytes, quota):
                    return
        with db.session() as session:
            used = self.bandwidth_used(session, account_id)
        raise self._over_quota(quota, used, size_bytes)

    def release_bandwidth(self, db: Database, account_id: str, size_bytes: int) -> None:
        """Give back reserved bytes that were not sent (a cut download, a cancelled stream)."""
        if size_bytes <= 0:
            return
        with db.session() as session:
            session.execute(
                update(BandwidthUsage)
                .where(BandwidthUsage.account_id == account_id, BandwidthUsage.month == _month())
                .values(bytes_served=BandwidthUsage.bytes_served - size_bytes)
            )

    @staticmethod
    def _over_quota(quota: int, used: int, size_bytes: int) -> QuotaExceededError:
        now = datetime.now(UTC)
        next_month = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
        return QuotaExceededError(
            f"Monthly bandwidth quota of {quota} bytes reached ({used} bytes used, "
            f"{size_bytes} more asked); it resets on {next_month.date().isoformat()}",
            retry_after_s=(next_month - now).total_seconds(),
            details={"quota_bytes": quota, "used_bytes": used, "requested_bytes": size_bytes},
        )

    @staticmethod
    def bandwidth_used(session: Session, account_id: str) -> int:
        """Bytes served to the account this month."""
        used = session.scalar(
            select(BandwidthUsage.bytes_served).where(
                BandwidthUsage.account_id == account_id,
                BandwidthUsage.month == _month(),
            )
        )
        return int(used or 0)

    @staticmethod
    def add_bandwidth(session: Session, account_id: str, size_bytes: int) -> None:
        """Add bytes served to the account's counter for this month."""
        month = _month()
        updated = session.execute(
            update(BandwidthUsage)
            .where(BandwidthUsage.account_id == account_id, BandwidthUsage.month == month)
            .values(bytes_served=BandwidthUsage.bytes_served + size_bytes)
        )
        if updated.rowcount == 0:  # type: ignore[attr-defined]
            session.add(BandwidthUsage(account_id=account_id, month=month, bytes_served=size_bytes))
            try:
                session.flush()
            except IntegrityError:
                # Another request inserted the row first: add to it instead.
                session.rollback()
                session.execute(
                    update(BandwidthUsage)
                    .where(BandwidthUsage.account_id == account_id, BandwidthUsage.month == month)
                    .values(bytes_served=BandwidthUsage.bytes_served + size_bytes)
                )


def _take(session: Session, account_id: str, month: str, size_bytes: int, quota: int) -> bool:
    """Add ``size_bytes`` to the month's counter if the sum stays within ``quota``."""
    fits = session.execute(
        update(BandwidthUsage)
        .where(
            BandwidthUsage.account_id == account_id,
            BandwidthUsage.month == month,
            BandwidthUsage.bytes_served + size_bytes <= quota,
        )
        .values(bytes_served=BandwidthUsage.bytes_served + size_bytes)
    ).rowcount  # type: ignore[attr-defined]
    if fits:
        return True
    exists = session.scalar(
        select(func.count())
        .select_from(BandwidthUsage)
        .where(BandwidthUsage.account_id == account_id, BandwidthUsage.month == month)
    )
    if exists:
        return False
    session.add(BandwidthUsage(account_id=account_id, month=month, bytes_served=size_bytes))
    try:
        session.flush()
    except IntegrityError:
        # Another request created the month's row first (this session did nothing else).
        session.rollback()
        return _take(session, account_id, month, size_bytes, quota)
    return True


def _month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")
