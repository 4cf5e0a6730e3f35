"""Request bodies and URLs shared by the sync and async clients (no I/O here)."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from music_gen.audio import FORMATS, MIME_TYPES, normalize_format
from music_gen.errors import InvalidParameterError, InvalidPromptError

_MIME_TO_FORMAT = {mime: fmt for fmt, mime in MIME_TYPES.items()} | {
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
    "audio/x-flac": "flac",
    "audio/mp3": "mp3",
    "application/ogg": "ogg",
}


class _ServerDefault:
    """Marks an argument left to the server's default (where None means something else)."""


SERVER_DEFAULT: Any = _ServerDefault()


def generate_body(
    prompt: str,
    duration: float | None = None,
    *,
    temperature: float | None = None,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
    model: str | None = None,
    format: str | None = None,
    loudness_lufs: float | None = SERVER_DEFAULT,
    **extra: Any,
) -> dict[str, Any]:
    """The JSON body of ``POST /generate``; None values are left out (server defaults apply).

    ``loudness_lufs`` is the exception: a target in LUFS, or None (sent as null) for the
    model's own level; left out, the server's default (-14 LUFS) applies.

    Raises:
        InvalidPromptError: The prompt is not a non-empty string (caught before a round trip).
    """
    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidPromptError("Prompt cannot be empty", details={"field": "prompt"})
    body: dict[str, Any] = {
        "prompt": prompt,
        "duration": duration,
        "temperature": temperature,
        "top_k": top_k,
        "top_p": top_p,
        "seed": seed,
        "model": model,
        "format": normalize_format(format) if format is not None else None,
        **extra,
    }
    sent = {key: value for key, value in body.items() if value is not None}
    if loudness_lufs is not SERVER_DEFAULT:
        sent["loudness_lufs"] = loudness_lufs
    return sent


def batch_body(requests: list[Mapping[str, Any] | str]) -> dict[str, Any]:
    """The body of ``POST /generate/batch``; a bare string is a request with only a prompt."""
    if not isinstance(requests, (list, tuple)) or not requests:
        raise InvalidParameterError(
            "requests must be a non-empty list of prompts or request dicts",
            details={"field": "requests"},
        )
    items = []
    for index, item in enumerate(requests):
        if isinstance(item, str):
            items.append(generate_body(item))
        elif isinstance(item, Mapping):
            fields = dict(item)
            if "prompt" not in fields:
                raise InvalidPromptError(
                    f"requests[{index}] has no prompt", details={"field": f"requests[{index}]"}
                )
            items.append(generate_body(**fields))
        else:
            raise InvalidParameterError(
                f"requests[{index}] must be a prompt string or a dict, got {type(item).__name__}",
                details={"field": f"requests[{index}]"},
            )
    return {"requests": items}


def multi_instrument_body(
    instruments: Mapping[str, str],
    duration: float | None,
    mix_preset: str | None,
    **extra: Any,
) -> dict[str, Any]:
    """The body of ``POST /multi-instrument``."""
    if not isinstance(instruments, Mapping) or not instruments:
        raise InvalidParameterError(
            "instruments must be a non-empty mapping of instrument name to prompt",
            details={"field": "instruments"},
        )
    body: dict[str, Any] = {
        "instruments": dict(instruments),
        "duration": duration,
        "mix_preset": mix_preset,
        **extra,
    }
    return {key: value for key, value in body.items() if value is not None}


def resolve_url(base_url: str, url: str) -> str:
    """An absolute URL for ``url``, which the server may give relative to its origin."""
    return str(httpx.URL(base_url + "/").join(url))


def same_origin(a: str, b: str) -> bool:
    """True when two URLs share scheme, host and port (the API key may be sent to both)."""
    first, second = urlsplit(a), urlsplit(b)
    return (first.scheme, first.netloc) == (second.scheme, second.netloc)


def audio_format(response: httpx.Response, requested: str | None) -> str:
    """The container format of a downloaded audio response."""
    mime = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if mime in _MIME_TO_FORMAT:
        return _MIME_TO_FORMAT[mime]
    if requested is not None:
        return normalize_format(requested)
    guessed = mimetypes.guess_extension(mime) if mime else None
    path_suffix = urlsplit(str(response.url)).path.rsplit(".", 1)[-1].lower()
    for candidate in ((guessed or "").lstrip("."), path_suffix):
        if candidate in FORMATS:
            return candidate
    return "wav"
