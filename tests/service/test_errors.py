"""Every bad input gets a 4xx error envelope with a stable code, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.conftest import Service

BAD_GENERATE: list[tuple[Any, str]] = [
    ({"prompt": ""}, "INVALID_PROMPT"),
    ({"prompt": "   "}, "INVALID_PROMPT"),
    ({"prompt": "x" * 2001}, "INVALID_PROMPT"),
    ({"prompt": 5}, "INVALID_PROMPT"),
    ({}, "INVALID_PROMPT"),
    ({"prompt": "ok", "duration": 0}, "INVALID_PARAMETER"),
    ({"prompt": "ok", "duration": -1}, "INVALID_PARAMETER"),
    ({"prompt": "ok", "duration": "long"}, "INVALID_PARAMETER"),
    ({"prompt": "ok", "duration": 31}, "INVALID_PARAMETER"),  # above test-tone's maximum
    ('{"prompt": "ok", "duration": Infinity}', "INVALID_PARAMETER"),
    ('{"prompt": "ok", "temperature": NaN}', "INVALID_PARAMETER"),
    ('{"prompt": "ok", "duration": 1', "INVALID_PARAMETER"),
    ({"prompt": "ok", "temperature": 0}, "INVALID_PARAMETER"),
    ({"prompt": "ok", "top_k": -1}, "INVALID_PARAMETER"),
    ({"prompt": "ok", "top_k": 2.5}, "INVALID_PARAMETER"),
    ({"prompt": "ok", "top_p": 1.5}, "INVALID_PARAMETER"),
    ({"prompt": "ok", "seed": -1}, "INVALID_PARAMETER"),
    ({"prompt": "ok", "seed": 2**32}, "INVALID_PARAMETER"),
    ({"prompt": "ok", "format": "aiff"}, "INVALID_PARAMETER"),
    ({"prompt": "ok", "unknown": 1}, "INVALID_PARAMETER"),
    ([1, 2], "INVALID_PARAMETER"),
    ("not json", "INVALID_PARAMETER"),
]


@pytest.mark.parametrize(("body", "code"), BAD_GENERATE)
def test_bad_generate_input(service: Service, body: Any, code: str) -> None:
    headers = service.auth()
    if isinstance(body, str):
        response = service.client.post(
            "/api/v1/generate",
            content=body,
            headers={**headers, "Content-Type": "application/json"},
        )
    else:
        response = service.client.post("/api/v1/generate", json=body, headers=headers)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert isinstance(error["details"], dict)


def test_duration_above_model_maximum_names_the_maximum(service: Service) -> None:
    response = service.client.post(
        "/api/v1/generate", json={"prompt": "ok", "duration": 31}, headers=service.auth()
    )
    assert response.json()["error"]["details"]["max"] == 30.0


def test_unknown_and_unavailable_models(service: Service) -> None:
    headers = service.auth()
    unknown = service.client.post(
        "/api/v1/generate", json={"prompt": "ok", "model": "nope"}, headers=headers
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "MODEL_NOT_FOUND"
    assert "available models" in unknown.json()["error"]["message"]
    missing = service.client.post(
        "/api/v1/generate", json={"prompt": "ok", "model": "test-missing"}, headers=headers
    )
    assert missing.status_code == 503
    assert missing.json()["error"]["code"] == "MODEL_UNAVAILABLE"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/v1/nowhere", 404, "NOT_FOUND"),
        ("GET", "/nowhere", 404, "NOT_FOUND"),
        ("PUT", "/api/v1/generate", 405, "METHOD_NOT_ALLOWED"),
        ("DELETE", "/api/v1/models", 405, "METHOD_NOT_ALLOWED"),
        ("GET", "/api/v1/generate/does-not-exist", 404, "NOT_FOUND"),
        ("GET", "/api/v1/generate/" + "x" * 300, 404, "NOT_FOUND"),
        ("GET", "/api/v1/generate/batch/nope", 404, "NOT_FOUND"),
        ("GET", "/api/v1/audio/..%2F..%2Fetc%2Fpasswd", 404, "NOT_FOUND"),
        ("GET", "/api/v1/audio/nope?format=aiff", 400, "INVALID_PARAMETER"),
    ],
)
def test_routing_errors_use_the_envelope(
    service: Service, method: str, path: str, status: int, code: str
) -> None:
    response = service.client.request(method, path, headers=service.auth())
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize(
    "body",
    [
        {"instruments": {}},
        {"instruments": {"piano": ""}},
        {"instruments": {"mix": "piano"}},
        {"instruments": {"piano": "jazz"}, "duration": 0},
        {"instruments": {f"p{i}": "x" for i in range(9)}},
        {"instruments": "piano"},
    ],
)
def test_bad_multi_instrument_input(service: Service, body: Any) -> None:
    response = service.client.post("/api/v1/multi-instrument", json=body, headers=service.auth())
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] in ("INVALID_PARAMETER", "INVALID_PROMPT")


def test_bad_batches(service: Service) -> None:
    headers = service.auth()
    for body in ({"requests": []}, {"requests": [{"prompt": ""}]}, {"requests": "x"}):
        response = service.client.post("/api/v1/generate/batch", json=body, headers=headers)
        assert response.status_code == 400, response.text
    bad_second = service.client.post(
        "/api/v1/generate/batch",
        json={"requests": [{"prompt": "ok", "duration": 1}, {"prompt": "ok", "duration": 99}]},
        headers=headers,
    )
    assert bad_second.status_code == 400
    assert bad_second.json()["error"]["details"]["index"] == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/generate/%00abc",
        "/api/v1/generate/batch/%00",
        "/api/v1/audio/%00aaaaaaaaaaaaaaaaaaaa",
        "/api/v1/generate/00000000-0000-0000-0000-00000000000%00",
    ],
)
def test_nul_bytes_in_ids_are_not_found(service: Service, path: str) -> None:
    response = service.client.get(path, headers=service.auth())
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_nul_bytes_in_text_never_cause_server_errors(service: Service) -> None:
    headers = service.auth()
    generate = service.client.post(
        "/api/v1/generate", json={"prompt": "a\x00b", "duration": 1}, headers=headers
    )
    multi = service.client.post(
        "/api/v1/multi-instrument", json={"instruments": {"a\x00": "x\x00"}}, headers=headers
    )
    model = service.client.post(
        "/api/v1/generate", json={"prompt": "a", "model": "x\x00"}, headers=headers
    )
    assert generate.status_code in (202, 400), generate.text
    assert multi.status_code in (202, 400), multi.text
    assert model.status_code == 404
