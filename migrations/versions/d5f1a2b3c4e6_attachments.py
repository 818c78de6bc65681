"""attachments: files and images sent with messages

Revision ID: d5f1a2b3c4e6
Revises: a1e417dc180a
Create Date: 2026-12-04 22:40:00

"""
from alembic import op
import sqlalchemy as sa

import app.models


revision = 'd5f1a2b3c4e6'
down_revision = 'a1e417dc180a'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('attachments',
    sa.Column('id', BigId, nullable=False),
    sa.Column('message_id', BigId, nullable=False),
    sa.Column('server_id', BigId, nullable=False),
    sa.Column('channel_id', BigId, nullable=False),
    sa.Column('uploader_id', BigId, nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('animated', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('thumb_key', sa.String(length=200), nullable=True),
    sa.Column('thumb_width', sa.Integer(), nullable=True),
    sa.Column('thumb_height', sa.Integer(), nullable=True),
    sa.Column('colour', sa.String(length=7), nullable=True),
    sa.Column('alt', sa.String(length=500), server_default='', nullable=False),
    sa.Column('created_at', app.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('storage_key'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_message_id'), ['message_id'], unique=False)
        batch_op.create_index('ix_attachments_server_id_id', ['server_id', 'id'], unique=False)
        batch_op.create_index('ix_attachments_uploader_id_created_at', ['uploader_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index('ix_attachments_uploader_id_created_at')
        batch_op.drop_index('ix_attachments_server_id_id')
        batch_op.drop_index(batch_op.f('ix_attachments_message_id'))
    op.drop_table('attachments')
