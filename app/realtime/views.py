"""The SSE stream: one per tab, replaying what the tab missed, then live."""
import logging

from flask import Blueprint, Response, current_app, request
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import or_, select

from app.errors import render_error
from app.extensions import db, limiter
from app.models import Event, Membership
from app.params import parse_int
from app.rate_limits import per_user
from app.realtime import signals
from app.realtime.hub import Subscriber
from app.realtime.live import get_live
from app.realtime.render import RESYNC, sse_frame
from app.realtime.sockets import HANDOVER, Handover, SocketSubscriber, client_socket

bp = Blueprint("live", __name__)
log = logging.getLogger(__name__)

REPLAY_LIMIT = 500
RETRY_MS = 2000


def last_event_id() -> int | None:
    """Where the tab stands: Last-Event-ID on reconnects, ?after= on the first connect."""
    if request.headers.get("Last-Event-ID"):
        return parse_int(request.headers["Last-Event-ID"], "Last-Event-ID")
    return parse_int(request.args.get("after"), "after")


def replay(user_id: int, server_ids: set[int], after: int, until: int) -> list[Event] | None:
    """Events in (after, until] the user may see, in order; None when too many to replay."""
    if until - after > 50 * REPLAY_LIMIT:
        return None
    visible = Event.user_id == user_id
    if server_ids:
        visible = or_(visible, Event.server_id.in_(server_ids))
    rows = list(db.session.scalars(select(Event).where(Event.id > after, Event.id <= until, visible)
                                   .order_by(Event.id).limit(REPLAY_LIMIT + 1)))
    return None if len(rows) > REPLAY_LIMIT else rows


@bp.get("/events/stream")
def stream():
    """text/event-stream of every change this user may see."""
    live = get_live()
    user_id, session_id, invisible = current_user.id, current_user.current_session.id, current_user.invisible
    config = current_app.config
    if live.hub.stream_count(user_id) >= config["LIVE_MAX_STREAMS_PER_USER"]:
        return render_error(429)
    after = last_event_id()
    locale = str(get_locale())
    # Give the pooled connection back before waiting on anything: a burst of
    # streams at a cold start must not hold the pool while the hub starts.
    db.session.remove()
    live.start()

    def load_server_ids() -> set[int]:
        return set(db.session.scalars(select(Membership.server_id).where(Membership.user_id == user_id)))

    sock = client_socket(request.environ)  # None: this server keeps the socket; the stream is a generator
    subscriber, cursor = live.hub.subscribe(user_id, load_server_ids, locale, config["LIVE_QUEUE_SIZE"],
                                            session_id,
                                            kind=Subscriber if sock is None else SocketSubscriber,
                                            invisible=invisible)
    heartbeat = config["LIVE_HEARTBEAT_SECONDS"]
    try:
        opening = [f"retry: {RETRY_MS}\n: charla stream\n\n"]
        if after is not None and after != cursor:
            events = replay(user_id, subscriber.server_ids, after, cursor) if after < cursor else None
            if events is None:
                opening.append(sse_frame(cursor, "", RESYNC))
            else:
                opening.extend(live.hub.renderer.frames(event).for_subscriber(subscriber) for event in events)
                if not events or events[-1].id != cursor:
                    opening.append(sse_frame(cursor))
    except BaseException:
        live.hub.unsubscribe(subscriber)
        raise
    finally:
        db.session.remove()  # hold no database connection while the stream waits

    headers = {"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"}
    if sock is not None:
        request.environ[HANDOVER] = Handover(live.sockets, sock, subscriber, "".join(opening))
        return Response(iter(()), mimetype="text/event-stream", headers=headers)

    def generate():
        try:
            yield "".join(opening)
            while True:
                # Whatever is waiting goes out in one write.
                frames = subscriber.take(heartbeat)
                if frames:
                    yield "".join(frames)
                elif not subscriber.dropped:  # nothing new: keep the connection warm
                    yield ": heartbeat\n\n"
                if subscriber.dropped and not subscriber.frames:
                    log.info("Dropped a slow stream of user %s; it resyncs on reconnect", user_id)
                    return
        finally:
            live.hub.unsubscribe(subscriber)

    response = Response(generate(), mimetype="text/event-stream", headers=headers)
    # Also when the client leaves before the first byte (the generator never ran).
    response.call_on_close(lambda: live.hub.unsubscribe(subscriber))
    return response


@bp.post("/servers/<int:server_id>/channels/<int:channel_id>/typing")
@limiter.limit("40/minute", key_func=per_user("typing"))
def typing(server_id: int, channel_id: int):
    """The member is typing in the channel (the composer says so every few seconds while they type)."""
    signals.announce_typing(server_id, channel_id)
    return "", 204


@bp.post("/presence/active")
@limiter.limit("10/minute", key_func=per_user("presence"))
def active():
    """A tab of this user is in use (sent at most once a minute while it is): they show as online, not idle."""
    get_live().presence.active(current_user.id)
    return "", 204
