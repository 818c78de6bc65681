"""message nonces per channel

A nonce is unique per author and channel: the same nonce sent to another
channel is another message, not a retry of the first.

Revision ID: b7e2d4c91a5f
Revises: 2125d12f881d
Create Date: 2026-12-04 09:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7e2d4c91a5f'
down_revision = '2125d12f881d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint('uq_messages_author_nonce', type_='unique')
        batch_op.create_unique_constraint('uq_messages_author_channel_nonce', ['author_id', 'channel_id', 'nonce'])


def downgrade():
    # Nonces reused across channels would break the narrower constraint: forget all but the first.
    op.execute("UPDATE messages SET nonce = NULL WHERE nonce IS NOT NULL AND id NOT IN ("
               "SELECT first_id FROM (SELECT MIN(id) AS first_id FROM messages WHERE nonce IS NOT NULL "
               "GROUP BY author_id, nonce) AS firsts)")
    with op.batch_alter_table('messages', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint('uq_messages_author_channel_nonce', type_='unique')
        batch_op.create_unique_constraint('uq_messages_author_nonce', ['author_id', 'nonce'])
