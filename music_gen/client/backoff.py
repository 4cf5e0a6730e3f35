"""How long to wait: Retry-After parsing, retry delays and the task polling schedule."""

from __future__ import annotations

import email.utils
import time
from datetime import UTC, datetime

#: HTTP statuses that mean "not now, try again" (the request was not acted on).
RETRY_STATUSES = frozenset({429, 503})
#: Wait before retrying when the server gave no Retry-After (doubles per attempt).
DEFAULT_RETRY_BASE_S = 0.5


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.fromtimestamp(time.time() if now is None else now, tz=UTC)
    return max(0.0, (when - current).total_seconds())


def retry_delay(attempt: int, retry_after_s: float | None, max_wait_s: float) -> float | None:
    """Seconds to wait before retry number ``attempt + 1``; None when it is not worth waiting.

    The server's Retry-After wins; without one the wait doubles from DEFAULT_RETRY_BASE_S.
    Either way a wait above ``max_wait_s`` returns None (the caller raises instead).
    """
    delay = retry_after_s if retry_after_s is not None else DEFAULT_RETRY_BASE_S * 2**attempt
    return None if delay > max_wait_s else delay


def poll_delay(
    polls: int,
    *,
    eta_remaining_s: float | None,
    first_s: float,
    factor: float,
    cap_s: float,
) -> float:
    """Seconds to wait before the next poll of an unfinished task.

    Capped exponential backoff (``first_s * factor**polls``, at most ``cap_s``). When the
    server's eta says the task needs longer, wait closer to it (still at most ``cap_s``), so a
    long job is not polled needlessly and a short one is not waited on past its eta.
    """
    delay = min(cap_s, first_s * factor**polls)
    if eta_remaining_s is not None and eta_remaining_s > delay:
        delay = min(cap_s, eta_remaining_s)
    return delay
