"""Health check for load balancers: answers without login."""
from flask import Blueprint, current_app
from sqlalchemy import text

from app.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database answers."""
    db.session.execute(text("SELECT 1"))
    hub = current_app.extensions["charla_live"].hub
    return {"status": "ok", "streams": hub.stream_count(), "dispatched": hub.cursor}
