"""Invite links: unguessable codes with an expiry and a use limit."""
import secrets
from datetime import timedelta

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Invitation, Membership, Notification, Server, User, utcnow
from app.services import audit, blocks, events, moderation, notifications, text
from app.services import servers as server_service
from app.services.errors import ValidationFailed

# Form value -> lifetime (None: never expires); 7 days by default, as Discord.
EXPIRY_CHOICES = {
    "30m": (timedelta(minutes=30), _l("30 minutes")),
    "1h": (timedelta(hours=1), _l("1 hour")),
    "1d": (timedelta(days=1), _l("1 day")),
    "7d": (timedelta(days=7), _l("7 days")),
    "never": (None, _l("Never")),
}
DEFAULT_EXPIRY = "7d"
USES_CHOICES = {"1": 1, "5": 5, "10": 10, "25": 25, "100": 100, "unlimited": None}
DEFAULT_USES = "unlimited"

OK, EXPIRED, USED_UP, REVOKED = "ok", "expired", "used_up", "revoked"


def new_code() -> str:
    """192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def status(invitation: Invitation) -> str:
    if invitation.revoked_at is not None:
        return REVOKED
    if invitation.expires_at is not None and invitation.expires_at <= utcnow():
        return EXPIRED
    if invitation.max_uses is not None and invitation.uses >= invitation.max_uses:
        return USED_UP
    return OK


def check_link_options(data) -> tuple[timedelta | None, int | None]:
    """The link's lifetime and use limit (None: unlimited) from the form's lists."""
    expiry, uses = data.get("expires", DEFAULT_EXPIRY), data.get("max_uses", DEFAULT_USES)
    if expiry not in EXPIRY_CHOICES or uses not in USES_CHOICES:
        raise ValidationFailed({"invite": str(_l("Choose an expiry and a number of uses from the lists."))})
    return EXPIRY_CHOICES[expiry][0], USES_CHOICES[uses]


def create_link(user: User, server_id: int, data) -> Invitation:
    """Any member may invite; the link joins people to the server."""
    server_service.access_community(user, server_id)
    lifetime, max_uses = check_link_options(data)
    invitation = Invitation(server_id=server_id, inviter_id=user.id, code=new_code(),
                            expires_at=utcnow() + lifetime if lifetime else None, max_uses=max_uses)
    db.session.add(invitation)
    db.session.flush()
    audit.record(server_id, user.id, audit.INVITE_CREATED, invite=invitation.id,
                 expires_at=invitation.expires_at.isoformat() if invitation.expires_at else None,
                 max_uses=max_uses)
    db.session.commit()
    return invitation


def list_links(user: User, server_id: int) -> list[Invitation]:
    """Owners and admins see every live link; members only their own."""
    membership = server_service.access_community(user, server_id)
    query = (select(Invitation).options(joinedload(Invitation.inviter))
             .where(Invitation.server_id == server_id, Invitation.revoked_at.is_(None),
                    Invitation.state.is_(None))
             .order_by(Invitation.id.desc()))
    if not membership.is_admin:
        query = query.where(Invitation.inviter_id == user.id)
    return [invitation for invitation in db.session.scalars(query) if status(invitation) == OK]


def access_invitation_to_manage(user: User, invitation_id: int, *, direct: bool) -> Invitation:
    """An invite link (or with `direct`, an invitation by username) that `user` made or administers.

    404 when unknown or of a server the user is not in; 403 for other members.
    """
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or (invitation.state is not None) != direct:
        abort(404)
    membership = server_service.access_community(user, invitation.server_id)
    if invitation.inviter_id != user.id and not membership.is_admin:
        abort(403)
    return invitation


def revoke_link(user: User, invitation_id: int) -> Invitation:
    """Revoke an invite link (its maker, owners and admins)."""
    invitation = access_invitation_to_manage(user, invitation_id, direct=False)
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit.record(invitation.server_id, user.id, audit.INVITE_REVOKED, invite=invitation.id,
                     made_by=invitation.inviter_id)
        db.session.commit()
    return invitation


def get_link(code: str) -> Invitation | None:
    """The invitation with its server, or None for an unknown code."""
    if not code or len(code) > 64:
        return None
    return db.session.scalar(select(Invitation).options(joinedload(Invitation.server))
                             .where(Invitation.code == code, Invitation.state.is_(None)))


def is_member(user: User, server_id: int) -> bool:
    return db.session.scalar(select(Membership.id).where(Membership.user_id == user.id,
                                                         Membership.server_id == server_id)) is not None


def accept_link(user: User, code: str) -> tuple[Server | None, str]:
    """Join through a link: (server, OK) or (None, why not). One use per join,
    taken atomically, so two people racing for the last use cannot both win."""
    invitation = get_link(code)
    if invitation is None:
        abort(404)
    if is_member(user, invitation.server_id):
        return invitation.server, OK
    moderation.check_not_banned(invitation.server, user.id)  # before taking a use
    now = utcnow()
    taken = db.session.execute(
        update(Invitation).where(
            Invitation.id == invitation.id, Invitation.revoked_at.is_(None),
            or_(Invitation.expires_at.is_(None), Invitation.expires_at > now),
            or_(Invitation.max_uses.is_(None), Invitation.uses < Invitation.max_uses))
        .values(uses=Invitation.uses + 1)).rowcount
    if taken != 1:
        db.session.rollback()
        return None, status(db.session.get(Invitation, invitation.id))
    server_service.add_member(user, invitation.server)
    db.session.commit()  # the use and the membership together
    return invitation.server, OK


PENDING, ACCEPTED, DECLINED, CANCELLED = "pending", "accepted", "declined", "cancelled"


def check_invitee(server_id: int, username: str | None) -> User:
    """The user named, if they exist, are not a member and have no invitation waiting."""
    invitee = db.session.scalar(select(User).where(User.username_key == text.clean_line(username).lower(),
                                                   User.deleted_at.is_(None), User.deactivated_at.is_(None)))
    if invitee is None:
        raise ValidationFailed({"username": str(_l("There is no user with that name."))})
    if is_member(invitee, server_id):
        raise ValidationFailed({"username": str(_l("%(name)s is already a member.", name=invitee.username))})
    if moderation.get_ban(server_id, invitee.id) is not None:
        raise ValidationFailed({"username": str(_l("%(name)s is banned from this server.", name=invitee.username))})
    if db.session.scalar(select(Invitation.id).where(Invitation.server_id == server_id,
                                                     Invitation.invitee_id == invitee.id,
                                                     Invitation.state == PENDING)):
        raise ValidationFailed({"username": str(_l("%(name)s already has an invitation waiting.",
                                                   name=invitee.username))})
    return invitee


def invite_user(inviter: User, server_id: int, username: str) -> Invitation:
    """Invite a user by username; they get a notification with accept and decline."""
    membership = server_service.access_community(inviter, server_id)
    invitee = check_invitee(server_id, username)
    if blocks.has_blocked(invitee.id, inviter.id):
        raise ValidationFailed({"username": str(_l("%(name)s does not accept invitations from you.",
                                                   name=invitee.username))})
    invitation = Invitation(server_id=server_id, inviter_id=inviter.id, code=new_code(), max_uses=1,
                            invitee=invitee, state=PENDING)
    db.session.add(invitation)
    db.session.flush()
    notifications.notify(invitee.id, notifications.INVITATION, actor_id=inviter.id, server_id=server_id,
                         server_name=membership.server.name, invitation_id=invitation.id)
    db.session.commit()
    return invitation


def pending_invitations(user: User, server_id: int) -> list[Invitation]:
    """Direct invitations of a server still waiting (the inviter's own, or all for admins)."""
    membership = server_service.access_community(user, server_id)
    query = (select(Invitation).options(joinedload(Invitation.invitee))
             .where(Invitation.server_id == server_id, Invitation.state == PENDING)
             .order_by(Invitation.id.desc()))
    if not membership.is_admin:
        query = query.where(Invitation.inviter_id == user.id)
    return list(db.session.scalars(query))


def respond(user: User, invitation_id: int, accept: bool) -> Invitation:
    """The invitee accepts (joins) or declines a pending invitation."""
    invitation = db.session.scalar(select(Invitation).options(joinedload(Invitation.server))
                                   .where(Invitation.id == invitation_id))
    if invitation is None or invitation.invitee_id != user.id:
        abort(404)
    if invitation.state != PENDING:
        raise ValidationFailed({"invitation": str(_l("This invitation is no longer waiting for an answer."))})
    invitation.state = ACCEPTED if accept else DECLINED
    db.session.execute(update(Notification).where(Notification.invitation_id == invitation.id,
                                                  Notification.user_id == user.id)
                       .values(read_at=utcnow()))
    events.record_event(events.NOTIFICATIONS_CHANGED, user_id=user.id)
    if accept:
        notifications.notify(invitation.inviter_id, notifications.INVITE_ACCEPTED, actor_id=user.id,
                             server_id=invitation.server_id, server_name=invitation.server.name)
        if not is_member(user, invitation.server_id):
            server_service.add_member(user, invitation.server)
    db.session.commit()
    return invitation


def cancel(user: User, invitation_id: int) -> Invitation:
    """The inviter (or an owner or admin) withdraws a pending invitation."""
    invitation = access_invitation_to_manage(user, invitation_id, direct=True)
    if invitation.state == PENDING:
        invitation.state = CANCELLED
        db.session.execute(update(Notification).where(Notification.invitation_id == invitation.id)
                           .values(read_at=utcnow()))
        events.record_event(events.NOTIFICATIONS_CHANGED, user_id=invitation.invitee_id)
        db.session.commit()
    return invitation
