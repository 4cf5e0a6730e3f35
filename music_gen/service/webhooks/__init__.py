"""Webhooks per the Standard Webhooks specification (https://www.standardwebhooks.com).

* :mod:`.targets`: which URLs may receive webhooks (https; no private addresses).
* :mod:`.events`: per-account ``whsec_`` secrets, and task events turned into deliveries.
* :mod:`.sender`: signs and sends due deliveries, retrying with backoff, off the task path.
"""

from music_gen.service.webhooks.events import (
    EVENTS,
    WebhookEvents,
    rotate_secret,
    task_webhook,
)
from music_gen.service.webhooks.sender import WebhookSender
from music_gen.service.webhooks.targets import check_webhook_url

__all__ = [
    "EVENTS",
    "WebhookEvents",
    "WebhookSender",
    "check_webhook_url",
    "rotate_secret",
    "task_webhook",
]
