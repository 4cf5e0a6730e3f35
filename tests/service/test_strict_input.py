"""The API accepts exactly what the library accepts: no coercion, no lax patterns."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from music_gen.errors import InvalidInputError
from music_gen.params import GenerationParams
from tests.service.conftest import Service

COERCED = [
    {"duration": "30"},
    {"duration": True},
    {"temperature": "1"},
    {"temperature": False},
    {"top_k": "5"},
    {"top_k": True},
    {"top_p": "1"},
    {"seed": "7"},
    {"seed": False},
    {"seed": True},
]

PROMPTS = [
    "piano",
    "  calm piano  ",
    "piano\n",
    "piano\tand\r\nstrings",
    "café",
    "\u5409\u4ed6",  # 吉他
    "\x00",
    "\x00\x00\x00",
    "piano\x00",
    "\u200b",
    "\u200b\u200c\u200d\ufeff",
    "\u2060\u00ad",
    " \u3000\u00a0",
    "\x1b[31m",
    "drums\x7f",
    "\u0085bass",
]


def _library_accepts(prompt: str) -> bool:
    try:
        GenerationParams(prompt=prompt)
    except InvalidInputError:
        return False
    return True


@pytest.mark.parametrize("field", COERCED, ids=repr)
def test_no_coercion(service: Service, field: dict[str, Any]) -> None:
    response = service.client.post(
        "/api/v1/generate", json={"prompt": "x", "duration": 1, **field}, headers=service.auth()
    )
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["details"]["errors"][0]["field"] == next(iter(field))


def test_integers_where_floats_are_asked_are_fine(service: Service) -> None:
    headers = service.auth()
    body = {"prompt": "x", "duration": 1, "temperature": 1, "top_p": 1, "seed": 7, "top_k": 0}
    response = service.client.post("/api/v1/generate", json=body, headers=headers)
    assert response.status_code == 202
    assert service.wait(response.json()["task_id"], headers)["status"] == "completed"


def test_prompts_are_judged_as_the_library_judges_them(service: Service) -> None:
    headers = service.auth(tier="pro")
    verdicts = []
    for prompt in PROMPTS:
        response = service.client.post(
            "/api/v1/generate", json={"prompt": prompt, "duration": 0.1}, headers=headers
        )
        verdicts.append((prompt, response.status_code == 202, _library_accepts(prompt)))
        if response.status_code == 202:
            service.wait(response.json()["task_id"], headers)
        else:
            assert response.json()["error"]["code"] == "INVALID_PROMPT"
    assert [(p, api) for p, api, _ in verdicts] == [(p, lib) for p, _, lib in verdicts]
    rejected = {p for p, api, _ in verdicts if not api}
    assert rejected == {p for p in PROMPTS if p not in PROMPTS[:6]}


@pytest.mark.parametrize("name", ["piano\n", "piano\r", "\npiano", "mix", "", "a" * 65, "ba$s"])
def test_instrument_names_are_matched_whole(service: Service, name: str) -> None:
    response = service.client.post(
        "/api/v1/multi-instrument",
        json={"instruments": {name: "x"}, "duration": 1},
        headers=service.auth(),
    )
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "INVALID_PARAMETER"


def test_multi_instrument_fields_are_strict(service: Service) -> None:
    response = service.client.post(
        "/api/v1/multi-instrument",
        json={"instruments": {"piano": "x"}, "duration": "30"},
        headers=service.auth(),
    )
    assert response.status_code == 400


def test_the_stream_is_strict_too(service: Service) -> None:
    with service.client.websocket_connect("/api/v1/ws/stream", headers=service.auth()) as ws:
        ws.send_json({"type": "generate", "prompt": "x", "duration": "1"})
        error = ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert error["error"]["code"] == "INVALID_PARAMETER"
    assert closed.value.code == 1008


def test_a_vanishing_duration_keeps_the_eta_a_number(service: Service) -> None:
    headers = service.auth(tier="pro")
    for duration in (5e-324, 1e-300, 1e-9):
        response = service.client.post(
            "/api/v1/generate", json={"prompt": "x", "duration": duration}, headers=headers
        )
        assert response.status_code == 202
        assert isinstance(response.json()["eta"], float)
        service.wait(response.json()["task_id"], headers)
    again = service.client.post(
        "/api/v1/generate", json={"prompt": "x", "duration": 1}, headers=headers
    )
    assert isinstance(again.json()["eta"], float)
