"""Earlier versions of edited messages, listed newest first (services.messages writes them)."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Channel, Message, MessageMention, MessageRevision, User
from app.services.messages import access_message


@dataclass
class Version:
    """One version as the message partials show it (the `message_html` filter reads these fields)."""

    content: str
    written_at: datetime
    current: bool
    content_html: str | None = None
    render_version: int = 0
    # Earlier versions are rendered when shown, with the message's current mentions.
    mentions: tuple[MessageMention, ...] = ()


def get_versions(user: User, message_id: int) -> tuple[Message, Channel, list[Version]]:
    """The message, its channel and every version of it, newest (the current one) first.

    Any member of the channel's server may read them (as in Zulip); outsiders
    get 404. A constant number of queries however many revisions there are.
    """
    message, channel = access_message(user, message_id)
    revisions = db.session.scalars(select(MessageRevision).where(MessageRevision.message_id == message.id)
                                   .order_by(MessageRevision.id.desc()))
    current = Version(content=message.content, written_at=message.edited_at or message.created_at, current=True,
                      content_html=message.content_html, render_version=message.render_version,
                      mentions=tuple(message.mentions))
    return message, channel, [current] + [Version(content=r.content, written_at=r.written_at, current=False,
                                                  mentions=current.mentions) for r in revisions]
