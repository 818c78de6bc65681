"""Turn an event into SSE frames: rendered once per audience, not per stream.

An audience is what changes the HTML: whether the viewer wrote the message
(edit and delete controls) or is the event's subject, and the language.
Frames swap by element id, so a replayed or repeated frame changes nothing.
"""
import json
import re
from contextlib import contextmanager

from flask import Flask, render_template, url_for
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.models import Channel, Event, Message, Server, User
from app.realtime import desktop
from app.services import events as kinds
from app.services import preferences, reads
from app.services.messages import continues_group, displayed, get_previous

# Named events: dispatched as DOM events on the stream element. Their data is
# JSON, a list of rules: app.js applies the first whose `when` selector matches
# the page (no `when`: always). A rule refreshes regions (`refresh`: selectors
# of elements with an id; fetched from their data-refresh-url, or the current
# page), removes elements (`remove`) or navigates (`go`: a URL).
RESYNC = "charla:resync"
SERVERS_CHANGED = "charla:servers"
CHANNELS_CHANGED = "charla:channels"
REMOVED = "charla:removed"
SIGNED_OUT = "charla:signed-out"
CHANNEL_CHANGED = "charla:channel"
SERVER_CHANGED = "charla:server"
CHANNEL_REMOVED = "charla:channel-removed"
NOTIFICATIONS = "charla:notifications"
# Raise a desktop notification (desktop_notifications.js): JSON {title, body, url, tag}. Only sent
# to viewers who turned desktop notifications on and whose server level asks for it.
DESKTOP = "charla:desktop"


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
        self.notified_of_all = loaded.get("notified_of_all") or frozenset()

    def for_subscriber(self, sub) -> str:
        # A mentioned reader sees their own mention counts: rendered for them alone.
        if sub.user_id in self.mentioned:
            role = ("mentioned", sub.user_id)
        elif sub.user_id == self.special_user:
            role = True
        else:
            role = "notified" if sub.user_id in self.notified_of_all else False
        key = (role, sub.locale)
        frame = self.cache.get(key)
        if frame is None:
            frame = self.cache[key] = self.renderer.render(self.event, self.loaded, sub.user_id, sub.locale)
        return frame


def on_server(server_id: int) -> str:
    """Matches while the server's channels are shown."""
    return f'#channels-column[data-server-id="{int(server_id)}"]'


def in_channel(channel_id: int) -> str:
    """Matches while the channel's messages are shown."""
    return f'#message-list[data-channel-id="{int(channel_id)}"]'


class View:
    """One event rendered for one audience: the viewer and the language."""

    def __init__(self, app: Flask, event: Event, loaded: dict, viewer_id: int, locale: str):
        self.app = app
        self.event = event
        self.loaded = loaded
        self.viewer_id = viewer_id
        self.locale = locale

    def frame(self, data: str = "", name: str | None = None) -> str:
        return sse_frame(self.event.id, data, name)

    def template(self, template: str, **context) -> str:
        return self.frame(render_template_standalone(self.app, template, self.locale, **context))

    @contextmanager
    def in_language(self):
        """Translations and url_for as for a request from this viewer."""
        with self.app.test_request_context("/"), force_locale(self.locale):
            yield

    def desktop(self, title: str, body: str, url: str, tag: str) -> str:
        """A named frame raising one desktop notification (see DESKTOP)."""
        return self.frame(json.dumps({"title": title, "body": body, "url": url, "tag": tag}), DESKTOP)

    def rules(self, name: str, *rules: dict) -> str:
        """A named frame telling app.js what to refresh (see the top of this module)."""
        return self.frame(json.dumps(rules), name)

    def url(self, endpoint: str, **values) -> str:
        with self.app.test_request_context("/"):
            return url_for(endpoint, **values)


class Handler:
    """How one kind of event is read (once, for every audience) and rendered (per audience).

    The default reads nothing and sends the bare id: the tab's cursor moves on.
    """

    def load(self, event: Event) -> dict:
        return {}

    def render(self, view: View) -> str:
        return view.frame()


HANDLERS: dict[str, Handler] = {}
DEFAULT = Handler()


def handles(*event_kinds: str):
    """Register the decorated Handler class for these event kinds."""
    def register(cls: type[Handler]) -> type[Handler]:
        for kind in event_kinds:
            HANDLERS[kind] = cls()
        return cls
    return register


def handler_for(kind: str) -> Handler:
    return HANDLERS.get(kind, DEFAULT)


@handles(kinds.MESSAGE_CREATED, kinds.MESSAGE_EDITED)
class MessageHandler(Handler):
    def load(self, event):
        message = db.session.scalar(select(Message).options(*displayed())
                                    .where(Message.id == event.payload.get("message_id")))
        grouped, mentioned, notified_of_all, channel, dm = False, {}, set(), None, False
        if message is not None and event.kind == kinds.MESSAGE_CREATED:
            grouped = continues_group(get_previous(message), message)
            server = db.session.get(Server, event.server_id)
            dm = server is not None and server.is_dm
            # At most mentions.MAX_MENTIONS readers, one query each.
            mentioned = {m.user_id: reads.get_read_state(m.user_id, event.server_id) for m in message.mentions}
            for state in mentioned.values():
                state.dms = reads.Mark(True, None) if dm else None
            # Mentioned members hear of it through their notification (desktop.notice_for), and so does
            # everyone in a direct conversation.
            if not dm:
                notified_of_all = (preferences.get_notified_of_all(event.server_id) - set(mentioned)
                                   - {message.author_id})
            if notified_of_all:
                channel = db.session.get(Channel, message.channel_id)
        return {"message": message, "grouped": grouped, "mentioned": mentioned,
                "notified_of_all": notified_of_all, "channel": channel, "dm": dm}

    def render(self, view):
        message, created = view.loaded["message"], view.event.kind == kinds.MESSAGE_CREATED
        if message is None:  # deleted before we got to it; its delete event follows
            return view.frame()
        unread_state = None
        if created and view.viewer_id != message.author_id:
            unread_state = view.loaded["mentioned"].get(view.viewer_id) or reads.ReadState.new_message(
                view.event.server_id, message.channel_id, view.loaded["dm"])
        frame = view.template("partials/live/message.html", message=message, grouped=view.loaded["grouped"],
                              viewer_id=view.viewer_id, created=created, unread_state=unread_state)
        if created and view.viewer_id in view.loaded["notified_of_all"]:
            frame += desktop.message_notice(view, message, view.loaded["channel"])
        return frame


@handles(kinds.MESSAGE_REACTIONS)
class ReactionsHandler(Handler):
    """The message's reaction bar, the same for every reader (reactions.js marks the reader's own)."""

    def load(self, event):
        # Not under "message": that would split readers into author and others for nothing.
        return {"reacted": db.session.scalar(select(Message).options(*displayed())
                                             .where(Message.id == event.payload.get("message_id")))}

    def render(self, view):
        message = view.loaded["reacted"]
        if message is None:
            return view.frame()
        return view.template("partials/live/reactions.html", message=message, viewer_id=None)


@handles(kinds.MESSAGE_DELETED)
class MessageDeletedHandler(Handler):
    def render(self, view):
        return view.template("partials/live/message_deleted.html", message_id=view.event.payload["message_id"])


@handles(kinds.READ_UPDATED)
class ReadHandler(Handler):
    def load(self, event):
        server = db.session.get(Server, event.payload["read_server_id"])
        if server is not None and server.is_dm:  # the "Direct messages" entry sums every conversation
            return {"state": reads.get_read_state(event.user_id, dms_only=True)}
        return {"state": reads.get_read_state(event.user_id, event.payload["read_server_id"])}

    def render(self, view):
        return view.template("partials/live/unread.html", state=view.loaded["state"])


@handles(kinds.USER_UPDATED)
class UserHandler(Handler):
    def load(self, event):
        return {"user": db.session.get(User, event.user_id)}

    def render(self, view):
        return view.template("partials/live/user.html", user=view.loaded["user"])


@handles(kinds.SESSIONS_REVOKED)
class SessionsRevokedHandler(Handler):
    def render(self, view):
        return view.frame("", SIGNED_OUT)


@handles(kinds.NOTIFICATIONS_CHANGED)
class NotificationsHandler(Handler):
    def load(self, event):
        return {"notice": desktop.load_notice(event)}

    def render(self, view):
        frame = view.rules(NOTIFICATIONS, {"refresh": ["#bell", "#notifications-panel"]})
        if view.loaded["notice"] is not None and view.viewer_id == view.event.user_id:
            frame += desktop.notice_for(view, view.loaded["notice"])
        return frame


@handles(kinds.MEMBER_ROLE_CHANGED)
class RoleHandler(Handler):
    def render(self, view):
        # The member's own tabs redraw the server's column (channel controls).
        if view.event.user_id != view.viewer_id:
            return view.frame()
        return view.rules(CHANNELS_CHANGED, {"when": on_server(view.event.server_id), "refresh": ["#channels-column"]})


@handles(kinds.MEMBER_MODERATED)
class ModeratedHandler(Handler):
    """Timed out, or back: the member's own tabs on the server redraw the messages column (its message box)."""

    def render(self, view):
        if view.event.user_id != view.viewer_id:
            return view.frame()
        return view.rules(CHANNEL_CHANGED, {"when": on_server(view.event.server_id), "refresh": ["#messages-column"]})


@handles(kinds.SERVER_UPDATED)
class ServerUpdatedHandler(Handler):
    """Renamed, described or made private: the servers column, and the server's header where it is open."""

    def render(self, view):
        return view.rules(SERVER_CHANGED,
                          {"when": on_server(view.event.server_id), "refresh": ["#servers-column", "#channels-column"]},
                          {"refresh": ["#servers-column"]})


@handles(kinds.CHANNEL_UPDATED)
class ChannelUpdatedHandler(Handler):
    def render(self, view):
        event = view.event
        return view.rules(CHANNEL_CHANGED, {"when": in_channel(event.channel_id), "refresh": ["#server-view"]},
                          {"when": on_server(event.server_id), "refresh": ["#channels-column"]})


@handles(kinds.CHANNEL_DELETED)
class ChannelDeletedHandler(Handler):
    def render(self, view):
        event = view.event
        return view.rules(CHANNEL_REMOVED,
                          {"when": in_channel(event.channel_id),  # the channel being read is gone
                           "go": view.url("chat.server", server_id=event.server_id)},
                          {"when": on_server(event.server_id), "refresh": ["#channels-column"]})


@handles(kinds.CHANNEL_CREATED)
class ChannelCreatedHandler(Handler):
    def render(self, view):
        return view.rules(CHANNELS_CHANGED, {"when": on_server(view.event.server_id), "refresh": ["#channels-column"]})


def server_removed(view: View) -> str:
    """The server is gone for this viewer: leave it if open, else drop its link."""
    server_id = view.event.server_id
    return view.rules(REMOVED, {"when": on_server(server_id), "go": view.url("chat.home")},
                      {"remove": [f"#servers-column li:has(> #server-link-{int(server_id)})"]})


@handles(kinds.SERVER_DELETED)
class ServerDeletedHandler(Handler):
    def render(self, view):
        return server_removed(view)


@handles(kinds.CONVERSATIONS_CHANGED)
class ConversationsHandler(Handler):
    """A conversation closed or reopened: the list of conversations redraws, where it is open."""

    def render(self, view):
        return view.rules(SERVERS_CHANGED, {"when": "#conversation-list", "refresh": ["#channels-column"]})


@handles(kinds.MEMBER_JOINED, kinds.MEMBER_LEFT)
class MembershipHandler(Handler):
    """The member's own tabs add or drop the server; everyone else sees the new member count."""

    def load(self, event):
        return {"server": db.session.get(Server, event.server_id)}

    def render(self, view):
        event = view.event
        if event.user_id == view.viewer_id and event.kind == kinds.MEMBER_LEFT:
            return server_removed(view)
        if event.user_id == view.viewer_id:
            # A new conversation also shows in the list of conversations, where that is open.
            return view.rules(SERVERS_CHANGED, {"when": "#conversation-list", "refresh": ["#servers-column",
                                                                                      "#channels-column"]},
                              {"refresh": ["#servers-column"]})
        server = view.loaded["server"]
        if server is None:
            return view.frame()
        return view.template("partials/live/member_count.html", server=server)


class Renderer:
    def __init__(self, app: Flask):
        self.app = app

    def frames(self, event: Event) -> Frames:
        return Frames(self, event, self.load(event))

    def load(self, event: Event) -> dict:
        """What the event's HTML shows, read once for every audience; no session is held afterwards."""
        with self.app.app_context():
            try:
                return handler_for(event.kind).load(event)
            finally:
                db.session.remove()

    def render(self, event: Event, loaded: dict, viewer_id: int, locale: str) -> str:
        return handler_for(event.kind).render(View(self.app, event, loaded, viewer_id, locale))


def render_template_standalone(app: Flask, template: str, locale: str, **context) -> str:
    with app.test_request_context("/"), force_locale(locale):
        return render_template(template, **context)
