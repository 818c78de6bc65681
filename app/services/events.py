"""The events table: every change other tabs must see, written in its transaction.

Event kinds are constants so the names used by services, templates and the
stream cannot drift.
"""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event

MESSAGE_CREATED = "message.created"
MESSAGE_EDITED = "message.edited"
MESSAGE_DELETED = "message.deleted"
MESSAGE_REACTIONS = "message.reactions"
CHANNEL_CREATED = "channel.created"
CHANNEL_UPDATED = "channel.updated"
CHANNEL_DELETED = "channel.deleted"
SERVER_DELETED = "server.deleted"
SERVER_UPDATED = "server.updated"
MEMBER_JOINED = "member.joined"
MEMBER_LEFT = "member.left"
MEMBER_ROLE_CHANGED = "member.role_changed"
# Timed out or back: the member's own tabs redraw their message box.
MEMBER_MODERATED = "member.moderated"
USER_UPDATED = "user.updated"
SESSIONS_REVOKED = "sessions.revoked"
NOTIFICATIONS_CHANGED = "notifications.changed"
READ_UPDATED = "read.updated"
# A direct conversation closed, or back in a member's list: their tabs redraw the list of conversations.
CONVERSATIONS_CHANGED = "conversations.changed"


def record_event(kind: str, *, server_id: int | None = None, channel_id: int | None = None,
                 user_id: int | None = None, **payload) -> Event:
    """Add an event to the current transaction; the caller commits."""
    event = Event(kind=kind, server_id=server_id, channel_id=channel_id, user_id=user_id,
                  payload=payload)
    db.session.add(event)
    return event


def get_cursor() -> int:
    """The newest event id: what a page shows is current up to here."""
    return db.session.scalar(select(func.max(Event.id))) or 0
