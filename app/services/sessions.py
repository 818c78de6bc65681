"""Signed-in sessions: one row per browser, so logging out, revoking one and
"log out everywhere" end it on the server, copied and remember-me cookies included.

The login cookie (and the remember-me cookie) carries `<user id>:<secret>`;
the table keeps only the secret's SHA-256. A session unseen for longer than
the remember-me lifetime has expired.
"""
import hashlib
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select
from ua_parser import parse as parse_user_agent

from app.extensions import db
from app.models import User, UserSession, utcnow
from app.services import events

# last_seen_at is written at most this often per session: a page view is not a write.
SEEN_EVERY = timedelta(minutes=5)
USER_AGENT_MAX = 255


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def lifetime() -> timedelta:
    return timedelta(seconds=current_app.config["REMEMBER_COOKIE_DURATION"])


def start_session(user: User, user_agent: str, ip: str) -> UserSession:
    """Open a session for `user` (a login or a registration); `user.get_id()` then names it."""
    now = utcnow()
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                 UserSession.last_seen_at < now - lifetime()))
    secret = secrets.token_urlsafe(32)
    session = UserSession(user_id=user.id, secret_hash=hash_secret(secret), created_at=now, last_seen_at=now,
                          user_agent=(user_agent or "")[:USER_AGENT_MAX], ip=(ip or "")[:45])
    db.session.add(session)
    db.session.commit()
    session.secret = secret
    user.current_session = session
    return session


def load_user(cookie_id: str) -> User | None:
    """Flask-Login's loader: the user of a live session named by `<user id>:<secret>`, else None."""
    user_id, _sep, secret = (cookie_id or "").partition(":")
    if not user_id.isascii() or not user_id.isdigit() or len(user_id) > 18 or not secret:
        return None
    row = db.session.execute(
        select(UserSession, User).join(User, User.id == UserSession.user_id)
        .where(UserSession.secret_hash == hash_secret(secret), UserSession.user_id == int(user_id))).first()
    if row is None:
        return None
    session, user = row
    now = utcnow()
    if user.deleted_at is not None or user.deactivated_at is not None or session.last_seen_at < now - lifetime():
        return None
    if now - session.last_seen_at > SEEN_EVERY:
        session.last_seen_at = now
        db.session.commit()
    session.secret = secret
    user.current_session = session
    return user


def get_sessions(user: User) -> list[UserSession]:
    """The user's live sessions, the most recently seen first."""
    return list(db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id,
                                  UserSession.last_seen_at >= utcnow() - lifetime())
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def end_sessions(user: User, session_ids: list[int]) -> None:
    """End some of the user's sessions, in the caller's transaction: their streams close."""
    if not session_ids:
        return
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                 UserSession.id.in_(session_ids)))
    events.record_event(events.SESSIONS_REVOKED, user_id=user.id, sessions=sorted(session_ids))


def end_other_sessions(user: User, keep: UserSession | None) -> None:
    """End every session of the user but `keep` (none: every one), in the caller's transaction."""
    ids = db.session.scalars(select(UserSession.id).where(UserSession.user_id == user.id))
    end_sessions(user, [session_id for session_id in ids if keep is None or session_id != keep.id])


def log_out(user: User) -> None:
    """End the session this request came with."""
    if user.current_session is not None:
        end_sessions(user, [user.current_session.id])
        db.session.commit()


def log_out_everywhere(user: User) -> None:
    end_other_sessions(user, keep=None)
    db.session.commit()


def revoke_session(user: User, session_id: int) -> None:
    """End one of the user's own sessions (404 for anyone else's)."""
    exists = db.session.scalar(select(UserSession.id).where(UserSession.id == session_id,
                                                            UserSession.user_id == user.id))
    if exists is None:
        abort(404)
    end_sessions(user, [session_id])
    db.session.commit()


@lru_cache(maxsize=256)
def browser_and_system(user_agent: str) -> tuple[str | None, str | None]:
    parsed = parse_user_agent(user_agent)
    return (parsed.user_agent.family if parsed.user_agent else None,
            parsed.os.family if parsed.os else None)


def describe_device(user_agent: str) -> str:
    """"Firefox on Linux" from a User-Agent string; the raw string's start if unknown."""
    browser, system = browser_and_system(user_agent or "")
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or (user_agent[:40] if user_agent else _("Unknown device"))


def is_current(user: User, session: UserSession) -> bool:
    return user.current_session is not None and user.current_session.id == session.id


def seen_recently(session: UserSession, now: datetime | None = None) -> bool:
    return (now or utcnow()) - session.last_seen_at <= SEEN_EVERY
