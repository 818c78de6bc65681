"""The live machinery of one process: hub, broker, and the after-commit hook."""
from flask import Flask, current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.models import Event
from app.realtime.broker import LocalBroker, RedisBroker
from app.realtime.hub import Hub
from app.realtime.openings import StreamOpenings
from app.realtime.presence import PresenceBoard
from app.realtime.sockets import SocketStreams

_PENDING = "charla_new_events"


class Live:
    def __init__(self, app: Flask):
        self.hub = Hub(app)
        self.sockets = SocketStreams(self.hub, app.config["LIVE_HEARTBEAT_SECONDS"])
        url = app.config.get("REDIS_URL")
        self.broker = RedisBroker(self.hub, url) if url else LocalBroker(self.hub)
        self.presence = PresenceBoard(self.broker, url, getattr(self.broker, "origin", "local"),
                                      app.config["PRESENCE_IDLE_SECONDS"], app.config["PRESENCE_TTL_SECONDS"],
                                      app.config["PRESENCE_REFRESH_SECONDS"])
        self.hub.presence = self.presence

    def start(self) -> None:
        self.hub.start()
        self.broker.start()
        self.presence.start()


def init_app(app: Flask) -> None:
    app.extensions["charla_live"] = Live(app)
    path = next(rule.rule for rule in app.url_map.iter_rules() if rule.endpoint == "live.stream")
    app.wsgi_app = StreamOpenings(app.wsgi_app, path, app.config["LIVE_CONCURRENT_OPENINGS"])


def get_live() -> Live:
    return current_app.extensions["charla_live"]


@sa_event.listens_for(Session, "after_flush")
def _remember_new_events(session, flush_context):
    for obj in session.new:
        if isinstance(obj, Event):
            session.info.setdefault(_PENDING, []).append(obj)


@sa_event.listens_for(Session, "after_commit")
def _publish_after_commit(session):
    """Only committed events are announced; the broker never runs ahead of the log."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        live = current_app.extensions.get("charla_live") if has_app_context() else None
        if live is not None:
            live.broker.publish(max(event.id for event in pending))


@sa_event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session):
    session.info.pop(_PENDING, None)
