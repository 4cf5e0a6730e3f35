"""Idempotency-Key on POSTs: repeats get the first answer, other bodies conflict, races one task."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update

from music_gen.service.models import IdempotencyKey, Task, utcnow
from tests.service.conftest import Service

BODY = {"prompt": "calm piano", "duration": 0.5, "model": "test-tone", "seed": 3}


def _tasks_of(service: Service, account_id: str) -> int:
    with service.state.db.session() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Task).where(Task.account_id == account_id)
            )
            or 0
        )


def test_a_repeat_gets_the_first_answer_and_makes_no_second_task(service: Service) -> None:
    key, account = service.key()
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())}
    first = service.client.post("/api/v1/generate", json=BODY, headers=headers)
    # Same content, other key order and spacing: still the same request.
    again = service.client.post(
        "/api/v1/generate",
        content='{"seed": 3, "model": "test-tone",  "duration": 0.5, "prompt": "calm piano"}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _tasks_of(service, account) == 1
    done = service.wait(first.json()["task_id"], headers)
    assert done["status"] == "completed"


def test_the_same_key_with_another_body_is_a_conflict(service: Service) -> None:
    headers = {**service.auth(), "Idempotency-Key": "order-1"}
    assert service.client.post("/api/v1/generate", json=BODY, headers=headers).status_code == 202
    other = service.client.post("/api/v1/generate", json={**BODY, "seed": 4}, headers=headers)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "IDEMPOTENCY_CONFLICT"
    elsewhere = service.client.post(
        "/api/v1/generate/batch", json={"requests": [BODY]}, headers=headers
    )
    assert elsewhere.status_code == 409


def test_keys_belong_to_one_account(service: Service) -> None:
    one, two = service.auth(), service.auth()
    a = service.client.post(
        "/api/v1/generate", json=BODY, headers={**one, "Idempotency-Key": "shared"}
    )
    b = service.client.post(
        "/api/v1/generate", json=BODY, headers={**two, "Idempotency-Key": "shared"}
    )
    assert a.status_code == b.status_code == 202
    assert a.json()["task_id"] != b.json()["task_id"]


def test_an_error_answer_is_not_kept(service: Service) -> None:
    headers = {**service.auth(), "Idempotency-Key": "retry-after-fix"}
    bad = service.client.post("/api/v1/generate", json={**BODY, "prompt": ""}, headers=headers)
    assert bad.status_code == 400
    good = service.client.post("/api/v1/generate", json=BODY, headers=headers)
    assert good.status_code == 202
    assert "Idempotent-Replayed" not in good.headers


def test_keys_expire_after_the_ttl(service: Service) -> None:
    key, account = service.key()
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "yesterday"}
    first = service.client.post("/api/v1/generate", json=BODY, headers=headers).json()
    ttl = service.state.settings.idempotency_ttl_s
    with service.state.db.session() as session:
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.account_id == account)
            .values(created_at=utcnow() - timedelta(seconds=ttl + 60))
        )
    later = service.client.post("/api/v1/generate", json=BODY, headers=headers)
    assert later.status_code == 202
    assert later.json()["task_id"] != first["task_id"]
    assert _tasks_of(service, account) == 2


def test_batches_and_multi_instrument_are_idempotent_too(service: Service) -> None:
    headers = {**service.auth(), "Idempotency-Key": "batch-1"}
    body = {"requests": [BODY, {**BODY, "seed": 9}]}
    first = service.client.post("/api/v1/generate/batch", json=body, headers=headers)
    again = service.client.post("/api/v1/generate/batch", json=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["batch_id"] == again.json()["batch_id"]
    headers["Idempotency-Key"] = "multi-1"
    multi = {"instruments": {"piano": "soft chords"}, "duration": 0.5, "model": "test-tone"}
    m1 = service.client.post("/api/v1/multi-instrument", json=multi, headers=headers)
    m2 = service.client.post("/api/v1/multi-instrument", json=multi, headers=headers)
    assert m1.status_code == 202
    assert m1.json()["task_id"] == m2.json()["task_id"]


def test_a_malformed_key_is_refused(service: Service) -> None:
    headers = {**service.auth(), "Idempotency-Key": "x" * 256}
    answer = service.client.post("/api/v1/generate", json=BODY, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"]["details"]["field"] == "Idempotency-Key"


def test_concurrent_duplicates_make_one_task(service: Service) -> None:
    key, account = service.key(tier="pro")
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())}

    async def fire() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=service.client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(
                *(client.post("/api/v1/generate", json=BODY, headers=headers) for _ in range(12))
            )

    answers = asyncio.run(fire())
    assert [a.status_code for a in answers] == [202] * 12
    assert len({a.json()["task_id"] for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 11
    assert _tasks_of(service, account) == 1


def test_a_key_left_claimed_by_a_request_that_never_answered_is_freed(service: Service) -> None:
    key, account = service.key()
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "crashed-mid-request"}
    with service.state.db.session() as session:  # what a server killed mid-request leaves
        session.add(
            IdempotencyKey(
                account_id=account,
                key="crashed-mid-request",
                request_hash="0" * 64,
                created_at=utcnow() - timedelta(minutes=5),
            )
        )
    answer = service.client.post("/api/v1/generate", json=BODY, headers=headers)
    assert answer.status_code == 202
    assert service.client.post("/api/v1/generate", json=BODY, headers=headers).json() == (
        answer.json()
    )
