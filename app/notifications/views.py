"""Notifications: the bell (live unread count) and the panel."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.browser import safe_next
from app.responses import render_page_or_fragment, wants_fragment
from app.services import notifications, preferences
from app.services import servers as server_service

bp = Blueprint("notifications", __name__)


def render_panel():
    return render_page_or_fragment("pages/notifications.html", "partials/notifications/panel.html",
                                   items=notifications.get_notifications(current_user),
                                   unread=notifications.unread_count(current_user))


@bp.get("/notifications")
def index():
    """Your notifications, newest first."""
    return render_panel()


@bp.get("/notifications/bell")
def bell():
    """The bell with the unread count (refreshed live)."""
    return render_page_or_fragment("pages/notifications.html", "partials/notifications/bell.html",
                                   items=notifications.get_notifications(current_user),
                                   unread=notifications.unread_count(current_user))


@bp.post("/notifications/<int:notification_id>/read")
def read(notification_id: int):
    """Mark one notification read, then show the panel or go on to ?next (e.g. the message it is about)."""
    notifications.mark_read(current_user, notification_id)
    if request.form.get("next"):
        return redirect(safe_next(request.form["next"]), code=303)
    return render_panel() if wants_fragment() else redirect(url_for("notifications.index"), code=303)


@bp.post("/notifications/read")
def read_all():
    """Mark every notification read."""
    notifications.mark_all_read(current_user)
    return render_panel() if wants_fragment() else redirect(url_for("notifications.index"), code=303)


def render_level(membership, saved: bool = False):
    return render_page_or_fragment("pages/server_notifications.html", "partials/notifications/server_level.html",
                                   server=membership.server, membership=membership, levels=preferences.LEVELS,
                                   saved=saved)


@bp.get("/servers/<int:server_id>/notifications")
def server_level(server_id: int):
    """Which messages of this server notify you: all, mentions only, or nothing."""
    return render_level(server_service.access_membership(current_user, server_id))


@bp.post("/servers/<int:server_id>/notifications")
def set_server_level(server_id: int):
    """Save your notification level for this server."""
    membership = preferences.set_notify_level(current_user, server_id, request.form)
    if wants_fragment():
        return render_level(membership, saved=True)
    flash(_("Saved."))
    return redirect(url_for("notifications.server_level", server_id=server_id), code=303)
