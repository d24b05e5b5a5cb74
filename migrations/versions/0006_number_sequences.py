"""number sequences: the invoice and credit memo sequences exist from the start

They used to be created on first use, and two approvals (or credits) using a
sequence for the first time at once both created it: the second failed on
the primary key. Created here once, every use only updates its row, which
the database serializes. Sequences an earlier version already created keep
their prefix and next number.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NUMBER_SEQUENCE = sa.table(
    "number_sequence",
    sa.column("name", sa.String(40)),
    sa.column("prefix", sa.String(10)),
    sa.column("width", sa.Integer()),
    sa.column("next_value", sa.Integer()),
)
DEFAULTS = [
    {"name": "invoice", "prefix": "INV-", "width": 6, "next_value": 1},
    {"name": "credit_memo", "prefix": "CM-", "width": 6, "next_value": 1},
]


def upgrade() -> None:
    existing = set(op.get_bind().scalars(sa.select(NUMBER_SEQUENCE.c.name)))
    op.bulk_insert(NUMBER_SEQUENCE, [row for row in DEFAULTS if row["name"] not in existing])


def downgrade() -> None:
    """Nothing to undo: revision 0005 uses the rows as if it had created them itself."""
