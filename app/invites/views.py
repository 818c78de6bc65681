"""Invite links: create, list, revoke; preview and join for anyone holding one."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import rate_limits
from app.errors import render_error
from app.extensions import limiter
from app.responses import redirect_to, render_page_or_fragment
from app.services import invitations, moderation
from app.services import servers as server_service
from app.services.errors import ValidationFailed

bp = Blueprint("invites", __name__)
invitation_limit = limiter.shared_limit(rate_limits.INVITATIONS, scope="invitations",
                                        key_func=rate_limits.per_user("invitations"))

GONE = {
    invitations.EXPIRED: lambda: _("This invite has expired."),
    invitations.USED_UP: lambda: _("This invite has been used as many times as it allows."),
    invitations.REVOKED: lambda: _("This invite was revoked."),
}


def render_panel(server_id: int, created=None, errors=None, status: int = 200, invited=None):
    membership = server_service.access_membership(current_user, server_id)
    return render_page_or_fragment(
        "pages/invites.html", "partials/invites/panel.html", status, server=membership.server, membership=membership,
        links=invitations.list_links(current_user, server_id), created=created, errors=errors or {},
        pending=invitations.pending_invitations(current_user, server_id), invited=invited,
        expiry_choices=invitations.EXPIRY_CHOICES, uses_choices=invitations.USES_CHOICES,
        default_expiry=invitations.DEFAULT_EXPIRY, default_uses=invitations.DEFAULT_USES)


@bp.get("/servers/<int:server_id>/invites")
def manage(server_id: int):
    """Invite links of a server: make one; owners and admins see and revoke all."""
    return render_panel(server_id)


@bp.post("/servers/<int:server_id>/invites")
@invitation_limit
def create(server_id: int):
    """Make a new invite link."""
    try:
        created = invitations.create_link(current_user, server_id, request.form)
    except ValidationFailed as failed:
        return render_panel(server_id, errors=failed.errors, status=422)
    return render_panel(server_id, created=created)


@bp.post("/servers/<int:server_id>/invitations")
@invitation_limit
def invite(server_id: int):
    """Invite someone by username."""
    try:
        invitation = invitations.invite_user(current_user, server_id, request.form.get("username", ""))
    except ValidationFailed as failed:
        return render_panel(server_id, errors=failed.errors, status=422)
    return render_panel(server_id, invited=invitation)


@bp.post("/invitations/<int:invitation_id>/cancel")
def cancel(invitation_id: int):
    """Withdraw a pending invitation."""
    invitation = invitations.cancel(current_user, invitation_id)
    return render_panel(invitation.server_id)


@bp.post("/invitations/<int:invitation_id>/accept")
def accept(invitation_id: int):
    """Accept an invitation: join the server and open it."""
    try:
        invitation = invitations.respond(current_user, invitation_id, accept=True)
    except ValidationFailed as failed:
        return render_error(409, title=_("Invitation"), text=failed.errors["invitation"])
    return redirect_to(url_for("chat.server", server_id=invitation.server_id))


@bp.post("/invitations/<int:invitation_id>/decline")
def decline(invitation_id: int):
    """Decline an invitation."""
    try:
        invitations.respond(current_user, invitation_id, accept=False)
    except ValidationFailed as failed:
        return render_error(409, title=_("Invitation"), text=failed.errors["invitation"])
    return redirect_to(url_for("notifications.index"))


@bp.post("/invites/<int:invitation_id>/revoke")
def revoke(invitation_id: int):
    """Revoke an invite link (owners, admins, or whoever made it)."""
    invitation = invitations.revoke_link(current_user, invitation_id)
    return render_panel(invitation.server_id)


@bp.route("/invite/<code>", methods=["GET", "POST"])
def preview(code: str):
    """The invite itself: who it is for, and Join (log in or register first)."""
    invitation = invitations.get_link(code)
    if invitation is None:
        return render_error(404, title=_("Invite not found"), text=_("This invite link is not valid."))
    state = invitations.status(invitation)
    member = current_user.is_authenticated and invitations.is_member(current_user, invitation.server_id)
    if current_user.is_authenticated and not member:
        moderation.check_not_banned(invitation.server, current_user.id)  # 403, saying why
    if state != invitations.OK and not member:
        return render_error(410, title=_("Invite no longer valid"), text=GONE[state]())
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.path), code=303)
        server, state = invitations.accept_link(current_user, code)
        if server is None:
            return render_error(410, title=_("Invite no longer valid"), text=GONE[state]())
        return redirect_to(url_for("chat.server", server_id=server.id))
    return render_template("pages/invite.html", invitation=invitation, server=invitation.server, member=member)
