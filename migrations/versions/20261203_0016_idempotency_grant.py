"""The grant an idempotent answer was made under (``idempotency_key.grant_hash``, ``Principal.grant``): a stored answer
is replayed only to a caller who may still do and see what they could when it was made. Keys stored before this
revision have none and are replayed as before (they expire within 24 hours).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("idempotency_key", sa.Column("grant_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """For developers, on an empty database only (README: downgrades are not supported on data)."""
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.drop_column("grant_hash")
