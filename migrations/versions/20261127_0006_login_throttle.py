"""Failed sign-ins per client address, for the login rate limit.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
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


def downgrade() -> None:
    with op.batch_alter_table("failed_login", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_failed_login_at"))
        batch_op.drop_index("ix_failed_login_client_at")
    op.drop_table("failed_login")
