"""Turn an event into SSE frames: rendered once per audience, not per stream.

An audience is what changes the HTML: whether the viewer wrote the message
(edit and delete controls) or is the event's subject, and the language.
Frames swap by element id, so a replayed or repeated frame changes nothing.
"""
import re

from flask import Flask, render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Event, Message, Server, User
from app.services import events as kinds
from app.services import reads
from app.services.messages import continues_group, get_previous

# Named events: dispatched as DOM events on the stream element; app.js acts.
RESYNC = "charla:resync"
SERVERS_CHANGED = "charla:servers"
CHANNELS_CHANGED = "charla:channels"
REMOVED = "charla:removed"
SIGNED_OUT = "charla:signed-out"
CHANNEL_CHANGED = "charla:channel"
SERVER_CHANGED = "charla:server"
CHANNEL_REMOVED = "charla:channel-removed"
NOTIFICATIONS = "charla:notifications"


# Every line ending SSE knows (and htmx's reader honours); not str.splitlines,
# which also splits on U+2028, \x0b, \x1c and friends that SSE leaves in the data.
LINE_BREAK = re.compile(r"\r\n|\r|\n")
EVENT_NAME = re.compile(r"[a-z][a-z0-9:._-]*")


def sse_frame(event_id: int | None, data: str = "", name: str | None = None) -> str:
    """One SSE message; `data` may span lines, and no line of it can pose as another field."""
    lines = [] if event_id is None else [f"id: {int(event_id)}"]
    if name:
        if not EVENT_NAME.fullmatch(name):
            raise ValueError(f"not an event name: {name!r}")
        lines.append(f"event: {name}")
    lines.extend(f"data: {line}" for line in LINE_BREAK.split(data))
    return "\n".join(lines) + "\n\n"


class Frames:
    """The frames of one event, rendered lazily and cached per audience."""

    def __init__(self, renderer: "Renderer", event: Event, loaded: dict):
        self.renderer = renderer
        self.event = event
        self.loaded = loaded
        self.cache: dict[tuple, str] = {}
        # Read once: this runs for every stream, so no ORM attribute access in the loop.
        message = loaded.get("message")
        self.special_user = message.author_id if message is not None else (
            None if event.kind == kinds.USER_UPDATED else event.user_id)
        self.mentioned = loaded.get("mentioned") or {}

    def for_subscriber(self, sub) -> str:
        # A mentioned reader sees their own mention counts: rendered for them alone.
        role = ("mentioned", sub.user_id) if sub.user_id in self.mentioned else sub.user_id == self.special_user
        key = (role, sub.locale)
        frame = self.cache.get(key)
        if frame is None:
            frame = self.cache[key] = self.renderer.render(self.event, self.loaded, sub.user_id, sub.locale)
        return frame


class Renderer:
    def __init__(self, app: Flask):
        self.app = app

    def frames(self, event: Event) -> Frames:
        with self.app.app_context():
            loaded = self.load(event)
            db.session.remove()
        return Frames(self, event, loaded)

    @staticmethod
    def load(event: Event) -> dict:
        """What the event's HTML shows, read once for every audience."""
        if event.kind in (kinds.MESSAGE_CREATED, kinds.MESSAGE_EDITED):
            message = db.session.scalar(select(Message).options(joinedload(Message.author))
                                        .where(Message.id == event.payload.get("message_id")))
            grouped, mentioned = False, {}
            if message is not None and event.kind == kinds.MESSAGE_CREATED:
                grouped = continues_group(get_previous(message), message)
                # At most mentions.MAX_MENTIONS readers, one query each.
                mentioned = {m.user_id: reads.get_read_state(m.user_id, event.server_id)
                             for m in message.mentions}
            return {"message": message, "grouped": grouped, "mentioned": mentioned}
        if event.kind in (kinds.MEMBER_JOINED, kinds.MEMBER_LEFT):
            server = db.session.get(Server, event.server_id)
            return {"server": server}
        if event.kind == kinds.USER_UPDATED:
            return {"user": db.session.get(User, event.user_id)}
        if event.kind == kinds.READ_UPDATED:
            return {"state": reads.get_read_state(event.user_id, event.payload["read_server_id"])}
        return {}

    def render(self, event: Event, loaded: dict, viewer_id: int, locale: str) -> str:
        kind = event.kind
        if kind in (kinds.MESSAGE_CREATED, kinds.MESSAGE_EDITED):
            message = loaded["message"]
            if message is None:  # deleted before we got to it; its delete event follows
                return sse_frame(event.id)
            unread_state = None
            if kind == kinds.MESSAGE_CREATED and viewer_id != message.author_id:
                unread_state = loaded["mentioned"].get(viewer_id) or reads.ReadState.new_message(
                    event.server_id, message.channel_id)
            return sse_frame(event.id, render_template_standalone(
                self.app, "partials/live/message.html", locale, message=message, grouped=loaded["grouped"],
                viewer_id=viewer_id, created=kind == kinds.MESSAGE_CREATED, unread_state=unread_state))
        if kind == kinds.READ_UPDATED:
            return sse_frame(event.id, render_template_standalone(
                self.app, "partials/live/unread.html", locale, state=loaded["state"]))
        if kind == kinds.MESSAGE_DELETED:
            return sse_frame(event.id, render_template_standalone(
                self.app, "partials/live/message_deleted.html", locale, message_id=event.payload["message_id"]))
        if kind == kinds.USER_UPDATED:
            return sse_frame(event.id, render_template_standalone(
                self.app, "partials/live/user.html", locale, user=loaded["user"]))
        if kind == kinds.SESSIONS_REVOKED:
            return sse_frame(event.id, "", SIGNED_OUT)
        if kind == kinds.NOTIFICATIONS_CHANGED:
            return sse_frame(event.id, "", NOTIFICATIONS)
        if kind == kinds.MEMBER_ROLE_CHANGED:
            # The member's own tabs redraw the server's column (channel controls).
            return sse_frame(event.id, str(event.server_id) if event.user_id == viewer_id else "",
                             CHANNELS_CHANGED if event.user_id == viewer_id else None)
        if kind == kinds.SERVER_UPDATED:
            return sse_frame(event.id, str(event.server_id), SERVER_CHANGED)
        if kind in (kinds.CHANNEL_UPDATED, kinds.CHANNEL_DELETED):
            name = CHANNEL_CHANGED if kind == kinds.CHANNEL_UPDATED else CHANNEL_REMOVED
            return sse_frame(event.id, f"{event.server_id} {event.channel_id}", name)
        if kind == kinds.CHANNEL_CREATED:
            return sse_frame(event.id, str(event.server_id), CHANNELS_CHANGED)
        if kind == kinds.SERVER_DELETED:
            return sse_frame(event.id, str(event.server_id), REMOVED)
        if kind in (kinds.MEMBER_JOINED, kinds.MEMBER_LEFT):
            if event.user_id == viewer_id:
                name = SERVERS_CHANGED if kind == kinds.MEMBER_JOINED else REMOVED
                return sse_frame(event.id, str(event.server_id), name)
            server = loaded["server"]
            if server is None:
                return sse_frame(event.id)
            return sse_frame(event.id, render_template_standalone(
                self.app, "partials/live/member_count.html", locale, server=server))
        return sse_frame(event.id)


def render_template_standalone(app: Flask, template: str, locale: str, **context) -> str:
    with app.test_request_context("/"), force_locale(locale):
        return render_template(template, **context)
