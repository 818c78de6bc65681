"""SQLAlchemy models: users, servers, memberships, channels, messages, events.

No request code here; writes are done by app.services, which own the
transaction.
"""
from datetime import UTC, date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from app.extensions import db

# BIGINT on MySQL/MariaDB, INTEGER on SQLite (where only INTEGER PRIMARY KEY
# autoincrements).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite and MySQL drop tzinfo)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime")
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None:
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


# Ids are never reused (SQLite would reuse the highest after a delete): pages,
# events and links name rows by id.
NO_REUSE = {"sqlite_autoincrement": True}


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (NO_REUSE,)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(32))
    # Lower-cased username: uniqueness regardless of case, on every backend.
    username_key: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(64))
    last_name: Mapped[str] = mapped_column(String(64))
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    bio: Mapped[str] = mapped_column(String(190), default="", server_default="")
    # Preferred language; None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # Content hash naming the re-encoded avatar files; None shows initials.
    avatar_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "system" follows prefers-color-scheme; "light" or "dark" is rendered as <html data-theme>.
    theme: Mapped[str] = mapped_column(String(8), default="system", server_default="system")
    # Desktop notifications (the browser's permission is asked only when this is turned on).
    desktop_notifications: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Shown to others as offline whatever their tabs do (services/status.py).
    invisible: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # A few words beside the name ("On holiday"), until status_expires_at (None: until changed).
    status_text: Mapped[str] = mapped_column(String(128), default="", server_default="")
    status_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Runs this Charla: the admin area (users, servers, registration). Made by `flask --app run admin`.
    is_instance_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Set by an instance admin: no sign-in, every session ended, left out of new invitations.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Who may start a direct message with this user: "members" (of a server they share) or "nobody".
    dm_policy: Mapped[str] = mapped_column(String(8), default="members", server_default="members")

    def current_status(self, now: datetime | None = None) -> str:
        """The custom status text, if it has not expired."""
        if not self.status_text or (self.status_expires_at and self.status_expires_at <= (now or utcnow())):
            return ""
        return self.status_text

    # The signed-in session this request came with (set by app.services.sessions; not a column).
    current_session = None

    def get_id(self) -> str:
        """What the login cookie carries: the user and the secret of their current session."""
        return f"{self.id}:{self.current_session.secret}"

    # Users are equal by id (UserMixin compares get_id(), which needs a session).
    def __eq__(self, other):
        if not isinstance(other, User):
            return NotImplemented
        return self is other or (self.id is not None and self.id == other.id)

    __hash__ = object.__hash__

    @property
    def initials(self) -> str:
        parts = [p for p in self.display_name.split() if p] or [self.username]
        letters = "".join(p[0] for p in parts[:2])
        return letters.upper()

    @property
    def avatar_colour(self) -> int:
        """One of eight palette slots, stable per user (CSS class avatar-cN)."""
        return self.id % 8


class UserSession(db.Model):
    """One signed-in browser: ending it (log out, revoke) makes its cookies worthless.

    The cookie carries a random secret; only its SHA-256 is stored, so the
    table alone signs nobody in.
    """

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id_last_seen_at", "user_id", "last_seen_at"), NO_REUSE)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    ip: Mapped[str] = mapped_column(String(45), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The secret itself, known only in the request that started the session.
    secret = None


SERVER_KIND, DM_KIND = "server", "dm"


class Server(db.Model):
    """A community with channels, or (kind "dm") a direct conversation: one channel, its people the members.

    Direct messages reuse messages, events, read marks and notifications; the
    rules that differ live in app.services.direct.
    """

    __tablename__ = "servers"
    __table_args__ = (UniqueConstraint("dm_key", name="uq_servers_dm_key"), NO_REUSE)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The name folded for search (lower case, no accents): "cafe" finds "Café".
    name_key: Mapped[str] = mapped_column(String(100), default="", server_default="", index=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How long after sending an author may still edit a message (None: always).
    edit_window_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(8), default=SERVER_KIND, server_default=SERVER_KIND)
    # A one-to-one conversation's two user ids ("3:17"): there is only ever one per pair.
    dm_key: Mapped[str | None] = mapped_column(String(48), nullable=True)

    @property
    def is_dm(self) -> bool:
        return self.kind == DM_KIND

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.split() if p] or ["?"]
        return "".join(p[0] for p in parts[:2]).upper()

    @property
    def avatar_colour(self) -> int:
        return self.id % 8


class ServerTerm(db.Model):
    """Each word of a server's folded name, so a word-prefix search uses an index."""

    __tablename__ = "server_terms"
    __table_args__ = (Index("ix_server_terms_term", "term", "server_id"),)

    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), primary_key=True)
    term: Mapped[str] = mapped_column(String(100), primary_key=True)


ROLE_OWNER, ROLE_ADMIN, ROLE_MEMBER = "owner", "admin", "member"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "server_id", name="uq_membership_user_server"), NO_REUSE)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default=ROLE_MEMBER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Which messages of this server notify the member: "all", "mentions" or "nothing".
    notify_level: Mapped[str] = mapped_column(String(8), default="mentions", server_default="mentions")
    # Timed out by a moderator: reads but does not post, react or upload until then (services.moderation).
    timed_out_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A direct conversation the member closed: out of their list until someone writes in it (services.direct).
    closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    server: Mapped[Server] = relationship(lazy="raise")

    @property
    def is_admin(self) -> bool:
        """Owners and admins run the server: channels, settings, every invitation."""
        return self.role in (ROLE_OWNER, ROLE_ADMIN)


class Channel(db.Model):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("server_id", "name", name="uq_channel_server_name"), NO_REUSE)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Slow mode: a member may post once every this many seconds (0: off; owners and admins are exempt).
    slow_mode_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_channel_id_id", "channel_id", "id"),
                      UniqueConstraint("author_id", "channel_id", "nonce", name="uq_messages_author_channel_nonce"),
                      NO_REUSE)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Chosen by the composer for each message: a retried POST to the same channel finds the first one.
    nonce: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # `content` rendered to sanitised HTML when written (services.formatting), and
    # the renderer's version: opening a channel renders nothing.
    content_html: Mapped[str | None] = mapped_column(Text, nullable=True)
    render_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The message this one answers. No foreign key on purpose: a deleted
    # original leaves the id behind, and the reply says "Original message was deleted".
    reply_to_id: Mapped[int | None] = mapped_column(BigId, nullable=True, index=True)

    author: Mapped[User] = relationship(lazy="raise")
    mentions: Mapped[list["MessageMention"]] = relationship(lazy="selectin", cascade="all, delete-orphan",
                                                             passive_deletes=True)
    reply_to: Mapped["Message | None"] = relationship(
        primaryjoin="foreign(Message.reply_to_id) == remote(Message.id)", viewonly=True, lazy="raise")
    reactions: Mapped[list["MessageReaction"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(MessageReaction.created_at, MessageReaction.user_id)")
    revisions: Mapped[list["MessageRevision"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True, order_by="MessageRevision.id")
    attachments: Mapped[list["Attachment"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True, order_by="Attachment.position")


class MessageReaction(db.Model):
    """One user's emoji on one message; chips count rows per emoji."""

    __tablename__ = "message_reactions"
    __table_args__ = (Index("ix_message_reactions_user_id_created_at", "user_id", "created_at"),)

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    # Binary collation on MySQL/MariaDB: utf8mb4_unicode_ci weighs every emoji alike ('😀' = '🚀').
    emoji: Mapped[str] = mapped_column(String(64).with_variant(
        mysql.VARCHAR(64, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="raise")


class Attachment(db.Model):
    """A file or image sent with a message: metadata only, the bytes live in the storage backend.

    Written in the message's transaction, after its files were stored: a
    crash in between leaves unreferenced files, which `flask attachments
    sweep` removes, never a row pointing at nothing.
    """

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_server_id_id", "server_id", "id"),
                      Index("ix_attachments_uploader_id_created_at", "uploader_id", "created_at"),
                      NO_REUSE)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    # Copied from the message's channel: the server's Files view and access checks need no join.
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # As the author named it, made safe (no path, controls or direction overrides).
    filename: Mapped[str] = mapped_column(String(255))
    # "image" (re-encoded, shown inline) or what a download looks like: pdf, archive, text, audio, video, file.
    kind: Mapped[str] = mapped_column(String(16))
    # The type it is served with (decided from the content; generic for anything a browser could run).
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    # Images: dimensions (reserved before loading), a small preview and its colour placeholder.
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    animated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    thumb_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    thumb_width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    thumb_height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    colour: Mapped[str | None] = mapped_column(String(7), nullable=True)
    alt: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploader: Mapped[User] = relationship(lazy="raise")
    channel: Mapped[Channel] = relationship(lazy="raise")

    @property
    def is_image(self) -> bool:
        return self.kind == "image"


class MessageRevision(db.Model):
    """An earlier version of an edited message, kept for its edit history (rendered when shown: rarely read)."""

    __tablename__ = "message_revisions"
    __table_args__ = (Index("ix_message_revisions_message_id_id", "message_id", "id"), NO_REUSE)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    content: Mapped[str] = mapped_column(Text)
    # When this version was written (the message's creation or an earlier edit).
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessageMention(db.Model):
    """A member named by `@username` in a message: highlighted, notified, counted as unread."""

    __tablename__ = "message_mentions"
    __table_args__ = (Index("ix_message_mentions_user_id_channel_id_message_id",
                            "user_id", "channel_id", "message_id"),)

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    # The message's channel, copied so unread mentions per channel need no join.
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    # Lower-cased, as written after the "@", so rendering needs no user lookup.
    username_key: Mapped[str] = mapped_column(String(32))


class ChannelRead(db.Model):
    """How far a user has read a channel: one row per user and channel, not per message."""

    __tablename__ = "channel_reads"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True)
    last_read_id: Mapped[int] = mapped_column(BigId, default=0)


class Event(db.Model):
    """The live log: one row per change that other tabs must see.

    Written in the same transaction as the change; its id is the SSE event id.
    An event is for the members of `server_id`, or for `user_id` alone.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_server_id_id", "server_id", "id"),
        Index("ix_events_user_id_id", "user_id", "id"),
        NO_REUSE,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    server_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    channel_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    user_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invitation(db.Model):
    """An invite link: an unguessable code, an optional expiry and use limit."""

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_server_id_id", "server_id", "id"), NO_REUSE)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    inviter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    max_uses: Mapped[int | None] = mapped_column(Integer, nullable=True)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Direct invitations name their invitee and move pending -> accepted/declined/cancelled.
    invitee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    state: Mapped[str | None] = mapped_column(String(16), nullable=True)

    server: Mapped[Server] = relationship(lazy="raise")
    inviter: Mapped[User] = relationship(lazy="raise", foreign_keys=[inviter_id])
    invitee: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[invitee_id])


class Notification(db.Model):
    """Something for one user: an invitation, an accepted invitation, a mention, a removal."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_id", "user_id", "id"), NO_REUSE)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    server_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    server_name: Mapped[str] = mapped_column(String(100), default="")
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"),
                                                         nullable=True)
    # Mentions: the message (deleting it deletes the notification) and where it is.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"),
                                                      nullable=True, index=True)
    channel_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    channel_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    actor: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[actor_id])
    invitation: Mapped[Invitation | None] = relationship(lazy="raise")
    message: Mapped[Message | None] = relationship(lazy="raise")


class Ban(db.Model):
    """Someone an owner or admin put out of a server: no way back in until unbanned."""

    __tablename__ = "bans"

    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(300), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="raise", foreign_keys=[user_id])
    actor: Mapped[User] = relationship(lazy="raise", foreign_keys=[actor_id])


class AuditEntry(db.Model):
    """One moderation or settings action in a server: who, what, to whom, when, before and after.

    Written in the action's transaction (an action that fails leaves none) and
    never expired. Names are copied into `details`, so the entry still reads
    after the channel or account is gone.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_server_id_id", "server_id", "id"),
                      Index("ix_audit_entries_server_id_action_id", "server_id", "action", "id"),
                      Index("ix_audit_entries_server_id_actor_id_id", "server_id", "actor_id", "id"),
                      NO_REUSE)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship(lazy="raise", foreign_keys=[actor_id])
    target_user: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[target_user_id])


class Block(db.Model):
    """`user_id` blocked `blocked_id`: their messages fold away for them, and they cannot invite, mention into a
    notification or start a direct message with them."""

    __tablename__ = "blocks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InstanceSetting(db.Model):
    """One setting of the whole instance (its name, who may register), changed in the admin area."""

    __tablename__ = "instance_settings"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class InstanceAuditEntry(db.Model):
    """An instance admin's action (accounts, servers, settings), never expired; names copied into `details`."""

    __tablename__ = "instance_audit_entries"
    __table_args__ = (NO_REUSE,)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # Not a foreign key: deleting a server is one of the actions recorded.
    target_server_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship(lazy="raise", foreign_keys=[actor_id])
    target_user: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[target_user_id])
