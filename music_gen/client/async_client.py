"""AsyncAPIClient: the asyncio Python client of the music_gen REST API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any

import httpx

from music_gen.client._core import ClientCore
from music_gen.client.errors import APIError, error_from_response
from music_gen.client.live import AsyncLiveStream
from music_gen.client.options import ClientOptions
from music_gen.client.payloads import (
    SERVER_DEFAULT,
    batch_body,
    generate_body,
    multi_instrument_body,
)
from music_gen.client.results import (
    BatchResult,
    GenerationResult,
    MultiInstrumentResult,
    TaskStatus,
)
from music_gen.client.streaming import AsyncAudioStream


class AsyncAPIClient:
    """The asyncio twin of :class:`APIClient`: same methods, awaited.

    Args:
        api_key: Bearer key; defaults to the MUSICGEN_API_KEY environment variable.
        base_url: Root of the API; defaults to MUSICGEN_BASE_URL, else
            ``http://localhost:8000/api/v1``.
        options: Every setting at once (overrides the two above and ``settings``).
        transport: An httpx async transport, for tests or custom networking.
        **settings: Any other :class:`ClientOptions` field (timeout_s, max_retries, ...).

    Example:
        >>> async with AsyncAPIClient(api_key="...") as client:
        ...     result = await client.generate("Jazz piano", duration=30)
        ...     result.save("jazz.wav")
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        options: ClientOptions | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        **settings: float,
    ) -> None:
        self.options = options or ClientOptions.resolve(api_key, base_url, **settings)
        self._core = ClientCore(self.options)
        self._http = httpx.AsyncClient(
            headers=self._core.headers(),
            timeout=self.options.timeout_s,
            transport=transport,
            follow_redirects=True,
        )
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        url = self._core.url(path)
        headers = self._core.request_headers(method, url)
        attempt = 0
        while True:
            try:
                response = await self._http.request(
                    method, url, json=json, params=params, headers=headers
                )
            except httpx.TransportError as exc:
                wait = self._core.retry_wait_after_error(method, exc, attempt)
                if wait is None:
                    raise self._core.connection_error(method, url, exc) from exc
            else:
                if response.status_code < 400:
                    return response
                wait = self._core.retry_wait_after_response(response, attempt)
                if wait is None:
                    raise error_from_response(response)
            await self._sleep(wait)
            attempt += 1

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._send(method, path, **kwargs)
        return self._core.json_of(response, method, path)

    async def submit(self, prompt: str, duration: float | None = None, **params: Any) -> TaskStatus:
        """Queue a generation and return at once (``POST /generate``)."""
        body = generate_body(prompt, duration, **params)
        return TaskStatus.from_json(await self._json("POST", "/generate", json=body))

    async def task(self, task_id: str) -> TaskStatus:
        """The current state of a task (``GET /generate/{task_id}``)."""
        return TaskStatus.from_json(await self._json("GET", f"/generate/{task_id}"))

    async def cancel(self, task_id: str) -> TaskStatus:
        """Cancel a queued or running task (``POST /generate/{task_id}/cancel``)."""
        data = await self._json("POST", f"/generate/{task_id}/cancel")
        return TaskStatus.from_json(data) if isinstance(data, dict) else await self.task(task_id)

    async def wait(self, task_id: str, *, first: TaskStatus | None = None) -> TaskStatus:
        """Poll a task with capped exponential backoff (honouring its eta) until it is done."""
        schedule = self._core.poll_schedule()
        status = first or await self.task(task_id)
        while not status.done:
            await self._sleep(schedule.next_wait(status))
            status = await self.task(task_id)
        return status

    async def download(
        self, audio_url: str, *, format: str | None = None
    ) -> tuple[str, httpx.Response]:
        """Fetch an audio file; returns its absolute URL and the response."""
        url = self._core.audio_url(audio_url)
        response = await self._send("GET", url, params={"format": format} if format else None)
        return url, response

    async def result(self, task_id: str, *, format: str | None = None) -> GenerationResult:
        """Wait for a task and download its audio."""
        status = await self.wait(task_id)
        url, response = await self.download(self._core.require_audio_url(status), format=format)
        return self._core.result(status, url, response, format)

    async def generate(
        self, prompt: str, duration: float | None = None, **params: Any
    ) -> GenerationResult:
        """Generate a piece: submit it, wait for it, download it (see APIClient.generate)."""
        submitted = await self.submit(prompt, duration, **params)
        status = await self.wait(submitted.task_id, first=submitted)
        fmt = params.get("format")
        url, response = await self.download(self._core.require_audio_url(status), format=fmt)
        return self._core.result(status, url, response, fmt)

    async def submit_batch(self, requests: list[Mapping[str, Any] | str]) -> dict[str, Any]:
        """Queue several generations (``POST /generate/batch``); returns batch_id, task_ids."""
        data: dict[str, Any] = await self._json(
            "POST", "/generate/batch", json=batch_body(requests)
        )
        return data

    async def batch(self, batch_id: str) -> dict[str, Any]:
        """The state of a batch (``GET /generate/batch/{batch_id}``)."""
        data: dict[str, Any] = await self._json("GET", f"/generate/batch/{batch_id}")
        return data

    async def generate_batch(
        self, requests: list[Mapping[str, Any] | str], *, raise_on_error: bool = True
    ) -> BatchResult:
        """Generate several pieces, waiting on them concurrently, and download them all."""
        submitted = await self.submit_batch(requests)
        task_ids = [str(task_id) for task_id in submitted.get("task_ids", [])]
        fmts = [item.get("format") if isinstance(item, Mapping) else None for item in requests]
        outcomes = await asyncio.gather(
            *(
                self.result(task_id, format=fmt)
                for task_id, fmt in zip(task_ids, fmts, strict=False)
            ),
            return_exceptions=True,
        )
        results: list[GenerationResult | APIError] = []
        for outcome in outcomes:
            if isinstance(outcome, APIError):
                if raise_on_error:
                    raise outcome
                results.append(outcome)
            elif isinstance(outcome, BaseException):
                raise outcome
            else:
                results.append(outcome)
        return BatchResult(str(submitted.get("batch_id", "")), task_ids, results)

    async def multi_instrument(
        self,
        instruments: Mapping[str, str],
        duration: float | None = None,
        *,
        mix_preset: str | None = None,
        **params: Any,
    ) -> MultiInstrumentResult:
        """Generate one stem per instrument plus their mix, and download them all."""
        body = multi_instrument_body(instruments, duration, mix_preset, **params)
        submitted = TaskStatus.from_json(await self._json("POST", "/multi-instrument", json=body))
        status = await self.wait(submitted.task_id, first=submitted)
        mix_url, mix_response = await self.download(self._core.require_audio_url(status))
        mix = self._core.result(status, mix_url, mix_response, None)
        names, urls = zip(*self._core.stem_urls(status).items(), strict=True)
        downloads = await asyncio.gather(*(self.download(url) for url in urls))
        stems = {
            name: self._core.result(status, url, response, None)
            for name, (url, response) in zip(names, downloads, strict=True)
        }
        return MultiInstrumentResult(status.task_id, mix, stems, status.metadata)

    async def models(self) -> list[dict[str, Any]]:
        """The server's models (``GET /models``)."""
        data = await self._json("GET", "/models")
        return list(data.get("models", [])) if isinstance(data, dict) else list(data)

    async def create_webhook_secret(self) -> str:
        """Create or rotate the account's ``whsec_`` webhook secret (``POST /webhooks/secret``).

        Keep it: the server shows it only once. Check webhooks with :func:`verify_webhook`.
        """
        data = await self._json("POST", "/webhooks/secret")
        return str(data["secret"])

    async def webhook_deliveries(
        self, *, task_id: str | None = None, status: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """The account's webhook deliveries, newest first (``GET /webhooks/deliveries``)."""
        query = {"task_id": task_id, "status": status, "limit": limit}
        data = await self._json(
            "GET",
            "/webhooks/deliveries",
            params={k: v for k, v in query.items() if v is not None},
        )
        return list(data.get("deliveries", []))

    async def health(self) -> dict[str, Any]:
        """The server's health report (``GET /health``)."""
        data: dict[str, Any] = await self._json("GET", "/health")
        return data

    def stream(self, prompt: str, duration: float | None = None, **params: Any) -> AsyncAudioStream:
        """Generate over the WebSocket; ``async for`` the returned stream for chunks."""
        return AsyncAudioStream(self.options, generate_body(prompt, duration, **params))

    def live(
        self,
        prompt: str,
        *,
        intensity: float | None = None,
        seed: int | None = None,
        chunk_s: float | None = None,
        model: str | None = None,
        loudness_lufs: float | None = SERVER_DEFAULT,
        **params: Any,
    ) -> AsyncLiveStream:
        """A live session; ``async with`` it, ``async for`` its chunks, ``await steer()``.

        Arguments as :meth:`APIClient.live`.
        """
        request = {"prompt": prompt, "intensity": intensity, "seed": seed, "chunk_s": chunk_s}
        request.update(model=model, **params)
        if loudness_lufs is not SERVER_DEFAULT:
            request["loudness_lufs"] = loudness_lufs
        return AsyncLiveStream(self.options, request)

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncAPIClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
