"""connections and mappings: encrypted connections, remote links, mapping rules, pull requests

Secrets and OAuth tokens are stored sealed by the vault (Fernet), never in clear.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 22:05:21.079838
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('connection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('system', sa.String(length=20), nullable=False),
    sa.Column('settings', sa.Text(), nullable=False),
    sa.Column('secrets', sa.Text(), nullable=False),
    sa.Column('tokens', sa.Text(), nullable=True),
    sa.Column('token_expires_at', sa.DateTime(), nullable=True),
    sa.Column('refresh_expires_at', sa.DateTime(), nullable=True),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connection')),
    sa.UniqueConstraint('name', name=op.f('uq_connection_name'))
    )
    op.create_table('mapping_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('scope_key', sa.String(length=60), nullable=False),
    sa.Column('remote_id', sa.String(length=60), nullable=False),
    sa.Column('remote_name', sa.String(length=200), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['connection.id'], name=op.f('fk_mapping_rule_connection_id_connection')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mapping_rule')),
    sa.UniqueConstraint('connection_id', 'field', 'scope', 'scope_key', name=op.f('uq_mapping_rule_connection_id_field_scope_scope_key'))
    )
    op.create_table('remote_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('local_kind', sa.String(length=20), nullable=False),
    sa.Column('local_key', sa.String(length=60), nullable=False),
    sa.Column('remote_id', sa.String(length=60), nullable=False),
    sa.Column('remote_name', sa.String(length=200), nullable=True),
    sa.Column('remote_version', sa.String(length=40), nullable=True),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['connection.id'], name=op.f('fk_remote_link_connection_id_connection')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_link')),
    sa.UniqueConstraint('connection_id', 'local_kind', 'local_key', name=op.f('uq_remote_link_connection_id_local_kind_local_key'))
    )


    op.create_table('pull_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['connection.id'], name=op.f('fk_pull_request_connection_id_connection')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pull_request'))
    )
    op.create_index(op.f('ix_pull_request_connection_id'), 'pull_request', ['connection_id'], unique=False)


def downgrade() -> None:
    op.drop_table('pull_request')  # with its index (MariaDB keeps an index a foreign key needs)
    op.drop_table('remote_link')
    op.drop_table('mapping_rule')
    op.drop_table('connection')
