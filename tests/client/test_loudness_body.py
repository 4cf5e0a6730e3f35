"""The clients send ``loudness_lufs`` as given: a number, null for the model's level, or not
at all (the server's -14 LUFS)."""

from __future__ import annotations

from typing import Any

import pytest

from music_gen.client import APIClient, AsyncAPIClient
from music_gen.client.payloads import batch_body, generate_body


def test_left_out_by_default_and_null_when_off() -> None:
    assert "loudness_lufs" not in generate_body("piano", 10)
    assert generate_body("piano", 10, loudness_lufs=-20.0)["loudness_lufs"] == -20.0
    off = generate_body("piano", 10, loudness_lufs=None)
    assert "loudness_lufs" in off and off["loudness_lufs"] is None
    batch = batch_body([{"prompt": "a", "loudness_lufs": None}, "b"])["requests"]
    assert batch[0]["loudness_lufs"] is None and "loudness_lufs" not in batch[1]


@pytest.mark.parametrize("client_class", [APIClient, AsyncAPIClient])
def test_live_start_messages_carry_it_the_same_way(client_class: type[Any]) -> None:
    client = client_class(api_key="key", base_url="http://127.0.0.1:9/api/v1")

    def start(**options: Any) -> dict[str, Any]:
        return dict(client.live("calm", **options)._protocol.start)

    assert start() == {"type": "start", "prompt": "calm"}
    assert start(loudness_lufs=-20.0)["loudness_lufs"] == -20.0
    off = start(loudness_lufs=None, seed=None)
    assert off == {"type": "start", "prompt": "calm", "loudness_lufs": None}
