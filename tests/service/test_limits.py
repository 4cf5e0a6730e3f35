"""Per-tier limits: request rate, concurrent generations, monthly bandwidth."""

from __future__ import annotations

from tests.service.conftest import Service


def test_rate_limit_headers_and_429(tight: Service) -> None:
    key, _ = tight.key()
    headers = {"Authorization": f"Bearer {key}"}
    responses = [tight.client.get("/api/v1/generate/batch/x", headers=headers) for _ in range(7)]
    assert [r.status_code for r in responses] == [404] * 5 + [429] * 2
    first, limited = responses[0], responses[5]
    assert first.headers["RateLimit-Limit"] == "5"
    assert first.headers["RateLimit-Remaining"] == "4"
    assert limited.json()["error"]["code"] == "RATE_LIMITED"
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["RateLimit-Remaining"] == "0"
    assert 0 < int(limited.headers["RateLimit-Reset"]) <= 60
    # The limit is per key: another key of the same account is not limited.
    other, _ = tight.key(account_id=None)
    assert (
        tight.client.get(
            "/api/v1/generate/batch/x", headers={"Authorization": f"Bearer {other}"}
        ).status_code
        == 404
    )


def test_concurrency_limit(tight: Service, release: None) -> None:
    headers = tight.auth(tier="pro")
    slow = {"prompt": "x", "duration": 1, "model": "test-slow"}
    first = tight.client.post("/api/v1/generate", json=slow, headers=headers)
    second = tight.client.post("/api/v1/generate", json=slow, headers=headers)
    third = tight.client.post("/api/v1/generate", json=slow, headers=headers)
    assert [first.status_code, second.status_code, third.status_code] == [202, 202, 429]
    assert third.json()["error"]["code"] == "CONCURRENCY_LIMIT"
    assert int(third.headers["Retry-After"]) >= 1
    assert "RateLimit-Remaining" in third.headers
    # Cancelling one frees a slot.
    tight.client.post(f"/api/v1/generate/{first.json()['task_id']}/cancel", headers=headers)
    tight.wait(first.json()["task_id"], headers)
    assert tight.client.post("/api/v1/generate", json=slow, headers=headers).status_code == 202


def test_batch_counts_against_concurrency(tight: Service) -> None:
    response = tight.client.post(
        "/api/v1/generate/batch",
        json={"requests": [{"prompt": "x", "duration": 1}] * 3},
        headers=tight.auth(tier="pro"),
    )
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "CONCURRENCY_LIMIT"


def test_bandwidth_quota_counts_bytes_served(tight: Service) -> None:
    key, account_id = tight.key(tier="pro")
    headers = {"Authorization": f"Bearer {key}"}
    task_id = tight.client.post(
        "/api/v1/generate", json={"prompt": "x", "duration": 1}, headers=headers
    ).json()["task_id"]
    url = tight.wait(task_id, headers)["audio_url"]  # 1 s at 22.05 kHz mono 16-bit: 44 144 bytes
    full = tight.client.get(url, headers=headers)
    assert full.status_code == 200
    size = len(full.content)
    part = tight.client.get(url, headers={**headers, "Range": "bytes=0-999"})
    assert part.status_code == 206
    with tight.state.db.session() as session:
        used = tight.state.limits.bandwidth_used(session, account_id)
    assert used == size + 1000
    second = tight.client.get(
        url, headers=headers
    )  # 2 * 44 144 + 1000 < 110 000 < 3 * 44 144 + 1000
    assert second.status_code == 200
    over = tight.client.get(url, headers=headers)
    assert over.status_code == 429
    assert over.json()["error"]["code"] == "QUOTA_EXCEEDED"
    assert int(over.headers["Retry-After"]) > 0
    # A small range still fits in what is left.
    assert tight.client.get(url, headers={**headers, "Range": "bytes=-100"}).status_code == 206
