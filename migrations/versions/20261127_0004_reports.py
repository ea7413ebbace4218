"""Annual report: the hand-entered 主动公开 table, published snapshots and the changes forced after publication, and
the indexes of the report's counting queries (a covering index over concluded_on, partial indexes holding only the
faulty cases and reviews, covering indexes of reviews by filing date and of cases' agency by id, fee events by type
and date).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CASE_FAULT = "(concluded_on < received_date) OR ((concluded_on IS NULL) <> (disposition IS NULL))"
REVIEW_FAULT = "(decided_on < filed_on) OR (outcome <> 'pending' AND decided_on IS NULL)"


def upgrade() -> None:
    op.create_table(
        "active_disclosure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=4), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_active_disclosure_agency_id_agency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_active_disclosure")),
        sa.UniqueConstraint("agency_id", "year", name=op.f("uq_active_disclosure_agency_id_year")),
    )
    op.create_table(
        "report_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=4), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_report_snapshot_agency_id_agency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_snapshot")),
        sa.UniqueConstraint("agency_id", "year", name=op.f("uq_report_snapshot_agency_id_year")),
    )
    op.create_table(
        "report_snapshot_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["disclosure_case.id"],
            name=op.f("fk_report_snapshot_change_case_id_disclosure_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["report_snapshot.id"],
            name=op.f("fk_report_snapshot_change_snapshot_id_report_snapshot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_snapshot_change")),
    )
    op.create_index(
        op.f("ix_report_snapshot_change_snapshot_id"), "report_snapshot_change", ["snapshot_id"], unique=False
    )
    covering = ["agency_id", "concluded_on", "received_date", "applicant_type", "disposition"]
    op.create_index("ix_disclosure_case_report_concluded", "disclosure_case", covering)
    for name, table, columns, predicate in (
        ("ix_disclosure_case_report_fault", "disclosure_case", [*covering, "id", "number"], CASE_FAULT),
        ("ix_case_review_report_fault", "case_review", ["case_id", "filed_on", "outcome", "decided_on"], REVIEW_FAULT),
    ):
        op.create_index(name, table, columns, sqlite_where=sa.text(predicate), postgresql_where=sa.text(predicate))
    op.create_index("ix_case_review_report", "case_review", ["filed_on", "case_id", "kind", "outcome", "decided_on"])
    op.create_index("ix_disclosure_case_report_agency", "disclosure_case", ["id", "agency_id"])
    op.create_index("ix_case_event_type_on", "case_event", ["type", "on"])


def downgrade() -> None:
    op.drop_index("ix_case_event_type_on", table_name="case_event")
    op.drop_index("ix_case_review_report", table_name="case_review")
    op.drop_index("ix_case_review_report_fault", table_name="case_review")
    for name in (
        "ix_disclosure_case_report_agency",
        "ix_disclosure_case_report_fault",
        "ix_disclosure_case_report_concluded",
    ):
        op.drop_index(name, table_name="disclosure_case")
    op.drop_index(op.f("ix_report_snapshot_change_snapshot_id"), table_name="report_snapshot_change")
    op.drop_table("report_snapshot_change")
    op.drop_table("report_snapshot")
    op.drop_table("active_disclosure")
