"""Read state: how far each user has read each channel, and what is unread.

One row per user and channel holding the last read message id; a channel is
unread when its newest message is newer, and its unread mentions are the
mentions of the user after that id.
"""
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.dialects import mysql, sqlite

from app.extensions import db
from app.models import (
    DM_KIND,
    Channel,
    ChannelRead,
    Membership,
    Message,
    MessageMention,
    Notification,
    Server,
    User,
    utcnow,
)
from app.services import events
from app.services.transactions import retried


@dataclass
class Mark:
    unread: bool = False
    mentions: int | None = 0  # None: unknown here (a live frame leaves the badge alone)


@dataclass
class ReadState:
    """Unread marks per channel and per server (a server is unread if any channel is)."""

    channels: dict[int, Mark] = field(default_factory=dict)
    servers: dict[int, Mark] = field(default_factory=dict)
    # All direct conversations together (the "Direct messages" entry); None when not known here.
    dms: Mark | None = None

    def channel(self, channel_id: int) -> Mark:
        return self.channels.get(channel_id) or Mark()

    def server(self, server_id: int) -> Mark:
        return self.servers.get(server_id) or Mark()

    @classmethod
    def new_message(cls, server_id: int, channel_id: int, dm: bool = False) -> "ReadState":
        """What a new message changes for a reader it does not mention."""
        return cls(channels={channel_id: Mark(True, None)}, servers={server_id: Mark(True, None)},
                   dms=Mark(True, None) if dm else None)


def get_read_state(user_id: int, server_id: int | None = None, *, dms_only: bool = False) -> ReadState:
    """Unread marks of every channel in the user's servers (or one server, or only their direct
    conversations), in one query; with the conversations together unless one server is asked for.

    Per channel: an index seek for its newest message id and a range count
    of the user's mentions after the read mark; no per-message rows are read.
    """
    last_read = func.coalesce(ChannelRead.last_read_id, 0)
    # ORDER BY ... LIMIT 1 rather than MAX(): MariaDB reads every index entry
    # of the channel for a correlated MAX, but one for this.
    newest = (select(Message.id).where(Message.channel_id == Channel.id).order_by(Message.id.desc()).limit(1)
              .correlate(Channel).scalar_subquery())
    mentions = (select(func.count()).select_from(MessageMention)
                .where(MessageMention.user_id == user_id, MessageMention.channel_id == Channel.id,
                       MessageMention.message_id > last_read)
                .correlate(Channel, ChannelRead).scalar_subquery())
    query = (select(Channel.server_id, Server.kind, Channel.id, newest, last_read, mentions)
             .join(Server, Server.id == Channel.server_id)
             .join(Membership, (Membership.server_id == Channel.server_id) & (Membership.user_id == user_id))
             .outerjoin(ChannelRead, (ChannelRead.channel_id == Channel.id) & (ChannelRead.user_id == user_id)))
    if server_id is not None:
        query = query.where(Channel.server_id == server_id)
    if dms_only:
        query = query.where(Server.kind == DM_KIND)
    state = ReadState(dms=None if server_id is not None else Mark())
    for sid, kind, channel_id, newest_id, read_id, mention_count in db.session.execute(query):
        mark = Mark(unread=bool(newest_id) and newest_id > read_id, mentions=mention_count)
        state.channels[channel_id] = mark
        for total in (state.servers.setdefault(sid, Mark()), state.dms if kind == DM_KIND else None):
            if total is not None:
                total.unread = total.unread or mark.unread
                total.mentions += mark.mentions
    if server_id is not None:
        state.servers.setdefault(server_id, Mark())
    return state


def start_read_marks(user_id: int, server_id: int) -> None:
    """A new member starts with every channel of the server read: what was said before they joined is
    not news to flag. Part of the caller's transaction; one seek per channel."""
    channel_ids = select(Channel.id).where(Channel.server_id == server_id)
    db.session.execute(delete(ChannelRead).where(ChannelRead.user_id == user_id,  # marks of an earlier membership
                                                 ChannelRead.channel_id.in_(channel_ids))
                       .execution_options(synchronize_session=False))
    newest = (select(Message.id).where(Message.channel_id == Channel.id).order_by(Message.id.desc()).limit(1)
              .correlate(Channel).scalar_subquery())
    marks = select(literal(user_id), Channel.id, func.coalesce(newest, 0)).where(Channel.server_id == server_id)
    db.session.execute(insert(ChannelRead).from_select(["user_id", "channel_id", "last_read_id"], marks))


def advance(user_id: int, channel_id: int, message_id: int) -> bool:
    """Move the user's read mark in the channel forward to `message_id` (never back).

    Part of the caller's transaction; True when the mark moved.
    """
    last_read = db.session.scalar(select(ChannelRead.last_read_id).where(
        ChannelRead.user_id == user_id, ChannelRead.channel_id == channel_id))
    if last_read is None:
        if insert_if_absent(user_id, channel_id, message_id):
            return True
        # Another tab of the user created it at the same moment.
    elif last_read >= message_id:
        return False
    # Conditional, so two tabs marking different points cannot move it back.
    return bool(db.session.execute(
        update(ChannelRead).where(ChannelRead.user_id == user_id, ChannelRead.channel_id == channel_id,
                                  ChannelRead.last_read_id < message_id)
        .values(last_read_id=message_id).execution_options(synchronize_session=False)).rowcount)


def insert_if_absent(user_id: int, channel_id: int, message_id: int) -> bool:
    """Insert the read mark unless a concurrent request did (no savepoint needed)."""
    values = {"user_id": user_id, "channel_id": channel_id, "last_read_id": message_id}
    if db.session.get_bind().dialect.name == "mysql":
        statement = mysql.insert(ChannelRead).values(**values).prefix_with("IGNORE")
    else:
        statement = sqlite.insert(ChannelRead).values(**values).on_conflict_do_nothing()
    return bool(db.session.execute(statement).rowcount)


@retried
def mark_read(user: User, channel: Channel, up_to: int | None = None, *, checked: bool = False) -> bool:
    """The user has seen the channel up to `up_to` (default: its newest message).

    `checked` says `up_to` is a message of the channel (the page just read
    it); otherwise it is clamped to the newest message. Mention notifications
    up to there are read too, and the user's other tabs hear of it over the
    stream. Returns whether anything changed.
    """
    target = up_to
    if not checked:
        newest = db.session.scalar(select(func.max(Message.id)).where(Message.channel_id == channel.id))
        target = newest if up_to is None or newest is None else min(up_to, newest)
    if not target or not advance(user.id, channel.id, target):
        db.session.commit()
        return False
    seen = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.channel_id == channel.id,
                                   Notification.message_id <= target, Notification.read_at.is_(None))
        .values(read_at=utcnow())).rowcount
    if seen:
        events.record_event(events.NOTIFICATIONS_CHANGED, user_id=user.id)
    events.record_event(events.READ_UPDATED, user_id=user.id, channel_id=channel.id,
                        read_server_id=channel.server_id)
    db.session.commit()
    return True
