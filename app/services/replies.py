"""Replies: which message a new one answers, who is told of it, and its one-line preview."""
import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from app.extensions import db
from app.models import Message
from app.services.errors import ValidationFailed

EXCERPT_MAX = 100
MARKUP_RE = re.compile(r"```\w*|\*\*|__|~~|\|\||`|^>\s?", re.MULTILINE)


def check_reply_to(raw: str | int | None, channel_id: int) -> Message | None:
    """The message a new one answers: one in the same channel, or None when not a reply."""
    if raw in (None, ""):
        return None
    try:
        reply_to_id = int(raw)
    except (TypeError, ValueError):
        reply_to_id = 0
    original = None
    if 0 < reply_to_id < 2 ** 63:
        original = db.session.scalar(select(Message).options(joinedload(Message.author), lazyload(Message.mentions))
                                     .where(Message.id == reply_to_id, Message.channel_id == channel_id))
    if original is None:
        raise ValidationFailed({"reply_to": _("The message you are replying to is not in this channel any more.")})
    return original


def find_reply_target(raw: str | int | None, channel_id: int) -> Message | None:
    """The message `raw` names in the channel, or None (a form shown again keeps its reply)."""
    try:
        return check_reply_to(raw, channel_id)
    except ValidationFailed:
        return None


def to_tell(original: Message | None, replier_id: int, mentioned: set[int], notify: bool) -> set[int]:
    """Who hears of the reply: the answered author, unless the replier said not to, answered
    themselves, already mentions them (told once, as a mention) or the account is gone."""
    if (original is None or not notify or original.author_id == replier_id or original.author_id in mentioned
            or original.author.deleted_at is not None):
        return set()
    return {original.author_id}


def excerpt(content: str, limit: int = EXCERPT_MAX) -> str:
    """One line of plain text from a message's source: markup signs and line breaks out."""
    text = " ".join(MARKUP_RE.sub("", content).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
