"""Reactions: an emoji a member puts on a message, shown as chips with counts."""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Message, MessageReaction, User
from app.services import emojis, events, moderation, servers
from app.services.errors import ValidationFailed
from app.services.messages import access_message
from app.services.transactions import retried

MAX_DISTINCT = 20  # different emoji on one message
NAMES_SHOWN = 2    # "Ana, Bruno and 3 others"
RECENT = 12        # the picker's "recently used"


@dataclass
class Chip:
    """One emoji on a message: who put it there, in order."""
    emoji: str
    user_ids: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.user_ids)

    @property
    def label(self) -> str:
        found = emojis.by_char(self.emoji)
        return found.label if found else self.emoji

    @property
    def who(self) -> str:
        """ "Ana", "Ana and Bruno", "Ana, Bruno and 3 others"."""
        if self.count <= NAMES_SHOWN + 1:
            if self.count == 1:
                return self.names[0]
            return _("%(names)s and %(last)s", names=", ".join(self.names[:-1]), last=self.names[-1])
        others = self.count - NAMES_SHOWN
        return ngettext("%(names)s and %(num)d other", "%(names)s and %(num)d others", others,
                        names=", ".join(self.names[:NAMES_SHOWN]))


def name_of(user: User) -> str:
    """The reactor's name as chips show it; a deleted account in the reader's language."""
    if user.deleted_at is not None:
        return _("Deleted user")
    return user.display_name or user.username


def chips(message: Message) -> list[Chip]:
    """The message's reactions grouped by emoji, in order of first use (reactions and their users loaded)."""
    by_emoji: dict[str, Chip] = {}
    for reaction in message.reactions:
        chip = by_emoji.setdefault(reaction.emoji, Chip(reaction.emoji))
        chip.user_ids.append(reaction.user_id)
        chip.names.append(name_of(reaction.user))
    return list(by_emoji.values())


def check_emoji(raw: str | None) -> str:
    found = emojis.by_char((raw or "").strip())
    if found is None:
        raise ValidationFailed({"emoji": _("Choose an emoji from the list.")})
    return found.char


@retried
def react(user: User, message_id: int, raw_emoji: str | None, on: bool | None = None) -> Message:
    """Add (`on`), remove (not `on`) or toggle (None) the user's emoji on a message they can see."""
    message, channel = access_message(user, message_id)
    emoji = check_emoji(raw_emoji)
    mine = db.session.get(MessageReaction, (message.id, emoji, user.id))
    if on is None:
        on = mine is None
    if on and mine is None:
        moderation.check_can_write(servers.access_membership(user, channel.server_id), field="emoji")
        present = set(db.session.scalars(select(MessageReaction.emoji).where(MessageReaction.message_id == message.id)
                                         .group_by(MessageReaction.emoji)))
        if emoji not in present and len(present) >= MAX_DISTINCT:
            raise ValidationFailed({"emoji": _("A message can have at most %(n)d different reactions.",
                                               n=MAX_DISTINCT)})
        db.session.add(MessageReaction(message_id=message.id, emoji=emoji, user_id=user.id))
    elif not on and mine is not None:
        db.session.execute(delete(MessageReaction).where(MessageReaction.message_id == message.id,
                                                         MessageReaction.emoji == emoji,
                                                         MessageReaction.user_id == user.id))
    else:
        return message  # already as asked: nothing to tell anyone
    events.record_event(events.MESSAGE_REACTIONS, server_id=channel.server_id, channel_id=channel.id,
                        message_id=message.id)
    try:
        db.session.commit()
    except IntegrityError:  # the same reaction added at once from another tab: it is there
        db.session.rollback()
    return message


def recent_emoji(user: User) -> list[str]:
    """The user's most recently used reactions, then the usual ones: the picker's first row."""
    used = db.session.execute(
        select(MessageReaction.emoji, func.max(MessageReaction.created_at).label("last"))
        .where(MessageReaction.user_id == user.id).group_by(MessageReaction.emoji)
        .order_by(func.max(MessageReaction.created_at).desc()).limit(RECENT)).all()
    ordered = [row.emoji for row in used]
    ordered += [e for e in emojis.FREQUENT if e not in ordered]
    return ordered[:RECENT]
