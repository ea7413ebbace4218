"""Documents (issue 13): the agencies' own templates (``document_template``, any kind), their letter settings
(``letter_profile``), the per-agency, per-kind, per-year 文号 counter (``letter_counter``), each case's file
(``case_document``: generated letters and uploaded attachments, contents in the database) and the delivery records
of its letters (``document_delivery``).

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_document_template_agency_id_agency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_template")),
        sa.UniqueConstraint("agency_id", "kind", name=op.f("uq_document_template_agency_id_kind")),
    )
    op.create_table(
        "letter_counter",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_letter_counter_agency_id_agency")),
        sa.PrimaryKeyConstraint("agency_id", "kind", "year", name=op.f("pk_letter_counter")),
    )
    op.create_table(
        "letter_profile",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("review_body", sa.String(length=200), nullable=False),
        sa.Column("court", sa.String(length=200), nullable=True),
        sa.Column("number_prefix", sa.String(length=100), nullable=False),
        sa.Column("number_patterns", sa.JSON(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("payment_instructions", sa.Text(), nullable=True),
        sa.Column("receipt_overdue_days", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "level IN ('department', 'local_government', 'provincial_government', 'state_council_department', 'vertical')",
            name=op.f("ck_letter_profile_level"),
        ),
        sa.CheckConstraint(
            "receipt_overdue_days BETWEEN 1 AND 60", name=op.f("ck_letter_profile_receipt_overdue_days")
        ),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_letter_profile_agency_id_agency")),
        sa.PrimaryKeyConstraint("agency_id", name=op.f("pk_letter_profile")),
    )
    op.create_table(
        "case_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=True),
        sa.Column("letter_date", sa.Date(), nullable=True),
        sa.Column("addressee", sa.String(length=200), nullable=True),
        sa.Column("disposition", sa.String(length=48), nullable=True),
        sa.Column("remedy", sa.Text(), nullable=True),
        sa.Column("template_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("origin IN ('generated', 'uploaded')", name=op.f("ck_case_document_origin")),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_case_document_agency_id_agency")),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["disclosure_case.id"],
            name=op.f("fk_case_document_case_id_disclosure_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_document")),
        sa.UniqueConstraint("agency_id", "number", name=op.f("uq_case_document_agency_id_number")),
    )
    with op.batch_alter_table("case_document", schema=None) as batch_op:
        batch_op.create_index("ix_case_document_case", ["case_id", "id"], unique=False)
        batch_op.create_index("ix_case_document_letters", ["agency_id", "origin", "letter_date"], unique=False)

    op.create_table(
        "document_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("carrier", sa.String(length=16), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("tracking_number", sa.String(length=64), nullable=True),
        sa.Column("proof_document_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "carrier IS NULL OR carrier IN ('china_post', 'ems')", name=op.f("ck_document_delivery_carrier")
        ),
        sa.CheckConstraint("method IN ('direct', 'post', 'electronic')", name=op.f("ck_document_delivery_method")),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_document_delivery_agency_id_agency")),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["disclosure_case.id"],
            name=op.f("fk_document_delivery_case_id_disclosure_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["case_document.id"],
            name=op.f("fk_document_delivery_document_id_case_document"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proof_document_id"],
            ["case_document.id"],
            name=op.f("fk_document_delivery_proof_document_id_case_document"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_delivery")),
    )
    with op.batch_alter_table("document_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_delivery_document_id"), ["document_id"], unique=False)
        batch_op.create_index("ix_document_delivery_unreceived", ["agency_id", "received_on", "sent_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_document_delivery_unreceived")
        batch_op.drop_index(batch_op.f("ix_document_delivery_document_id"))

    op.drop_table("document_delivery")
    with op.batch_alter_table("case_document", schema=None) as batch_op:
        batch_op.drop_index("ix_case_document_letters")
        batch_op.drop_index("ix_case_document_case")

    op.drop_table("case_document")
    op.drop_table("letter_profile")
    op.drop_table("letter_counter")
    op.drop_table("document_template")
