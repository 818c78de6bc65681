"""invisible and custom status

Revision ID: e7a2c4d6f8b1
Revises: d5f1a2b3c4e6
Create Date: 2026-12-04 23:50:00

"""
from alembic import op
import sqlalchemy as sa

import app.models


revision = 'e7a2c4d6f8b1'
down_revision = 'd5f1a2b3c4e6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('invisible', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('status_text', sa.String(length=128), server_default='', nullable=False))
        batch_op.add_column(sa.Column('status_expires_at', app.models.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('status_expires_at')
        batch_op.drop_column('status_text')
        batch_op.drop_column('invisible')
