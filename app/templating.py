"""What every template may use: globals and filters."""
import logging
import uuid
from datetime import datetime

from flask import Flask
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_time,
    format_timedelta,
    get_locale,
    ngettext,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import SQLAlchemyError

from app.errors import database_is_down
from app.models import utcnow
from app.services import attachments, blocks, instance, moderation, replies
from app.services.formatting import message_html
from app.services.messages import CONTENT_MAX, continues_group, edit_window_ends
from app.services.reactions import chips as reaction_chips

log = logging.getLogger(__name__)


def instance_name() -> str:
    """The instance's name for titles: the default when the database does not answer, or cannot be read
    (an error page must still render when the request failed in the database)."""
    if database_is_down():
        return instance.DEFAULT_NAME
    try:
        return instance.get_settings().name
    except SQLAlchemyError:
        log.warning("Could not read the instance's name; the title shows the default", exc_info=True)
        return instance.DEFAULT_NAME


def signed_in() -> bool:
    """Whether a user is signed in (False, without asking, when the database is down)."""
    return not database_is_down() and current_user.is_authenticated


def edit_open(message, server) -> bool:
    """Whether the page should offer Edit (the service decides; this only hides a link that would refuse)."""
    ends = edit_window_ends(message, server) if server is not None else None
    return ends is None or utcnow() <= ends


def file_size(size: int) -> str:
    """A file's size as people read it, in their language's number format (1 KB = 1,024 bytes)."""
    if size < 1024:
        return ngettext("%(num)d byte", "%(num)d bytes", size)
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{format_decimal(round(size, 1), format='#,##0.#')} {unit}"


def presence_of(user_ids) -> dict[int, str]:
    """Online, idle or offline for each user (one Redis round trip for them all, with Redis)."""
    from app.realtime.live import get_live
    return get_live().presence.states(user_ids)


def presence_label(state: str) -> str:
    return {"online": _("Online"), "idle": _("Idle")}.get(state, _("Offline"))


def attachment_limits() -> dict:
    """The operator's upload caps, for the composer's own checks before anything is sent."""
    caps = attachments.limits()
    caps.update(per_file_mb=attachments.megabytes(caps["per_file"]),
                per_message_mb=attachments.megabytes(caps["per_message"]))
    return caps


def register(app: Flask) -> None:
    app.jinja_env.globals.update(csrf_token=generate_csrf, signed_in=signed_in, continues_group=continues_group,
                                 format_datetime=format_datetime, format_time=format_time, format_date=format_date,
                                 format_timedelta=format_timedelta,
                                 get_locale=get_locale, new_nonce=lambda: uuid.uuid4().hex,
                                 message_content_max=CONTENT_MAX)
    app.jinja_env.filters["message_html"] = message_html
    app.jinja_env.globals["reaction_chips"] = reaction_chips
    app.jinja_env.globals["reply_excerpt"] = replies.excerpt
    app.jinja_env.globals["edit_open"] = edit_open
    app.jinja_env.globals["attachment_limits"] = attachment_limits
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.filters["fromisoformat"] = datetime.fromisoformat
    app.jinja_env.globals["timed_out_until"] = moderation.timed_out_until
    app.jinja_env.globals["blocked_ids"] = blocks.blocked_ids
    app.jinja_env.globals["instance_name"] = instance_name
    app.jinja_env.globals["is_instance_admin"] = lambda: signed_in() and current_user.is_instance_admin
    app.jinja_env.globals.update(presence_of=presence_of, presence_label=presence_label)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
