"""A server's member list, and removing members (owners and admins)."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from app.params import int_arg
from app.responses import render_page_or_fragment, wants_fragment
from app.services import mentions, moderation
from app.services import servers as server_service
from app.services.errors import ValidationFailed
from app.templating import presence_of

bp = Blueprint("members", __name__)


def render_members(server_id: int, removed=None, error=None, status: int = 200, notice=None):
    membership, members = server_service.get_members(current_user, server_id)
    return render_page_or_fragment("pages/members.html", "partials/members/panel.html", status,
                                   server=membership.server, membership=membership, members=members,
                                   can_remove=server_service.can_remove, removed=removed, error=error,
                                   notice=notice, timeouts=moderation.TIMEOUTS,
                                   timed_out_until=moderation.timed_out_until)


@bp.get("/servers/<int:server_id>/members")
def index(server_id: int):
    """Who is in the server, with their role."""
    return render_members(server_id)


@bp.post("/servers/<int:server_id>/members/<int:user_id>/remove")
def remove(server_id: int, user_id: int):
    """Remove a member: owners remove anyone, admins remove members."""
    removed = server_service.remove_member(current_user, server_id, user_id)
    if wants_fragment():
        return render_members(server_id, removed=removed)
    return redirect(url_for("members.index", server_id=server_id), code=303)


@bp.post("/servers/<int:server_id>/members/<int:user_id>/role")
def role(server_id: int, user_id: int):
    """The owner makes a member an admin, or an admin a member."""
    try:
        server_service.set_role(current_user, server_id, user_id, request.form.get("role", ""))
    except ValidationFailed as failed:
        return render_members(server_id, error=failed.errors["role"], status=422)
    if wants_fragment():
        return render_members(server_id)
    return redirect(url_for("members.index", server_id=server_id), code=303)


@bp.get("/servers/<int:server_id>/members/suggest")
def suggest(server_id: int):
    """Members whose username starts with ?q= (the composer's "@" list)."""
    prefix = request.args.get("q", "")
    return render_template("partials/members/suggestions.html", prefix=prefix,
                           users=mentions.suggest(current_user, server_id, prefix))


ROLE_GROUPS = ("owner", "admin", "member")


@bp.get("/servers/<int:server_id>/members/sidebar")
def sidebar(server_id: int):
    """The member sidebar beside the messages (htmx): by role, online first, 100 at a time (?after=<user id>).

    Without JavaScript the channel header links to the members page instead.
    """
    after = int_arg("after")
    membership, rows, next_after = server_service.get_member_page(current_user, server_id, after)
    if not wants_fragment():
        return redirect(url_for("members.index", server_id=server_id))
    states = presence_of(user.id for _m, user in rows)
    order = {"online": 0, "idle": 1, "offline": 2}
    groups = []
    for role in ROLE_GROUPS:
        people = [(user, states[user.id]) for m, user in rows if m.role == role]
        people.sort(key=lambda item: order[item[1]])  # stable: by name within each state
        if people:
            groups.append((role, people))
    template = "partials/members/sidebar_page.html" if after is not None else "partials/members/sidebar.html"
    return render_template(template, server=membership.server, groups=groups, next_after=next_after)
