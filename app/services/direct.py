"""Direct messages: conversations of two to ten people, built as servers of kind "dm".

A conversation is a `Server` with `kind="dm"`, one channel and a membership
per person, so messages, edits, reactions, files, mentions, read marks,
replay and the live stream's audience are exactly the channels' own. What
differs lives here: who may start one (people who share a server with you
and accept direct messages), one conversation per pair (`dm_key`), nobody
administers it, and people leave a group rather than a server.
"""
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    DM_KIND,
    SERVER_KIND,
    Block,
    Channel,
    Membership,
    Message,
    Notification,
    Server,
    User,
)
from app.services import attachments, blocks, events, notifications, preferences, reads
from app.services.errors import ValidationFailed
from app.services.servers import delete_channel_rows

GROUP_MAX = 10  # people in a conversation, its starter included
CONVERSATIONS_SHOWN = 100  # in the list beside the messages
PEOPLE_SHOWN = 20  # people listed under "New message" (a search narrows them)
QUERY_MAX = 64
CHANNEL_NAME = "dm"
NAME_SPLIT = re.compile(r"[\s,;]+")


@dataclass
class Conversation:
    server: Server
    channel_id: int
    people: list[User] = field(default_factory=list)  # everyone but the viewer, by name
    newest_id: int = 0

    @property
    def title(self) -> str:
        return ", ".join(_("Deleted user") if person.deleted_at else person.display_name
                         for person in self.people) or _("Only you")


def pair_key(a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{low}:{high}"


def parse_names(raw: str | None) -> list[str]:
    """Usernames as typed in the "To" box: separated by spaces or commas, an "@" allowed, each once."""
    names: list[str] = []
    for word in NAME_SPLIT.split((raw or "").strip()):
        key = word.lstrip("@").lower()
        if key and key not in names:
            names.append(key)
    return names


def servers_of(user_id: int):
    """The user's (non-DM) servers, as a subquery: sharing one is what lets two people message."""
    return (select(Membership.server_id).join(Server, Server.id == Membership.server_id)
            .where(Membership.user_id == user_id, Server.kind == SERVER_KIND))


def shares_a_server(user_id: int, other_ids) -> set[int]:
    """Which of `other_ids` are in a (non-DM) server with `user_id`: one query."""
    return set(db.session.scalars(select(Membership.user_id).distinct()
                                  .where(Membership.server_id.in_(servers_of(user_id)),
                                         Membership.user_id.in_(list(other_ids)))))


def find_people(user: User, raw_query: str | None = None) -> list[User]:
    """People `user` may message (they share a server, accept direct messages, neither blocked the other),
    by username, those whose username or display name starts with the query; at most PEOPLE_SHOWN."""
    query = (raw_query or "").strip().lstrip("@")[:QUERY_MAX].lower()
    blocked = select(Block.blocked_id).where(Block.user_id == user.id)
    blockers = select(Block.user_id).where(Block.blocked_id == user.id)
    sharing = select(Membership.user_id).where(Membership.server_id.in_(servers_of(user.id)))
    found = (select(User).where(User.id.in_(sharing),
                                User.id != user.id, User.deleted_at.is_(None), User.deactivated_at.is_(None),
                                User.dm_policy != preferences.DM_NOBODY,
                                User.id.not_in(blocked), User.id.not_in(blockers))
             .order_by(User.username_key).limit(PEOPLE_SHOWN))
    if query:
        found = found.where(or_(User.username_key.startswith(query, autoescape=True),
                                func.lower(User.display_name).startswith(query, autoescape=True)))
    return list(db.session.scalars(found))


def check_recipients(user: User, raw: str | None) -> list[User]:
    """The people named, if each may be messaged by `user`; otherwise the first reason why not."""
    names = parse_names(raw)
    if not names:
        raise ValidationFailed({"to": _("Name at least one person.")})
    if len(names) > GROUP_MAX - 1:
        raise ValidationFailed({"to": _("A conversation has at most %(n)d people, you included.", n=GROUP_MAX)})
    found = {u.username_key: u for u in db.session.scalars(
        select(User).where(User.username_key.in_(names), User.deleted_at.is_(None),
                           User.deactivated_at.is_(None)))}
    for name in names:
        if name not in found:
            raise ValidationFailed({"to": _("Nobody is called %(name)s.", name=name)})
    people = [found[name] for name in names]
    if any(person.id == user.id for person in people):
        raise ValidationFailed({"to": _("Name someone other than yourself.")})
    shared = shares_a_server(user.id, [person.id for person in people])
    for person in people:
        if blocks.between(user.id, person.id):
            raise ValidationFailed({"to": _("%(name)s does not accept direct messages from you.",
                                            name=person.username)})
        if person.dm_policy == preferences.DM_NOBODY:
            raise ValidationFailed({"to": _("%(name)s does not accept direct messages.", name=person.username)})
        if person.id not in shared:
            raise ValidationFailed({"to": _("You can message people you share a server with; %(name)s is not one "
                                            "of them.", name=person.username)})
    return people


def find_pair(user_id: int, other_id: int) -> Server | None:
    return db.session.scalar(select(Server).where(Server.dm_key == pair_key(user_id, other_id)))


def open_conversation(user: User, raw_to: str | None) -> Server:
    """The conversation with the people named: the existing one for a pair, else a new one."""
    people = check_recipients(user, raw_to)
    key = pair_key(user.id, people[0].id) if len(people) == 1 else None
    if key is not None:
        existing = find_pair(user.id, people[0].id)
        if existing is not None:
            if db.session.scalar(select(Membership.closed).where(Membership.server_id == existing.id,
                                                                 Membership.user_id == user.id)):
                reopen(existing.id, [user.id])
                db.session.commit()
            return existing
    everyone = [user] + people
    server = Server(kind=DM_KIND, dm_key=key, name="", name_key="", description="", owner_id=user.id,
                    is_public=False, member_count=len(everyone))
    db.session.add(server)
    try:
        db.session.flush()
    except IntegrityError:  # the other person opened it at the same moment
        db.session.rollback()
        return find_pair(user.id, people[0].id)
    db.session.add(Channel(server_id=server.id, name=CHANNEL_NAME, position=0))
    for person in everyone:
        # Every message of a conversation is for its people: they hear of each one.
        db.session.add(Membership(user_id=person.id, server_id=server.id, notify_level=preferences.LEVEL_ALL))
        events.record_event(events.MEMBER_JOINED, server_id=server.id, user_id=person.id)
    db.session.commit()
    return server


def add_people(user: User, server: Server, raw_to: str | None) -> Server:
    """Add the people named to a group conversation (they see its history); from a pair's conversation, start
    a new group with both of you and them, as the pair stays the pair's."""
    members = set(db.session.scalars(select(Membership.user_id).where(Membership.server_id == server.id)))
    people = [person for person in check_recipients(user, raw_to) if person.id not in members]
    if not people:
        raise ValidationFailed({"to": _("They are already in this conversation.")})
    if server.dm_key is not None:
        other = db.session.scalar(select(User.username).where(User.id.in_(members - {user.id})))
        return open_conversation(user, ", ".join([other] + [person.username for person in people]))
    if len(members) + len(people) > GROUP_MAX:
        raise ValidationFailed({"to": _("A conversation has at most %(n)d people, you included.", n=GROUP_MAX)})
    for person in people:
        db.session.add(Membership(user_id=person.id, server_id=server.id, notify_level=preferences.LEVEL_ALL))
        events.record_event(events.MEMBER_JOINED, server_id=server.id, user_id=person.id)
    db.session.execute(update(Server).where(Server.id == server.id)
                       .values(member_count=Server.member_count + len(people)))
    db.session.commit()
    return server


def close_conversation(user: User, server: Server) -> None:
    """Take a conversation out of the user's list (read up to its newest message) until someone writes in it
    or the user opens it again; their other tabs redraw the list."""
    channel = db.session.scalar(select(Channel).where(Channel.server_id == server.id))
    db.session.execute(update(Membership).where(Membership.server_id == server.id, Membership.user_id == user.id)
                       .values(closed=True))
    events.record_event(events.CONVERSATIONS_CHANGED, user_id=user.id)
    reads.mark_read(user, channel)  # commits, the closing too


def reopen(server_id: int, closed_by: list[int]) -> None:
    """Put the conversation back in the lists of `closed_by` (who closed it), in the caller's transaction:
    a new message, or opening it again from "New message"."""
    if closed_by:
        db.session.execute(update(Membership).where(Membership.server_id == server_id,
                                                    Membership.user_id.in_(closed_by)).values(closed=False))
        for user_id in closed_by:
            events.record_event(events.CONVERSATIONS_CHANGED, user_id=user_id)


def get_conversations(user: User, current_id: int | None = None) -> list[Conversation]:
    """The user's CONVERSATIONS_SHOWN most recently active conversations, newest first, with their people: two
    queries. Closed ones are left out, unless it is the one open on the page."""
    newest = (select(Message.id).where(Message.channel_id == Channel.id).order_by(Message.id.desc()).limit(1)
              .correlate(Channel).scalar_subquery())
    rows = db.session.execute(
        select(Server, Channel.id, newest).join(Membership, Membership.server_id == Server.id)
        .join(Channel, Channel.server_id == Server.id)
        .where(Membership.user_id == user.id, Server.kind == DM_KIND,
               or_(Membership.closed.is_(False), Server.id == current_id))
        # The most recent ones (and always the one on the page); older ones come back with a new message.
        .order_by(case((Server.id == current_id, 1), else_=0).desc(), func.coalesce(newest, 0).desc(),
                  Server.id.desc())
        .limit(CONVERSATIONS_SHOWN)).all()
    conversations = {server.id: Conversation(server, channel_id, [], newest_id or 0)
                     for server, channel_id, newest_id in rows}
    if conversations:
        for server_id, person in db.session.execute(
                select(Membership.server_id, User).join(User, User.id == Membership.user_id)
                .where(Membership.server_id.in_(list(conversations)), Membership.user_id != user.id)
                .order_by(User.display_name, User.id)):
            conversations[server_id].people.append(person)
    return sorted(conversations.values(), key=lambda c: (c.newest_id, c.server.id), reverse=True)


def get_people(user: User, server: Server) -> list[User]:
    """Everyone in the conversation but `user`, by name (the title of its page)."""
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.server_id == server.id, User.id != user.id).order_by(User.display_name, User.id)))


def leave_conversation(user: User, server: Server) -> None:
    """Leave a group conversation; the last to leave deletes it. A pair's conversation cannot be left."""
    if server.dm_key is not None:
        raise ValidationFailed({"server": _("A conversation between two people cannot be left.")})
    db.session.execute(delete(Membership).where(Membership.server_id == server.id, Membership.user_id == user.id))
    db.session.execute(update(Server).where(Server.id == server.id).values(member_count=Server.member_count - 1))
    events.record_event(events.MEMBER_LEFT, server_id=server.id, user_id=user.id)
    files: list[str] = []
    if not db.session.scalar(select(Membership.id).where(Membership.server_id == server.id).limit(1)):
        files = delete_channel_rows(select(Channel.id).where(Channel.server_id == server.id).scalar_subquery())
        db.session.execute(delete(Channel).where(Channel.server_id == server.id))
        db.session.execute(delete(Server).where(Server.id == server.id))
    db.session.commit()
    attachments.remove_files(files)


def check_can_write(server: Server, user: User) -> None:
    """In a pair's conversation, nobody writes to someone who blocked them (or whom they blocked): 403."""
    if server.dm_key is None:
        return
    other = next(int(part) for part in server.dm_key.split(":") if int(part) != user.id)
    if blocks.between(user.id, other):
        raise ValidationFailed({"content": _("One of you blocked the other: this conversation is closed.")},
                               status=403)


def on_new_message(message: Message, server: Server, channel: Channel) -> None:
    """What a new message does in a conversation, in its transaction, from one read of its people: it comes
    back to the lists of those who closed it, and the others are told.

    One unread notification per conversation and person: a newer message
    replaces the one not read yet, so a chat does not fill the bell. People
    who muted the conversation, or blocked the author, are not told.
    """
    people = db.session.execute(select(Membership.user_id, Membership.notify_level, Membership.closed)
                                .where(Membership.server_id == server.id).order_by(Membership.user_id)).all()
    recipients = [user_id for user_id, level, _closed in people
                  if user_id != message.author_id and level != preferences.LEVEL_NOTHING]
    blockers = blocks.blockers_among(message.author_id, recipients)
    recipients = [user_id for user_id in recipients if user_id not in blockers]
    if recipients:
        notify_recipients(message, server, channel, recipients)
    reopen(server.id, [user_id for user_id, _level, closed in people if closed])


def notify_recipients(message: Message, server: Server, channel: Channel, recipients: list[int]) -> None:
    """One unread direct-message notification per recipient and conversation (it replaces the unread one)."""
    db.session.execute(delete(Notification).where(
        Notification.user_id.in_(recipients), Notification.channel_id == channel.id,
        Notification.kind == notifications.DIRECT_MESSAGE, Notification.read_at.is_(None)))
    for user_id in recipients:
        notifications.notify(user_id, notifications.DIRECT_MESSAGE, actor_id=message.author_id,
                             server_id=server.id, channel_id=channel.id, message_id=message.id)

