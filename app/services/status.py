"""How a user appears to others: invisible or not, and a custom status with an expiry."""
from datetime import timedelta

from flask import abort
from flask_babel import gettext as _

from app.extensions import db
from app.models import User, utcnow
from app.services import profiles, text
from app.services.errors import ValidationFailed

STATUS_MAX = 128
# Clear after: the choices the form offers (seconds; "" keeps it until changed).
CLEAR_AFTER = {"": None, "3600": 3600, "14400": 14400, "86400": 86400, "604800": 604800}


def set_status(user: User, data) -> User:
    """Save the visibility and the custom status (a forged choice is a 400; a long text a clear 422)."""
    visibility = data.get("visibility", "auto")
    if visibility not in ("auto", "invisible") or data.get("clear_after", "") not in CLEAR_AFTER:
        abort(400)
    status = text.clean_line(data.get("status_text"))
    if len(status) > STATUS_MAX:
        raise ValidationFailed({"status_text": _("A status is at most %(n)d characters.", n=STATUS_MAX)})
    seconds = CLEAR_AFTER[data.get("clear_after", "")]
    shown = user.current_status()
    user.invisible = visibility == "invisible"
    user.status_text = status
    user.status_expires_at = utcnow() + timedelta(seconds=seconds) if status and seconds else None
    if user.current_status() != shown:
        profiles.announce_profile(user)  # member lists and open cards show the new status live
    db.session.commit()
    return user
