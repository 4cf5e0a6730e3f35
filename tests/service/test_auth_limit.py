"""Failed authentications are limited per client address; valid keys are not affected."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.service.conftest import Service

BAD = {"Authorization": "Bearer mgk_000000000000_" + "x" * 43}


def _client(service: Service, address: str) -> TestClient:
    return TestClient(service.client.app, client=(address, 40000))


def test_wrong_keys_from_one_address_are_limited(tight: Service) -> None:
    limit = tight.state.settings.auth_failures_per_minute
    attacker = _client(tight, "203.0.113.7")
    statuses = [attacker.get("/api/v1/models", headers=BAD).status_code for _ in range(limit + 5)]
    assert statuses[:limit] == [401] * limit
    assert set(statuses[limit:]) == {429}
    limited = attacker.get("/api/v1/models")  # no key at all is a failure too
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # A valid key is served, from that address and from any other.
    good = tight.auth()
    assert attacker.get("/api/v1/models", headers=good).status_code == 200
    assert _client(tight, "203.0.113.8").get("/api/v1/models", headers=BAD).status_code == 401


def test_the_limit_covers_the_websocket(tight: Service) -> None:
    limit = tight.state.settings.auth_failures_per_minute
    attacker = _client(tight, "198.51.100.4")
    for _ in range(limit):
        attacker.get("/api/v1/models", headers=BAD)
    with attacker.websocket_connect("/api/v1/ws/stream", headers=BAD) as ws:
        ws.send_json({"type": "generate", "prompt": "x"})
        error = ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert error["error"]["code"] == "RATE_LIMITED"
    assert error["error"]["details"]["retry_after"] >= 1
    assert closed.value.code == 1013
