"""catalog: terms, classes, families, products, pay plans, customer assignments

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 18:50:53.562496
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.storage


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pay_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pay_plan')),
    sa.UniqueConstraint('code', name=op.f('uq_pay_plan_code'))
    )
    op.create_table('product_class',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('for_placements', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_class')),
    sa.UniqueConstraint('code', name=op.f('uq_product_class_code'))
    )
    op.create_table('terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('due_days', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_terms')),
    sa.UniqueConstraint('code', name=op.f('uq_terms_code'))
    )
    op.create_table('pay_plan_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pay_plan_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('strategy', sa.String(length=20), nullable=False),
    sa.Column('value', backoffice.storage.ExactDecimal(precision=18, scale=4), nullable=False),
    sa.Column('days_from_event', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pay_plan_id'], ['pay_plan.id'], name=op.f('fk_pay_plan_line_pay_plan_id_pay_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pay_plan_line')),
    sa.UniqueConstraint('pay_plan_id', 'seq', name=op.f('uq_pay_plan_line_pay_plan_id_seq'))
    )
    op.create_table('product_family',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['product_class.id'], name=op.f('fk_product_family_class_id_product_class')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_family')),
    sa.UniqueConstraint('code', name=op.f('uq_product_family_code'))
    )
    op.create_table('product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('pricing', sa.String(length=20), nullable=False),
    sa.Column('rate', backoffice.storage.ExactDecimal(precision=9, scale=4), nullable=True),
    sa.Column('basis', sa.String(length=20), nullable=True),
    sa.Column('amount', backoffice.storage.ExactDecimal(precision=18, scale=4), nullable=True),
    sa.Column('unit_price', backoffice.storage.ExactDecimal(precision=18, scale=4), nullable=True),
    sa.ForeignKeyConstraint(['family_id'], ['product_family.id'], name=op.f('fk_product_family_id_product_family')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product')),
    sa.UniqueConstraint('code', name=op.f('uq_product_code'))
    )
    op.create_table('customer_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('billto_id', sa.Integer(), nullable=False),
    sa.Column('scope_key', sa.String(length=80), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('family_id', sa.Integer(), nullable=True),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.Column('pay_plan_id', sa.Integer(), nullable=True),
    sa.Column('terms_id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('po_number', sa.String(length=40), nullable=True),
    sa.Column('price_rate', backoffice.storage.ExactDecimal(precision=9, scale=4), nullable=True),
    sa.Column('price_amount', backoffice.storage.ExactDecimal(precision=18, scale=4), nullable=True),
    sa.Column('price_unit_price', backoffice.storage.ExactDecimal(precision=18, scale=4), nullable=True),
    sa.CheckConstraint('(CASE WHEN product_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN family_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN class_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_customer_assignment_one_scope')),
    sa.ForeignKeyConstraint(['class_id'], ['product_class.id'], name=op.f('fk_customer_assignment_class_id_product_class')),
    sa.ForeignKeyConstraint(['family_id'], ['product_family.id'], name=op.f('fk_customer_assignment_family_id_product_family')),
    sa.ForeignKeyConstraint(['pay_plan_id'], ['pay_plan.id'], name=op.f('fk_customer_assignment_pay_plan_id_pay_plan')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_customer_assignment_product_id_product')),
    sa.ForeignKeyConstraint(['terms_id'], ['terms.id'], name=op.f('fk_customer_assignment_terms_id_terms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_assignment')),
    sa.UniqueConstraint('billto_id', 'scope_key', 'effective_from', name=op.f('uq_customer_assignment_billto_id_scope_key_effective_from'))
    )
    with op.batch_alter_table('customer_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_assignment_billto_id'), ['billto_id'], unique=False)



def downgrade() -> None:
    op.drop_table('customer_assignment')  # with its indexes (MariaDB keeps an index a foreign key needs)
    op.drop_table('product')
    op.drop_table('product_family')
    op.drop_table('pay_plan_line')
    op.drop_table('terms')
    op.drop_table('product_class')
    op.drop_table('pay_plan')
