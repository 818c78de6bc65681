"""A message's earlier versions, and the server's edit window (set by its owner)."""
from flask import current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.chat.views import bp
from app.errors import render_error
from app.responses import redirect_to, render_page_or_fragment
from app.services import edit_history, edit_window
from app.services import messages as message_service
from app.services import servers as server_service
from app.services.errors import ValidationFailed


@bp.errorhandler(edit_window.EditWindowClosed)
def edit_window_closed(error: edit_window.EditWindowClosed):
    """A 403 that says how long messages here can be edited."""
    return render_error(403, title=_("Too late to edit"), text=error.description)


@bp.get("/messages/<int:message_id>/history")
def message_history(message_id: int):
    """Every version of a message, newest first: a page, or for htmx a popover in the channel."""
    message, channel, versions = edit_history.get_versions(current_user, message_id)
    before = None
    if not message_service.in_newest_page(message, current_app.config["MESSAGES_PAGE_SIZE"]):
        before = message.id + 1
    back = url_for("chat.channel", server_id=channel.server_id, channel_id=channel.id, before=before,
                   _anchor=f"message-{message.id}")
    return render_page_or_fragment("pages/message_history.html", "partials/message_history.html",
                                   message=message, channel=channel, versions=versions, back=back)


@bp.post("/servers/<int:server_id>/edit-window")
def set_edit_window(server_id: int):
    """The owner's choice of how long messages can be edited; bad choices re-show the settings (400)."""
    try:
        edit_window.set_edit_window(current_user, server_id, request.form.get("edit_window"))
    except ValidationFailed as failed:
        membership = server_service.access_membership(current_user, server_id)
        server = membership.server
        values = {"name": server.name, "description": server.description,
                  "visibility": "public" if server.is_public else "private"}
        body = render_template("pages/server_settings.html", server=server, membership=membership,
                               errors=failed.errors, values=values)
        return body, 400
    flash(_("Saved."))
    return redirect_to(url_for("chat.server_settings", server_id=server_id))
