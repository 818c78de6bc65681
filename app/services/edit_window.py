"""How long after sending a message may be edited: a per-server setting chosen by the owner."""
from datetime import timedelta

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.exceptions import Forbidden

from app.extensions import db
from app.models import ROLE_OWNER, Message, Server, User, utcnow
from app.services import events
from app.services.errors import ValidationFailed
from app.services.servers import access_membership

# The choices offered (seconds; None = no limit, the default), in the order shown.
CHOICES = {
    None: _l("No limit"),
    5 * 60: _l("5 minutes"),
    15 * 60: _l("15 minutes"),
    60 * 60: _l("1 hour"),
    24 * 60 * 60: _l("1 day"),
    7 * 24 * 60 * 60: _l("1 week"),
}


class EditWindowClosed(Forbidden):
    """An edit asked for after the server's edit window: a 403 that says why."""

    def __init__(self, window_seconds: int):
        super().__init__(_("Messages in this server can be edited for %(window)s after sending.",
                           window=CHOICES.get(window_seconds)
                           or ngettext("%(num)d second", "%(num)d seconds", window_seconds)))


def is_open(message: Message, window_seconds: int | None) -> bool:
    """Whether `message` may still be edited (up to and including the window's last instant)."""
    return window_seconds is None or utcnow() <= message.created_at + timedelta(seconds=window_seconds)


def check_open(message: Message, server: Server) -> None:
    """Raise EditWindowClosed when the server's window for `message` has passed."""
    if not is_open(message, server.edit_window_seconds):
        raise EditWindowClosed(server.edit_window_seconds)


def edit_allowed(message: Message, server: Server | None) -> bool:
    """For templates: show "Edit" on `message`? (True when the server is not known: the service decides.)"""
    return server is None or is_open(message, server.edit_window_seconds)


def parse_choice(raw: str | None) -> int | None:
    """The window a form field names ("" = no limit); ValidationFailed for anything else, or none."""
    value = None if raw is None else raw.strip()
    if value == "":
        return None
    if value is not None and value.isdigit() and int(value) in CHOICES:
        return int(value)
    raise ValidationFailed({"edit_window": _("Choose one of the edit windows offered.")})


def set_edit_window(user: User, server_id: int, raw: str | None) -> Server:
    """Change how long messages of the server may be edited (owner only; admins 403)."""
    membership = access_membership(user, server_id)
    if membership.role != ROLE_OWNER:
        abort(403)
    seconds = parse_choice(raw)
    server = membership.server
    if seconds != server.edit_window_seconds:
        server.edit_window_seconds = seconds
        events.record_event(events.SERVER_UPDATED, server_id=server_id)
        db.session.commit()
    return server
