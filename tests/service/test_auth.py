"""Authentication: the key matrix, revocation, open endpoints, settings that refuse danger."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from music_gen.service import Settings
from music_gen.service.auth import list_keys, revoke_key
from music_gen.service.models import ApiKey
from tests.service.conftest import Service


def _status(service: Service, headers: dict[str, str]) -> tuple[int, str]:
    response = service.client.get("/api/v1/generate/batch/none", headers=headers)
    code = response.json()["error"]["code"] if response.status_code >= 400 else ""
    return response.status_code, code


def test_auth_matrix(service: Service) -> None:
    key, _ = service.key()
    assert _status(service, {}) == (401, "UNAUTHORIZED")
    assert _status(service, {"Authorization": "Bearer nonsense"}) == (401, "UNAUTHORIZED")
    assert _status(service, {"Authorization": f"Basic {key}"}) == (401, "UNAUTHORIZED")
    forged = key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb")
    assert _status(service, {"Authorization": f"Bearer {forged}"}) == (401, "UNAUTHORIZED")
    assert _status(service, {"Authorization": f"Bearer {key}"}) == (404, "NOT_FOUND")
    with service.state.db.session() as session:
        revoke_key(session, key)
    assert _status(service, {"Authorization": f"Bearer {key}"}) == (401, "UNAUTHORIZED")


def test_every_resource_needs_a_key(service: Service) -> None:
    for method, path in [
        ("POST", "/api/v1/generate"),
        ("GET", "/api/v1/generate/x"),
        ("DELETE", "/api/v1/generate/x"),
        ("POST", "/api/v1/generate/batch"),
        ("GET", "/api/v1/generate/batch/x"),
        ("POST", "/api/v1/multi-instrument"),
        ("GET", "/api/v1/models"),
        ("GET", "/api/v1/styles"),
        ("GET", "/api/v1/audio/x"),
    ]:
        response = service.client.request(method, path, json={"prompt": "x"})
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "UNAUTHORIZED"
        assert response.headers["WWW-Authenticate"] == "Bearer"
    for path in ("/api/v1/health", "/api/v1/openapi.json", "/docs"):
        assert service.client.get(path).status_code == 200, path


def test_keys_are_stored_only_as_hashes(service: Service) -> None:
    key, account_id = service.key(tier="pro")
    second, same_account = service.key(account_id=account_id)
    assert same_account == account_id
    with service.state.db.session() as session:
        rows = session.query(ApiKey).filter(ApiKey.account_id == account_id).all()
        listed = [k for k in list_keys(session) if k.account_id == account_id]
    assert len(rows) == 2
    for row in rows:
        assert key not in (row.key_hash, row.prefix) and second not in (row.key_hash, row.prefix)
        assert row.prefix in (key.split("_")[1], second.split("_")[1])
    assert {k.tier for k in listed} == {"pro"}


def test_settings_refuse_default_secret_outside_development(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production", data_dir=tmp_path)
    assert Settings(environment="development", data_dir=tmp_path).secret_key


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_no_auth_refuses_non_loopback_hosts(tmp_path: Path, host: str) -> None:
    with pytest.raises(ValidationError, match="no_auth"):
        Settings(no_auth=True, host=host, data_dir=tmp_path)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_no_auth_accepts_loopback(tmp_path: Path, host: str) -> None:
    assert Settings(no_auth=True, host=host, data_dir=tmp_path).no_auth
