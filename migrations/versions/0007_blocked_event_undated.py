"""blocked events without an event date: an ATS row whose own date is no real date

A placement started on ``0000-00-00`` (MariaDB) or ``2023-02-30`` (SQLite) is
blocked, and the honest event date of that entry is unknown.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("blocked_event") as batch:
        batch.alter_column("event_date", existing_type=sa.Date(), nullable=True)


def downgrade() -> None:
    # The undated entries cannot be kept; forgetting the catalog fingerprint makes the next
    # realize evaluate every event again, which lists them once more.
    op.execute("DELETE FROM blocked_event WHERE event_date IS NULL")
    op.execute("DELETE FROM realization_state WHERE name = 'catalog_fingerprint'")
    with op.batch_alter_table("blocked_event") as batch:
        batch.alter_column("event_date", existing_type=sa.Date(), nullable=False)
