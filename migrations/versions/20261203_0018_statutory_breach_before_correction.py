"""A statutory deadline that passed before a late correction notice restarted the clock is kept on the case
(``disclosure_case.statutory_breached_on``, ``app.domain.clock``): the restart of Art. 30 no longer hides the breach
of Art. 33. The year-end timeliness reads it from the index it already reads its other columns from, widened here.

Applying this revision makes ``gongkai db upgrade`` recompute every open case (``app.cli.prepare_database``), which
fills the column for them. Concluded cases keep the projection stored when they were concluded (their deadlines are
not recomputed after the fact): one concluded before this revision after such a late notice is not counted late.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "disclosure_case"
CONCLUDED = "ix_disclosure_case_agency_concluded"
COLUMNS = ["agency_id", "concluded_on", "clock_start", "due_date", "statutory_due_date", "received_date", "disposition"]


def _replace(columns: list[str]) -> None:
    op.drop_index(CONCLUDED, table_name=TABLE)
    op.create_index(CONCLUDED, TABLE, columns)


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("statutory_breached_on", sa.Date(), nullable=True))
    _replace([*COLUMNS, "statutory_breached_on"])


def downgrade() -> None:
    _replace(COLUMNS)
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("statutory_breached_on")
