"""direct messages: server kind, one-to-one key, DM privacy

Revision ID: a3c5e7f9b1d2
Revises: e7a2c4d6f8b1
Create Date: 2026-12-05 01:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a3c5e7f9b1d2'
down_revision = 'e7a2c4d6f8b1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('servers', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=8), server_default='server', nullable=False))
        batch_op.add_column(sa.Column('dm_key', sa.String(length=48), nullable=True))
        batch_op.create_unique_constraint('uq_servers_dm_key', ['dm_key'])
    with op.batch_alter_table('users', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('dm_policy', sa.String(length=8), server_default='members', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('dm_policy')
    with op.batch_alter_table('servers', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint('uq_servers_dm_key', type_='unique')
        batch_op.drop_column('dm_key')
        batch_op.drop_column('kind')
