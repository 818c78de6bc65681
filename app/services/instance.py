"""Running the instance: its settings (name, who may register), accounts and servers, for instance admins.

Every admin action goes to the instance audit log in its own transaction.
Settings are read on every page (the name is in the title), so each process
keeps them for a few seconds instead of asking the database each time; a
change reaches the other processes within that time.
"""
import time
from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import SERVER_KIND, InstanceAuditEntry, InstanceSetting, Server, User, utcnow
from app.services import attachments, servers, sessions, text
from app.services.errors import ValidationFailed, collect
from app.services.search import fold

REGISTRATION_OPEN, REGISTRATION_INVITE, REGISTRATION_CLOSED = "open", "invite", "closed"
REGISTRATION_POLICIES = (REGISTRATION_OPEN, REGISTRATION_INVITE, REGISTRATION_CLOSED)
DEFAULT_NAME = "Charla"
NAME_MAX = 60
CACHE_SECONDS = 5.0
PAGE_SIZE = 50

USER_DEACTIVATED, USER_REACTIVATED = "user.deactivated", "user.reactivated"
SERVER_DELETED, SETTINGS_CHANGED = "server.deleted", "settings.changed"
LABELS = {USER_DEACTIVATED: _l("Deactivated an account"), USER_REACTIVATED: _l("Reactivated an account"),
          SERVER_DELETED: _l("Deleted a server"), SETTINGS_CHANGED: _l("Changed the instance settings")}


@dataclass(frozen=True)
class Settings:
    name: str = DEFAULT_NAME
    registration: str = REGISTRATION_OPEN


_cache: dict[str, tuple[float, Settings]] = {}


def get_settings() -> Settings:
    """The instance's settings, at most CACHE_SECONDS old."""
    cached = _cache.get("settings")
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    stored = dict(db.session.execute(select(InstanceSetting.key, InstanceSetting.value)).all())
    settings = Settings(name=stored.get("name") or DEFAULT_NAME,
                        registration=stored.get("registration") or REGISTRATION_OPEN)
    remember(settings, CACHE_SECONDS)
    return settings


def remember(settings: Settings, seconds: float = float("inf")) -> None:
    """Keep these settings for `seconds` (the tests start each with the defaults of an empty database)."""
    _cache["settings"] = (time.monotonic() + seconds, settings)


def forget_settings() -> None:
    _cache.pop("settings", None)


def require_admin(user: User) -> None:
    """The admin area is for instance admins: 403 for everyone else."""
    if not user.is_instance_admin:
        abort(403)


def record(actor: User, action: str, *, user_id: int | None = None, server_id: int | None = None, **details) -> None:
    db.session.add(InstanceAuditEntry(actor_id=actor.id, action=action, target_user_id=user_id,
                                      target_server_id=server_id, details=details))


def check_name(raw: str | None) -> str:
    name = text.clean_line(raw)
    if not name:
        raise ValidationFailed({"name": _("Give the instance a name.")})
    if len(name) > NAME_MAX:
        raise ValidationFailed({"name": _("At most %(n)d characters.", n=NAME_MAX)})
    return name


def check_registration(raw: str | None) -> str:
    if raw not in REGISTRATION_POLICIES:
        raise ValidationFailed({"registration": _("Choose one of the listed policies.")})
    return raw


def update_settings(admin: User, data) -> Settings:
    require_admin(admin)
    values = collect(name=lambda: check_name(data.get("name")),
                     registration=lambda: check_registration(data.get("registration")))
    before = get_settings()
    for key, value in values.items():
        row = db.session.get(InstanceSetting, key)
        if row is None:
            db.session.add(InstanceSetting(key=key, value=value))
        else:
            row.value = value
    changed = {key: value for key, value in values.items() if getattr(before, key) != value}
    if changed:
        record(admin, SETTINGS_CHANGED, before={key: getattr(before, key) for key in changed}, after=changed)
    db.session.commit()
    forget_settings()
    return get_settings()


def search_users(admin: User, query: str | None, after: int | None = None) -> tuple[list[User], int | None]:
    """Accounts by id, PAGE_SIZE at a time by key; `query` a prefix of the username or email."""
    require_admin(admin)
    statement = select(User).where(User.deleted_at.is_(None)).order_by(User.id).limit(PAGE_SIZE + 1)
    prefix = text.clean_line(query).lower()[:254]
    if prefix:
        end = prefix + "\U0010ffff"
        statement = statement.where(or_(User.username_key.between(prefix, end), User.email.between(prefix, end)))
    if after is not None:
        statement = statement.where(User.id > after)
    rows = list(db.session.scalars(statement))
    return rows[:PAGE_SIZE], rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None


def search_servers(admin: User, query: str | None, after: int | None = None) -> tuple[list[Server], int | None]:
    """Servers (not direct conversations) by id, PAGE_SIZE at a time by key; `query` a prefix of the name."""
    require_admin(admin)
    statement = (select(Server).where(Server.kind == SERVER_KIND).order_by(Server.id).limit(PAGE_SIZE + 1))
    prefix = fold(query or "")[:100]
    if prefix:
        statement = statement.where(Server.name_key.between(prefix, prefix + "\U0010ffff"))
    if after is not None:
        statement = statement.where(Server.id > after)
    rows = list(db.session.scalars(statement))
    return rows[:PAGE_SIZE], rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None


def access_account(admin: User, user_id: int) -> User:
    require_admin(admin)
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        abort(404)
    return user


def deactivate(admin: User, user_id: int) -> User:
    """Stop an account: every session ends (its tabs close), it cannot sign in or be invited."""
    user = access_account(admin, user_id)
    if user.id == admin.id:
        raise ValidationFailed({"account": _("You cannot deactivate your own account.")}, status=409)
    if user.deactivated_at is None:
        user.deactivated_at = utcnow()
        sessions.end_other_sessions(user, keep=None)
        record(admin, USER_DEACTIVATED, user_id=user.id, username=user.username)
        db.session.commit()
    return user


def reactivate(admin: User, user_id: int) -> User:
    user = access_account(admin, user_id)
    if user.deactivated_at is not None:
        user.deactivated_at = None
        record(admin, USER_REACTIVATED, user_id=user.id, username=user.username)
        db.session.commit()
    return user


def delete_server(admin: User, server_id: int, confirm: str | None) -> None:
    """Delete any server (its members are told), once its name is typed again to confirm; on the instance log
    with its name and owner."""
    require_admin(admin)
    server = db.session.get(Server, server_id)
    if server is None or server.is_dm:
        abort(404)
    if text.clean_line(confirm) != server.name:
        raise ValidationFailed({"confirm": _("Type the server's name exactly to delete %(name)s.", name=server.name)})
    record(admin, SERVER_DELETED, server_id=server.id, name=server.name, owner_id=server.owner_id)
    files = servers.remove_server(server, admin.id)
    db.session.commit()
    attachments.remove_files(files)


def get_log(admin: User, before: int | None = None) -> tuple[list[InstanceAuditEntry], int | None]:
    require_admin(admin)
    statement = (select(InstanceAuditEntry).options(joinedload(InstanceAuditEntry.actor),
                                                    joinedload(InstanceAuditEntry.target_user))
                 .order_by(InstanceAuditEntry.id.desc()).limit(PAGE_SIZE + 1))
    if before is not None:
        statement = statement.where(InstanceAuditEntry.id < before)
    rows = list(db.session.scalars(statement))
    return rows[:PAGE_SIZE], rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None


def grant(username: str, on: bool = True) -> User:
    """Make (or unmake) an existing account an instance admin (the CLI: there is no admin to ask yet)."""
    user = db.session.scalar(select(User).where(User.username_key == username.strip().lower(),
                                                User.deleted_at.is_(None)))
    if user is None:
        raise ValidationFailed({"username": _("Nobody is called %(name)s.", name=username)})
    user.is_instance_admin = on
    db.session.commit()
    return user
