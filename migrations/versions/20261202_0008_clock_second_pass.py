"""The clock, second pass (issue 8): the fee wait is a pause, the only rule; letters carry their delivery; Art. 35 is
two steps; a late correction notice is a recorded defect.

- ``agency.fee_wait_rule`` goes: 国办函〔2020〕109号 第七条 takes the time between the fee notice and the payment out
  of the reply period, which is a pause. Agencies that had chosen ``restart`` are moved to ``pause`` first (the
  column's value is all the downgrade can give back). Their open cases, like every open case, are recomputed by
  ``gongkai db upgrade`` after the migrations, through the same seam as a calendar import or a policy change, and
  the moved dates are listed and noted in each timeline (``app.case.service.recompute_open_cases``).
- ``case_event.type`` admits ``delivery_recorded``, ``agency_deadline_set`` and ``excessive_refused``.
- ``disclosure_case`` gains ``correction_notice_late`` and ``undelivered_since`` (with the overdue report's index),
  and ``correction_notice_due`` becomes nullable (the 2007 条例 had no 7-day limit).

Revision ID: 0008
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TYPES = (
    "received",
    "correction_requested",
    "correction_received",
    "correction_lapsed",
    "consultation_started",
    "consultation_ended",
    "extension_granted",
    "fee_notice_sent",
    "fee_paid",
    "fee_lapsed",
    "reasons_requested",
    "withdrawn",
    "concluded",
    "review_filed",
    "review_decided",
    "deadlines_recomputed",
)
NEW_TYPES = (
    "received",
    "correction_requested",
    "correction_received",
    "correction_lapsed",
    "consultation_started",
    "consultation_ended",
    "extension_granted",
    "fee_notice_sent",
    "fee_paid",
    "fee_lapsed",
    "delivery_recorded",
    "reasons_requested",
    "agency_deadline_set",
    "excessive_refused",
    "withdrawn",
    "concluded",
    "review_filed",
    "review_decided",
    "deadlines_recomputed",
)


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.execute("UPDATE agency SET fee_wait_rule = 'pause' WHERE fee_wait_rule = 'restart'")
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_agency_fee_wait_rule"), type_="check")
        batch_op.drop_column("fee_wait_rule")
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_case_event_type"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_case_event_type"), _in("type", NEW_TYPES))
    with op.batch_alter_table("disclosure_case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("correction_notice_late", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("undelivered_since", sa.Date(), nullable=True))
        batch_op.alter_column("correction_notice_due", existing_type=sa.Date(), nullable=True)
        batch_op.create_index("ix_disclosure_case_agency_undelivered", ["agency_id", "undelivered_since"], unique=False)
        batch_op.create_index(
            "ix_disclosure_case_agency_notice_late", ["agency_id", "correction_notice_late", "status"], unique=False
        )
    with op.batch_alter_table("disclosure_case", schema=None) as batch_op:
        batch_op.alter_column("correction_notice_late", existing_type=sa.Boolean(), server_default=None)


def downgrade() -> None:
    # Cases recorded with the new steps cannot be described by the old schema: refuse rather than lose them.
    bind = op.get_bind()
    new_only = sorted(set(NEW_TYPES) - set(OLD_TYPES))
    event = sa.table("case_event", sa.column("type"))
    used = bind.execute(sa.select(sa.func.count()).select_from(event).where(event.c.type.in_(new_only))).scalar()
    if used:
        raise RuntimeError(f"{used} timeline events use steps added by 0008 ({', '.join(new_only)}); not downgrading")
    op.execute("UPDATE disclosure_case SET correction_notice_due = received_date WHERE correction_notice_due IS NULL")
    with op.batch_alter_table("disclosure_case", schema=None) as batch_op:
        batch_op.drop_index("ix_disclosure_case_agency_notice_late")
        batch_op.drop_index("ix_disclosure_case_agency_undelivered")
        batch_op.alter_column("correction_notice_due", existing_type=sa.Date(), nullable=False)
        batch_op.drop_column("undelivered_since")
        batch_op.drop_column("correction_notice_late")
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_case_event_type"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_case_event_type"), _in("type", OLD_TYPES))
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fee_wait_rule", sa.String(length=16), nullable=False, server_default="pause"))
        batch_op.create_check_constraint(batch_op.f("ck_agency_fee_wait_rule"), "fee_wait_rule IN ('pause', 'restart')")
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.alter_column("fee_wait_rule", existing_type=sa.String(length=16), server_default=None)
