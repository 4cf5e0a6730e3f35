"""Checking webhooks a music_gen server sent you (Standard Webhooks signatures).

Example (in your web framework's handler)::

    from music_gen.client import verify_webhook

    event = verify_webhook(request.body, request.headers, secret="whsec_...")
    if event["type"] == "task.completed":
        print(event["data"]["audio_url"])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from music_gen.client.errors import InvalidSignatureError


def verify_webhook(body: bytes | str, headers: Mapping[str, str], *, secret: str) -> Any:
    """Check a webhook's signature and age; returns its parsed JSON body.

    Args:
        body: The request body exactly as received (before any JSON parsing).
        headers: The request headers (``webhook-id``, ``webhook-timestamp``,
            ``webhook-signature``; any case).
        secret: The account's ``whsec_...`` secret from ``POST /webhooks/secret``.

    Raises:
        InvalidSignatureError: An AuthenticationError with the code ``INVALID_SIGNATURE``:
            the signature does not match, a header is missing, or the timestamp is more
            than 5 minutes away from now.
    """
    from standardwebhooks import Webhook
    from standardwebhooks.webhooks import WebhookVerificationError

    lowered = {str(name).lower(): str(value) for name, value in headers.items()}
    try:
        return Webhook(secret).verify(body, lowered)
    except WebhookVerificationError as exc:
        raise InvalidSignatureError(
            f"Webhook signature check failed: {exc}",
            details={"webhook_id": lowered.get("webhook-id")},
        ) from exc
