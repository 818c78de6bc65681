"""Re-render stored message HTML after the renderer changes (RENDER_VERSION).

Written with lightweight table constructs on a plain connection, not the ORM
models, so the migration that introduced `content_html` can run it whatever
the models look like later. Keyset batches: memory stays flat on any history.
"""
from sqlalchemy import Connection, column, select, table, update

from app.services import formatting

BATCH = 500

messages = table("messages", column("id"), column("content"), column("content_html"), column("render_version"))
mentions = table("message_mentions", column("message_id"), column("username_key"))


def rerender_messages(connection: Connection, batch: int = BATCH) -> int:
    """Render every message whose stored HTML is missing or of another version; returns how many."""
    done, after = 0, 0
    while True:
        rows = connection.execute(
            select(messages.c.id, messages.c.content)
            .where(messages.c.id > after,
                   (messages.c.render_version != formatting.RENDER_VERSION) | messages.c.content_html.is_(None))
            .order_by(messages.c.id).limit(batch)).all()
        if not rows:
            return done
        ids = [row.id for row in rows]
        keys: dict[int, set[str]] = {}
        for message_id, key in connection.execute(
                select(mentions.c.message_id, mentions.c.username_key).where(mentions.c.message_id.in_(ids))):
            keys.setdefault(message_id, set()).add(key)
        for row in rows:
            connection.execute(update(messages).where(messages.c.id == row.id).values(
                content_html=formatting.render(row.content, keys.get(row.id, set())),
                render_version=formatting.RENDER_VERSION))
        done += len(rows)
        after = ids[-1]
