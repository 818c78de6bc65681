"""Moderation: bans, timeouts and slow mode, each on the audit log in its own transaction.

Owners and admins moderate whom they may remove (`servers.can_remove`:
owners anyone but themselves, admins plain members). The rules that keep a
banned or timed-out member out are checked here, in the services, whatever
the path: `check_not_banned` by `servers.add_member` (every way in), and
`check_can_write` before a post or a reaction.
"""
from datetime import datetime, timedelta

from flask import abort
from flask_babel import format_datetime, format_timedelta
from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import Forbidden

from app.extensions import db
from app.models import (
    Attachment,
    Ban,
    Channel,
    Membership,
    Message,
    MessageMention,
    Notification,
    Server,
    User,
    utcnow,
)
from app.services import attachments, audit, events, notifications, servers, text
from app.services.errors import ValidationFailed, collect

REASON_MAX = 300
# The choices the forms offer (seconds).
TIMEOUTS = {"60": 60, "300": 300, "600": 600, "3600": 3600, "86400": 86400, "604800": 604800}
DELETE_WINDOWS = {"": 0, "3600": 3600, "86400": 86400, "604800": 604800}


class Banned(Forbidden):
    """A banned user trying to come back: 403, saying why."""

    def __init__(self, server_name: str, reason: str):
        message = (_("You are banned from %(server)s: %(reason)s", server=server_name, reason=reason) if reason
                   else _("You are banned from %(server)s.", server=server_name))
        super().__init__(message)


def get_ban(server_id: int, user_id: int) -> Ban | None:
    return db.session.get(Ban, (server_id, user_id))


def check_not_banned(server: Server, user_id: int) -> None:
    ban = get_ban(server.id, user_id)
    if ban is not None:
        raise Banned(server.name, ban.reason)


def check_choice(raw: str | None, choices: dict, field: str):
    if raw not in choices:
        raise ValidationFailed({field: _("Choose one of the listed times.")})
    return choices[raw]


def check_reason(raw: str | None) -> str:
    reason = text.clean_line(raw)
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": _("At most %(n)d characters.", n=REASON_MAX)})
    return reason


def access_target(user: User, server_id: int, member_id: int) -> tuple[Membership, Membership]:
    """The moderator's and the member's memberships; 404 if either is not in the server, 403 if the moderator
    may not act on that member."""
    actor = servers.access_community(user, server_id)
    target = db.session.scalar(select(Membership).where(Membership.server_id == server_id,
                                                        Membership.user_id == member_id))
    if target is None:
        abort(404)
    if not servers.can_remove(actor, target):
        abort(403)
    return actor, target


def ban(user: User, server_id: int, member_id: int, data) -> User:
    """Ban a member: out of the server at once (every tab), kept out, told why; perhaps their recent
    messages deleted (the last hour, day or week)."""
    actor, target = access_target(user, server_id, member_id)
    values = check_ban(data)
    banned = db.session.get(User, member_id)
    db.session.delete(target)
    db.session.execute(update(Server).where(Server.id == server_id).values(member_count=Server.member_count - 1))
    events.record_event(events.MEMBER_LEFT, server_id=server_id, user_id=member_id)
    notifications.notify(member_id, notifications.BANNED, actor_id=user.id, server_id=server_id,
                         server_name=actor.server.name)
    return write_ban(user, server_id, banned, values)


def ban_by_name(user: User, server_id: int, data) -> User:
    """Ban by username, from the Bans page: a member as from the member list; anyone else (who left, was
    removed, or never came) is kept out before they come back, their recent messages here perhaps deleted."""
    servers.access_as_admin(user, server_id)
    username = text.clean_line(data.get("username")).lstrip("@").lower()
    target = db.session.scalar(select(User).where(User.username_key == username, User.deleted_at.is_(None))) \
        if username else None
    if target is None:
        raise ValidationFailed({"username": _("There is no user with that name.")})
    if target.id == user.id:
        raise ValidationFailed({"username": _("You cannot ban yourself.")})
    if get_ban(server_id, target.id) is not None:
        raise ValidationFailed({"username": _("%(name)s is already banned.", name=target.username)}, status=409)
    if db.session.scalar(select(Membership.id).where(Membership.server_id == server_id,
                                                     Membership.user_id == target.id)) is not None:
        return ban(user, server_id, target.id, data)
    return write_ban(user, server_id, target, check_ban(data))


def check_ban(data) -> dict:
    return collect(reason=lambda: check_reason(data.get("reason")),
                   window=lambda: check_choice(data.get("delete_messages", ""), DELETE_WINDOWS, "delete_messages"))


def write_ban(user: User, server_id: int, banned: User, values: dict) -> User:
    """The ban itself, the deletions and the audit entry, in one transaction (the caller's changes too)."""
    db.session.add(Ban(server_id=server_id, user_id=banned.id, actor_id=user.id, reason=values["reason"]))
    deleted, files = delete_recent_messages(server_id, banned.id, values["window"])
    audit.record(server_id, user.id, audit.MEMBER_BANNED, banned.id, member=banned.username,
                 reason=values["reason"], deleted_messages=deleted)
    db.session.commit()
    attachments.remove_files(files)
    return banned


def delete_recent_messages(server_id: int, user_id: int, seconds: int) -> tuple[int, list[str]]:
    """Delete what the user wrote in the server in the last `seconds`, in the caller's transaction; each
    deletion reaches open tabs as usual. Returns how many, and the files to remove after the commit."""
    if not seconds:
        return 0, []
    rows = db.session.execute(
        select(Message.id, Message.channel_id).join(Channel, Channel.id == Message.channel_id)
        .where(Channel.server_id == server_id, Message.author_id == user_id,
               Message.created_at >= utcnow() - timedelta(seconds=seconds))).all()
    ids = [message_id for message_id, _channel in rows]
    if not ids:
        return 0, []
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.message_id.in_(ids))))
    for told_id in sorted(told):
        events.record_event(events.NOTIFICATIONS_CHANGED, user_id=told_id)
    db.session.execute(delete(Notification).where(Notification.message_id.in_(ids)))
    db.session.execute(delete(MessageMention).where(MessageMention.message_id.in_(ids)))
    files = attachments.stored_keys(Attachment.message_id.in_(ids))
    db.session.execute(delete(Attachment).where(Attachment.message_id.in_(ids)))
    db.session.execute(delete(Message).where(Message.id.in_(ids)))
    for message_id, channel_id in rows:
        events.record_event(events.MESSAGE_DELETED, server_id=server_id, channel_id=channel_id,
                            message_id=message_id)
    return len(ids), files


def unban(user: User, server_id: int, member_id: int) -> None:
    """Lift a ban (owners and admins): they may join again by the usual ways."""
    servers.access_as_admin(user, server_id)
    found = get_ban(server_id, member_id)
    if found is None:
        abort(404)
    unbanned = db.session.get(User, member_id)
    db.session.delete(found)
    audit.record(server_id, user.id, audit.MEMBER_UNBANNED, member_id, member=unbanned.username)
    db.session.commit()


def get_bans(user: User, server_id: int) -> tuple[Membership, list[Ban]]:
    """The server's bans, newest first, with who and by whom (owners and admins)."""
    membership = servers.access_as_admin(user, server_id)
    return membership, list(db.session.scalars(
        select(Ban).options(joinedload(Ban.user), joinedload(Ban.actor))
        .where(Ban.server_id == server_id).order_by(Ban.created_at.desc())))


def time_out(user: User, server_id: int, member_id: int, data) -> Membership:
    """Mute a member for a while: they read but do not post, react or upload until then."""
    actor, target = access_target(user, server_id, member_id)
    seconds = check_choice(data.get("duration"), TIMEOUTS, "duration")
    target.timed_out_until = utcnow() + timedelta(seconds=seconds)
    member = db.session.get(User, member_id)
    events.record_event(events.MEMBER_MODERATED, server_id=server_id, user_id=member_id)
    notifications.notify(member_id, notifications.TIMED_OUT, actor_id=user.id, server_id=server_id,
                         server_name=actor.server.name)
    audit.record(server_id, user.id, audit.MEMBER_TIMED_OUT, member_id, member=member.username,
                 seconds=seconds, until=target.timed_out_until.isoformat())
    db.session.commit()
    return target


def end_timeout(user: User, server_id: int, member_id: int) -> Membership:
    _actor, target = access_target(user, server_id, member_id)
    if target.timed_out_until is not None:
        target.timed_out_until = None
        member = db.session.get(User, member_id)
        events.record_event(events.MEMBER_MODERATED, server_id=server_id, user_id=member_id)
        audit.record(server_id, user.id, audit.TIMEOUT_ENDED, member_id, member=member.username)
        db.session.commit()
    return target


def timed_out_until(membership: Membership, now: datetime | None = None) -> datetime | None:
    until = membership.timed_out_until
    return until if until is not None and until > (now or utcnow()) else None


def slow_mode_wait(membership: Membership, channel: Channel, now: datetime | None = None) -> int:
    """Seconds the member must still wait before posting in the channel (0: may post now)."""
    if not channel.slow_mode_seconds or membership.is_admin:
        return 0
    last = db.session.scalar(select(Message.created_at).where(Message.channel_id == channel.id,
                                                              Message.author_id == membership.user_id)
                             .order_by(Message.id.desc()).limit(1))
    if last is None:
        return 0
    left = channel.slow_mode_seconds - ((now or utcnow()) - last).total_seconds()
    return max(0, int(left + 0.999))


def check_can_write(membership: Membership, channel: Channel | None = None, field: str = "content") -> None:
    """A timed-out member writes nothing; slow mode spaces a member's posts in a channel (403 / 429, why).
    Without a channel (reactions) only the timeout counts."""
    until = timed_out_until(membership)
    if until is not None:
        raise ValidationFailed({field: _("You are timed out in this server until %(time)s.",
                                             time=format_datetime(until, "short"))}, status=403)
    if channel is not None:
        wait = slow_mode_wait(membership, channel)
        if wait:
            raise ValidationFailed({field: _("Slow mode is on: you can post again in %(wait)s.",
                                                 wait=format_timedelta(timedelta(seconds=wait), threshold=1.1))},
                                   status=429)
