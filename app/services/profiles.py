"""Profiles: personal data, avatar, email, password, account deletion."""
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import and_, delete, select, update

from app.extensions import db
from app.models import ROLE_OWNER, Attachment, Membership, Server, User, utcnow
from app.services import accounts, attachments, avatars, events, passwords, sessions, text
from app.services.errors import ValidationFailed, collect

BIO_MAX = 190
LOCALES = ("en", "es")


def get_user_servers_ids(user_id: int) -> list[int]:
    return list(db.session.scalars(select(Membership.server_id).where(Membership.user_id == user_id)))


def announce_profile(user: User) -> None:
    """Every server the user is in hears the new name and avatar (same transaction)."""
    for server_id in get_user_servers_ids(user.id):
        events.record_event(events.USER_UPDATED, server_id=server_id, user_id=user.id)


def access_profile_card(viewer: User, user_id: int) -> tuple[User, list[Server]]:
    """A user and the servers the viewer shares with them; 404 for strangers (no server or conversation shared)."""
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        abort(404)
    mine = select(Membership.server_id).where(Membership.user_id == viewer.id)
    shared = list(db.session.scalars(
        select(Server).join(Membership, and_(Membership.server_id == Server.id, Membership.user_id == user_id))
        .where(Server.id.in_(mine)).order_by(Server.name)))
    if user.id != viewer.id and not shared:
        abort(404)
    # A direct conversation also lets its people see each other's cards, but it is no "server in common".
    return user, [server for server in shared if not server.is_dm]


def check_bio(raw: str | None) -> str:
    bio = text.clean_multiline(raw)
    if len(bio) > BIO_MAX:
        raise ValidationFailed({"bio": _("At most %(n)d characters.", n=BIO_MAX)})
    return bio


def check_locale(raw: str | None) -> str | None:
    """A language of the interface, or None for the browser's."""
    locale = text.clean_line(raw)
    if locale not in ("",) + LOCALES:
        raise ValidationFailed({"locale": _("Choose a language from the list.")})
    return locale or None


def update_personal(user: User, data) -> User:
    """Save display name, names, birth date, bio and language."""
    values = collect(
        **accounts.name_checks(data),
        birth_date=lambda: accounts.check_birth_date(data.get("birth_date"), required=False),
        bio=lambda: check_bio(data.get("bio")),
        locale=lambda: check_locale(data.get("locale")),
    )
    announce = values["display_name"] != user.display_name
    user.display_name, user.first_name, user.last_name = (values["display_name"], values["first_name"],
                                                          values["last_name"])
    user.birth_date, user.bio, user.locale = values["birth_date"], values["bio"], values["locale"]
    if announce:
        announce_profile(user)
    db.session.commit()
    return user


def set_avatar(user: User, data: bytes) -> User:
    """Store a new avatar (validated and re-encoded) and drop the old files."""
    old = user.avatar_key
    user.avatar_key = avatars.store_avatar(data)
    announce_profile(user)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        avatars.remove_avatar_files(user.avatar_key)
        raise
    avatars.remove_avatar_files(old)
    return user


def remove_avatar(user: User) -> User:
    old = user.avatar_key
    if old:
        user.avatar_key = None
        announce_profile(user)
        db.session.commit()
        avatars.remove_avatar_files(old)
    return user


def check_current_password(user: User, password: str | None) -> None:
    """Raise ValidationFailed unless `password` is the user's."""
    if not passwords.verify(user.password_hash, password or ""):
        raise ValidationFailed({"current_password": _("That is not your current password.")})


def change_email(user: User, data) -> User:
    """A new address (needs the current password)."""
    check_current_password(user, data.get("current_password"))
    user.email = accounts.check_new_email(data.get("email"), user)
    db.session.commit()
    return user


def change_password(user: User, data) -> User:
    """New password; every other session of the user is signed out and its streams closed."""
    check_current_password(user, data.get("current_password"))
    new = accounts.check_new_password(data.get("new_password") or "", user.username, user.email, "new_password")
    user.password_hash = passwords.hash_password(new)
    sessions.end_other_sessions(user, keep=user.current_session)
    db.session.commit()
    return user


def owned_servers(user: User) -> list[Server]:
    return list(db.session.scalars(
        select(Server).join(Membership, Membership.server_id == Server.id)
        .where(Membership.user_id == user.id, Membership.role == ROLE_OWNER).order_by(Server.name)))


def delete_account(user: User, data) -> None:
    """Erase the person: memberships end, messages stay as "Deleted user"."""
    check_current_password(user, data.get("password"))
    owned = owned_servers(user)
    if owned:
        raise ValidationFailed({"password": _("Delete or hand over your servers first: %(names)s.",
                                              names=", ".join(server.name for server in owned))})
    for server_id in get_user_servers_ids(user.id):
        db.session.execute(update(Server).where(Server.id == server_id)
                           .values(member_count=Server.member_count - 1))
        events.record_event(events.MEMBER_LEFT, server_id=server_id, user_id=user.id)
        events.record_event(events.USER_UPDATED, server_id=server_id, user_id=user.id)
    db.session.execute(delete(Membership).where(Membership.user_id == user.id))
    # Their files go with them (the messages stay, as "Deleted user").
    files = attachments.stored_keys(Attachment.uploader_id == user.id)
    db.session.execute(delete(Attachment).where(Attachment.uploader_id == user.id))
    old_avatar = user.avatar_key
    placeholder = f"deleted-{user.id}"
    user.username = user.username_key = placeholder
    user.email = f"{placeholder}@deleted.invalid"
    user.display_name = "Deleted user"  # shown translated by the templates
    user.first_name = user.last_name = user.bio = ""
    user.birth_date = user.locale = user.avatar_key = None
    user.password_hash = "!"  # matches no password
    user.deleted_at = utcnow()
    sessions.end_other_sessions(user, keep=None)
    db.session.commit()
    avatars.remove_avatar_files(old_avatar)
    attachments.remove_files(files)
