"""Health check for load balancers: answers without login."""
from flask import Blueprint, current_app
from sqlalchemy import text

from app.errors import DATABASE_ERRORS
from app.extensions import db

bp = Blueprint("health", __name__)


def database_failure() -> Exception | None:
    """The error the database gives for `SELECT 1`, or None when it answers."""
    try:
        db.session.execute(text("SELECT 1"))
    except DATABASE_ERRORS as error:
        return error
    return None


@bp.get("/healthz")
def healthz():
    """200 when the database answers; 503 with the reason when it does not."""
    failure = database_failure()
    if failure is not None:
        return {"status": "unavailable", "reason": f"the database does not answer ({type(failure).__name__})"}, 503
    live = current_app.extensions["charla_live"]
    # socket_streams: those written straight to their sockets (app/realtime/sockets.py), out of streams.
    return {"status": "ok", "streams": live.hub.stream_count(), "socket_streams": len(live.sockets.open),
            "dispatched": live.hub.cursor}
