"""The three-column chat: servers, channels, messages.

Every GET here is a full page for a plain request and the region it targets
for htmx; every POST works as a plain form (POST, then redirect) and as htmx.
"""
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound

from app import rate_limits
from app.errors import render_error
from app.extensions import htmx, limiter
from app.params import int_arg
from app.responses import htmx_target, redirect_to, render_page_or_fragment, wants_fragment
from app.services import attachments as attachment_service
from app.services import direct, moderation, offload, reads, replies
from app.services import messages as message_service
from app.services import notifications as notification_service
from app.services import servers as server_service
from app.services.errors import ValidationFailed
from app.services.events import get_cursor

bp = Blueprint("chat", __name__)


def load_workspace(server_id: int | None = None, channel_id: int | None = None,
                   before: int | None = None, *, mark_read: bool = True, dm_home: bool = False) -> dict:
    """Everything the three columns show, in a constant number of queries.

    Opening a channel reads it; a page re-shown after a failed POST passes
    `mark_read=False`, so the failure writes nothing. In a direct conversation
    (or on the `dm_home` page) the middle column lists the conversations.
    """
    context = {"server": None, "membership": None, "channels": [], "channel": None, "history": None,
               "live_cursor": get_cursor(), "viewing_older": before is not None}
    if server_id is not None:
        membership = server_service.access_membership(current_user, server_id)
        channels = server_service.get_channels(server_id)
        channel = server_service.pick_channel(channels, channel_id)
        context.update(server=membership.server, membership=membership, channels=channels, channel=channel)
        if membership.server.is_dm:
            context["people"] = direct.get_people(current_user, membership.server)
            dm_home = True
        if channel is not None:
            history = message_service.get_history(channel.id, before=before,
                                                  limit=current_app.config["MESSAGES_PAGE_SIZE"])
            context["history"] = history
            if mark_read and before is None and history.messages:
                # Opening a channel reads it (up to what is shown).
                reads.mark_read(current_user, channel, history.messages[-1].id, checked=True)
    if dm_home:
        context["conversations"] = direct.get_conversations(current_user, server_id)
    # Read after marking, so the open channel is not shown unread.
    context.update(servers=server_service.get_user_servers(current_user),
                   reads=reads.get_read_state(current_user.id),
                   unread=notification_service.unread_count(current_user))
    return context


def render_workspace(**context):
    """The chat page, or for htmx the columns that change.

    A channel click targets the messages column (its list marks the current
    channel out of band); a server click targets the channels and messages;
    live updates refresh the servers or channels column alone.
    """
    fragment = {
        "messages-column": "partials/channel_view_swap.html",
        "servers-column": "partials/server_list.html",
        "channels-column": "partials/channel_list.html",
    }.get(htmx_target(), "partials/server_view_swap.html")
    return render_page_or_fragment("pages/chat.html", fragment, **context)


@bp.get("/")
def home():
    """The user's servers; pick one or create one."""
    return render_workspace(**load_workspace())


@bp.get("/servers/<int:server_id>")
def server(server_id: int):
    """A server, opened on its first channel; a public server's preview (and Join) for others."""
    try:
        return render_workspace(**load_workspace(server_id))
    except NotFound:
        preview = server_service.get_public_preview(current_user, server_id)
        if preview is None:
            raise
        return render_template("pages/server_preview.html", server=preview,
                               ban=moderation.get_ban(preview.id, current_user.id)), 200


@bp.get("/servers/<int:server_id>/channels/<int:channel_id>")
def channel(server_id: int, channel_id: int):
    """A channel: the newest messages, or older ones with ?before=<id>."""
    return render_workspace(**load_workspace(server_id, channel_id, int_arg("before")))


@bp.get("/servers/<int:server_id>/channels/<int:channel_id>/messages")
def older_messages(server_id: int, channel_id: int):
    """The page of history before ?before=<id> (htmx infinite scroll upwards)."""
    before = int_arg("before")
    membership, channel = message_service.access_channel(current_user, server_id, channel_id)
    if not wants_fragment():
        return redirect(url_for("chat.channel", server_id=server_id, channel_id=channel_id, before=before))
    history = message_service.get_history(channel.id, before=before,
                                          limit=current_app.config["MESSAGES_PAGE_SIZE"])
    return render_template("partials/message_page.html", server=membership.server, channel=channel,
                           history=history)


@bp.route("/servers/new", methods=["GET"])
def new_server():
    """The create-server form as a page."""
    return render_page_or_fragment("pages/server_new.html", "partials/server_form.html",
                                   errors={}, values={})


@bp.post("/servers")
@limiter.limit(rate_limits.SERVER_CREATION, key_func=rate_limits.per_user("servers"))
def create_server():
    """Create a server and open it."""
    try:
        server = server_service.create_server(current_user, request.form)
    except ValidationFailed as failed:
        return render_page_or_fragment("pages/server_new.html", "partials/server_form.html", 422,
                                       errors=failed.errors, values=request.form)
    return redirect_to(url_for("chat.server", server_id=server.id))


@bp.post("/servers/<int:server_id>/leave")
def leave_server(server_id: int):
    """Leave a server (not its owner)."""
    try:
        server_service.leave_server(current_user, server_id)
    except ValidationFailed as failed:
        return render_error(409, title=_("You own this server"), text=failed.errors["server"])
    return redirect_to(url_for("chat.home"))


@bp.post("/servers/<int:server_id>/delete")
def delete_server(server_id: int):
    """Delete a server and everything in it (owner only)."""
    server_service.delete_server(current_user, server_id)
    return redirect_to(url_for("chat.home"))


@bp.get("/servers/<int:server_id>/channels/new")
def new_channel(server_id: int):
    """The create-channel form as a page."""
    membership = server_service.access_as_admin(current_user, server_id)
    return render_page_or_fragment("pages/channel_new.html", "partials/channel_form.html",
                                   server=membership.server, errors={}, values={})


@bp.post("/servers/<int:server_id>/channels")
def create_channel(server_id: int):
    """Create a channel and open it."""
    try:
        channel = server_service.create_channel(current_user, server_id, request.form)
    except ValidationFailed as failed:
        membership = server_service.access_membership(current_user, server_id)
        return render_page_or_fragment("pages/channel_new.html", "partials/channel_form.html", 422,
                                       server=membership.server, errors=failed.errors, values=request.form)
    return redirect_to(url_for("chat.channel", server_id=server_id, channel_id=channel.id))


@bp.post("/servers/<int:server_id>/channels/<int:channel_id>/messages")
@limiter.limit("30/10 seconds;600/hour", key_func=lambda: f"post:{current_user.id}")
def post_message(server_id: int, channel_id: int):
    """Post a message, perhaps with files; htmx gets the message, a plain form goes back to the channel."""
    files = []
    try:
        chosen = attachment_service.chosen_files(request.files.getlist("files"))
        if chosen:
            # Outsiders, timed-out members and slow mode upload nothing.
            moderation.check_can_write(*message_service.access_channel(current_user, server_id, channel_id))
            with limiter.limit(lambda: current_app.config["UPLOAD_RATE_LIMIT"],
                               key_func=rate_limits.per_user("uploads"), error_message=rate_limits.uploads_refused):
                files = attachment_service.receive(current_user, chosen, request.form.getlist("alt"))
        message = message_service.send_message(current_user, server_id, channel_id,
                                               request.form.get("content"), request.form.get("nonce"),
                                               reply_to=request.form.get("reply_to"),
                                               notify_reply="notify_reply" in request.form, files=files)
    except ValidationFailed as failed:
        attachment_service.discard(files)
        return refused_post(server_id, channel_id, failed)
    except offload.Busy:
        attachment_service.discard(files)
        return render_error(503, title=_("Busy"), text=_("Many images are being processed right now. "
                                                         "Try again in a moment."))
    except BaseException:
        attachment_service.discard(files)
        raise
    if wants_fragment():
        # The same upsert-by-id as the live stream's copy: whichever comes
        # second replaces the first, so the author never sees it twice.
        previous = message_service.get_previous(message)
        return render_template("partials/live/message.html", message=message, created=True,
                               grouped=message_service.continues_group(previous, message))
    return redirect(url_for("chat.channel", server_id=server_id, channel_id=channel_id,
                            _anchor=f"message-{message.id}"), code=303)


def refused_post(server_id: int, channel_id: int, failed: ValidationFailed):
    """The composer again with what was wrong and what was written (files must be chosen again)."""
    membership, channel = message_service.access_channel(current_user, server_id, channel_id)
    context = {"server": membership.server, "channel": channel, "errors": failed.errors,
               "content": request.form.get("content", ""),
               "replying_to": replies.find_reply_target(request.form.get("reply_to"), channel.id)}
    if wants_fragment():
        return (render_template("partials/composer.html", **context), failed.status,
                {"HX-Retarget": "#composer", "HX-Reswap": "outerHTML"})
    workspace = load_workspace(server_id, channel_id, mark_read=False)
    workspace.update(context)
    return render_template("pages/chat.html", **workspace), failed.status


@bp.post("/servers/<int:server_id>/channels/<int:channel_id>/read")
def mark_channel_read(server_id: int, channel_id: int):
    """The channel was seen up to ?up_to=<message id> (a message arrived while it was open)."""
    _membership, channel = message_service.access_channel(current_user, server_id, channel_id)
    reads.mark_read(current_user, channel, int_arg("up_to"))
    if htmx:  # app.js, in the background: nothing to show
        return "", 204
    return redirect(url_for("chat.channel", server_id=server_id, channel_id=channel_id), code=303)


@bp.get("/messages/<int:message_id>")
def message(message_id: int):
    """One message (htmx: after cancelling an edit); plain: its place in the channel, highlighted.

    Reads nothing as seen: the notification panel's "Go to the message" posts the mark first.
    """
    message, channel = message_service.access_message(current_user, message_id)
    if not wants_fragment():
        before = None
        if not message_service.in_newest_page(message, current_app.config["MESSAGES_PAGE_SIZE"]):
            before = message.id + 1  # the page of history that ends with it
        return redirect(url_for("chat.channel", server_id=channel.server_id, channel_id=channel.id,
                                before=before, _anchor=f"message-{message.id}"))
    return render_template("partials/message.html", message=message, grouped=False)


@bp.get("/messages/<int:message_id>/reply")
def reply_to_message(message_id: int):
    """Reply to a message: the original and a message box (the path without JavaScript)."""
    message, channel = message_service.access_message(current_user, message_id)
    server = server_service.access_membership(current_user, channel.server_id).server
    return render_template("pages/message_reply.html", message=message, channel=channel, server=server,
                           replying_to=message, errors={}, content="")


@bp.route("/messages/<int:message_id>/edit", methods=["GET", "POST"])
def edit_message(message_id: int):
    """Edit one's own message: the inline form, and saving it (while the server's edit window is open)."""
    message, channel = message_service.access_editable(current_user, message_id)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            message = message_service.edit_message(current_user, message_id, request.form.get("content"))
        except ValidationFailed as failed:
            errors, status = failed.errors, 422
        else:
            if wants_fragment():
                return render_template("partials/message.html", message=message, grouped=False)
            return redirect(url_for("chat.channel", server_id=channel.server_id, channel_id=channel.id,
                                    _anchor=f"message-{message.id}"), code=303)
    return render_page_or_fragment("pages/message_edit.html", "partials/message_edit.html", status,
                                   message=message, channel=channel, errors=errors,
                                   content=request.form.get("content", message.content))


@bp.get("/messages/<int:message_id>/history")
def message_history(message_id: int):
    """Every version of an edited message, newest first (any member of the server may look)."""
    message, channel = message_service.access_message(current_user, message_id)
    versions = message_service.get_versions(message)
    return render_page_or_fragment("pages/message_history.html", "partials/message_history.html",
                                   message=message, channel=channel, versions=versions)


@bp.route("/messages/<int:message_id>/delete", methods=["GET", "POST"])
def delete_message(message_id: int):
    """Delete one's own message; GET asks for confirmation (no-JavaScript path)."""
    if request.method == "GET":
        message, channel = message_service.access_message(current_user, message_id, as_author=True)
        return render_template("pages/message_delete.html", message=message, channel=channel)
    channel = message_service.delete_message(current_user, message_id)
    if wants_fragment():
        return "", 200, {"HX-Reswap": "delete"}
    return redirect(url_for("chat.channel", server_id=channel.server_id, channel_id=channel.id), code=303)
