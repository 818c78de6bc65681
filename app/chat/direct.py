"""Direct messages: the list of conversations, starting one, leaving a group.

A conversation opens at its server URL like any channel (app.chat.views
branches on `server.is_dm` for what it shows around the messages).
"""
from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import rate_limits
from app.chat.views import bp, load_workspace, render_workspace
from app.errors import render_error
from app.extensions import limiter
from app.responses import redirect_to, wants_fragment
from app.services import direct
from app.services import servers as server_service
from app.services.errors import ValidationFailed


def people_context() -> dict:
    query = request.args.get("q", "")
    return {"people_found": direct.find_people(current_user, query), "people_query": query}


@bp.get("/dms")
def direct_home():
    """Your conversations, a box to start one, and the people you may message (?q= narrows them)."""
    return render_workspace(**load_workspace(dm_home=True), **people_context(), errors={}, values={})


@bp.get("/dms/people")
def direct_people():
    """The people list alone, as the search box is typed in (htmx); the page otherwise."""
    if not wants_fragment():
        return redirect(url_for("chat.direct_home", q=request.args.get("q") or None))
    return render_template("partials/dms/people.html", **people_context())


@bp.post("/dms")
@limiter.limit(rate_limits.CONVERSATION_CREATION, key_func=rate_limits.per_user("dms"))
def open_direct():
    """Open the conversation with the people named (a pair's existing one, or a new one)."""
    try:
        server = direct.open_conversation(current_user, request.form.get("to"))
    except ValidationFailed as failed:
        body, _status, headers = render_workspace(**load_workspace(dm_home=True), **people_context(),
                                                  errors=failed.errors, values=request.form)
        return body, 422, headers
    return redirect_to(url_for("chat.server", server_id=server.id))


@bp.post("/dms/<int:server_id>/people")
@limiter.limit(rate_limits.CONVERSATION_CREATION, key_func=rate_limits.per_user("dms"))
def add_direct_people(server_id: int):
    """Add people to a group conversation (from a pair's: a new group with them)."""
    membership = server_service.access_membership(current_user, server_id)
    if not membership.server.is_dm:
        abort(404)
    try:
        server = direct.add_people(current_user, membership.server, request.form.get("to"))
    except ValidationFailed as failed:
        return render_error(422, title=_("Nobody added"), text=failed.errors["to"])
    return redirect_to(url_for("chat.server", server_id=server.id))


@bp.post("/dms/<int:server_id>/close")
def close_direct(server_id: int):
    """Close a conversation: out of your list until someone writes in it."""
    membership = server_service.access_membership(current_user, server_id)
    if not membership.server.is_dm:
        abort(404)
    direct.close_conversation(current_user, membership.server)
    return redirect_to(url_for("chat.direct_home"))


@bp.post("/dms/<int:server_id>/leave")
def leave_direct(server_id: int):
    """Leave a group conversation."""
    membership = server_service.access_membership(current_user, server_id)
    if not membership.server.is_dm:
        abort(404)
    try:
        direct.leave_conversation(current_user, membership.server)
    except ValidationFailed as failed:
        return render_error(409, title=_("You cannot leave"), text=failed.errors["server"])
    return redirect_to(url_for("chat.direct_home"))
