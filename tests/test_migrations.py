"""The migrations build exactly the schema the models describe, and can be undone and redone."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app import migrate
from app.db import make_engine
from app.models import Base
from app.settings import Settings


def test_upgrade_downgrade_upgrade_and_models_agree(databases):
    url = databases.fresh()
    engine = make_engine(Settings(database_url=url, environment="test"))
    try:
        migrate.upgrade(engine)
        migrate.downgrade(engine)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], diff
    finally:
        engine.dispose()
        databases.drop(url)
