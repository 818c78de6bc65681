"""Reactions: one emoji per user per message, shown as chips that count them.

A chip lists who reacted (their ids for the page's script, their names for
its accessible name); whether the viewer is among them is decided in the
browser, since live frames are rendered once per audience, not per viewer.
"""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Message, MessageReaction, User
from app.services import emojis, events
from app.services.errors import ValidationFailed
from app.services.messages import access_message, displayed
from app.services.transactions import retried

MAX_DISTINCT = 20  # different emoji on one message; joining one of them is always allowed
NAMES_SHOWN = 2    # "Ana, Bruno and 3 others"
RECENT_LIMIT = 12  # the user's own recent emoji at the top of the picker


class TooManyEmoji(ValidationFailed):
    """The message already carries MAX_DISTINCT different emoji."""


@dataclass
class Chip:
    emoji: str
    label: str                       # "thumbs up"
    user_ids: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.user_ids)

    @property
    def who(self) -> str:
        """ "Ana", "Ana and Bruno", "Ana, Bruno and 3 others". """
        return who_reacted(self.names)


def who_reacted(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return _("%(first)s and %(second)s", first=names[0], second=names[1])
    others = len(names) - NAMES_SHOWN
    return ngettext("%(names)s and %(num)d other", "%(names)s and %(num)d others", others,
                    names=", ".join(names[:NAMES_SHOWN]))


def display_name(user: User) -> str:
    return _("Deleted user") if user.deleted_at else user.display_name


def chips(message: Message) -> list[Chip]:
    """The message's chips in order of first use (its reactions are loaded by `displayed()`)."""
    by_emoji: dict[str, Chip] = {}
    for reaction in message.reactions:
        chip = by_emoji.get(reaction.emoji)
        if chip is None:
            found = emojis.by_char(reaction.emoji)
            chip = by_emoji[reaction.emoji] = Chip(reaction.emoji, found.label if found else reaction.emoji)
        chip.user_ids.append(reaction.user_id)
        chip.names.append(display_name(reaction.user))
    return list(by_emoji.values())


def check_emoji(raw: str | None) -> str:
    """The emoji as stored (its fully qualified form), or ValidationFailed for anything else."""
    found = emojis.by_char((raw or "").strip())
    if found is None or len(found.char) > emojis.MAX_EMOJI_CHARS:
        raise ValidationFailed({"emoji": _("That is not an emoji we know. Pick one from the list.")})
    return found.char


def _record(message: Message, server_id: int) -> None:
    events.record_event(events.MESSAGE_REACTIONS, server_id=server_id, channel_id=message.channel_id,
                        message_id=message.id)


def _has(user: User, message_id: int, emoji: str) -> bool:
    return db.session.get(MessageReaction, (message_id, emoji, user.id)) is not None


@retried
def add_reaction(user: User, message_id: int, raw_emoji: str | None) -> Message:
    """React with an emoji (nothing changes if the user already did); returns the message."""
    message, channel = access_message(user, message_id)
    emoji = check_emoji(raw_emoji)
    if _has(user, message.id, emoji):
        return message
    distinct = set(db.session.scalars(select(MessageReaction.emoji).distinct()
                                      .where(MessageReaction.message_id == message.id)))
    if emoji not in distinct and len(distinct) >= MAX_DISTINCT:
        raise TooManyEmoji({"emoji": _("A message can carry at most %(n)d different emoji: "
                                       "join one of those already there.", n=MAX_DISTINCT)})
    db.session.add(MessageReaction(message_id=message.id, emoji=emoji, user_id=user.id))
    _record(message, channel.server_id)
    try:
        db.session.commit()
    except IntegrityError:  # the same reaction committed by a concurrent request (a double click)
        db.session.rollback()
    return message


@retried
def remove_reaction(user: User, message_id: int, raw_emoji: str | None) -> Message:
    """Take one's reaction back (nothing changes if there was none); returns the message."""
    message, channel = access_message(user, message_id)
    emoji = check_emoji(raw_emoji)
    reaction = db.session.get(MessageReaction, (message.id, emoji, user.id))
    if reaction is not None:
        db.session.delete(reaction)
        _record(message, channel.server_id)
        db.session.commit()
    return message


def toggle_reaction(user: User, message_id: int, raw_emoji: str | None) -> Message:
    """Add the reaction if the user has not made it, remove it if they have."""
    message, _channel = access_message(user, message_id)
    emoji = check_emoji(raw_emoji)
    if _has(user, message.id, emoji):
        return remove_reaction(user, message_id, emoji)
    return add_reaction(user, message_id, emoji)


def load_for_bar(message_id: int) -> Message | None:
    """The message with its reactions as they are now (after a write), for its reaction bar."""
    return db.session.execute(select(Message).options(*displayed()).where(Message.id == message_id)
                              .execution_options(populate_existing=True)).scalar()


def recent_emoji(user: User, limit: int = RECENT_LIMIT) -> list[str]:
    """The emoji the user reacted with lately, newest first, each once."""
    rows = db.session.execute(
        select(MessageReaction.emoji, func.max(MessageReaction.created_at).label("last"))
        .where(MessageReaction.user_id == user.id).group_by(MessageReaction.emoji)
        .order_by(func.max(MessageReaction.created_at).desc()).limit(limit))
    return [row.emoji for row in rows]


def picker_emoji(user: User, query: str = "") -> list[emojis.Emoji]:
    """What the picker shows: for no query the user's recent emoji then the frequent ones, else a search."""
    if query.strip():
        return emojis.search(query, limit=60)
    chosen: list[emojis.Emoji] = []
    for char in [*recent_emoji(user), *emojis.FREQUENT]:
        found = emojis.by_char(char)
        if found is not None and found not in chosen:
            chosen.append(found)
    return chosen
