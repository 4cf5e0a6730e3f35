"""End to end against a real ``python -m music_gen serve`` process with the composer."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import soundfile as sf
from sqlalchemy import Engine, create_engine, text

from tests.service.conftest import BACKENDS, database
from tests.service.live import (
    LiveServer,
    create_key,
    musicgen,
    musicgen_in_process,
    service_env,
)

pytestmark = pytest.mark.slow

PROCESSING = text("SELECT count(*) FROM tasks WHERE status='processing'")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("live")).start()
    try:
        yield live
    finally:
        live.stop()


def _wait_all(url: str, headers: dict[str, str], task_ids: list[str], timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    states: dict[str, dict] = {}
    while time.monotonic() < deadline:
        states = {
            t: httpx.get(f"{url}/api/v1/generate/{t}", headers=headers, timeout=10).json()
            for t in task_ids
        }
        if all(s["status"] in ("completed", "failed", "cancelled") for s in states.values()):
            break
        time.sleep(0.2)
    return states


def test_composer_generation_end_to_end(server: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {create_key(server.env)}"}
    accepted = httpx.post(
        f"{server.url}/api/v1/generate",
        json={"prompt": "calm piano melody", "duration": 2, "seed": 7, "format": "flac"},
        headers=headers,
    )
    assert accepted.status_code == 202
    task_id = accepted.json()["task_id"]
    done = _wait_all(server.url, headers, [task_id], 120)[task_id]
    assert done["status"] == "completed", done
    assert done["audio_url"].startswith(server.url)
    audio = httpx.get(done["audio_url"], headers=headers, params={"format": "wav"})
    assert audio.status_code == 200
    assert audio.headers["content-type"] == "audio/wav"
    data, rate = sf.read(io.BytesIO(audio.content))
    assert len(data) == round(2 * rate)
    models = httpx.get(f"{server.url}/api/v1/models", headers=headers).json()["models"]
    assert any(m["name"] == "composer" and m["available"] for m in models)


def test_multi_instrument_with_the_composer(server: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {create_key(server.env)}"}
    accepted = httpx.post(
        f"{server.url}/api/v1/multi-instrument",
        json={
            "instruments": {"piano": "Jazz piano comping", "bass": "Walking bass line"},
            "duration": 2,
            "mix_preset": "jazz_club",
            "seed": 1,
        },
        headers=headers,
    )
    assert accepted.status_code == 202, accepted.text
    task_id = accepted.json()["task_id"]
    done = _wait_all(server.url, headers, [task_id], 120)[task_id]
    assert done["status"] == "completed", done
    assert set(done["stems"]) == {"piano", "bass"}
    sizes = set()
    for url in [done["audio_url"], *done["stems"].values()]:
        data, rate = sf.read(io.BytesIO(httpx.get(url, headers=headers).content))
        sizes.add(len(data))
        assert rate == 44100
    assert sizes == {2 * 44100}


def test_150_requests_at_once_on_a_100_per_minute_key(server: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {create_key(server.env, tier='free')}"}

    async def fire() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=150, max_keepalive_connections=150)
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60) as client:
            return await asyncio.gather(
                *(client.get("/api/v1/models", headers=headers) for _ in range(150))
            )

    responses = asyncio.run(fire())
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == 100
    assert statuses.count(429) == 50
    for response in responses:
        if response.status_code == 429:
            assert response.json()["error"]["code"] == "RATE_LIMITED"
            assert int(response.headers["Retry-After"]) >= 1


def test_cli_keys_and_revocation(server: LiveServer) -> None:
    key = create_key(server.env)
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.get(f"{server.url}/api/v1/models", headers=headers).status_code == 200
    listed = musicgen_in_process(server.env, "keys", "list", "--json")
    assert listed.exit_code == 0
    prefix = key.split("_")[1]
    assert prefix in listed.stdout and key not in listed.stdout
    revoked = musicgen(server.env, "keys", "revoke", prefix)  # a real process, as users run it
    assert revoked.returncode == 0, revoked.stderr
    response = httpx.get(f"{server.url}/api/v1/models", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


def test_no_auth_refuses_public_bind(tmp_path: Path) -> None:
    done = musicgen(service_env(tmp_path), "serve", "--no-auth", "--host", "0.0.0.0")
    assert done.returncode != 0
    assert "no_auth" in done.stderr


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigkill_mid_generation_then_restart(tmp_path: Path, backend: str) -> None:
    with database(backend) as db_settings:
        settings = {k: str(v) for k, v in db_settings.items()}
        url = settings.get("database_url") or f"sqlite:///{tmp_path / 'musicgen.db'}"
        options = {"options": f"-csearch_path={settings['database_schema']}"} if settings else {}
        _kill_and_restart(tmp_path, settings, create_engine(url, connect_args=options))


def _kill_and_restart(tmp_path: Path, db_settings: dict[str, str], watch: Engine) -> None:
    settings = {"workers": "2", "max_attempts": "2", **db_settings}
    live = LiveServer(tmp_path, **settings).start()
    headers = {"Authorization": f"Bearer {create_key(live.env, tier='pro')}"}
    task_ids = []
    try:
        for index in range(8):
            response = httpx.post(
                f"{live.url}/api/v1/generate",
                json={"prompt": "upbeat jazz trio", "duration": 2, "seed": index},
                headers=headers,
            )
            assert response.status_code == 202
            task_ids.append(response.json()["task_id"])
        # Watch the database (cheaper than polling the API) and kill as soon as a task runs.
        deadline = time.monotonic() + 60
        with watch.connect() as conn:
            while time.monotonic() < deadline:
                if conn.execute(PROCESSING).scalar():
                    live.kill()
                    break
                conn.rollback()
                time.sleep(0.002)
    finally:
        live.stop()
    with watch.connect() as conn:
        interrupted = [
            r[0] for r in conn.execute(text("SELECT id FROM tasks WHERE status='processing'"))
        ]
    assert interrupted  # the kill really left tasks mid-generation

    restarted = LiveServer(tmp_path, **settings).start()
    try:
        states = _wait_all(restarted.url, headers, task_ids, 180)
    finally:
        restarted.stop()
    assert set(states) == set(task_ids)  # none lost
    for state in states.values():
        assert state["status"] in ("completed", "failed"), state
        if state["status"] == "failed":
            assert state["error"]["message"]
        else:
            assert state["audio_url"]
    with watch.connect() as conn:
        attempts = {row[0]: row[1] for row in conn.execute(text("SELECT id, attempts FROM tasks"))}
    watch.dispose()
    assert all(attempts[t] >= 2 for t in interrupted)  # interrupted ones ran again
