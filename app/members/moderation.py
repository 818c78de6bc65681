"""Moderation from the member list: bans (and their list), timeouts."""
from flask import redirect, url_for
from flask import request as http_request
from flask_login import current_user

from app.members.views import bp, render_members
from app.responses import render_page_or_fragment, wants_fragment
from app.services import moderation
from app.services.errors import ValidationFailed


def back_to_members(server_id: int, **context):
    if wants_fragment():
        return render_members(server_id, **context)
    return redirect(url_for("members.index", server_id=server_id), code=303)


@bp.post("/servers/<int:server_id>/members/<int:user_id>/ban")
def ban(server_id: int, user_id: int):
    """Ban a member (with a reason, perhaps deleting their recent messages)."""
    try:
        banned = moderation.ban(current_user, server_id, user_id, http_request.form)
    except ValidationFailed as failed:
        return render_members(server_id, error=next(iter(failed.errors.values())), status=failed.status)
    return back_to_members(server_id, notice=("banned", banned))


@bp.post("/servers/<int:server_id>/members/<int:user_id>/timeout")
def timeout(server_id: int, user_id: int):
    """Time a member out for a while (they read, but do not post or react)."""
    try:
        moderation.time_out(current_user, server_id, user_id, http_request.form)
    except ValidationFailed as failed:
        return render_members(server_id, error=next(iter(failed.errors.values())), status=failed.status)
    return back_to_members(server_id)


@bp.post("/servers/<int:server_id>/members/<int:user_id>/timeout/end")
def end_timeout(server_id: int, user_id: int):
    moderation.end_timeout(current_user, server_id, user_id)
    return back_to_members(server_id)


def render_bans(server_id: int, status: int = 200, errors: dict | None = None, banned=None):
    membership, bans = moderation.get_bans(current_user, server_id)
    return render_page_or_fragment("pages/bans.html", "partials/members/bans.html", status,
                                   server=membership.server, bans=bans, errors=errors or {}, banned=banned,
                                   values=http_request.form if errors else {})


@bp.get("/servers/<int:server_id>/bans")
def bans(server_id: int):
    """Who is banned, by whom, why (owners and admins)."""
    return render_bans(server_id)


@bp.post("/servers/<int:server_id>/bans")
def ban_by_name(server_id: int):
    """Ban someone by username: a member, or someone who left or never came."""
    try:
        banned = moderation.ban_by_name(current_user, server_id, http_request.form)
    except ValidationFailed as failed:
        return render_bans(server_id, status=failed.status, errors=failed.errors)
    if wants_fragment():
        return render_bans(server_id, banned=banned)
    return redirect(url_for("members.bans", server_id=server_id), code=303)


@bp.post("/servers/<int:server_id>/bans/<int:user_id>/lift")
def unban(server_id: int, user_id: int):
    moderation.unban(current_user, server_id, user_id)
    if wants_fragment():
        return render_bans(server_id)
    return redirect(url_for("members.bans", server_id=server_id), code=303)
