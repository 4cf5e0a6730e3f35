"""Retry-After parsing, retry delays and the polling schedule."""

from __future__ import annotations

import email.utils

import pytest

from music_gen.client.backoff import parse_retry_after, poll_delay, retry_delay


def test_retry_after_seconds_and_dates() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert parse_retry_after(date, now=1_000_000) == pytest.approx(30.0)
    assert parse_retry_after(date, now=1_000_100) == 0.0


def test_retry_delay_prefers_the_server_and_respects_the_cap() -> None:
    assert retry_delay(0, None, 60) == 0.5
    assert retry_delay(3, None, 60) == 4.0
    assert retry_delay(3, 2.0, 60) == 2.0
    assert retry_delay(0, 61.0, 60) is None
    assert retry_delay(10, None, 60) is None


def test_poll_delay_grows_caps_and_follows_the_eta() -> None:
    common = {"first_s": 0.25, "factor": 2.0, "cap_s": 5.0}
    assert [poll_delay(n, eta_remaining_s=None, **common) for n in range(6)] == [
        0.25,
        0.5,
        1.0,
        2.0,
        4.0,
        5.0,
    ]
    # A long eta waits longer (up to the cap); a short or past one does not shorten backoff.
    assert poll_delay(0, eta_remaining_s=3.0, **common) == 3.0
    assert poll_delay(0, eta_remaining_s=45.0, **common) == 5.0
    assert poll_delay(3, eta_remaining_s=0.1, **common) == 2.0
