"""mentions and read state

Revision ID: 2125d12f881d
Revises: 1fee3b758009
Create Date: 2026-11-28 10:01:38.473194

"""
from alembic import op
import sqlalchemy as sa

import app.models


# revision identifiers, used by Alembic.
revision = '2125d12f881d'
down_revision = '1fee3b758009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('channel_reads',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('last_read_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('user_id', 'channel_id'),
    mysql_charset='utf8mb4'
    )
    op.create_table('message_mentions',
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('username_key', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('message_id', 'user_id'),
    mysql_charset='utf8mb4'
    )
    with op.batch_alter_table('message_mentions', schema=None) as batch_op:
        batch_op.create_index('ix_message_mentions_user_id_channel_id_message_id', ['user_id', 'channel_id', 'message_id'], unique=False)

    with op.batch_alter_table('notifications', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('channel_name', sa.String(length=100), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_notifications_message_id'), ['message_id'], unique=False)
        batch_op.create_foreign_key('fk_notifications_message_id_messages', 'messages', ['message_id'], ['id'], ondelete='CASCADE')



def downgrade():
    with op.batch_alter_table('notifications', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint('fk_notifications_message_id_messages', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notifications_message_id'))
        batch_op.drop_column('channel_name')
        batch_op.drop_column('channel_id')
        batch_op.drop_column('message_id')

    with op.batch_alter_table('message_mentions', schema=None) as batch_op:
        batch_op.drop_index('ix_message_mentions_user_id_channel_id_message_id')

    op.drop_table('message_mentions')
    op.drop_table('channel_reads')
