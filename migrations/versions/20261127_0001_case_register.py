"""The case register: agencies, cases and their timelines, reviews, the working-day calendar, API tokens.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 17:32:48.654170
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("reply_days", sa.Integer(), nullable=False),
        sa.Column("extension_limit", sa.Integer(), nullable=True),
        sa.Column("fee_wait_rule", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("fee_wait_rule IN ('pause', 'restart')", name=op.f("ck_agency_fee_wait_rule")),
        sa.CheckConstraint(
            "extension_limit IS NULL OR extension_limit BETWEEN 0 AND 20", name=op.f("ck_agency_extension_limit")
        ),
        sa.CheckConstraint("reply_days BETWEEN 1 AND 20", name=op.f("ck_agency_reply_days")),
        sa.ForeignKeyConstraint(["parent_id"], ["agency.id"], name=op.f("fk_agency_parent_id_agency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency")),
        sa.UniqueConstraint("code", name=op.f("uq_agency_code")),
    )
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_year")),
    )
    with op.batch_alter_table("calendar_year", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_year_version"), ["version"], unique=False)

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IN ('clerk', 'supervisor', 'auditor', 'admin', 'integration')", name=op.f("ck_api_token_role")
        ),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_api_token_agency_id_agency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.CheckConstraint("kind IN ('holiday', 'makeup_workday')", name=op.f("ck_calendar_day_kind")),
        sa.ForeignKeyConstraint(
            ["year"], ["calendar_year.year"], name=op.f("fk_calendar_day_year_calendar_year"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_day")),
    )
    with op.batch_alter_table("calendar_day", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_day_year"), ["year"], unique=False)

    op.create_table(
        "case_counter",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_case_counter_agency_id_agency")),
        sa.PrimaryKeyConstraint("agency_id", "year", name=op.f("pk_case_counter")),
    )
    op.create_table(
        "disclosure_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("external_ref", sa.String(length=128), nullable=True),
        sa.Column("applicant_type", sa.String(length=32), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("applicant_id_type", sa.String(length=50), nullable=True),
        sa.Column("applicant_id_number", sa.String(length=64), nullable=True),
        sa.Column("applicant_phone", sa.String(length=50), nullable=True),
        sa.Column("applicant_email", sa.String(length=200), nullable=True),
        sa.Column("applicant_address", sa.String(length=300), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("confirmed_on", sa.Date(), nullable=True),
        sa.Column("received_date", sa.Date(), nullable=False),
        sa.Column("request_description", sa.Text(), nullable=False),
        sa.Column("request_form", sa.String(length=32), nullable=True),
        sa.Column("delivery_method", sa.String(length=32), nullable=True),
        sa.Column("handler", sa.String(length=100), nullable=True),
        sa.Column("clock_start", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("disposition", sa.String(length=48), nullable=True),
        sa.Column("concluded_on", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("statutory_due_date", sa.Date(), nullable=True),
        sa.Column("correction_notice_due", sa.Date(), nullable=False),
        sa.Column("pending_until", sa.Date(), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("calendar_version", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "applicant_type IN ('natural_person', 'commercial_enterprise', 'research_institution', 'social_welfare_org', 'legal_service_org', 'other_org')",
            name=op.f("ck_disclosure_case_applicant_type"),
        ),
        sa.CheckConstraint(
            "channel IN ('in_person', 'post', 'letter', 'online', 'email', 'fax')",
            name=op.f("ck_disclosure_case_channel"),
        ),
        sa.CheckConstraint(
            "disposition IS NULL OR disposition IN ('disclosed', 'partially_disclosed', 'withheld.state_secret', 'withheld.prohibited_by_law', 'withheld.security_stability', 'withheld.third_party_rights', 'withheld.internal_affairs', 'withheld.process_information', 'withheld.enforcement_file', 'withheld.administrative_query', 'unavailable.not_held', 'unavailable.needs_creation', 'unavailable.unclear_after_correction', 'not_processed.complaint', 'not_processed.duplicate', 'not_processed.publication', 'not_processed.excessive', 'not_processed.confirm_or_reissue', 'other.correction_lapsed', 'other.fee_unpaid', 'other.other')",
            name=op.f("ck_disclosure_case_disposition"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'awaiting_correction', 'in_consultation', 'awaiting_fee', 'concluded')",
            name=op.f("ck_disclosure_case_status"),
        ),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_disclosure_case_agency_id_agency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_case")),
        sa.UniqueConstraint("agency_id", "external_ref", name=op.f("uq_disclosure_case_agency_id_external_ref")),
        sa.UniqueConstraint("agency_id", "number", name=op.f("uq_disclosure_case_agency_id_number")),
    )
    with op.batch_alter_table("disclosure_case", schema=None) as batch_op:
        batch_op.create_index("ix_disclosure_case_agency_concluded", ["agency_id", "concluded_on"], unique=False)
        batch_op.create_index("ix_disclosure_case_agency_received", ["agency_id", "received_date"], unique=False)
        batch_op.create_index("ix_disclosure_case_agency_status_due", ["agency_id", "status", "due_date"], unique=False)

    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "type IN ('received', 'correction_requested', 'correction_received', 'correction_lapsed', 'consultation_started', 'consultation_ended', 'extension_granted', 'fee_notice_sent', 'fee_paid', 'fee_lapsed', 'reasons_requested', 'withdrawn', 'concluded', 'review_filed', 'review_decided', 'deadlines_recomputed')",
            name=op.f("ck_case_event_type"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["disclosure_case.id"], name=op.f("fk_case_event_case_id_disclosure_case"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
        sa.UniqueConstraint("case_id", "seq", name=op.f("uq_case_event_case_id_seq")),
    )
    op.create_table(
        "case_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.CheckConstraint("kind IN ('review', 'lawsuit', 'lawsuit_after_review')", name=op.f("ck_case_review_kind")),
        sa.CheckConstraint(
            "outcome IN ('upheld', 'corrected', 'other', 'pending')", name=op.f("ck_case_review_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["disclosure_case.id"], name=op.f("fk_case_review_case_id_disclosure_case"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_review")),
    )
    with op.batch_alter_table("case_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_review_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_case_review_filed", ["filed_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_review", schema=None) as batch_op:
        batch_op.drop_index("ix_case_review_filed")
        batch_op.drop_index(batch_op.f("ix_case_review_case_id"))

    op.drop_table("case_review")
    op.drop_table("case_event")
    with op.batch_alter_table("disclosure_case", schema=None) as batch_op:
        batch_op.drop_index("ix_disclosure_case_agency_status_due")
        batch_op.drop_index("ix_disclosure_case_agency_received")
        batch_op.drop_index("ix_disclosure_case_agency_concluded")

    op.drop_table("disclosure_case")
    op.drop_table("case_counter")
    with op.batch_alter_table("calendar_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_day_year"))

    op.drop_table("calendar_day")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_agency_id"))

    op.drop_table("api_token")
    with op.batch_alter_table("calendar_year", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_year_version"))

    op.drop_table("calendar_year")
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_parent_id"))

    op.drop_table("agency")
