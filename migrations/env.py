"""Alembic environment. The URL comes from the caller (``app.migrate``) or, for the plain ``alembic`` command, from
settings; ``render_as_batch`` lets SQLite alter tables."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from app.models import Base
from app.settings import Settings

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url") or Settings().database_url
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
