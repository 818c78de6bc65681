"""@mentions: which members a message names (services.formatting highlights them)."""
import re

from sqlalchemy import select

from app.extensions import db
from app.models import Membership, Message, MessageMention, User
from app.services.servers import access_membership

# "@" + a username (see accounts.USERNAME_RE), not inside a word or an e-mail address.
MENTION_RE = re.compile(r"(?<![\w@.])@([A-Za-z0-9._-]{3,32})")
MAX_MENTIONS = 20


def candidate_keys(content: str) -> list[str]:
    """Lower-cased usernames after "@", in order; "@ana." also tries "ana"."""
    keys: list[str] = []
    for match in MENTION_RE.finditer(content):
        raw = match.group(1).lower()
        for key in (raw, raw.rstrip("._-")):
            if len(key) >= 3 and key not in keys:
                keys.append(key)
    return keys[:MAX_MENTIONS * 2]


def resolve(server_id: int, author_id: int, content: str) -> dict[int, str]:
    """Members of the server named in `content` (user id -> username key), author excluded.

    Names of non-members, unknown users and deleted accounts mention nobody.
    """
    keys = candidate_keys(content)
    if not keys:
        return {}
    rows = db.session.execute(
        select(User.id, User.username_key).join(Membership, Membership.user_id == User.id)
        .where(Membership.server_id == server_id, User.username_key.in_(keys),
               User.id != author_id, User.deleted_at.is_(None))).all()
    found = dict(rows)
    # A name and its trimmed form may both exist ("ana." and "ana"): the longer, as typed, wins.
    by_key = {key: user_id for user_id, key in found.items()}
    chosen: dict[int, str] = {}
    for match in MENTION_RE.finditer(content):
        raw = match.group(1).lower()
        key = raw if raw in by_key else raw.rstrip("._-")
        if key in by_key and by_key[key] not in chosen and len(chosen) < MAX_MENTIONS:
            chosen[by_key[key]] = key
    return chosen


def sync(message: Message, mentioned: dict[int, str]) -> set[int]:
    """Make the message's mention rows match `mentioned`; returns the newly mentioned user ids."""
    current = {m.user_id: m for m in message.mentions}
    for user_id, row in current.items():
        if user_id not in mentioned:
            message.mentions.remove(row)
    added = set()
    for user_id, key in mentioned.items():
        if user_id not in current:
            message.mentions.append(MessageMention(user_id=user_id, channel_id=message.channel_id,
                                                   username_key=key))
            added.add(user_id)
    return added


SUGGESTIONS = 8
PREFIX_RE = re.compile(r"^[A-Za-z0-9._-]{0,32}$")


def suggest(user: User, server_id: int, prefix: str) -> list[User]:
    """Members of the server whose username starts with `prefix`, for the composer's "@" list.

    A range on the lower-cased username (an index range on every backend,
    unlike a case-insensitive LIKE on SQLite).
    """
    access_membership(user, server_id)
    prefix = (prefix or "").lower()
    if not PREFIX_RE.match(prefix):
        return []
    query = (select(User).join(Membership, Membership.user_id == User.id)
             .where(Membership.server_id == server_id, User.deleted_at.is_(None), User.deactivated_at.is_(None),
                    User.id != user.id)
             .order_by(User.username_key).limit(SUGGESTIONS))
    if prefix:
        query = query.where(User.username_key >= prefix, User.username_key < prefix + "\U0010ffff")
    return list(db.session.scalars(query))
