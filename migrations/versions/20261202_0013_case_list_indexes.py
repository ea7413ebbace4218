"""Indexes of the case list's keyset pages and prefix search (issue #9): the orders by due date, receipt date and
number, each ending in the id; the open cases by due date (a partial index: 我的待办 and the office's open list
without reading the concluded majority); and prefixes of the number, the applicant's name and the external reference
(``text_pattern_ops`` on PostgreSQL, so that ``LIKE 'x%'`` uses them whatever the database's collation).

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status <> 'concluded'")
PREFIXES = ("number", "applicant_name", "external_ref")


def upgrade() -> None:
    op.create_index("ix_disclosure_case_due_id", "disclosure_case", ["due_date", "id"])
    op.create_index(
        "ix_disclosure_case_open_due_id",
        "disclosure_case",
        ["due_date", "id"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index("ix_disclosure_case_received_id", "disclosure_case", ["received_date", "id"])
    op.create_index("ix_disclosure_case_year_seq_id", "disclosure_case", ["year", "seq", "id"])
    for column in PREFIXES:
        op.create_index(
            f"ix_disclosure_case_{column}_prefix",
            "disclosure_case",
            [column],
            postgresql_ops={column: "text_pattern_ops"},
        )


def downgrade() -> None:
    for column in PREFIXES:
        op.drop_index(f"ix_disclosure_case_{column}_prefix", table_name="disclosure_case")
    for name in ("year_seq_id", "received_id", "open_due_id", "due_id"):
        op.drop_index(f"ix_disclosure_case_{name}", table_name="disclosure_case")
