"""Alembic environment: runs on the connection the service hands over."""

from __future__ import annotations

from alembic import context

from music_gen.service.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the service always passes its connection
    raise RuntimeError("music_gen migrations run through music_gen.service.db.Database.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
