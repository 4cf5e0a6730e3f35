"""The Python client's webhook methods against a real server and a real receiver."""

from __future__ import annotations

import asyncio
import time

import pytest

from music_gen.client import APIClient, AsyncAPIClient, verify_webhook
from tests.client.live import LiveAPI
from tests.service.webhook_receiver import Receiver

pytestmark = pytest.mark.slow


def test_secret_webhook_and_deliveries(live_api: LiveAPI) -> None:
    client = APIClient(api_key=live_api.key, base_url=live_api.base_url)
    receiver = Receiver(secret=client.create_webhook_secret()).start()
    try:
        assert receiver.secret is not None and receiver.secret.startswith("whsec_")
        result = client.generate(
            "calm piano melody",
            duration=1,
            seed=3,
            webhook=receiver.url,
            webhook_events_filter=["completed"],
        )
        receiver.wait_for(lambda got: len(got) == 1)
        got = receiver.received[0]
        event = verify_webhook(got.body, got.headers, secret=receiver.secret)
        assert event["type"] == "task.completed"
        assert event["data"]["task_id"] == result.task_id
        assert event["data"]["metadata"]["seed"] == 3
        deadline = time.monotonic() + 30
        while True:  # the receiver answered; the row says so a moment later
            deliveries = client.webhook_deliveries(task_id=result.task_id)
            if deliveries[0]["status"] != "pending" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert [(d["event"], d["status"], d["attempts"]) for d in deliveries] == [
            ("completed", "delivered", 1)
        ]

        async def listed() -> list[dict]:
            async with AsyncAPIClient(api_key=live_api.key, base_url=live_api.base_url) as aio:
                return await aio.webhook_deliveries(status="delivered", limit=5)

        assert deliveries[0]["id"] in {d["id"] for d in asyncio.run(listed())}
    finally:
        receiver.stop()
        client.close()
