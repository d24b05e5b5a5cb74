"""invoicing: batches, invoices, lines, number sequences, bill_to routing

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 20:43:10.679715
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.storage


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('invoice_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('through_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_batch'))
    )
    op.create_table('number_sequence',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('prefix', sa.String(length=10), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('next_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_number_sequence'))
    )
    op.create_table('invoice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=21), nullable=True),
    sa.Column('billto_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('invoice_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('terms_code', sa.String(length=60), nullable=False),
    sa.Column('po_number', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('total', backoffice.storage.ExactDecimal(precision=18, scale=4), nullable=False),
    sa.Column('balance', backoffice.storage.ExactDecimal(precision=18, scale=4), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['invoice_batch.id'], name=op.f('fk_invoice_batch_id_invoice_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice')),
    sa.UniqueConstraint('number', name=op.f('uq_invoice_number'))
    )
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_billto_id'), ['billto_id'], unique=False)

    op.create_table('invoice_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('installment_id', sa.Integer(), nullable=False),
    sa.Column('fee_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('source_type', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('product_code', sa.String(length=60), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('quantity', backoffice.storage.ExactDecimal(precision=18, scale=4), nullable=False),
    sa.Column('rate', backoffice.storage.ExactDecimal(precision=18, scale=4), nullable=False),
    sa.Column('amount', backoffice.storage.ExactDecimal(precision=18, scale=4), nullable=False),
    sa.ForeignKeyConstraint(['fee_id'], ['realized_fee.id'], name=op.f('fk_invoice_line_fee_id_realized_fee')),
    sa.ForeignKeyConstraint(['installment_id'], ['fee_installment.id'], name=op.f('fk_invoice_line_installment_id_fee_installment')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_invoice_line_invoice_id_invoice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_line')),
    sa.UniqueConstraint('installment_id', name=op.f('uq_invoice_line_installment_id'))
    )
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_line_invoice_id'), ['invoice_id'], unique=False)

    with op.batch_alter_table('customer_assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bill_to', sa.String(length=20), nullable=False,
                                      server_default='self'))

    # Fees realized before routing existed are invoiced to their own Billto.
    with op.batch_alter_table('realized_fee', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invoice_billto_id', sa.Integer(), nullable=True))
    op.execute('UPDATE realized_fee SET invoice_billto_id = billto_id')
    with op.batch_alter_table('realized_fee', schema=None) as batch_op:
        batch_op.alter_column('invoice_billto_id', existing_type=sa.Integer(), nullable=False)



def downgrade() -> None:
    with op.batch_alter_table('realized_fee', schema=None) as batch_op:
        batch_op.drop_column('invoice_billto_id')

    with op.batch_alter_table('customer_assignment', schema=None) as batch_op:
        batch_op.drop_column('bill_to')

    op.drop_table('invoice_line')  # with its indexes (MariaDB keeps an index a foreign key needs)
    op.drop_table('invoice')  # with its indexes (MariaDB keeps an index a foreign key needs)
    op.drop_table('number_sequence')
    op.drop_table('invoice_batch')
