"""Direct messages: the list of conversations, starting one, leaving a group.

A conversation opens at its server URL like any channel (app.chat.views
branches on `server.is_dm` for what it shows around the messages).
"""
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import rate_limits
from app.chat.views import bp, load_workspace, render_workspace
from app.errors import render_error
from app.extensions import limiter
from app.responses import redirect_to
from app.services import direct
from app.services import servers as server_service
from app.services.errors import ValidationFailed


@bp.get("/dms")
def direct_home():
    """Your conversations, and a box to start one."""
    return render_workspace(**load_workspace(dm_home=True), errors={}, values={})


@bp.post("/dms")
@limiter.limit(rate_limits.CONVERSATION_CREATION, key_func=rate_limits.per_user("dms"))
def open_direct():
    """Open the conversation with the people named (a pair's existing one, or a new one)."""
    try:
        server = direct.open_conversation(current_user, request.form.get("to"))
    except ValidationFailed as failed:
        body, _status, headers = render_workspace(**load_workspace(dm_home=True), errors=failed.errors,
                                                  values=request.form)
        return body, 422, headers
    return redirect_to(url_for("chat.server", server_id=server.id))


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
