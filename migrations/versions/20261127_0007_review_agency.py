"""Reviews carry their case's agency (copied when filed; a case never changes agency), so that the annual report
counts the reviews table from one index-only range per agency without reading the cases: ``case_review.agency_id``,
backfilled from the case, and ``ix_case_review_report`` rebuilt over (agency_id, filed_on, kind, outcome,
decided_on).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_REPORT_INDEX = ["filed_on", "case_id", "kind", "outcome", "decided_on"]
NEW_REPORT_INDEX = ["agency_id", "filed_on", "kind", "outcome", "decided_on"]


def upgrade() -> None:
    with op.batch_alter_table("case_review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agency_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE case_review SET agency_id = "
        "(SELECT disclosure_case.agency_id FROM disclosure_case WHERE disclosure_case.id = case_review.case_id)"
    )
    op.drop_index("ix_case_review_report", table_name="case_review")
    with op.batch_alter_table("case_review", schema=None) as batch_op:
        batch_op.alter_column("agency_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f("fk_case_review_agency_id_agency"), "agency", ["agency_id"], ["id"])
        batch_op.create_index("ix_case_review_report", NEW_REPORT_INDEX, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_review", schema=None) as batch_op:
        batch_op.drop_index("ix_case_review_report")
        batch_op.drop_constraint(batch_op.f("fk_case_review_agency_id_agency"), type_="foreignkey")
        batch_op.drop_column("agency_id")
        batch_op.create_index("ix_case_review_report", OLD_REPORT_INDEX, unique=False)
