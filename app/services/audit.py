"""A server's audit log: every moderation and settings action, written in the action's own transaction.

Entries are never expired. Each names its actor and, where there is one, the
member it was done to; `details` holds what the reader needs without the
things themselves (names, and the before/after of what changed), so an entry
still reads after a channel or account is gone.
"""
from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import AuditEntry, Membership, User
from app.services import servers

MEMBER_REMOVED = "member.removed"
MEMBER_BANNED = "member.banned"
MEMBER_UNBANNED = "member.unbanned"
MEMBER_TIMED_OUT = "member.timed_out"
TIMEOUT_ENDED = "member.timeout_ended"
ROLE_CHANGED = "member.role_changed"
CHANNEL_CREATED = "channel.created"
CHANNEL_UPDATED = "channel.updated"
CHANNEL_DELETED = "channel.deleted"
SERVER_UPDATED = "server.updated"
INVITE_CREATED = "invite.created"
INVITE_REVOKED = "invite.revoked"
OWNERSHIP_TRANSFERRED = "server.ownership_transferred"

LABELS = {
    MEMBER_REMOVED: _l("Removed a member"),
    MEMBER_BANNED: _l("Banned a member"),
    MEMBER_UNBANNED: _l("Lifted a ban"),
    MEMBER_TIMED_OUT: _l("Timed out a member"),
    TIMEOUT_ENDED: _l("Ended a timeout"),
    ROLE_CHANGED: _l("Changed a role"),
    CHANNEL_CREATED: _l("Created a channel"),
    CHANNEL_UPDATED: _l("Changed a channel"),
    CHANNEL_DELETED: _l("Deleted a channel"),
    SERVER_UPDATED: _l("Changed the server settings"),
    INVITE_CREATED: _l("Created an invite link"),
    INVITE_REVOKED: _l("Revoked an invite link"),
    OWNERSHIP_TRANSFERRED: _l("Transferred ownership"),
}
PAGE_SIZE = 50


def record(server_id: int, actor_id: int, action: str, target_user_id: int | None = None, **details) -> AuditEntry:
    """Add an entry to the current transaction (the caller commits with the action itself)."""
    if action not in LABELS:
        raise ValueError(f"not an audit action: {action}")
    entry = AuditEntry(server_id=server_id, actor_id=actor_id, action=action, target_user_id=target_user_id,
                       details=details)
    db.session.add(entry)
    return entry


def changes(before: dict, after: dict) -> dict:
    """Only what changed: {"before": {...}, "after": {...}}."""
    changed = [key for key in after if before.get(key) != after[key]]
    return {"before": {key: before.get(key) for key in changed}, "after": {key: after[key] for key in changed}}


def get_page(user: User, server_id: int, *, action: str | None = None, actor_id: int | None = None,
             before: int | None = None) -> tuple[Membership, list[AuditEntry], int | None]:
    """Owners and admins read the log, newest first, by key (entries older than `before`), perhaps only one
    action or one actor's. Returns the viewer's membership, the page and the key of the next one."""
    membership = servers.access_as_admin(user, server_id)
    if action is not None and action not in LABELS:
        abort(400)
    query = (select(AuditEntry).options(joinedload(AuditEntry.actor), joinedload(AuditEntry.target_user))
             .where(AuditEntry.server_id == server_id).order_by(AuditEntry.id.desc()).limit(PAGE_SIZE + 1))
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    entries = list(db.session.scalars(query))
    return membership, entries[:PAGE_SIZE], entries[PAGE_SIZE - 1].id if len(entries) > PAGE_SIZE else None


def get_actors(server_id: int) -> list[User]:
    """The people who ever acted in the server's log (owners and admins, a handful), for the filter."""
    ids = select(AuditEntry.actor_id).where(AuditEntry.server_id == server_id).distinct()
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.display_name, User.id)))
