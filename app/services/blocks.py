"""Blocking another user: a person's own shield, checked wherever they could reach you.

Their messages fold away ("Blocked message", shown on request) in your tabs;
they cannot invite you, mention you into a notification, or start (or
write in) a direct conversation with just you.
"""
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import and_, delete, or_, select

from app.extensions import db
from app.models import Block, User
from app.services import profiles
from app.services.errors import ValidationFailed


def block(user: User, other_id: int) -> User:
    """Block someone you can see (share a server or conversation with); 404 for strangers."""
    other, _shared = profiles.access_profile_card(user, other_id)
    if other.id == user.id:
        raise ValidationFailed({"block": _("You cannot block yourself.")}, status=400)
    if db.session.get(Block, (user.id, other.id)) is None:
        db.session.add(Block(user_id=user.id, blocked_id=other.id))
        db.session.commit()
    return other


def unblock(user: User, other_id: int) -> None:
    if not db.session.execute(delete(Block).where(Block.user_id == user.id, Block.blocked_id == other_id)).rowcount:
        abort(404)
    db.session.commit()


def get_blocked(user: User) -> list[User]:
    """Whom `user` blocked, by name (the profile lists them to unblock)."""
    return list(db.session.scalars(select(User).join(Block, Block.blocked_id == User.id)
                                   .where(Block.user_id == user.id).order_by(User.username_key)))


def blocked_ids(user_id: int) -> set[int]:
    return set(db.session.scalars(select(Block.blocked_id).where(Block.user_id == user_id)))


def has_blocked(user_id: int, other_id: int) -> bool:
    return db.session.get(Block, (user_id, other_id)) is not None


def blockers_among(author_id: int, user_ids) -> set[int]:
    """Which of `user_ids` blocked `author_id` (their notifications of the author are not written)."""
    if not user_ids:
        return set()
    return set(db.session.scalars(select(Block.user_id).where(Block.blocked_id == author_id,
                                                              Block.user_id.in_(list(user_ids)))))


def between(a: int, b: int) -> bool:
    """Whether either of the two blocked the other."""
    return db.session.scalar(select(Block.user_id).where(or_(and_(Block.user_id == a, Block.blocked_id == b),
                                                             and_(Block.user_id == b, Block.blocked_id == a)))
                             .limit(1)) is not None
