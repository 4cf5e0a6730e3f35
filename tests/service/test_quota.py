"""The monthly bandwidth quota holds under parallel downloads and counts streamed audio."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.service.conftest import Service
from tests.service.test_stream import WS, _drip_engines, _read_stream  # noqa: F401

QUOTA = 110_000  # the tight fixture's pro monthly bandwidth


def _used(service: Service, account_id: str) -> int:
    with service.state.db.session() as session:
        return service.state.limits.bandwidth_used(session, account_id)


def _used_when_settled(service: Service, account_id: str, expected: int) -> int:
    """The counter once it shows ``expected`` (the server settles after the socket closes)."""
    deadline = time.monotonic() + 10.0
    while (used := _used(service, account_id)) != expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return used


def _spend(service: Service, account_id: str, size_bytes: int) -> None:
    with service.state.db.session() as session:
        service.state.limits.add_bandwidth(session, account_id, size_bytes)


def _audio_url(service: Service, headers: dict[str, str]) -> str:
    task_id = service.client.post(
        "/api/v1/generate", json={"prompt": "x", "duration": 1}, headers=headers
    ).json()["task_id"]
    url: str = service.wait(task_id, headers)["audio_url"]
    return url


def test_parallel_ranges_cannot_pass_the_quota(tight: Service) -> None:
    key, account_id = tight.key(tier="pro")
    headers = {"Authorization": f"Bearer {key}", "Range": "bytes=0-4999"}
    url = _audio_url(tight, headers)
    _spend(tight, account_id, QUOTA - 21_000)  # room for four 5000-byte ranges, not five

    def fetch(_: int) -> tuple[int, int]:
        response = tight.client.get(url, headers=headers)
        return response.status_code, len(response.content)

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(fetch, range(10)))
    served = [size for status, size in results if status == 206]
    assert len(served) == 4, results
    assert all(size == 5000 for size in served)
    assert sorted({status for status, _ in results}) == [206, 429]
    assert _used(tight, account_id) == QUOTA - 21_000 + 20_000


def test_head_neither_counts_nor_is_refused_when_the_quota_is_spent(tight: Service) -> None:
    key, account_id = tight.key(tier="pro")
    headers = {"Authorization": f"Bearer {key}"}
    url = _audio_url(tight, headers)
    _spend(tight, account_id, QUOTA)
    head = tight.client.head(url, headers=headers)
    assert head.status_code == 200
    assert int(head.headers["Content-Length"]) > 0
    assert _used(tight, account_id) == QUOTA
    assert tight.client.get(url, headers=headers).status_code == 429


def test_streamed_audio_counts_against_the_quota(tight: Service) -> None:
    key, account_id = tight.key(tier="pro")
    headers = {"Authorization": f"Bearer {key}"}
    with tight.client.websocket_connect(WS, headers=headers) as ws:
        ws.send_json({"type": "generate", "prompt": "x", "duration": 1, "model": "test-drip"})
        _, chunks, last = _read_stream(ws)
    assert last["type"] == "completed"
    pcm_bytes = sum(chunk["frames"] for chunk in chunks) * 2 * 2  # stereo, 16-bit
    assert pcm_bytes == 8000 * 4
    assert _used_when_settled(tight, account_id, pcm_bytes) == pcm_bytes


def test_a_stream_over_the_quota_is_refused(tight: Service) -> None:
    key, account_id = tight.key(tier="pro")
    headers = {"Authorization": f"Bearer {key}"}
    _spend(tight, account_id, QUOTA - 1000)
    with tight.client.websocket_connect(WS, headers=headers) as ws:
        ws.send_json({"type": "generate", "prompt": "x", "duration": 1, "model": "test-drip"})
        error = ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert error["type"] == "error"
    assert error["error"]["code"] == "QUOTA_EXCEEDED"
    assert error["error"]["details"]["retry_after"] >= 1
    assert closed.value.code == 1013
    assert _used(tight, account_id) == QUOTA - 1000
    # Without chunks nothing is streamed, so nothing counts against the quota.
    with tight.client.websocket_connect(WS, headers=headers) as ws:
        request = {"type": "generate", "prompt": "x", "duration": 1, "model": "test-drip"}
        ws.send_json({**request, "stream": False})
        _, chunks, last = _read_stream(ws)
    assert last["type"] == "completed" and chunks == []
    assert _used(tight, account_id) == QUOTA - 1000


def test_a_cancelled_stream_gives_back_what_it_did_not_send(tight: Service) -> None:
    key, account_id = tight.key(tier="pro")
    headers = {"Authorization": f"Bearer {key}"}
    # No loudness target: a levelled stream holds its first seconds back until measured,
    # and this piece would then arrive whole before the cancel.
    request = {
        "type": "generate",
        "prompt": "x",
        "duration": 3,
        "model": "test-drip-slow",
        "loudness_lufs": None,
    }
    with tight.client.websocket_connect(WS, headers=headers) as ws:
        ws.send_json({**request, "chunk_s": 0.1})
        task_id = ws.receive_json()["task_id"]
        received = [ws.receive_json()]
        ws.send_json({"type": "cancel"})
        while (message := ws.receive_json())["type"] == "audio_chunk":
            received.append(message)
    assert message["type"] == "cancelled"
    assert tight.wait(task_id, headers)["status"] == "cancelled"
    sent = sum(m["frames"] for m in received) * 4
    assert sent < 3 * 8000 * 4
    assert _used_when_settled(tight, account_id, sent) == sent
