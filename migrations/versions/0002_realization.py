"""realization: fees, installments, revisions, blocked events, state, run locks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:22:30.833718
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.storage


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('blocked_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_type', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_key', sa.String(length=10), nullable=False),
    sa.Column('occurrence', sa.Date(), nullable=True),
    sa.Column('billto_id', sa.Integer(), nullable=False),
    sa.Column('product_code', sa.String(length=60), nullable=True),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source_updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blocked_event')),
    sa.UniqueConstraint('source_type', 'source_id', 'occurrence_key', name=op.f('uq_blocked_event_source_type_source_id_occurrence_key'))
    )
    op.create_table('job_lock',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_lock'))
    )
    op.create_table('realization_state',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_realization_state'))
    )
    op.create_table('realized_fee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_type', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_key', sa.String(length=10), nullable=False),
    sa.Column('occurrence', sa.Date(), nullable=True),
    sa.Column('billto_id', sa.Integer(), nullable=False),
    sa.Column('product_code', sa.String(length=60), nullable=False),
    sa.Column('pay_plan_code', sa.String(length=60), nullable=True),
    sa.Column('terms_code', sa.String(length=60), nullable=False),
    sa.Column('po_number', sa.String(length=40), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('amount', backoffice.storage.ExactDecimal(precision=18, scale=4), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('credit_review_reason', sa.Text(), nullable=True),
    sa.Column('source_updated_at', sa.DateTime(), nullable=False),
    sa.Column('realized_at', sa.DateTime(), nullable=False),
    sa.Column('revised_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realized_fee')),
    sa.UniqueConstraint('source_type', 'source_id', 'occurrence_key', name=op.f('uq_realized_fee_source_type_source_id_occurrence_key'))
    )
    with op.batch_alter_table('realized_fee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_realized_fee_billto_id'), ['billto_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_realized_fee_status'), ['status'], unique=False)

    op.create_table('fee_installment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fee_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('plan_line', sa.Integer(), nullable=True),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('amount', backoffice.storage.ExactDecimal(precision=18, scale=4), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('credit_review_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['fee_id'], ['realized_fee.id'], name=op.f('fk_fee_installment_fee_id_realized_fee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_installment')),
    sa.UniqueConstraint('fee_id', 'seq', name=op.f('uq_fee_installment_fee_id_seq'))
    )
    with op.batch_alter_table('fee_installment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_installment_effective_date'), ['effective_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_installment_status'), ['status'], unique=False)

    op.create_table('fee_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fee_id', sa.Integer(), nullable=False),
    sa.Column('revised_at', sa.DateTime(), nullable=False),
    sa.Column('source_updated_at', sa.DateTime(), nullable=False),
    sa.Column('change', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('old_basis', sa.Text(), nullable=True),
    sa.Column('new_basis', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['fee_id'], ['realized_fee.id'], name=op.f('fk_fee_revision_fee_id_realized_fee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_revision'))
    )
    with op.batch_alter_table('fee_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_revision_fee_id'), ['fee_id'], unique=False)



def downgrade() -> None:
    op.drop_table('fee_revision')  # with its indexes (MariaDB keeps an index a foreign key needs)
    op.drop_table('fee_installment')  # with its indexes (MariaDB keeps an index a foreign key needs)
    op.drop_table('realized_fee')  # with its indexes (MariaDB keeps an index a foreign key needs)
    op.drop_table('realization_state')
    op.drop_table('job_lock')
    op.drop_table('blocked_event')
