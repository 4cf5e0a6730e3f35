"""APIClient and AsyncAPIClient against a scripted API (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import json

import httpx
import numpy as np
import pytest

import music_gen
from music_gen import (
    APIClient,
    APIConnectionError,
    APIError,
    AsyncAPIClient,
    AuthenticationError,
    InvalidParameterError,
    InvalidPromptError,
    ModelNotFoundError,
    NotFoundError,
    RateLimitError,
    UnsupportedOperationError,
)
from music_gen.client import GenerationResult
from music_gen.client.errors import InvalidParameterAPIError, InvalidPromptAPIError
from tests.client.conftest import BASE, KEY, FakeAPI, envelope


def make_client(api: FakeAPI, **settings: float) -> tuple[APIClient, list[float]]:
    client = APIClient(
        api_key=KEY, base_url=BASE, transport=httpx.MockTransport(api.handler), **settings
    )
    sleeps: list[float] = []
    client._sleep = sleeps.append
    return client, sleeps


def test_generate_polls_downloads_and_decodes(fake_api: FakeAPI, tmp_path) -> None:
    client, sleeps = make_client(fake_api)
    result = client.generate("Jazz piano", duration=0.5, seed=7, temperature=0.9)

    submitted = json.loads(fake_api.requests[0].content)
    assert submitted == {"prompt": "Jazz piano", "duration": 0.5, "seed": 7, "temperature": 0.9}
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in fake_api.requests)
    # submit, two polls, one download
    assert [r.method for r in fake_api.requests] == ["POST", "GET", "GET", "GET"]
    assert len(sleeps) == 2
    assert result.metadata == {"seed": 7, "prompt": "Jazz piano"}
    assert result.format == "wav"
    assert result.audio.num_frames == fake_api.audio.num_frames
    assert result.audio.channels == 2
    np.testing.assert_allclose(result.audio.samples, fake_api.audio.samples, atol=1 / 32768)

    path = result.save(tmp_path / "jazz.wav")
    assert path.read_bytes() == fake_api.audio.to_bytes("wav")
    flac = result.save(tmp_path / "jazz.flac")
    assert flac.read_bytes()[:4] == b"fLaC"


def test_generate_requests_the_format(fake_api: FakeAPI) -> None:
    client, _ = make_client(fake_api)
    result = client.generate("Jazz piano", duration=0.5, format="flac")
    assert json.loads(fake_api.requests[0].content)["format"] == "flac"
    assert fake_api.requests[-1].url.params["format"] == "flac"
    assert result.format == "flac"
    assert result.content[:4] == b"fLaC"
    assert result.audio.num_frames == fake_api.audio.num_frames


def test_poll_waits_back_off_and_are_capped(fake_api: FakeAPI) -> None:
    fake_api.polls_to_finish = 8
    client, sleeps = make_client(
        fake_api, poll_interval_s=0.1, poll_backoff=2.0, max_poll_interval_s=0.5
    )
    client.generate("Slow strings", duration=0.5)
    assert sleeps == pytest.approx([0.1, 0.2, 0.4, 0.5, 0.5, 0.5, 0.5, 0.5])


def test_a_long_eta_stretches_the_first_waits(fake_api: FakeAPI) -> None:
    fake_api.polls_to_finish = 3
    original = fake_api._new_task

    def with_eta(body):
        task = original(body)
        fake_api.tasks[task["task_id"]]["eta"] = 3.0
        return {**task, "eta": 3.0}

    fake_api._new_task = with_eta  # type: ignore[method-assign]
    client, sleeps = make_client(fake_api, poll_interval_s=0.25, max_poll_interval_s=5.0)
    client.generate("Long piece", duration=0.5)
    # The eta is a moment: the fake sleeps take no time, so it stays about 3 s away.
    assert len(sleeps) == 3
    assert all(2.9 < wait <= 3.0 for wait in sleeps)


@pytest.mark.parametrize(
    ("status", "headers", "expected_wait"),
    [(429, {"Retry-After": "2"}, 2.0), (503, {}, 0.5), (503, {"Retry-After": "1"}, 1.0)],
)
def test_retries_honour_retry_after(fake_api: FakeAPI, status, headers, expected_wait) -> None:
    fake_api.scripted["GET /api/v1/models"] = [
        lambda: envelope(status, "RATE_LIMITED", "slow down", headers)
    ]
    client, sleeps = make_client(fake_api)
    assert client.models() == [{"name": "composer"}]
    assert sleeps == [expected_wait]
    assert len(fake_api.requests) == 2


def test_retries_are_bounded_then_raise_rate_limit(fake_api: FakeAPI) -> None:
    fake_api.scripted["POST /api/v1/generate"] = [
        lambda: envelope(429, "CONCURRENCY_LIMIT", "too many", {"Retry-After": "3"})
    ] * 10
    client, sleeps = make_client(fake_api, max_retries=2)
    with pytest.raises(RateLimitError) as info:
        client.generate("Jazz piano", duration=1)
    assert info.value.code == "CONCURRENCY_LIMIT"
    assert info.value.retry_after_s == 3.0
    assert info.value.status_code == 429
    assert sleeps == [3.0, 3.0]
    assert len(fake_api.requests) == 3


def test_a_retry_after_beyond_the_cap_is_raised_not_waited(fake_api: FakeAPI) -> None:
    fake_api.scripted["POST /api/v1/generate"] = [
        lambda: envelope(429, "QUOTA_EXCEEDED", "monthly quota used", {"Retry-After": "86400"})
    ]
    client, sleeps = make_client(fake_api)
    with pytest.raises(RateLimitError) as info:
        client.generate("Jazz piano", duration=1)
    assert info.value.code == "QUOTA_EXCEEDED"
    assert info.value.retry_after_s == 86400
    assert sleeps == []


@pytest.mark.parametrize(
    ("response", "exc_type", "code"),
    [
        (lambda: envelope(401, "UNAUTHORIZED", "bad key"), AuthenticationError, "UNAUTHORIZED"),
        (lambda: envelope(403, "FORBIDDEN", "revoked"), AuthenticationError, "FORBIDDEN"),
        (lambda: envelope(404, "NOT_FOUND", "gone"), NotFoundError, "NOT_FOUND"),
        (
            lambda: envelope(400, "INVALID_PROMPT", "empty"),
            InvalidPromptAPIError,
            "INVALID_PROMPT",
        ),
        (lambda: httpx.Response(500, text="boom"), APIError, "INTERNAL"),
        (
            lambda: httpx.Response(422, json={"detail": [{"loc": ["body", "x"], "msg": "bad"}]}),
            InvalidParameterAPIError,
            "INVALID_PARAMETER",
        ),
    ],
)
def test_errors_are_typed_with_codes(fake_api: FakeAPI, response, exc_type, code) -> None:
    fake_api.scripted["GET /api/v1/generate/t9"] = [response]
    client, sleeps = make_client(fake_api)
    with pytest.raises(exc_type) as info:
        client.task("t9")
    assert type(info.value) is exc_type
    assert info.value.code == code
    assert info.value.status_code == response().status_code
    assert sleeps == []


@pytest.mark.parametrize(
    ("status", "code", "library_error"),
    [
        (400, "INVALID_PROMPT", InvalidPromptError),
        (400, "INVALID_PARAMETER", InvalidParameterError),
        (400, "UNSUPPORTED_OPERATION", UnsupportedOperationError),
        (404, "MODEL_NOT_FOUND", ModelNotFoundError),
    ],
)
def test_a_refusal_with_a_library_counterpart_is_that_library_error(
    fake_api: FakeAPI, status: int, code: str, library_error: type[Exception]
) -> None:
    fake_api.scripted["POST /api/v1/generate"] = [lambda: envelope(status, code, "refused")]
    client, _ = make_client(fake_api)
    with pytest.raises(library_error) as info:
        client.generate("Jazz piano", duration=1)
    assert isinstance(info.value, APIError)
    assert (info.value.code, info.value.status_code) == (code, status)


def test_wrong_key_is_an_authentication_error(fake_api: FakeAPI) -> None:
    client = APIClient(
        api_key="wrong", base_url=BASE, transport=httpx.MockTransport(fake_api.handler)
    )
    with pytest.raises(AuthenticationError) as info:
        client.generate("Jazz piano")
    assert info.value.message == "Invalid API key"


def test_failed_and_cancelled_tasks_raise_their_codes(fake_api: FakeAPI) -> None:
    fake_api.fail_task = True
    client, _ = make_client(fake_api)
    with pytest.raises(APIError) as info:
        client.generate("Jazz piano")
    assert info.value.code == "GENERATION_FAILED"
    assert info.value.details["task_id"] == "t1"

    submitted = client.submit("Jazz piano")
    assert client.cancel(submitted.task_id).status == "cancelled"
    with pytest.raises(APIError) as info:
        client.result(submitted.task_id)
    assert info.value.code == "CANCELLED"


def test_connection_refused_is_retried_then_raised() -> None:
    calls = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    client = APIClient(api_key=KEY, base_url=BASE, transport=httpx.MockTransport(refuse))
    sleeps: list[float] = []
    client._sleep = sleeps.append
    with pytest.raises(APIConnectionError) as info:
        client.health()
    assert info.value.code == "CONNECTION_ERROR"
    assert len(calls) == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_a_timed_out_post_is_sent_again_under_the_same_idempotency_key() -> None:
    calls = []

    def slow_then_ok(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(202, json={"task_id": "t1", "status": "queued", "eta": 1.0})

    client = APIClient(api_key=KEY, base_url=BASE, transport=httpx.MockTransport(slow_then_ok))
    client._sleep = lambda _: None
    assert client.submit("Jazz piano").task_id == "t1"
    keys = [request.headers.get("idempotency-key") for request in calls]
    assert len(keys) == 2
    assert keys[0] and keys[0] == keys[1]


def test_each_post_has_its_own_idempotency_key_and_gets_are_without(fake_api: FakeAPI) -> None:
    fake_api.scripted["POST /api/v1/generate"] = [
        lambda: envelope(503, "SERVICE_UNAVAILABLE", "draining", {"Retry-After": "0"})
    ]
    client, _ = make_client(fake_api)
    client.generate("Jazz piano", duration=0.5)
    client.generate("Jazz piano", duration=0.5)
    posts = [r.headers.get("idempotency-key") for r in fake_api.requests if r.method == "POST"]
    assert len(posts) == 3
    assert posts[0] == posts[1] != posts[2]
    gets = [r for r in fake_api.requests if r.method == "GET"]
    assert gets and all("idempotency-key" not in r.headers for r in gets)


def test_waiting_gives_up_after_wait_timeout(fake_api: FakeAPI) -> None:
    fake_api.polls_to_finish = 10**9
    client, _ = make_client(fake_api, wait_timeout_s=1e-6)
    with pytest.raises(APIConnectionError) as info:
        client.generate("Endless drone")
    assert info.value.code == "TIMEOUT"
    assert info.value.details["status"] in ("queued", "processing")


def test_key_and_url_come_from_the_environment(fake_api: FakeAPI, monkeypatch) -> None:
    monkeypatch.setenv("MUSICGEN_API_KEY", KEY)
    monkeypatch.setenv("MUSICGEN_BASE_URL", BASE + "/")
    client = APIClient(transport=httpx.MockTransport(fake_api.handler))
    client._sleep = lambda _: None
    assert client.options.base_url == BASE
    assert client.generate("Jazz piano", duration=0.5).audio.num_frames > 0


def test_the_key_is_not_sent_to_another_origin(fake_api: FakeAPI) -> None:
    fake_api.audio_url_base = "http://cdn.test/files"
    client, _ = make_client(fake_api)
    with pytest.raises(AuthenticationError):
        # The fake refuses requests without the key, which proves none was sent.
        client.generate("Jazz piano", duration=0.5)
    assert fake_api.requests[-1].url.host == "cdn.test"
    assert "authorization" not in fake_api.requests[-1].headers


def test_generate_batch_returns_results_in_order(fake_api: FakeAPI) -> None:
    client, _ = make_client(fake_api)
    batch = client.generate_batch(["Piano melody", {"prompt": "Guitar solo", "duration": 0.5}])
    sent = json.loads(fake_api.requests[0].content)
    assert sent == {
        "requests": [{"prompt": "Piano melody"}, {"prompt": "Guitar solo", "duration": 0.5}]
    }
    assert batch.batch_id == "b1" and batch.task_ids == ["t1", "t2"] and batch.ok
    assert [r.metadata["prompt"] for r in batch.results if isinstance(r, GenerationResult)] == [
        "Piano melody",
        "Guitar solo",
    ]


def test_batch_keeps_errors_when_asked(fake_api: FakeAPI) -> None:
    fake_api.fail_task = True
    client, _ = make_client(fake_api)
    batch = client.generate_batch(["a", "b"], raise_on_error=False)
    assert not batch.ok
    assert [r.code for r in batch.results if isinstance(r, APIError)] == ["GENERATION_FAILED"] * 2


def test_multi_instrument_downloads_mix_and_stems(fake_api: FakeAPI, tmp_path) -> None:
    client, _ = make_client(fake_api)
    result = client.multi_instrument(
        {"piano": "comping", "bass": "walking"}, duration=0.5, mix_preset="jazz_club"
    )
    body = json.loads(fake_api.requests[0].content)
    assert body == {
        "instruments": {"piano": "comping", "bass": "walking"},
        "duration": 0.5,
        "mix_preset": "jazz_club",
    }
    assert set(result.stems) == {"piano", "bass"}
    assert result.mix.audio.num_frames == result.stems["bass"].audio.num_frames
    written = result.save(tmp_path)
    assert sorted(p.name for p in written.values()) == ["bass.wav", "mix.wav", "piano.wav"]


def test_bad_input_is_refused_before_any_request(fake_api: FakeAPI) -> None:
    client, _ = make_client(fake_api)
    with pytest.raises(music_gen.InvalidPromptError):
        client.generate("   ")
    with pytest.raises(music_gen.UnsupportedFormatError):
        client.generate("Jazz", format="aiff")
    with pytest.raises(music_gen.InvalidParameterError):
        APIClient(base_url="localhost:8000")
    assert fake_api.requests == []


def test_async_client_generates_and_batches(fake_api: FakeAPI) -> None:
    async def scenario() -> None:
        sleeps: list[float] = []

        async def record(seconds: float) -> None:
            sleeps.append(seconds)

        async with AsyncAPIClient(
            api_key=KEY, base_url=BASE, transport=httpx.MockTransport(fake_api.handler)
        ) as client:
            client._sleep = record
            result = await client.generate("Jazz piano", duration=0.5)
            assert result.audio.num_frames == fake_api.audio.num_frames
            batch = await client.generate_batch(["a", "b", "c"])
            assert len(batch.results) == 3 and batch.ok
            multi = await client.multi_instrument({"drums": "swing"}, duration=0.5)
            assert list(multi.stems) == ["drums"]
            assert await client.health() == {"status": "ok"}
            with pytest.raises(NotFoundError):
                await client.task("nope")
        assert sleeps

    asyncio.run(scenario())


def test_async_client_retries_429(fake_api: FakeAPI) -> None:
    fake_api.scripted["GET /api/v1/models"] = [
        lambda: envelope(429, "RATE_LIMITED", "slow down", {"Retry-After": "1.5"})
    ] * 2

    async def scenario() -> list[float]:
        sleeps: list[float] = []

        async def record(seconds: float) -> None:
            sleeps.append(seconds)

        client = AsyncAPIClient(
            api_key=KEY, base_url=BASE, transport=httpx.MockTransport(fake_api.handler)
        )
        client._sleep = record
        assert await client.models() == [{"name": "composer"}]
        await client.aclose()
        return sleeps

    assert asyncio.run(scenario()) == [1.5, 1.5]


def test_public_api_exports_the_clients() -> None:
    assert {"APIClient", "AsyncAPIClient"} <= set(music_gen.__all__)
    assert music_gen.__all__ == sorted(music_gen.__all__)
    assert music_gen.APIClient is APIClient


def test_the_client_never_imports_the_service() -> None:
    import subprocess
    import sys

    code = (
        "import sys, music_gen, music_gen.client; "
        "from music_gen import APIClient; APIClient(api_key='k').stream('x'); "
        "print(sorted(m for m in sys.modules if m.startswith(('music_gen.service', 'fastapi'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
