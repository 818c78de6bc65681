"""Desktop notifications: which live events raise one, and what it says.

The server decides per user (desktop notifications on, the server's level);
the browser only adds "the tab is hidden and permission was granted".
Mentions and invitations come with their bell notification (a muted server
creates none); every message of a server at level "all" comes with the message.
"""
from flask import url_for
from flask_babel import gettext as _

from app.extensions import db
from app.models import Channel, Event, Message, User
from app.services import notifications

NOTICE_KINDS = (notifications.MENTION, notifications.REPLY, notifications.INVITATION, notifications.DIRECT_MESSAGE)
BODY_MAX = 140


def excerpt(content: str) -> str:
    return content if len(content) <= BODY_MAX else content[:BODY_MAX - 1] + "…"


def load_notice(event: Event) -> dict | None:
    """What a notification event's desktop notice shows, if its user wants one."""
    kind = event.payload.get("notice")
    if kind not in NOTICE_KINDS:
        return None
    user = db.session.get(User, event.user_id)
    if user is None or not user.desktop_notifications:
        return None
    actor = db.session.get(User, event.payload["actor_id"]) if event.payload.get("actor_id") else None
    message = db.session.get(Message, event.payload["message_id"]) if event.payload.get("message_id") else None
    if kind != notifications.INVITATION and message is None:
        return None  # deleted meanwhile: nothing to open
    return {"kind": kind, "actor": actor.display_name if actor else "?", "server": event.payload.get("server_name", ""),
            "channel": event.payload.get("channel_name", ""), "message_id": message.id if message else None,
            "content": message.content if message else ""}


def notice_for(view, notice: dict) -> str:
    """The desktop frame of a mention or an invitation, in the viewer's language."""
    with view.in_language():
        if notice["kind"] == notifications.MENTION:
            return view.desktop(_("%(who)s mentioned you in #%(channel)s (%(server)s).", who=notice["actor"],
                                  channel=notice["channel"], server=notice["server"]),
                                excerpt(notice["content"]), url_for("chat.message", message_id=notice["message_id"]),
                                f"mention-{notice['message_id']}")
        if notice["kind"] == notifications.REPLY:
            return view.desktop(_("%(who)s replied to you in #%(channel)s (%(server)s).", who=notice["actor"],
                                  channel=notice["channel"], server=notice["server"]),
                                excerpt(notice["content"]), url_for("chat.message", message_id=notice["message_id"]),
                                f"reply-{notice['message_id']}")
        if notice["kind"] == notifications.DIRECT_MESSAGE:
            return view.desktop(_("%(who)s sent you a direct message.", who=notice["actor"]),
                                excerpt(notice["content"] or _("Sent files")),
                                url_for("chat.message", message_id=notice["message_id"]), f"dm-{notice['message_id']}")
        return view.desktop(_("%(who)s invited you to %(server)s.", who=notice["actor"], server=notice["server"]),
                            "", url_for("notifications.index"), f"invitation-{view.event.id}")


def message_notice(view, message: Message, channel: Channel) -> str:
    """The desktop frame of a new message, for members who follow every message of the server."""
    with view.in_language():
        return view.desktop(_("%(who)s in #%(channel)s", who=message.author.display_name, channel=channel.name),
                            excerpt(message.content or _("Sent files")), url_for("chat.message", message_id=message.id),
                            f"message-{message.id}")
