"""Server and channel settings: names, description, topic, visibility, delete (owners and admins)."""
from flask import render_template, request, url_for
from flask_login import current_user

from app import rate_limits
from app.chat.views import bp
from app.extensions import limiter
from app.responses import redirect_to
from app.services import servers as server_service
from app.services.errors import ValidationFailed


@bp.route("/servers/<int:server_id>/channels/<int:channel_id>/edit", methods=["GET", "POST"])
def edit_channel(server_id: int, channel_id: int):
    """The channel's name, topic and slow mode: the form, and saving it."""
    membership, channel = server_service.access_channel_as_admin(current_user, server_id, channel_id)
    errors, values = {}, {"name": channel.name, "topic": channel.topic, "slow_mode": str(channel.slow_mode_seconds)}
    if request.method == "POST":
        try:
            server_service.update_channel(current_user, server_id, channel_id, request.form)
        except ValidationFailed as failed:
            errors, values = failed.errors, request.form
        else:
            return redirect_to(url_for("chat.channel", server_id=server_id, channel_id=channel_id))
    body = render_template("pages/channel_edit.html", server=membership.server, channel=channel,
                           errors=errors, values=values)
    return body, 422 if errors else 200


@bp.post("/servers/<int:server_id>/channels/<int:channel_id>/delete")
def delete_channel(server_id: int, channel_id: int):
    """Delete the channel and its messages, then open the server."""
    server_service.delete_channel(current_user, server_id, channel_id)
    return redirect_to(url_for("chat.server", server_id=server_id))


@bp.route("/servers/<int:server_id>/settings", methods=["GET", "POST"])
def server_settings(server_id: int):
    """The server's name, description and visibility: the form, and saving it."""
    membership = server_service.access_as_admin(current_user, server_id)
    server = membership.server
    errors = {}
    values = {"name": server.name, "description": server.description,
              "visibility": "public" if server.is_public else "private",
              "edit_window": str(server.edit_window_seconds or "")}
    if request.method == "POST":
        try:
            server_service.update_server(current_user, server_id, request.form)
        except ValidationFailed as failed:
            errors, values = failed.errors, request.form
        else:
            return redirect_to(url_for("chat.server", server_id=server_id))
    body = render_template("pages/server_settings.html", server=server, membership=membership,
                           errors=errors, values=values)
    return body, 422 if errors else 200


@bp.post("/servers/<int:server_id>/transfer")
@limiter.limit("5/minute;20/hour", key_func=rate_limits.per_user("transfer"))  # it asks for the password
def transfer_ownership(server_id: int):
    """The owner gives the server to another member (with their password)."""
    try:
        server_service.transfer_ownership(current_user, server_id, request.form)
    except ValidationFailed as failed:
        membership = server_service.access_as_admin(current_user, server_id)
        server = membership.server
        values = {"name": server.name, "description": server.description,
                  "visibility": "public" if server.is_public else "private",
                  "edit_window": str(server.edit_window_seconds or "")}
        return render_template("pages/server_settings.html", server=server, membership=membership, errors={},
                               values=values, transfer_errors=failed.errors,
                               transfer_username=request.form.get("username", "")), failed.status
    return redirect_to(url_for("chat.server", server_id=server_id))
