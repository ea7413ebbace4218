"""Accounts and handlers: ``app_user.must_change_password`` (an administrator's reset gives a temporary password that
must be changed at the next sign-in) and ``disclosure_case.handler_user_id`` (the case's handler as a user account of
its agency; ``handler`` keeps the name as text, for imports and the OA API), indexed with the status for 我的待办. The calendar seeded from ``chinesecalendar`` before this revision kept the
package's English holiday names ("National Day"); they become the Chinese ones (国庆节; make-up days 国庆节调休).

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HANDLER_FK = "fk_disclosure_case_handler_user_id_app_user"

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def _rename(pairs: list[tuple[str, str, str]]) -> None:
    day = sa.table("calendar_day", sa.column("name", sa.String), sa.column("kind", sa.String))
    for kind, old, new in pairs:
        op.execute(day.update().where(day.c.kind == kind, day.c.name == old).values(name=new))


def _chinese_names() -> list[tuple[str, str, str]]:
    return [("holiday", en, zh) for en, zh in HOLIDAY_NAMES.items()] + [
        ("makeup_workday", en, zh + "调休") for en, zh in HOLIDAY_NAMES.items()
    ]


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch copy: on SQLite a batch operation recreates the table, and dropping the old
    # disclosure_case (or app_user) with foreign keys on would cascade-delete every case's events and reviews (every
    # user's memberships and sessions). ADD COLUMN with a NULL default, a REFERENCES clause or a constant default is
    # allowed by SQLite in place.
    op.add_column(
        "app_user", sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    if op.get_bind().dialect.name == "sqlite":  # SQLite cannot add a constraint to a table, but a column with one
        op.execute(
            "ALTER TABLE disclosure_case ADD COLUMN handler_user_id INTEGER "
            f"CONSTRAINT {HANDLER_FK} REFERENCES app_user (id)"
        )
    else:
        op.add_column("disclosure_case", sa.Column("handler_user_id", sa.Integer(), nullable=True))
        op.create_foreign_key(HANDLER_FK, "disclosure_case", "app_user", ["handler_user_id"], ["id"])
    op.create_index(
        "ix_disclosure_case_handler_status_due", "disclosure_case", ["handler_user_id", "status", "due_date"]
    )
    _rename(_chinese_names())


def downgrade() -> None:
    """For developers, on an empty database only (README: downgrades are not supported on data)."""
    _rename([(kind, zh, en) for kind, en, zh in _chinese_names()])
    with op.batch_alter_table("disclosure_case", schema=None) as batch_op:
        batch_op.drop_index("ix_disclosure_case_handler_status_due")
        if op.get_bind().dialect.name != "sqlite":  # there the copy leaves the dropped column's reference behind
            batch_op.drop_constraint(HANDLER_FK, type_="foreignkey")
        batch_op.drop_column("handler_user_id")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
