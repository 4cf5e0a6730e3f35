"""Fixtures: an in-process app on an SQLite file with test engines, and API keys."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from music_gen.engines.registry import temporarily_registered
from music_gen.service import Settings, create_app
from music_gen.service.auth import create_key
from music_gen.service.state import AppState
from tests.service.engines import RELEASE, TEST_SPECS

SECRET = "test-secret-key-0123456789abcdef"
POSTGRES_URL = os.environ.get(
    "MUSICGEN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TERMINAL = ("completed", "failed", "cancelled")


@dataclass
class Service:
    """A running in-process app, its client and a way to make keys."""

    client: TestClient
    state: AppState

    def key(self, tier: str = "free", account_id: str | None = None) -> tuple[str, str]:
        """A new key (and account unless given): (key, account id)."""
        with self.state.db.session() as session:
            info, key = create_key(
                session, name="test", tier=tier, account_id=account_id, secret=SECRET
            )
        return key, info.account_id

    def auth(self, tier: str = "free") -> dict[str, str]:
        """Headers with a fresh key of a fresh account."""
        return {"Authorization": f"Bearer {self.key(tier)[0]}"}

    def wait(
        self,
        task_id: str,
        headers: dict[str, str],
        until: tuple[str, ...] = TERMINAL,
        timeout_s: float = 30.0,
    ) -> Any:
        """Poll a task until its status is in ``until`` (a guard, not a timing assertion)."""
        deadline = time.monotonic() + timeout_s
        while True:
            body = self.client.get(f"/api/v1/generate/{task_id}", headers=headers).json()
            if body.get("status") in until or time.monotonic() > deadline:
                return body
            time.sleep(0.02)


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Test settings: test engines, a private data folder, no preloading."""
    values: dict[str, Any] = {
        "environment": "test",
        "secret_key": SECRET,
        "data_dir": data_dir,
        "default_model": "test-tone",
        "preload": False,
        "workers": 2,
        "pro_requests_per_minute": 100_000,
        # Property-based runs send thousands of unauthenticated requests from one address.
        "auth_failures_per_minute": 100_000,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session", autouse=True)
def _test_engines() -> Iterator[None]:
    with temporarily_registered(*TEST_SPECS):
        yield


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def database(backend: str) -> Iterator[dict[str, Any]]:
    """Settings for a fresh database: an SQLite file, or a unique PostgreSQL schema."""
    if backend == "sqlite":
        yield {}
        return
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc}")
    schema = f"musicgen_test_{uuid.uuid4().hex[:12]}"
    try:
        yield {"database_url": POSTGRES_URL, "database_schema": schema}
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """The main in-process app, on SQLite and on PostgreSQL."""
    with database(request.param) as db_settings:
        app = create_app(make_settings(tmp_path_factory.mktemp("service"), **db_settings))
        with TestClient(app) as client:
            yield Service(client=client, state=app.state.service)


@pytest.fixture
def release() -> Iterator[None]:
    """Lets test-slow generations finish when the test ends."""
    RELEASE.clear()
    yield
    RELEASE.set()


@pytest.fixture(scope="session", params=BACKENDS)
def tight(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """An app with small limits: free 5 requests/min; pro 2 concurrent and 110 kB a month;
    10 failed authentications a minute per address."""
    with database(request.param) as db_settings:
        settings = make_settings(
            tmp_path_factory.mktemp("tight"),
            free_requests_per_minute=5,
            pro_concurrent_generations=2,
            pro_monthly_bandwidth_bytes=110_000,
            auth_failures_per_minute=10,
            **db_settings,
        )
        app = create_app(settings)
        with TestClient(app) as client:
            yield Service(client=client, state=app.state.service)
