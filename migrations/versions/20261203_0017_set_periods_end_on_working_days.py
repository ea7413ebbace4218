"""No change of schema: a rule of the clock changed. A period that ends on a date the agency set (the correction's
reply-by day, Art. 30; the later deadline of Art. 35) ends, when that date is a weekend or holiday, on the first
working day after it (``app.domain.clock.set_period_end``). Applying this revision makes ``gongkai db upgrade`` (and
``gongkai serve``) recompute every open case, noting the moved dates in its timeline, as after a calendar import.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from collections.abc import Sequence

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to alter: the recomputation follows any applied revision (``app.cli.prepare_database``)."""


def downgrade() -> None:
    """Nothing to undo."""
