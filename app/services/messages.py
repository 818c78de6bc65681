"""Messages: history by keyset pages, send, edit, delete."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort
from flask_babel import format_timedelta
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.exceptions import Forbidden

from app.extensions import db
from app.models import (
    Channel,
    Membership,
    Message,
    MessageMention,
    MessageReaction,
    MessageRevision,
    Notification,
    Server,
    User,
    utcnow,
)
from app.services import (
    attachments,
    blocks,
    direct,
    events,
    formatting,
    mentions,
    moderation,
    notifications,
    preferences,
    reads,
    replies,
    text,
)
from app.services.errors import ValidationFailed
from app.services.servers import access_membership
from app.services.transactions import retried

CONTENT_MAX = 4000
GROUP_WINDOW = timedelta(minutes=7)


def displayed() -> tuple:
    """Loader options for messages that are shown: what the message templates read (`lazy="raise"` otherwise)."""
    return (joinedload(Message.author),
            selectinload(Message.reactions).joinedload(MessageReaction.user),
            selectinload(Message.attachments),
            # The answered message shows a one-line preview: its author and text, not its mentions.
            selectinload(Message.reply_to).options(joinedload(Message.author), lazyload(Message.mentions)))


@dataclass
class HistoryPage:
    messages: list[Message]  # oldest first
    has_older: bool

    @property
    def oldest_id(self) -> int | None:
        return self.messages[0].id if self.messages else None


def get_history(channel_id: int, before: int | None = None, limit: int = 50) -> HistoryPage:
    """Up to `limit` messages older than `before` (newest when None), oldest first.

    Keyset pagination on (channel_id, id): the cost does not grow with history.
    """
    query = (select(Message).options(*displayed())
             .where(Message.channel_id == channel_id).order_by(Message.id.desc()).limit(limit + 1)
             # MariaDB otherwise uses only the channel_id part of the index for
             # `id < before` and walks every newer message (measured in bench/).
             .with_hint(Message, "FORCE INDEX (ix_messages_channel_id_id)", dialect_name="mysql"))
    if before is not None:
        query = query.where(Message.id < before)
    rows = list(db.session.scalars(query))
    return HistoryPage(messages=rows[:limit][::-1], has_older=len(rows) > limit)


def continues_group(previous: Message | None, message: Message) -> bool:
    """True when `message` follows `previous` from the same author within a few minutes."""
    return (previous is not None and previous.author_id == message.author_id
            and message.created_at - previous.created_at < GROUP_WINDOW)


def check_content(raw: str | None, *, required: bool = True) -> str:
    """The source as it will be stored: cleaned, `:shortcodes:` made emoji (not in code), within the limit.

    Only a message with files may have no text (`required=False`).
    """
    content = formatting.emojize_outside_code(text.clean_multiline(raw))
    if not content and required:
        raise ValidationFailed({"content": _("Write something first.")})
    if len(content) > CONTENT_MAX:
        raise ValidationFailed({"content": _("Messages are at most %(n)d characters (this one has %(len)d).",
                                             n=CONTENT_MAX, len=len(content))})
    return content


def access_channel(user: User, server_id: int, channel_id: int) -> tuple[Membership, Channel]:
    """The membership and the channel, or 404 for outsiders and unknown channels."""
    membership = access_membership(user, server_id)
    channel = db.session.scalar(select(Channel).where(Channel.id == channel_id,
                                                      Channel.server_id == server_id))
    if channel is None:
        abort(404)
    return membership, channel


def access_message(user: User, message_id: int, *, as_author: bool = False) -> tuple[Message, Channel]:
    """The message and its channel if the user is a member (404 otherwise).

    With `as_author`, anyone but the author gets 403.
    """
    row = db.session.execute(
        select(Message, Channel).join(Channel, Channel.id == Message.channel_id)
        .join(Membership, (Membership.server_id == Channel.server_id) & (Membership.user_id == user.id))
        .options(*displayed())
        .where(Message.id == message_id)).first()
    if row is None:
        abort(404)
    message, channel = row
    if as_author and message.author_id != user.id:
        abort(403)
    return message, channel


def in_newest_page(message: Message, page_size: int) -> bool:
    """Whether the channel's first page (its newest messages) shows `message`."""
    newer = db.session.scalars(select(Message.id).where(Message.channel_id == message.channel_id,
                                                        Message.id > message.id).limit(page_size)).all()
    return len(newer) < page_size


def get_previous(message: Message) -> Message | None:
    """The message just before `message` in its channel (for grouping)."""
    return db.session.scalar(select(Message).options(lazyload(Message.mentions))
                             .where(Message.channel_id == message.channel_id, Message.id < message.id)
                             .order_by(Message.id.desc()).limit(1))


NONCE_MAX = 40


def find_by_nonce(user: User, channel_id: int, nonce: str | None) -> Message | None:
    """The user's message in the channel sent with `nonce` (a retry of it), or None."""
    if not nonce:
        return None
    return db.session.scalar(select(Message).options(*displayed())
                             .where(Message.author_id == user.id, Message.channel_id == channel_id,
                                    Message.nonce == nonce))


def set_rendered(message: Message, mention_keys: set[str]) -> None:
    """Store the message's HTML, rendered now: reading a channel renders nothing."""
    message.content_html = formatting.render(message.content, mention_keys)
    message.render_version = formatting.RENDER_VERSION


@retried
def send_message(user: User, server_id: int, channel_id: int, raw_content: str | None,
                 nonce: str | None = None, reply_to: str | int | None = None, notify_reply: bool = True,
                 files: list[attachments.Prepared] = ()) -> Message:
    """Post a message to a channel the user is a member of, perhaps as a reply to one in it,
    perhaps with files already stored by `attachments.receive` (its rows are written here).

    `nonce` is chosen by the composer per message: a retried POST to the same
    channel (a lost answer, a double submit) returns the first message
    instead of a second. The author of the answered message is told, as for a
    mention, unless `notify_reply` is off.
    """
    membership, channel = access_channel(user, server_id, channel_id)
    moderation.check_can_write(membership, channel)
    if membership.server.is_dm:
        direct.check_can_write(membership.server, user)
    content = check_content(raw_content, required=not files)
    original = replies.check_reply_to(reply_to, channel.id)
    nonce = (nonce or "").strip()[:NONCE_MAX] or None
    existing = find_by_nonce(user, channel.id, nonce)
    if existing is not None:
        attachments.discard(list(files))  # the first attempt stored its own
        return existing
    message = Message(channel_id=channel.id, author_id=user.id, content=content, nonce=nonce,
                      reply_to_id=original.id if original else None)
    message.author = user
    set_committed_value(message, "reactions", [])  # new: none yet, and no query to learn it
    set_committed_value(message, "reply_to", original)
    attachments.attach(message, channel, list(files))
    mentioned = mentions.resolve(server_id, user.id, formatting.without_code(content))
    message.mentions = [MessageMention(user_id=user_id, channel_id=channel.id, username_key=key)
                        for user_id, key in mentioned.items()]
    set_rendered(message, set(mentioned.values()))
    db.session.add(message)
    try:
        db.session.flush()
    except IntegrityError:  # the same nonce committed by a concurrent retry
        db.session.rollback()
        attachments.discard(list(files))
        return find_by_nonce(user, channel.id, nonce)
    if membership.server.is_dm:
        # Everyone in a conversation hears of every message; mentions and replies add nothing to that.
        direct.on_new_message(message, membership.server, channel)
    else:
        notify_mentioned(message, membership.server, channel, set(mentioned))
        answered = replies.to_tell(original, user.id, set(mentioned), notify_reply)
        if answered:
            notify_mentioned(message, membership.server, channel, answered, kind=notifications.REPLY)
    reads.advance(user.id, channel.id, message.id)  # what you write you have read
    events.record_event(events.MESSAGE_CREATED, server_id=server_id, channel_id=channel.id,
                        message_id=message.id)
    db.session.commit()
    return message


def edit_window_ends(message: Message, server: Server) -> datetime | None:
    """Until when the author may edit the message (None: no limit in this server)."""
    if server.edit_window_seconds is None:
        return None
    return message.created_at + timedelta(seconds=server.edit_window_seconds)


def access_editable(user: User, message_id: int) -> tuple[Message, Channel]:
    """The user's own message, if the server's edit window is still open (403 with the reason otherwise)."""
    message, channel = access_message(user, message_id, as_author=True)
    server = db.session.get(Server, channel.server_id)
    ends = edit_window_ends(message, server)
    if ends is not None and utcnow() > ends:
        raise Forbidden(_("Messages in this server can be edited for %(window)s after sending.",
                          window=format_timedelta(timedelta(seconds=server.edit_window_seconds))))
    return message, channel


@retried
def edit_message(user: User, message_id: int, raw_content: str | None) -> Message:
    """Replace the content of the user's own message, keeping the earlier version in its history."""
    message, channel = access_editable(user, message_id)
    content = check_content(raw_content, required=not message.attachments)
    if content != message.content:
        db.session.add(MessageRevision(message_id=message.id, content=message.content,
                                       written_at=message.edited_at or message.created_at))
        message.content = content
        message.edited_at = utcnow()
        mentioned = mentions.resolve(channel.server_id, user.id, formatting.without_code(content))
        added = mentions.sync(message, mentioned)
        set_rendered(message, set(mentioned.values()))
        server = db.session.get(Server, channel.server_id)
        if added and not server.is_dm:
            notify_mentioned(message, server, channel, added)
        events.record_event(events.MESSAGE_EDITED, server_id=channel.server_id, channel_id=channel.id,
                            message_id=message.id)
        db.session.commit()
    return message


@dataclass
class Version:
    content: str
    written_at: datetime
    current: bool
    content_html: str | None = None
    render_version: int = 0


def get_versions(message: Message) -> list[Version]:
    """The message as it reads now, then its earlier versions, newest first (one query)."""
    current = Version(message.content, message.edited_at or message.created_at, True,
                      message.content_html, message.render_version)
    earlier = db.session.scalars(select(MessageRevision).where(MessageRevision.message_id == message.id)
                                 .order_by(MessageRevision.id.desc()))
    return [current] + [Version(r.content, r.written_at, False) for r in earlier]


@retried
def delete_message(user: User, message_id: int) -> Channel:
    """Delete the user's own message with its files; returns its channel."""
    message, channel = access_message(user, message_id, as_author=True)
    files = attachments.keys_of(message.attachments)
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.message_id == message_id)))
    db.session.execute(delete(Notification).where(Notification.message_id == message_id))
    for user_id in told:
        events.record_event(events.NOTIFICATIONS_CHANGED, user_id=user_id)
    db.session.delete(message)
    events.record_event(events.MESSAGE_DELETED, server_id=channel.server_id, channel_id=channel.id,
                        message_id=message_id)
    db.session.commit()
    attachments.remove_files(files)
    return channel


def notify_mentioned(message: Message, server: Server, channel: Channel, user_ids: set[int],
                     kind: str = notifications.MENTION) -> None:
    """Tell newly mentioned (or answered) members, in the message's transaction; a member who muted the server,
    or blocked the author, is not told."""
    levels = preferences.get_levels(server.id, user_ids)
    for user_id in sorted(set(user_ids) - blocks.blockers_among(message.author_id, user_ids)):
        if levels.get(user_id) == preferences.LEVEL_NOTHING:
            continue
        notifications.notify(user_id, kind, actor_id=message.author_id, server_id=server.id,
                             server_name=server.name, channel_id=channel.id, channel_name=channel.name,
                             message_id=message.id)
