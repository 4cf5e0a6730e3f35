"""Audio downloads: HTTP Range, format conversion, headers."""

from __future__ import annotations

import io

import pytest
import soundfile as sf

from tests.service.conftest import Service
from tests.service.engines import RATE


@pytest.fixture(scope="module")
def finished(service: Service) -> tuple[str, dict[str, str], bytes]:
    """(audio URL, headers, full wav bytes) of a finished 2 s piece."""
    headers = service.auth()
    task_id = service.client.post(
        "/api/v1/generate", json={"prompt": "tone", "duration": 2, "seed": 5}, headers=headers
    ).json()["task_id"]
    url = service.wait(task_id, headers)["audio_url"]
    full = service.client.get(url, headers=headers).content
    return url, headers, full


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, None),
        ("bytes=-50", None, None),
        ("bytes=10-10", 10, 10),
        ("bytes=0-99999999", 0, None),
    ],
)
def test_range(
    service: Service,
    finished: tuple[str, dict[str, str], bytes],
    header: str,
    first: int | None,
    last: int | None,
) -> None:
    url, headers, full = finished
    size = len(full)
    start = first if first is not None else size - 50
    end = last if last is not None else size - 1
    response = service.client.get(url, headers={**headers, "Range": header})
    assert response.status_code == 206
    assert response.content == full[start : end + 1]
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/{size}"
    assert int(response.headers["Content-Length"]) == end - start + 1
    assert response.headers["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize("header", ["bytes=999999999-", "bytes=50-10", "bytes=-0"])
def test_unsatisfiable_range(
    service: Service, finished: tuple[str, dict[str, str], bytes], header: str
) -> None:
    url, headers, full = finished
    response = service.client.get(url, headers={**headers, "Range": header})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(full)}"
    assert response.json()["error"]["code"] == "RANGE_NOT_SATISFIABLE"


@pytest.mark.parametrize("header", ["items=0-5", "bytes=0-5,10-20", "bytes=abc"])
def test_unsupported_range_sends_everything(
    service: Service, finished: tuple[str, dict[str, str], bytes], header: str
) -> None:
    url, headers, full = finished
    response = service.client.get(url, headers={**headers, "Range": header})
    assert response.status_code == 200
    assert response.content == full


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [("flac", "audio/flac"), ("ogg", "audio/ogg"), ("mp3", "audio/mpeg"), ("wav", "audio/wav")],
)
def test_format_conversion(
    service: Service, finished: tuple[str, dict[str, str], bytes], fmt: str, mime: str
) -> None:
    url, headers, _ = finished
    response = service.client.get(url, params={"format": fmt}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == mime
    assert response.headers["content-disposition"].endswith(f'.{fmt}"')
    data, rate = sf.read(io.BytesIO(response.content))
    assert rate == RATE
    # Lossy codecs may pad a little; the length stays within 5 %.
    assert abs(len(data) - 2 * RATE) <= 0.05 * 2 * RATE
    again = service.client.get(url, params={"format": fmt}, headers=headers)
    assert again.content == response.content  # served from the cache, identical


def test_requested_format_is_stored(service: Service) -> None:
    headers = service.auth()
    task_id = service.client.post(
        "/api/v1/generate",
        json={"prompt": "tone", "duration": 1, "format": "flac"},
        headers=headers,
    ).json()["task_id"]
    done = service.wait(task_id, headers)
    assert done["format"] == "flac"
    response = service.client.get(done["audio_url"], headers=headers)
    assert response.headers["content-type"] == "audio/flac"
    assert response.content[:4] == b"fLaC"


def test_head_gives_size_without_body(
    service: Service, finished: tuple[str, dict[str, str], bytes]
) -> None:
    url, headers, full = finished
    response = service.client.head(url, headers=headers)
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["Content-Length"]) == len(full)
    assert response.headers["content-type"] == "audio/wav"
