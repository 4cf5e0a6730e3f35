"""Malformed WebSocket frames get the error envelope and a proper close code, never a drop."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.service.conftest import Service
from tests.service.test_stream import WS, _drip_engines  # noqa: F401

DEEP = "[" * 30_000 + "]" * 30_000  # under the size limit, deeper than any parser recursion


def _refusal(service: Service, send: Any) -> tuple[dict[str, Any], int]:
    with service.client.websocket_connect(WS, headers=service.auth()) as ws:
        send(ws)
        error = ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    return error, closed.value.code


@pytest.mark.parametrize(
    ("frame", "close_code"),
    [
        (DEEP, 1008),
        ('{"type": "generate", "prompt": ' * 1500, 1008),
        ("not json", 1008),
        ("[" * 100_000, 1009),
        ('{"type": "generate", "prompt": "' + "x" * 70_000 + '"}', 1009),
    ],
    ids=["deep", "deep-object", "not-json", "huge-deep", "huge"],
)
def test_bad_text_frames(service: Service, frame: str, close_code: int) -> None:
    error, code = _refusal(service, lambda ws: ws.send_text(frame))
    assert error["type"] == "error"
    assert error["error"]["code"] == "INVALID_PARAMETER"
    assert code == close_code


def test_a_binary_frame_that_is_not_utf8_is_1007(service: Service) -> None:
    error, code = _refusal(service, lambda ws: ws.send_bytes(b"\xff\xfe{\x80}"))
    assert error["error"]["code"] == "INVALID_PARAMETER"
    assert code == 1007


def test_a_binary_frame_of_utf8_json_is_read_as_text(service: Service) -> None:
    with service.client.websocket_connect(WS, headers=service.auth()) as ws:
        ws.send_bytes(b'{"type": "generate", "prompt": "x", "duration": 0.2, "model": "test-drip"}')
        assert ws.receive_json()["type"] == "started"
        while (message := ws.receive_json())["type"] == "audio_chunk":
            pass
    assert message["type"] == "completed"


def test_garbage_during_a_stream_does_not_cancel_it(service: Service) -> None:
    request = {"type": "generate", "prompt": "x", "duration": 1, "model": "test-drip-slow"}
    with service.client.websocket_connect(WS, headers=service.auth()) as ws:
        ws.send_json({**request, "chunk_s": 0.1})
        assert ws.receive_json()["type"] == "started"
        ws.send_text("not json")
        ws.send_text(DEEP)
        ws.send_bytes(b"\xff\xfe")
        ws.send_json({"type": "unknown"})
        ws.send_json([1, 2, 3])
        kinds = []
        while (message := ws.receive_json())["type"] == "audio_chunk":
            kinds.append(message["type"])
    assert message["type"] == "completed"
    assert len(kinds) == 10
