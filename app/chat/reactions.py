"""Reactions: the chips' forms, and the picker (a page without JavaScript, a popover with it)."""
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import rate_limits
from app.chat.views import bp
from app.errors import render_error
from app.extensions import db, limiter
from app.models import Channel, Message
from app.responses import VARY, htmx_target, wants_fragment
from app.services import messages as message_service
from app.services import reactions as reaction_service
from app.services.errors import ValidationFailed

ACTIONS = {"toggle": reaction_service.toggle_reaction, "add": reaction_service.add_reaction,
           "remove": reaction_service.remove_reaction}


def place_of(message: Message, channel: Channel) -> str:
    """The channel page showing the message, at the message."""
    before = None
    if not message_service.in_newest_page(message, current_app.config["MESSAGES_PAGE_SIZE"]):
        before = message.id + 1
    return url_for("chat.channel", server_id=channel.server_id, channel_id=channel.id, before=before,
                   _anchor=f"message-{message.id}")


@bp.post("/messages/<int:message_id>/reactions")
@limiter.limit(rate_limits.REACTIONS, key_func=rate_limits.per_user("reactions"),
               error_message=rate_limits.reactions_refused)
def react(message_id: int):
    """Add, take back or toggle (the chips) one emoji; htmx gets the message's reaction bar."""
    action = ACTIONS.get(request.form.get("action", "toggle"))
    if action is None:
        return render_error(400, title=_("Bad request"), text=_("Unknown reaction action."))
    try:
        action(current_user, message_id, request.form.get("emoji"))
    except reaction_service.TooManyEmoji as refused:
        return render_error(409, title=_("Too many emoji"), text=refused.errors["emoji"])
    except ValidationFailed as failed:
        return render_error(400, title=_("Not an emoji"), text=failed.errors["emoji"])
    message = reaction_service.load_for_bar(message_id)
    if message is None:  # deleted meanwhile
        abort(404)
    if wants_fragment():
        return render_template("partials/message_reactions.html", message=message), 200, VARY
    return redirect(place_of(message, db.session.get(Channel, message.channel_id)), code=303)


@bp.get("/messages/<int:message_id>/react")
def reaction_picker(message_id: int):
    """Pick an emoji: the user's recent and the frequent ones first, or those matching ?q=."""
    message, channel = message_service.access_message(current_user, message_id)
    query = request.args.get("q", "")[:60]
    context = {"message": message, "channel": channel, "query": query,
               "choices": reaction_service.picker_emoji(current_user, query),
               "back": place_of(message, channel)}
    if not wants_fragment():
        return render_template("pages/reaction_picker.html", **context), 200, VARY
    if htmx_target() == f"reaction-choices-{message.id}":
        return render_template("partials/reaction_choices.html", **context), 200, VARY
    return render_template("partials/reaction_picker.html", **context), 200, VARY
