"""APIClient: the synchronous Python client of the music_gen REST API."""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

from music_gen.client._core import ClientCore
from music_gen.client.errors import (
    APIError,
    error_from_response,
)
from music_gen.client.live import LiveStream
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
from music_gen.client.streaming import AudioStream


class APIClient:
    """Talk to a music_gen server: submit, wait, download, stream.

    Args:
        api_key: Bearer key; defaults to the MUSICGEN_API_KEY environment variable.
        base_url: Root of the API; defaults to MUSICGEN_BASE_URL, else
            ``http://localhost:8000/api/v1``.
        options: Every setting at once (overrides the two above and ``settings``).
        transport: An httpx transport, for tests (``httpx.MockTransport``) or custom networking.
        **settings: Any other :class:`ClientOptions` field (timeout_s, max_retries, ...).

    Raises on failure one of music_gen's API errors: AuthenticationError (bad or revoked key),
    NotFoundError, RateLimitError (after the allowed retries; carries retry_after_s),
    APIConnectionError (unreachable or too slow) or APIError (any other code, e.g.
    INVALID_PROMPT, with ``status_code``).

    Example:
        >>> client = APIClient(api_key="...", base_url="http://localhost:8000/api/v1")
        >>> client.generate("Jazz piano", duration=30).save("jazz.wav")
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        options: ClientOptions | None = None,
        transport: httpx.BaseTransport | None = None,
        **settings: float,
    ) -> None:
        self.options = options or ClientOptions.resolve(api_key, base_url, **settings)
        self._core = ClientCore(self.options)
        self._http = httpx.Client(
            headers=self._core.headers(),
            timeout=self.options.timeout_s,
            transport=transport,
            follow_redirects=True,
        )
        self._sleep = time.sleep

    # --- plumbing -------------------------------------------------------------------------

    def _send(
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
                response = self._http.request(
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
            self._sleep(wait)
            attempt += 1

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        return self._core.json_of(response, method, path)

    # --- tasks ----------------------------------------------------------------------------

    def submit(self, prompt: str, duration: float | None = None, **params: Any) -> TaskStatus:
        """Queue a generation and return at once (``POST /generate``).

        Args:
            prompt: What to generate.
            duration: Seconds.
            **params: temperature, top_k, top_p, seed, model, format, loudness_lufs (None:
                the model's own level), and any extra field the
                server accepts.
        """
        return TaskStatus.from_json(
            self._json("POST", "/generate", json=generate_body(prompt, duration, **params))
        )

    def task(self, task_id: str) -> TaskStatus:
        """The current state of a task (``GET /generate/{task_id}``)."""
        return TaskStatus.from_json(self._json("GET", f"/generate/{task_id}"))

    def cancel(self, task_id: str) -> TaskStatus:
        """Cancel a queued or running task (``POST /generate/{task_id}/cancel``)."""
        data = self._json("POST", f"/generate/{task_id}/cancel")
        return TaskStatus.from_json(data) if isinstance(data, dict) else self.task(task_id)

    def wait(self, task_id: str, *, first: TaskStatus | None = None) -> TaskStatus:
        """Poll a task with capped exponential backoff (honouring its eta) until it is done."""
        schedule = self._core.poll_schedule()
        status = first or self.task(task_id)
        while not status.done:
            self._sleep(schedule.next_wait(status))
            status = self.task(task_id)
        return status

    def download(self, audio_url: str, *, format: str | None = None) -> tuple[str, httpx.Response]:
        """Fetch an audio file; returns its absolute URL and the response."""
        url = self._core.audio_url(audio_url)
        response = self._send("GET", url, params={"format": format} if format else None)
        return url, response

    def result(self, task_id: str, *, format: str | None = None) -> GenerationResult:
        """Wait for a task and download its audio."""
        status = self.wait(task_id)
        url, response = self.download(self._core.require_audio_url(status), format=format)
        return self._core.result(status, url, response, format)

    def generate(
        self, prompt: str, duration: float | None = None, **params: Any
    ) -> GenerationResult:
        """Generate a piece: submit it, wait for it, download it.

        Args:
            prompt: What to generate ("Jazz piano trio, 120 bpm").
            duration: Seconds.
            **params: temperature, top_k, top_p, seed, model, format (wav, flac, ogg, mp3),
                loudness_lufs (default -14 LUFS; None: the model's own level).

        Returns:
            The result: ``.save(path)``, ``.audio`` (an AudioOutput), ``.metadata``.
        """
        submitted = self.submit(prompt, duration, **params)
        status = self.wait(submitted.task_id, first=submitted)
        fmt = params.get("format")
        url, response = self.download(self._core.require_audio_url(status), format=fmt)
        return self._core.result(status, url, response, fmt)

    # --- batches and multi-instrument -----------------------------------------------------

    def submit_batch(self, requests: list[Mapping[str, Any] | str]) -> dict[str, Any]:
        """Queue several generations (``POST /generate/batch``); returns batch_id, task_ids."""
        data: dict[str, Any] = self._json("POST", "/generate/batch", json=batch_body(requests))
        return data

    def batch(self, batch_id: str) -> dict[str, Any]:
        """The state of a batch (``GET /generate/batch/{batch_id}``)."""
        data: dict[str, Any] = self._json("GET", f"/generate/batch/{batch_id}")
        return data

    def generate_batch(
        self, requests: list[Mapping[str, Any] | str], *, raise_on_error: bool = True
    ) -> BatchResult:
        """Generate several pieces and download them all.

        Args:
            requests: Prompts, or dicts of generate() arguments ({"prompt", "duration", ...}).
            raise_on_error: Raise the first task's error; when False, failed entries of
                ``results`` hold their APIError instead.
        """
        submitted = self.submit_batch(requests)
        task_ids = [str(task_id) for task_id in submitted.get("task_ids", [])]
        fmts = [item.get("format") if isinstance(item, Mapping) else None for item in requests]
        results: list[GenerationResult | APIError] = []
        for task_id, fmt in zip(task_ids, fmts, strict=False):
            try:
                results.append(self.result(task_id, format=fmt))
            except APIError as exc:
                if raise_on_error:
                    raise
                results.append(exc)
        return BatchResult(str(submitted.get("batch_id", "")), task_ids, results)

    def multi_instrument(
        self,
        instruments: Mapping[str, str],
        duration: float | None = None,
        *,
        mix_preset: str | None = None,
        **params: Any,
    ) -> MultiInstrumentResult:
        """Generate one stem per instrument plus their mix, and download them all.

        Args:
            instruments: Instrument name -> what it should play ({"piano": "jazz comping"}).
            duration: Seconds.
            mix_preset: A mixing preset name the server knows (e.g. "jazz_club").
        """
        body = multi_instrument_body(instruments, duration, mix_preset, **params)
        submitted = TaskStatus.from_json(self._json("POST", "/multi-instrument", json=body))
        status = self.wait(submitted.task_id, first=submitted)
        mix_url, mix_response = self.download(self._core.require_audio_url(status))
        mix = self._core.result(status, mix_url, mix_response, None)
        stems = {}
        for name, stem_url in self._core.stem_urls(status).items():
            url, response = self.download(stem_url)
            stems[name] = self._core.result(status, url, response, None)
        return MultiInstrumentResult(status.task_id, mix, stems, status.metadata)

    # --- service --------------------------------------------------------------------------

    def models(self) -> list[dict[str, Any]]:
        """The server's models (``GET /models``)."""
        data = self._json("GET", "/models")
        return list(data.get("models", [])) if isinstance(data, dict) else list(data)

    def create_webhook_secret(self) -> str:
        """Create or rotate the account's ``whsec_`` webhook secret (``POST /webhooks/secret``).

        Keep it: the server shows it only once. Check webhooks with :func:`verify_webhook`.
        """
        data = self._json("POST", "/webhooks/secret")
        return str(data["secret"])

    def webhook_deliveries(
        self, *, task_id: str | None = None, status: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """The account's webhook deliveries, newest first (``GET /webhooks/deliveries``)."""
        query = {"task_id": task_id, "status": status, "limit": limit}
        data = self._json(
            "GET",
            "/webhooks/deliveries",
            params={k: v for k, v in query.items() if v is not None},
        )
        return list(data.get("deliveries", []))

    def health(self) -> dict[str, Any]:
        """The server's health report (``GET /health``)."""
        data: dict[str, Any] = self._json("GET", "/health")
        return data

    def stream(self, prompt: str, duration: float | None = None, **params: Any) -> AudioStream:
        """Generate over the WebSocket, receiving audio while it renders.

        Returns:
            An :class:`AudioStream`; iterate it for chunks (the connection opens then).
        """
        return AudioStream(self.options, generate_body(prompt, duration, **params))

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
    ) -> LiveStream:
        """A live session: endless music that follows ``steer()`` (see docs/live.md).

        Args:
            prompt: What to play.
            intensity: 0..1 at the start (the server's default is 0.5).
            seed: Same seed and same steers at the same positions give the same audio.
            chunk_s: Seconds per chunk (0.05..1).
            model: A model that plays live (the composer).
            loudness_lufs: The session's loudness at intensity 0.5 (LUFS, true peak at most
                -1 dBTP); None (sent as null) for the model's own level; left out, the
                server's default (-14 LUFS).
            **params: temperature, top_k, top_p.

        Returns:
            A :class:`LiveStream`; it connects when first used (``with``, iteration or steer).
        """
        request = {"prompt": prompt, "intensity": intensity, "seed": seed, "chunk_s": chunk_s}
        request.update(model=model, **params)
        if loudness_lufs is not SERVER_DEFAULT:
            request["loudness_lufs"] = loudness_lufs
        return LiveStream(self.options, request)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def __enter__(self) -> APIClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
