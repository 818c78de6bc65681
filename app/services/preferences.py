"""Preferences: the theme and desktop notifications of a user, the notification level per server."""
from flask import abort
from sqlalchemy import select

from app.extensions import db
from app.models import Membership, User
from app.services import servers

THEMES = ("system", "light", "dark")
LEVEL_ALL, LEVEL_MENTIONS, LEVEL_NOTHING = "all", "mentions", "nothing"
LEVELS = (LEVEL_ALL, LEVEL_MENTIONS, LEVEL_NOTHING)
# Who may start a direct message with a user (services.direct checks it).
DM_MEMBERS, DM_NOBODY = "members", "nobody"
DM_POLICIES = (DM_MEMBERS, DM_NOBODY)


def check_choice(raw: str | None, choices: tuple[str, ...]) -> str:
    """One of the choices the form offers; anything else is a forged request (400)."""
    if raw not in choices:
        abort(400)
    return raw


def update_preferences(user: User, data) -> User:
    """Save the theme, whether desktop notifications are on, and who may start a direct message."""
    theme = check_choice(data.get("theme"), THEMES)
    desktop = check_choice(data.get("desktop_notifications", "off"), ("on", "off"))
    # A form without the field (an older page) keeps the choice.
    dm_policy = check_choice(data.get("dm_policy", user.dm_policy), DM_POLICIES)
    user.theme, user.desktop_notifications, user.dm_policy = theme, desktop == "on", dm_policy
    db.session.commit()
    return user


def set_notify_level(user: User, server_id: int, data) -> Membership:
    """The member chooses which messages of the server notify them; outsiders get 404."""
    membership = servers.access_membership(user, server_id)
    membership.notify_level = check_choice(data.get("level"), LEVELS)
    db.session.commit()
    return membership


def get_levels(server_id: int, user_ids) -> dict[int, str]:
    """The notification level of each of these members (non-members are left out)."""
    if not user_ids:
        return {}
    return dict(db.session.execute(
        select(Membership.user_id, Membership.notify_level)
        .where(Membership.server_id == server_id, Membership.user_id.in_(list(user_ids)))).all())


def get_notified_of_all(server_id: int) -> set[int]:
    """Members who want a desktop notification for every message of the server."""
    return set(db.session.scalars(
        select(Membership.user_id).join(User, User.id == Membership.user_id)
        .where(Membership.server_id == server_id, Membership.notify_level == LEVEL_ALL,
               User.desktop_notifications.is_(True))))
