"""Schema migrations (Alembic) and the first-run set-up, run by ``gongkai db upgrade`` and ``gongkai serve``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def _run(engine: Engine, action: str, target: str) -> None:
    """Run the migrations in one transaction. On SQLite, a batch migration rebuilds a table (copy, drop, rename),
    which foreign keys forbid for a table other rows reference: as SQLite's own procedure for schema changes says,
    they are switched off for the migration (outside the transaction: the pragma is a no-op inside one) and the
    whole database is checked with ``PRAGMA foreign_key_check`` before the commit.

    SQLite keeps the planner's statistics per index (``sqlite_stat1``, written only by ANALYZE): an index a migration
    creates or rebuilds has none, and beside the others' its default estimate misleads the planner (after 0015 the
    year-end tables' own query took twice as long). Where the database keeps statistics, a run that changed the
    revision takes them again (about 10 s at a million cases). PostgreSQL's are per column and stay valid."""
    config = alembic_config(engine)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        raw = connection.connection  # the driver's connection: a pragma through it opens no transaction
        if sqlite:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    # A migration rewriting a large table may run longer than a request may (``db_statement_timeout``).
                    connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
                config.attributes["connection"] = connection
                before = MigrationContext.configure(connection).get_current_revision()
                getattr(command, action)(config, target)
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise RuntimeError("a migration left rows whose foreign keys point nowhere; rolled back")
                if (
                    sqlite
                    and MigrationContext.configure(connection).get_current_revision() != before
                    and (connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first())
                ):
                    connection.exec_driver_sql("ANALYZE")
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def known_revisions() -> set[str]:
    """Every revision this code's migrations know."""
    return {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}


def head_revision() -> str:
    """The revision this code's schema is at: the last migration."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def outdated(engine: Engine) -> str | None:
    """What to tell the operator when the database's schema is not this code's (a database never migrated, or one
    another release left), else None."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return None
    if current is None:
        return f"数据库尚未建表（本程序需要结构版本 {head}）：请先运行 gongkai db upgrade"
    if current not in known_revisions():
        return f"数据库结构版本为 {current}，比本程序（{head}）新：请换用与之相同或更新版本的 gongkai"
    return f"数据库结构版本为 {current}，本程序需要 {head}：请先运行 gongkai db upgrade"


def upgrade(engine: Engine, target: str = "head") -> bool:
    """Migrate to ``target``; True when some revision was applied (the rules behind the stored deadlines may have
    changed with it: ``gongkai db upgrade`` then recomputes the open cases)."""
    before = current_revision(engine)
    _run(engine, "upgrade", target)
    return current_revision(engine) != before


def downgrade(engine: Engine, target: str = "base") -> None:
    _run(engine, "downgrade", target)
