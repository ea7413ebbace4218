"""The timeline step a generated letter reports (``case_document.step_seq``, the step's ``seq``): what a delivery
record of a fee notice or consultation letter feeds into the clock (国办函〔2020〕109号 第七条; 条例 Art. 32, 34).
Letters generated before this revision have none; the clock then finds their step by its type and the letter's date.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD COLUMN with a NULL default is done by SQLite in place (no batch copy of a table other tables reference).
    op.add_column("case_document", sa.Column("step_seq", sa.Integer(), nullable=True))


def downgrade() -> None:
    """For developers, on an empty database only (README: downgrades are not supported on data)."""
    with op.batch_alter_table("case_document", schema=None) as batch_op:
        batch_op.drop_column("step_seq")
