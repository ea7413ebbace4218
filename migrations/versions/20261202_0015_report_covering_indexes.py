"""The 年度报告's figures read from indexes alone (issue #9): the timeliness of the year's replies (conclusion day,
whether concluded, start of the reply period, the agency's and the statutory deadline, receipt;
``app.report.repository.timeliness``) and the receipts by channel (``channels``). Without them each concluded case
of the year was a row lookup, twice (the year and the year before): the whole document took 17× the tables at 1M
cases. The two indexes are widened in place rather than added beside, so that a case's INSERT maintains no more
indexes than before (SQLite's statistics for them are retaken by ``app.migrate``).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "disclosure_case"
CONCLUDED = "ix_disclosure_case_agency_concluded"
RECEIVED = "ix_disclosure_case_agency_received"


def _replace(name: str, columns: list[str]) -> None:
    op.drop_index(name, table_name=TABLE)
    op.create_index(name, TABLE, columns)


def upgrade() -> None:
    _replace(
        CONCLUDED,
        [
            "agency_id",
            "concluded_on",
            "clock_start",
            "due_date",
            "statutory_due_date",
            "received_date",
            "disposition",
        ],
    )
    _replace(RECEIVED, ["agency_id", "received_date", "channel"])


def downgrade() -> None:
    _replace(CONCLUDED, ["agency_id", "concluded_on"])
    _replace(RECEIVED, ["agency_id", "received_date"])
