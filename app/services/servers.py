"""Servers, memberships and channels."""
import re

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from app.extensions import db
from app.models import (
    ROLE_ADMIN,
    ROLE_MEMBER,
    ROLE_OWNER,
    SERVER_KIND,
    Attachment,
    Channel,
    ChannelRead,
    Membership,
    Message,
    MessageMention,
    Notification,
    Server,
    ServerTerm,
    User,
)
from app.services import attachments, audit, events, moderation, notifications, passwords, reads, search, text
from app.services.errors import ValidationFailed, collect

SERVER_NAME_MAX = 100
SERVER_DESCRIPTION_MAX = 500
CHANNEL_NAME_MAX = 100
DEFAULT_CHANNEL = "general"


def get_user_servers(user: User) -> list[Server]:
    """The servers `user` belongs to, in the order they joined (not their direct conversations)."""
    return list(db.session.scalars(
        select(Server).join(Membership, Membership.server_id == Server.id)
        .where(Membership.user_id == user.id, Server.kind == SERVER_KIND).order_by(Membership.id)))


def access_membership(user: User, server_id: int) -> Membership:
    """The user's membership of the server (server loaded), or 404.

    Outsiders get 404 so that the server's existence is not revealed.
    """
    membership = db.session.scalar(
        select(Membership).join(Membership.server).options(contains_eager(Membership.server))
        .where(Membership.user_id == user.id, Membership.server_id == server_id))
    if membership is None:
        abort(404)
    return membership


def access_community(user: User, server_id: int) -> Membership:
    """As access_membership, for what only servers have (invitations, channels, settings, roles, leaving):
    a direct conversation is 404 here, as if it did not exist."""
    membership = access_membership(user, server_id)
    if membership.server.is_dm:
        abort(404)
    return membership


def get_channels(server_id: int) -> list[Channel]:
    return list(db.session.scalars(
        select(Channel).where(Channel.server_id == server_id).order_by(Channel.position, Channel.id)))


def pick_channel(channels: list[Channel], channel_id: int | None) -> Channel | None:
    """The channel with `channel_id` among the server's, 404 if absent; default the first."""
    if channel_id is None:
        return channels[0] if channels else None
    for channel in channels:
        if channel.id == channel_id:
            return channel
    abort(404)


def check_visibility(raw: str | None, current: bool) -> bool:
    """Public (listed in Explore, anyone joins) or private (invitation only); a form without the choice keeps
    what is set, anything else is refused."""
    if raw is None:
        return current
    if raw not in ("public", "private"):
        raise ValidationFailed({"visibility": _("Choose public or private.")})
    return raw == "public"


def check_server(data) -> dict:
    """The clean name and description, or ValidationFailed with both problems."""
    return collect(name=lambda: check_server_name(data.get("name")),
                   description=lambda: check_server_description(data.get("description")))


def check_server_name(raw: str | None) -> str:
    name = text.clean_line(raw)
    if not name:
        raise ValidationFailed({"name": _("Give the server a name.")})
    if len(name) > SERVER_NAME_MAX:
        raise ValidationFailed({"name": _("At most %(n)d characters.", n=SERVER_NAME_MAX)})
    return name


def check_server_description(raw: str | None) -> str:
    description = text.clean_multiline(raw)
    if len(description) > SERVER_DESCRIPTION_MAX:
        raise ValidationFailed({"description": _("At most %(n)d characters.", n=SERVER_DESCRIPTION_MAX)})
    return description


def create_server(user: User, data) -> Server:
    """Create a server owned by `user`, with a `general` channel; private (invitation only) unless asked."""
    values = collect(server=lambda: check_server(data),
                     visibility=lambda: check_visibility(data.get("visibility"), False))
    server = Server(name=values["server"]["name"], description=values["server"]["description"], owner_id=user.id,
                    member_count=1, is_public=values["visibility"])
    db.session.add(server)
    db.session.flush()
    search.index_server(server)
    db.session.add(Membership(user_id=user.id, server_id=server.id, role=ROLE_OWNER))
    db.session.add(Channel(server_id=server.id, name=DEFAULT_CHANNEL, position=0))
    events.record_event(events.MEMBER_JOINED, server_id=server.id, user_id=user.id)
    db.session.commit()
    return server


def add_member(user: User, server: Server, role: str = ROLE_MEMBER) -> Membership:
    """Make `user` a member of `server`, in the caller's transaction (joins and invitations commit).

    Every way in comes through here, so here a ban keeps them out (403, with the reason).
    """
    moderation.check_not_banned(server, user.id)
    membership = Membership(user_id=user.id, server_id=server.id, role=role)
    db.session.add(membership)
    db.session.execute(update(Server).where(Server.id == server.id)
                       .values(member_count=Server.member_count + 1))
    reads.start_read_marks(user.id, server.id)
    events.record_event(events.MEMBER_JOINED, server_id=server.id, user_id=user.id)
    return membership


def join_server(user: User, server_id: int) -> Server:
    """Join a public server found by search (members just open it)."""
    server = db.session.get(Server, server_id)
    is_member = server is not None and db.session.scalar(
        select(Membership.id).where(Membership.server_id == server_id, Membership.user_id == user.id))
    if server is None or (not server.is_public and not is_member):
        abort(404)
    if not is_member:
        try:
            add_member(user, server)
            db.session.commit()
        except IntegrityError:  # a double click raced itself: already a member
            db.session.rollback()
    return server


def get_public_preview(user: User, server_id: int) -> Server | None:
    """A public server the user is not in (what its page shows them before they join); None otherwise."""
    server = db.session.get(Server, server_id)
    if server is None or not server.is_public or server.is_dm:
        return None
    return server


def leave_server(user: User, server_id: int) -> None:
    """End the user's membership; the owner must delete the server instead."""
    membership = access_community(user, server_id)
    if membership.role == ROLE_OWNER:
        raise ValidationFailed({"server": _("The owner cannot leave. Delete the server instead.")})
    db.session.delete(membership)
    db.session.execute(update(Server).where(Server.id == server_id)
                       .values(member_count=Server.member_count - 1))
    events.record_event(events.MEMBER_LEFT, server_id=server_id, user_id=user.id)
    db.session.commit()


def delete_server(user: User, server_id: int) -> None:
    """Delete a server with its channels, messages and memberships (owner only)."""
    membership = access_community(user, server_id)
    if membership.role != ROLE_OWNER:
        abort(403)
    files = remove_server(membership.server, user.id)
    db.session.commit()
    attachments.remove_files(files)


def remove_server(server: Server, actor_id: int) -> list[str]:
    """Delete a server and everything in it, in the caller's transaction (invitations, bans and its audit log
    go by their foreign keys); its other members are told (by the owner, or an instance admin). Returns the
    stored files to remove once this commits."""
    others = list(db.session.scalars(select(Membership.user_id).where(Membership.server_id == server.id,
                                                                      Membership.user_id != actor_id)))
    files = delete_channel_rows(select(Channel.id).where(Channel.server_id == server.id).scalar_subquery())
    db.session.execute(delete(Channel).where(Channel.server_id == server.id))
    db.session.execute(delete(Membership).where(Membership.server_id == server.id))
    db.session.execute(delete(ServerTerm).where(ServerTerm.server_id == server.id))
    db.session.execute(delete(Server).where(Server.id == server.id))
    events.record_event(events.SERVER_DELETED, server_id=server.id)
    for member_id in others:
        notifications.notify(member_id, notifications.SERVER_DELETED, actor_id=actor_id, server_id=server.id,
                             server_name=server.name)
    return files


def normalise_channel_name(raw: str) -> str:
    """Discord-style channel names: lower case, spaces to hyphens, no punctuation."""
    name = re.sub(r"\s+", "-", text.clean_line(raw).lower())
    name = re.sub(r"[^\w-]", "", name)
    return re.sub(r"-{2,}", "-", name).strip("-")


def access_as_admin(user: User, server_id: int) -> Membership:
    """The membership of an owner or admin (server loaded); 403 for members, 404 for outsiders."""
    membership = access_community(user, server_id)
    if not membership.is_admin:
        abort(403)
    return membership


def check_channel_name(server_id: int, raw: str | None, channel_id: int | None = None) -> str:
    """The normalised name, unused by the server's other channels."""
    name = normalise_channel_name(raw)
    if not name:
        raise ValidationFailed({"name": _("Give the channel a name (letters or digits).")})
    if len(name) > CHANNEL_NAME_MAX:
        raise ValidationFailed({"name": _("At most %(n)d characters.", n=CHANNEL_NAME_MAX)})
    taken = db.session.scalar(select(Channel.id).where(Channel.server_id == server_id, Channel.name == name))
    if taken and taken != channel_id:
        raise ValidationFailed({"name": _("There is already a channel called #%(name)s.", name=name)})
    return name


def create_channel(user: User, server_id: int, data) -> Channel:
    """Create a channel in the server (owners and admins only)."""
    access_as_admin(user, server_id)
    name = check_channel_name(server_id, data.get("name"))
    position = db.session.scalar(
        select(func.coalesce(func.max(Channel.position), -1)).where(Channel.server_id == server_id)) + 1
    channel = Channel(server_id=server_id, name=name, position=position)
    db.session.add(channel)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ValidationFailed({"name": _("There is already a channel called #%(name)s.", name=name)}) from None
    events.record_event(events.CHANNEL_CREATED, server_id=server_id, channel_id=channel.id)
    audit.record(server_id, user.id, audit.CHANNEL_CREATED, channel=name)
    db.session.commit()
    return channel


MEMBERS_LIST_MAX = 500


def get_members(user: User, server_id: int) -> tuple[Membership, list[tuple[Membership, User]]]:
    """The viewer's membership and the server's members (owner, admins, then by name)."""
    membership = access_membership(user, server_id)
    rank = member_rank()
    rows = db.session.execute(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.server_id == server_id).order_by(rank, User.display_name, User.id)
        .limit(MEMBERS_LIST_MAX)).all()
    return membership, [(m, u) for m, u in rows]


MEMBER_PAGE = 100


def member_rank():
    return case((Membership.role == ROLE_OWNER, 0), (Membership.role == ROLE_ADMIN, 1), else_=2)


def get_member_page(user: User, server_id: int, after_user_id: int | None = None,
                    limit: int = MEMBER_PAGE) -> tuple[Membership, list[tuple[Membership, User]], int | None]:
    """A page of the server's members (owner, admins, members; by name within each), by key: the page after
    the member `after_user_id`. Returns the viewer's membership, the page and the key of the next page."""
    membership = access_membership(user, server_id)
    rank = member_rank()
    query = (select(Membership, User).join(User, User.id == Membership.user_id)
             .where(Membership.server_id == server_id).order_by(rank, User.display_name, User.id).limit(limit + 1))
    if after_user_id is not None:
        last = db.session.execute(select(rank, User.display_name, User.id).join(User, User.id == Membership.user_id)
                                  .where(Membership.server_id == server_id,
                                         Membership.user_id == after_user_id)).first()
        if last is None:  # they left meanwhile: start over rather than guess
            return membership, [], None
        last_rank, last_name, last_id = last
        query = query.where(or_(rank > last_rank,
                                and_(rank == last_rank, User.display_name > last_name),
                                and_(rank == last_rank, User.display_name == last_name, User.id > last_id)))
    rows = [(m, u) for m, u in db.session.execute(query).all()]
    return membership, rows[:limit], rows[limit - 1][1].id if len(rows) > limit else None


def can_remove(actor: Membership, target: Membership) -> bool:
    """Owners remove anyone but themselves; admins remove plain members."""
    if actor.user_id == target.user_id:
        return False
    return (actor.role == ROLE_OWNER) or (actor.role == ROLE_ADMIN and target.role == ROLE_MEMBER)


def remove_member(user: User, server_id: int, member_id: int) -> User:
    """Remove someone from the server; they are told, and their tabs leave it at once."""
    actor = access_community(user, server_id)
    target = db.session.scalar(select(Membership).where(Membership.server_id == server_id,
                                                        Membership.user_id == member_id))
    if target is None:
        abort(404)
    if not can_remove(actor, target):
        abort(403)
    removed = db.session.get(User, member_id)
    db.session.delete(target)
    db.session.execute(update(Server).where(Server.id == server_id)
                       .values(member_count=Server.member_count - 1))
    events.record_event(events.MEMBER_LEFT, server_id=server_id, user_id=member_id)
    notifications.notify(member_id, notifications.REMOVED, actor_id=user.id, server_id=server_id,
                         server_name=actor.server.name)
    audit.record(server_id, user.id, audit.MEMBER_REMOVED, member_id, member=removed.username)
    db.session.commit()
    return removed


def set_role(user: User, server_id: int, member_id: int, role: str) -> Membership:
    """The owner makes a member an admin, or an admin a plain member."""
    actor = access_community(user, server_id)
    target = db.session.scalar(select(Membership).where(Membership.server_id == server_id,
                                                        Membership.user_id == member_id))
    if target is None:
        abort(404)
    if actor.role != ROLE_OWNER or target.role == ROLE_OWNER:
        abort(403)
    if role not in (ROLE_ADMIN, ROLE_MEMBER):
        raise ValidationFailed({"role": _("Choose admin or member.")})
    if target.role != role:
        audit.record(server_id, user.id, audit.ROLE_CHANGED, member_id, **audit.changes({"role": target.role},
                                                                                        {"role": role}))
        target.role = role
        # Their open tabs redraw the server (an admin gets the channel controls).
        events.record_event(events.MEMBER_ROLE_CHANGED, server_id=server_id, user_id=member_id)
        db.session.commit()
    return target


CHANNEL_TOPIC_MAX = 300


def access_channel_as_admin(user: User, server_id: int, channel_id: int) -> tuple[Membership, Channel]:
    """An owner's or admin's membership and a channel of the server (403 for members, 404 otherwise)."""
    membership = access_as_admin(user, server_id)
    channel = db.session.scalar(select(Channel).where(Channel.id == channel_id, Channel.server_id == server_id))
    if channel is None:
        abort(404)
    return membership, channel


def check_channel_topic(raw: str | None) -> str:
    topic = text.clean_line(raw)
    if len(topic) > CHANNEL_TOPIC_MAX:
        raise ValidationFailed({"topic": _("At most %(n)d characters.", n=CHANNEL_TOPIC_MAX)})
    return topic


# Slow mode: how often a member may post in a channel (seconds; "0" is off).
SLOW_MODES = {"0": 0, "5": 5, "10": 10, "30": 30, "60": 60, "300": 300, "900": 900, "3600": 3600}


def check_slow_mode(raw: str | None, current: int) -> int:
    if raw is None:  # a form without the field keeps what is set
        return current
    if raw not in SLOW_MODES:
        raise ValidationFailed({"slow_mode": _("Choose one of the listed times.")})
    return SLOW_MODES[raw]


def update_channel(user: User, server_id: int, channel_id: int, data) -> Channel:
    """Rename a channel, change its topic or slow mode (owners and admins)."""
    _membership, channel = access_channel_as_admin(user, server_id, channel_id)
    values = collect(name=lambda: check_channel_name(server_id, data.get("name"), channel.id),
                     topic=lambda: check_channel_topic(data.get("topic")),
                     slow_mode=lambda: check_slow_mode(data.get("slow_mode"), channel.slow_mode_seconds))
    before = {"name": channel.name, "topic": channel.topic, "slow_mode": channel.slow_mode_seconds}
    after = {"name": values["name"], "topic": values["topic"], "slow_mode": values["slow_mode"]}
    if after != before:
        channel.name, channel.topic, channel.slow_mode_seconds = after["name"], after["topic"], after["slow_mode"]
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            raise ValidationFailed({"name": _("There is already a channel called #%(name)s.",
                                              name=after["name"])}) from None
        events.record_event(events.CHANNEL_UPDATED, server_id=server_id, channel_id=channel.id)
        audit.record(server_id, user.id, audit.CHANNEL_UPDATED, channel=after["name"],
                     **audit.changes(before, after))
        db.session.commit()
    return channel


def delete_channel(user: User, server_id: int, channel_id: int) -> None:
    """Delete a channel and its messages (owners and admins)."""
    _membership, channel = access_channel_as_admin(user, server_id, channel_id)
    files = delete_channel_rows(select(Channel.id).where(Channel.id == channel.id).scalar_subquery())
    db.session.execute(delete(Channel).where(Channel.id == channel.id))
    events.record_event(events.CHANNEL_DELETED, server_id=server_id, channel_id=channel.id)
    audit.record(server_id, user.id, audit.CHANNEL_DELETED, channel=channel.name)
    db.session.commit()
    attachments.remove_files(files)


def delete_channel_rows(channel_ids) -> list[str]:
    """Everything that hangs off some channels: messages, their attachments, mentions and notifications,
    read marks. Returns the attachments' storage keys, for removal once this commits.

    Whoever loses a mention notification has their bell refreshed.
    """
    message_ids = select(Message.id).where(Message.channel_id.in_(channel_ids)).scalar_subquery()
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.message_id.in_(message_ids))))
    for user_id in sorted(told):
        events.record_event(events.NOTIFICATIONS_CHANGED, user_id=user_id)
    db.session.execute(delete(Notification).where(Notification.message_id.in_(message_ids)))
    db.session.execute(delete(MessageMention).where(MessageMention.channel_id.in_(channel_ids)))
    db.session.execute(delete(ChannelRead).where(ChannelRead.channel_id.in_(channel_ids)))
    files = attachments.stored_keys(Attachment.channel_id.in_(channel_ids))
    db.session.execute(delete(Attachment).where(Attachment.channel_id.in_(channel_ids)))
    db.session.execute(delete(Message).where(Message.channel_id.in_(channel_ids)))
    return files


def transfer_ownership(user: User, server_id: int, data) -> Membership:
    """The owner hands the server to another member, confirmed with their password; they stay as an admin."""
    membership = access_community(user, server_id)
    if membership.role != ROLE_OWNER:
        abort(403)
    username = text.clean_line(data.get("username")).lstrip("@").lower()
    target = db.session.execute(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.server_id == server_id, User.username_key == username, User.deleted_at.is_(None),
               User.deactivated_at.is_(None))).first()
    errors = {}
    if target is None or target[1].id == user.id:
        errors["username"] = _("Name another member of this server.")
    if not passwords.verify(user.password_hash, data.get("password") or ""):
        errors["password"] = _("That is not your password.")
    if errors:
        raise ValidationFailed(errors)
    new_owner, person = target
    membership.role, new_owner.role = ROLE_ADMIN, ROLE_OWNER
    membership.server.owner_id = person.id
    for member_id in (user.id, person.id):  # both see the other controls now
        events.record_event(events.MEMBER_ROLE_CHANGED, server_id=server_id, user_id=member_id)
    audit.record(server_id, user.id, audit.OWNERSHIP_TRANSFERRED, person.id, member=person.username)
    db.session.commit()
    return new_owner


# How long authors may edit their messages: the choices offered (seconds; "" is no limit).
EDIT_WINDOWS = {"": None, "300": 300, "900": 900, "3600": 3600, "86400": 86400, "604800": 604800}


def check_edit_window(raw: str | None, current: int | None) -> int | None:
    if raw is None:  # a form without the field (older clients) keeps what is set
        return current
    if raw not in EDIT_WINDOWS:
        raise ValidationFailed({"edit_window": _("Choose one of the listed times.")})
    return EDIT_WINDOWS[raw]


def update_server(user: User, server_id: int, data) -> Server:
    """Name, description, who may find and join it (owner and admins), and the edit window (owner only)."""
    membership = access_as_admin(user, server_id)
    server = membership.server
    values = collect(server=lambda: check_server(data),
                     edit_window=lambda: check_edit_window(data.get("edit_window"), server.edit_window_seconds))
    window = values["edit_window"]
    if window != server.edit_window_seconds and membership.role != ROLE_OWNER:
        abort(403)  # the edit window is the owner's choice; admins keep the rest of the form
    values = values["server"]
    is_public = check_visibility(data.get("visibility"), server.is_public)
    before = {"name": server.name, "description": server.description, "public": server.is_public,
              "edit_window": server.edit_window_seconds}
    after = {"name": values["name"], "description": values["description"], "public": is_public,
             "edit_window": window}
    if after != before:
        server.name, server.description, server.is_public = values["name"], values["description"], is_public
        server.edit_window_seconds = window
        if after["name"] != before["name"]:
            search.index_server(server)
        events.record_event(events.SERVER_UPDATED, server_id=server_id)
        audit.record(server_id, user.id, audit.SERVER_UPDATED, **audit.changes(before, after))
        db.session.commit()
    return server
