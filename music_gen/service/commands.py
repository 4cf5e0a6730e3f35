"""What ``musicgen serve`` and ``musicgen keys ...`` do (the CLI imports this lazily)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from music_gen.errors import InvalidParameterError
from music_gen.service.settings import Settings


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment with command-line overrides (None means not given).

    Raises:
        InvalidParameterError: A setting is invalid (the message lists which and why).
    """
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidParameterError(f"Invalid settings: {problems}") from exc


def data_location() -> str:
    """Where the service's data is, in one line (keys commands print it)."""
    from sqlalchemy.engine import make_url

    settings = load_settings()
    url = make_url(settings.resolved_database_url)
    database = url.database if url.get_backend_name() == "sqlite" else url.render_as_string()
    return f"data: database {database}, audio {settings.resolved_audio_dir}"


def serve(*, host: str | None, port: int | None, workers: int | None, no_auth: bool | None) -> None:
    """Run the API server in the foreground until interrupted."""
    import uvicorn

    from music_gen.service.app import create_app
    from music_gen.service.drain import draining_server
    from music_gen.service.logs import configure_logging

    settings = load_settings(host=host, port=port, workers=workers, no_auth=no_auth or None)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        proxy_headers=True,
    )
    configure_logging(settings.log_format, settings.log_level)
    # SIGTERM drains: new tasks get 503, running ones finish (see music_gen.service.drain).
    draining_server(config, app.state.service).run()


def worker(*, concurrency: int | None, queues: list[str] | None) -> None:
    """Run a Celery worker for the distributed queue in the foreground until stopped."""
    from music_gen.service.jobs.distributed import run_worker
    from music_gen.service.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    run_worker(
        settings,
        concurrency=concurrency or settings.workers,
        queues=queues or [settings.celery_queue],
    )


def create_key(*, name: str, tier: str, account: str | None) -> tuple[dict[str, Any], str]:
    """Create a key; returns its listing entry and the key (shown once, never stored)."""
    from music_gen.service import auth
    from music_gen.service.db import Database

    settings = load_settings()
    db = Database(settings)
    try:
        db.migrate()
        with db.session() as session:
            info, key = auth.create_key(
                session, name=name, tier=tier, account_id=account, secret=settings.secret_key
            )
        return _row(info), key
    finally:
        db.dispose()


def list_keys() -> list[dict[str, Any]]:
    """Every key's listing entry (never the key)."""
    from music_gen.service import auth
    from music_gen.service.db import Database

    db = Database(load_settings())
    try:
        db.migrate()
        with db.session() as session:
            return [_row(info) for info in auth.list_keys(session)]
    finally:
        db.dispose()


def revoke_key(key_or_prefix: str) -> dict[str, Any]:
    """Revoke a key by id, prefix or the key itself."""
    from music_gen.service import auth
    from music_gen.service.db import Database

    db = Database(load_settings())
    try:
        db.migrate()
        with db.session() as session:
            return _row(auth.revoke_key(session, key_or_prefix))
    finally:
        db.dispose()


def _row(info: Any) -> dict[str, Any]:
    data = {
        "id": info.id,
        "prefix": info.prefix,
        "name": info.name,
        "account_id": info.account_id,
        "tier": info.tier,
        "created_at": info.created_at.isoformat() if info.created_at else None,
        "revoked_at": info.revoked_at.isoformat() if info.revoked_at else None,
    }
    return json.loads(json.dumps(data))
