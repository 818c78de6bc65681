"""preferences: theme and desktop notifications per user, notification level per membership

Revision ID: c3a9d1e7f2b4
Revises: b7d4e5f6a1c2
Create Date: 2026-12-04 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a9d1e7f2b4'
down_revision = 'b7d4e5f6a1c2'
branch_labels = None
depends_on = None


def upgrade():
    # Server defaults fill the existing rows: system theme, notifications off, mentions only.
    with op.batch_alter_table('users', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('theme', sa.String(length=8), server_default='system', nullable=False))
        batch_op.add_column(sa.Column('desktop_notifications', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('memberships', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('notify_level', sa.String(length=8), server_default='mentions',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('memberships', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('notify_level')
    with op.batch_alter_table('users', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('desktop_notifications')
        batch_op.drop_column('theme')
