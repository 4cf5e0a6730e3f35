"""Python clients of the music_gen REST API (sync and asyncio).

This package talks HTTP and WebSocket only; it never imports ``music_gen.service``.

Example:
    >>> from music_gen import APIClient
    >>> client = APIClient(api_key="...", base_url="http://localhost:8000/api/v1")
    >>> client.generate("Jazz piano", duration=30).save("jazz.wav")
"""

from music_gen.client.async_client import AsyncAPIClient
from music_gen.client.live import AsyncLiveStream, LiveStream, SteerReply
from music_gen.client.options import ClientOptions
from music_gen.client.results import (
    BatchResult,
    GenerationResult,
    MultiInstrumentResult,
    TaskStatus,
)
from music_gen.client.streaming import AsyncAudioStream, AudioStream, StreamResult
from music_gen.client.sync_client import APIClient
from music_gen.client.webhooks import verify_webhook
from music_gen.client.websocket import StreamChunk

__all__ = [
    "APIClient",
    "AsyncAPIClient",
    "AsyncAudioStream",
    "AsyncLiveStream",
    "AudioStream",
    "BatchResult",
    "ClientOptions",
    "GenerationResult",
    "LiveStream",
    "MultiInstrumentResult",
    "SteerReply",
    "StreamChunk",
    "StreamResult",
    "TaskStatus",
    "verify_webhook",
]
