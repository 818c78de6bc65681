"""A server's audit log page (owners and admins)."""
from flask import render_template, request
from flask_login import current_user

from app.members.views import bp
from app.params import int_arg
from app.responses import render_page_or_fragment, wants_fragment
from app.services import audit


@bp.get("/servers/<int:server_id>/audit")
def audit_log(server_id: int):
    """Every moderation and settings action, newest first, 50 at a time by key; ?action= and ?actor= filter."""
    action = request.args.get("action") or None
    actor_id = int_arg("actor")
    before = int_arg("before")
    membership, entries, next_before = audit.get_page(current_user, server_id, action=action, actor_id=actor_id,
                                                      before=before)
    context = {"server": membership.server, "entries": entries, "next_before": next_before, "action": action,
               "actor_id": actor_id, "labels": audit.LABELS}
    if before is not None and wants_fragment():
        return render_template("partials/audit/entries.html", **context)
    return render_page_or_fragment("pages/audit.html", "partials/audit/log.html",
                                   actors=audit.get_actors(server_id), **context)
