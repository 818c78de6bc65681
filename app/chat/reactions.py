"""Emoji: reactions on messages (the chips' forms, the picker, a page without
JavaScript) and the composer's ":" suggestions."""
from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import rate_limits
from app.chat.views import bp
from app.errors import render_error
from app.extensions import limiter
from app.responses import render_page_or_fragment, wants_fragment
from app.services import emojis
from app.services import messages as message_service
from app.services import reactions as reaction_service
from app.services.errors import ValidationFailed

PICKER_RESULTS = 48
SUGGESTIONS = 8
STATES = {"on": True, "off": False, "": None}


@bp.get("/messages/<int:message_id>/react")
def reaction_picker(message_id: int):
    """The emoji picker: recently used first, then a search by name."""
    message, channel = message_service.access_message(current_user, message_id)
    query = request.args.get("q", "").strip()[:40]
    if query:
        choices = emojis.search(query, PICKER_RESULTS)
    else:
        choices = [found for found in map(emojis.by_char, reaction_service.recent_emoji(current_user)) if found]
    context = {"message": message, "channel": channel, "query": query, "choices": choices}
    if wants_fragment() and request.headers.get("HX-Target", "").endswith("picker-results"):
        return render_template("partials/reactions/results.html", **context)
    return render_page_or_fragment("pages/reaction_picker.html", "partials/reactions/picker.html", **context)


@bp.post("/messages/<int:message_id>/reactions")
@limiter.limit(rate_limits.REACTIONS, key_func=rate_limits.per_user("reactions"),
               error_message=rate_limits.reactions_refused)
def react(message_id: int):
    """Add (state=on), remove (state=off) or toggle a reaction; htmx gets the message's reaction bar."""
    state = request.form.get("state", "")
    if state not in STATES:
        abort(400)
    try:
        reaction_service.react(current_user, message_id, request.form.get("emoji"), STATES[state])
    except ValidationFailed as failed:
        message, channel = message_service.access_message(current_user, message_id)
        if wants_fragment():
            return render_error(failed.status, title=_("Not added"), text=" ".join(failed.errors.values()))
        return render_page_or_fragment("pages/reaction_picker.html", "partials/reactions/picker.html", failed.status,
                                       message=message, channel=channel, query="", errors=failed.errors,
                                       choices=[])
    message, channel = message_service.access_message(current_user, message_id)
    if wants_fragment():
        return render_template("partials/message_reactions.html", message=message)
    return redirect(url_for("chat.message", message_id=message.id), code=303)


@bp.get("/emoji/suggest")
def emoji_suggestions():
    """Emoji whose shortcode starts with (or contains) ?q=: the composer's ":" list."""
    query = request.args.get("q", "").strip()[:30]
    found = emojis.search(query, SUGGESTIONS) if len(query) >= 2 else []
    return render_template("partials/reactions/suggestions.html", choices=found)
