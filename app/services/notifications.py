"""Notifications: what one user should know about, with a live unread count."""
from flask import abort
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Invitation, Message, Notification, User, utcnow
from app.services import events

INVITATION, INVITE_ACCEPTED, MENTION, REPLY = "invitation", "invite_accepted", "mention", "reply"
REMOVED, SERVER_DELETED = "removed", "server_deleted"
DIRECT_MESSAGE = "direct_message"
BANNED, TIMED_OUT = "banned", "timed_out"
LIST_SIZE = 30


def notify(user_id: int, kind: str, **fields) -> Notification:
    """Add a notification and its live event to the current transaction."""
    notification = Notification(user_id=user_id, kind=kind, **fields)
    db.session.add(notification)
    # What a desktop notification needs (app.realtime.desktop); the notification's id is not known yet.
    notice = {key: fields.get(key) for key in ("actor_id", "server_name", "channel_name", "message_id")}
    events.record_event(events.NOTIFICATIONS_CHANGED, user_id=user_id, notice=kind, **notice)
    return notification


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id))
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None)))


def get_notifications(user: User) -> list[Notification]:
    """Newest first, with who did it and the invitation, in one query."""
    return list(db.session.scalars(
        select(Notification).options(joinedload(Notification.actor),
                                     joinedload(Notification.invitation).joinedload(Invitation.server),
                                     joinedload(Notification.message).lazyload(Message.mentions))
        .where(Notification.user_id == user.id).order_by(Notification.id.desc()).limit(LIST_SIZE)))


def mark_read(user: User, notification_id: int) -> None:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        abort(404)
    if notification.read_at is None:
        notification.read_at = utcnow()
        events.record_event(events.NOTIFICATIONS_CHANGED, user_id=user.id)
        db.session.commit()


def mark_all_read(user: User) -> None:
    changed = db.session.execute(update(Notification)
                                 .where(Notification.user_id == user.id, Notification.read_at.is_(None))
                                 .values(read_at=utcnow())).rowcount
    if changed:
        events.record_event(events.NOTIFICATIONS_CHANGED, user_id=user.id)
    db.session.commit()
