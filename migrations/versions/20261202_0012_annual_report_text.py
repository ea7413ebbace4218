"""The agency's own passages of the annual report (政府信息公开工作年度报告), per agency and year:
``annual_report_text``.

Revision ID: 0012
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "annual_report_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_annual_report_text_agency_id_agency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_report_text")),
        sa.UniqueConstraint("agency_id", "year", name=op.f("uq_annual_report_text_agency_id_year")),
    )


def downgrade() -> None:
    op.drop_table("annual_report_text")
