"""rich messages: rendered html, replies, reactions, revisions, edit window

Revision ID: a1e417dc180a
Revises: c3a9d1e7f2b4
Create Date: 2026-12-04 19:21:23.603525

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

import app.models
from app.services.rerender import rerender_messages


# revision identifiers, used by Alembic.
revision = 'a1e417dc180a'
down_revision = 'c3a9d1e7f2b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_reactions',
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('emoji', sa.String(length=64).with_variant(
        mysql.VARCHAR(64, charset='utf8mb4', collation='utf8mb4_bin'), 'mysql', 'mariadb'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', app.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', 'emoji', 'user_id')
    )
    with op.batch_alter_table('message_reactions', schema=None) as batch_op:
        batch_op.create_index('ix_message_reactions_user_id_created_at', ['user_id', 'created_at'], unique=False)

    op.create_table('message_revisions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('written_at', app.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('message_revisions', schema=None) as batch_op:
        batch_op.create_index('ix_message_revisions_message_id_id', ['message_id', 'id'], unique=False)

    with op.batch_alter_table('messages', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('content_html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('render_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('reply_to_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_index(batch_op.f('ix_messages_reply_to_id'), ['reply_to_id'], unique=False)

    with op.batch_alter_table('servers', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('edit_window_seconds', sa.Integer(), nullable=True))

    # Existing messages get their HTML now, so opening a channel renders nothing.
    rerender_messages(op.get_bind())



def downgrade():
    with op.batch_alter_table('servers', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('edit_window_seconds')

    with op.batch_alter_table('messages', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_reply_to_id'))
        batch_op.drop_column('reply_to_id')
        batch_op.drop_column('render_version')
        batch_op.drop_column('content_html')

    with op.batch_alter_table('message_revisions', schema=None) as batch_op:
        batch_op.drop_index('ix_message_revisions_message_id_id')

    op.drop_table('message_revisions')
    with op.batch_alter_table('message_reactions', schema=None) as batch_op:
        batch_op.drop_index('ix_message_reactions_user_id_created_at')

    op.drop_table('message_reactions')
