"""A letter about a natural person's application names them (and may give their address): it is personal, like an
ID copy, so that a reader without ``case.read_personal`` (an auditor) sees neither its content nor its addressee
(``app.document.letters``). The letters generated before this revision are marked the same way.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MARK = sa.text(
    "UPDATE case_document SET personal = :personal WHERE origin = 'generated' AND case_id IN "
    "(SELECT id FROM disclosure_case WHERE applicant_type = 'natural_person')"
)


def upgrade() -> None:
    op.execute(_MARK.bindparams(personal=True))


def downgrade() -> None:
    op.execute(_MARK.bindparams(personal=False))
