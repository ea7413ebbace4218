"""Security hardening (issue 10): system administrators, sign-in counters per address/account, keyed audit records,
encrypted webhook secrets.

* ``app_user.is_system_admin``: the one power above agencies (the national calendar), granted on the server only.
* ``login_throttle`` replaces ``failed_login`` and the account lock-out (``app_user.failed_attempts``,
  ``locked_until``): accounts are slowed down, not locked. Counts in flight are dropped (they last minutes).
* ``audit_record.key_id``: records written from now on carry an HMAC under a key outside the database; existing
  records keep their plain SHA-256 (key_id NULL) and are sealed by the first keyed record of their chain, whose MAC
  covers the last plain hash (see ``app/audit/service.py``).
* ``webhook_subscription.secret`` widens to hold an encrypted secret; existing secrets are encrypted by
  ``gongkai secrets reencrypt`` (the migration has no key), and read as they are until then.

Revision ID: 0009
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_system_admin", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.drop_column("failed_attempts")
        batch_op.drop_column("locked_until")
    with op.batch_alter_table("failed_login", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_failed_login_at"))
        batch_op.drop_index("ix_failed_login_client_at")
    op.drop_table("failed_login")
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_throttle_window_start"), ["window_start"], unique=False)
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.alter_column(
            "secret", existing_type=sa.String(length=100), type_=sa.String(length=400), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.alter_column(
            "secret", existing_type=sa.String(length=400), type_=sa.String(length=100), existing_nullable=False
        )
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.drop_column("key_id")
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttle_window_start"))
    op.drop_table("login_throttle")
    op.create_table(
        "failed_login",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_login")),
    )
    with op.batch_alter_table("failed_login", schema=None) as batch_op:
        batch_op.create_index("ix_failed_login_client_at", ["client", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_failed_login_at"), ["at"], unique=False)
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_column("is_system_admin")
